"""Addresses as nianbao asks for, stores and shows them.

Only web addresses (http or https, with a host) are crawled or made clickable: a
registry cell or a crawled link saying ``javascript:``, ``file://`` or ``ftp://`` is
neither fetched nor rendered as a link. No stored address keeps the tabs and line
breaks a spreadsheet cell or a CMS's ``href`` may carry (browsers drop them too).
"""

from __future__ import annotations

from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")
# Removed from anywhere in an address: tab, line feed, carriage return and the other
# line breaks (vertical tab, form feed, NEL, LINE and PARAGRAPH SEPARATOR).
STRAY = dict.fromkeys(map(ord, "\t\n\r\v\f\x85\u2028\u2029"))
# How much of a refused address a one-line message quotes.
QUOTED = 80


def clean(url: str) -> str:
    """The address without stray line breaks or surrounding blanks."""
    return url.translate(STRAY).strip()


def refusal(url: str) -> str | None:
    """Why an address is not one to fetch or link to, in one line; None for a web address."""
    address = clean(url)
    shown = address[:QUOTED] + ("…" if len(address) > QUOTED else "")
    try:
        parts = urlsplit(address)
        if parts.scheme.lower() not in WEB_SCHEMES:
            return f"not an http(s) address: {shown!r}"
        if not parts.hostname:
            return f"no host in the address: {shown!r}"
        parts.port  # raises ValueError for a port that is no number or out of range
    except ValueError:
        return f"malformed address: {shown!r}"
    return None


def is_web(url: str) -> bool:
    return refusal(url) is None
