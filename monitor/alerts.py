"""`nianbao alert`: one digest e-mail per recipient group of the flags not yet mailed.

Who gets what is data (settings ``smtp.to``, ``smtp.operator``, ``routes``); each address
collects the flags meant for it, and addresses that would get the same flags share one
message. A flag is marked sent only after the server accepted every message it was in, so
an SMTP failure leaves it for the next run. Crawled text (agency names, messages, URLs)
goes into the body only, HTML-escaped; headers hold nothing but our own words and counts.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections import defaultdict
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape
from pathlib import Path
from typing import Any, Iterable

import sqlite_utils

from monitor.rules import KIND_NAMES
from nianbao import urls
from nianbao.datasette_links import FILES_ROUTE
from nianbao.errors import UserError
from nianbao.store import now

log = logging.getLogger(__name__)

UNSENT_SQL = """
    select f.id, f.agency_id, coalesce(f.agency_name, a.agency_name, f.agency_id) as agency_name, f.year,
           f.kind, f.rule, f.message, f.report_url, f.audience,
           coalesce(f.region_code, a.region_code, '') as region_code,
           coalesce(a.region_name, '') as region_name,
           r.url as source_url, r.file_url, r.sha256
    from flags f
    left join agencies a on a.agency_id = f.agency_id
    left join reports r on r.agency_id = f.agency_id and r.year = f.year
    where f.sent_at is null and f.resolved_at is null
    order by region_code, agency_name, f.year, f.kind, f.rule
"""

class AlertError(UserError):
    """The digest could not be sent; the message is one line and names no password."""


@dataclass(frozen=True)
class Digest:
    recipients: tuple[str, ...]
    flags: tuple[dict[str, Any], ...]


def _one_line(text: Any) -> str:
    return " ".join(str(text or "").split())


def _routes_for(flag: dict[str, Any], settings: dict[str, Any]) -> set[str]:
    """Every address that should see this flag."""
    smtp = settings["smtp"]
    if flag["audience"] == "operator":
        return set(smtp.get("operator") or smtp.get("to") or [])
    addresses = set(smtp.get("to") or [])
    for route in settings.get("routes") or []:
        regions, kinds = route.get("regions"), route.get("kinds")
        if regions and flag["region_code"] not in regions:
            continue
        if kinds and flag["kind"] not in kinds:
            continue
        addresses.update(route.get("to") or [])
    return addresses


def plan_digests(flags: Iterable[dict[str, Any]], settings: dict[str, Any]) -> tuple[list[Digest], list[dict]]:
    """(one digest per group of addresses that get the same flags, flags nobody gets)."""
    per_address: dict[str, list[dict[str, Any]]] = defaultdict(list)
    orphans = []
    for flag in flags:
        addresses = _routes_for(flag, settings)
        if not addresses:
            orphans.append(flag)
        for address in addresses:
            per_address[address].append(flag)
    groups: dict[tuple[int, ...], list[str]] = defaultdict(list)
    by_ids: dict[tuple[int, ...], tuple[dict[str, Any], ...]] = {}
    for address, chosen in per_address.items():
        ids = tuple(f["id"] for f in chosen)
        groups[ids].append(address)
        by_ids[ids] = tuple(chosen)
    digests = [Digest(tuple(sorted(addresses)), by_ids[ids]) for ids, addresses in groups.items()]
    return sorted(digests, key=lambda d: d.recipients), orphans


def _links(flag: dict[str, Any], base_url: str) -> list[tuple[str, str]]:
    """(label, URL) for the report, its stored copy, its source page and the flag's Datasette row.

    ``base_url`` is Datasette's address with the database name, e.g. ``http://host:8001/reports``.
    """
    site = base_url.rsplit("/", 1)[0]
    links = [
        ("报告 report", flag["file_url"]),
        ("存档 stored file", f"{site}{FILES_ROUTE}{flag['sha256']}" if flag["sha256"] else None),
        ("原网页 source page", flag["source_url"] or flag["report_url"]),
        ("Datasette", f"{base_url}/flags/{flag['id']}"),
    ]
    return [(label, url) for label, url in links if url]


def _anchor(label: str, url: str) -> str:
    """A link only to a web address: a crawled ``javascript:`` or ``file:`` URL stays text."""
    if urls.is_web(url):
        return f'<a href="{escape(url)}">{escape(label)}</a>'
    return f"{escape(label)}: {escape(url)}"


def _grouped(flags: Iterable[dict[str, Any]]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """county → agency → flags, in the order the query gave."""
    tree: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for flag in flags:
        county = flag["region_name"] or flag["region_code"] or "—"
        tree.setdefault(county, {}).setdefault(flag["agency_name"], []).append(flag)
    return tree


def _headline(flag: dict[str, Any]) -> str:
    kind = f"{KIND_NAMES[flag['kind']]} {flag['kind']}" if flag["kind"] in KIND_NAMES else flag["kind"]
    rule = f" · {flag['rule']}" if flag["rule"] and flag["rule"] != flag["kind"] else ""
    return f"{flag['year']} {kind}{rule}"


def render_text(digest: Digest, base_url: str) -> str:
    lines = [f"{len(digest.flags)} new flag(s) 新问题", ""]
    for county, agencies in _grouped(digest.flags).items():
        lines += [f"== {_one_line(county)} ==", ""]
        for agency, flags in agencies.items():
            lines.append(f"-- {_one_line(agency)}")
            for flag in flags:
                lines.append(f"  * {_one_line(_headline(flag))}: {_one_line(flag['message'])}")
                lines += [f"      {label}: {_one_line(url)}" for label, url in _links(flag, base_url)]
            lines.append("")
    return "\n".join(lines)


def render_html(digest: Digest, base_url: str) -> str:
    parts = [f"<html><body><p>{len(digest.flags)} new flag(s) 新问题</p>"]
    for county, agencies in _grouped(digest.flags).items():
        parts.append(f"<h2>{escape(county)}</h2>")
        for agency, flags in agencies.items():
            parts.append(f"<h3>{escape(agency)}</h3><ul>")
            for flag in flags:
                links = " · ".join(_anchor(label, url) for label, url in _links(flag, base_url))
                parts.append(f"<li><b>{escape(_headline(flag))}</b>: {escape(flag['message'] or '')}<br>{links}</li>")
            parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def datasette_url(db: sqlite_utils.Database, settings: dict[str, Any]) -> str:
    """Datasette names a database after its file: data/reports.db is served at /reports."""
    filename = db.execute("pragma database_list").fetchone()[2]
    return f"{settings['datasette']['base_url'].rstrip('/')}/{Path(filename).stem if filename else 'reports'}"


def build_message(digest: Digest, settings: dict[str, Any], base_url: str) -> EmailMessage:
    counties = len({f["region_code"] for f in digest.flags})
    message = EmailMessage()
    message["Subject"] = f"nianbao: {len(digest.flags)} new flag(s) in {counties} county(ies) 年报监测提醒"
    message["From"] = settings["smtp"]["from"]
    message["To"] = ", ".join(digest.recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="nianbao.local")
    message.set_content(render_text(digest, base_url))
    message.add_alternative(render_html(digest, base_url), subtype="html")
    return message


def preview(message: EmailMessage) -> str:
    """The headers and the plain-text part as a person reads them (the wire form is encoded)."""
    headers = "\n".join(f"{name}: {value}" for name, value in message.items())
    html = len(message.get_body(("html",)).get_content())
    return f"{headers}\n\n{message.get_body(('plain',)).get_content()}\n[+ HTML alternative, {html} characters]\n"


def _connect(smtp: dict[str, Any]) -> smtplib.SMTP:
    timeout = float(smtp.get("timeout") or 30)
    if smtp["security"] == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(smtp["host"], smtp["port"], timeout=timeout,
                                                context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(smtp["host"], smtp["port"], timeout=timeout)
        if smtp["security"] == "starttls":
            client.starttls(context=ssl.create_default_context())
    if smtp.get("user"):
        client.login(smtp["user"], smtp.get("password") or "")
    return client


def _send(messages: list[tuple[Digest, EmailMessage]], smtp: dict[str, Any]) -> list[Digest]:
    """Send every message in one session; the digests the server accepted, in order."""
    log.info("sending %d digest(s) via %s:%s (%s%s)", len(messages), smtp["host"], smtp["port"], smtp["security"],
             f", user {smtp['user']}" if smtp.get("user") else ", no login")
    accepted = []
    with _connect(smtp) as client:
        for digest, message in messages:
            refused = client.send_message(message, from_addr=smtp["from"], to_addrs=list(digest.recipients))
            if refused:
                log.warning("the server refused %s", ", ".join(sorted(refused)))
            accepted.append(digest)
    return accepted


def _mark_sent(db: sqlite_utils.Database, ids: set[int]) -> None:
    stamp = now()
    with db.conn:
        db.conn.executemany("update flags set sent_at = ? where id = ? and sent_at is null", [(stamp, i) for i in sorted(ids)])


def send_digest(db: sqlite_utils.Database, settings: dict[str, Any], *, dry_run: bool = False) -> int:
    """Mail the unsent flags; return how many were marked sent (0 on a dry run)."""
    flags = [dict(row) for row in db.query(UNSENT_SQL)]
    if not flags:
        print("no unsent flags: nothing to send")
        return 0
    digests, orphans = plan_digests(flags, settings)
    if orphans:
        log.warning("%d flag(s) match no recipient and stay unsent (set smtp.to or routes)", len(orphans))
    if not digests:
        raise AlertError(f"no recipients configured for {len(flags)} unsent flag(s): set smtp.to (NIANBAO_SMTP_TO)")
    base_url = datasette_url(db, settings)
    messages = [(digest, build_message(digest, settings, base_url)) for digest in digests]
    if dry_run:
        for _, message in messages:
            print(preview(message))
        print(f"dry run: {len(messages)} digest(s) with {len(flags) - len(orphans)} flag(s), nothing marked sent")
        return 0
    smtp = settings["smtp"]
    try:
        accepted = _send(messages, smtp)
    except (smtplib.SMTPException, OSError) as exc:
        raise AlertError(f"cannot send the alert e-mail via {smtp['host']}:{smtp['port']}: "
                         f"{_one_line(exc) or type(exc).__name__}; {len(flags)} flag(s) stay unsent") from None
    ids = {f["id"] for d in accepted for f in d.flags}
    _mark_sent(db, ids)
    print(f"sent {len(accepted)} digest(s) with {len(ids)} flag(s)")
    return len(ids)
