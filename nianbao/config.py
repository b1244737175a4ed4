"""Every setting in one place: defaults here, overridden by ``nianbao.toml``, then by
``NIANBAO_*`` environment variables. Other modules read settings, never the environment.
"""

from __future__ import annotations

import copy
import os
import tomllib
from pathlib import Path
from typing import Any

from nianbao.errors import UserError


class ConfigError(UserError):
    """The configuration cannot be used; the message is one line for the user."""


DEFAULTS: dict[str, Any] = {
    "db": "data/reports.db",
    "registry": "data/agencies.csv",
    "files": "data/files",
    "years": "2019-2025",
    "crawl": {
        "user_agent": "nianbao/0.1 (+annual-report monitor; polite crawler)",
        "concurrent_per_host": 2,
        "max_download_bytes": 50 * 1024 * 1024,
        "download_timeout": 60,
        "depth_limit": 4,
        # A stored report page or attachment checked less than this many days ago is not
        # asked for again (list pages always are); 0 revalidates every document on every crawl.
        "recheck_days": 7,
        # How long a host's robots.txt is reused between crawls (RFC 9309: at most a day);
        # 0 asks for it again on every crawl.
        "robots_cache_hours": 24,
        "chromium": "/usr/bin/chromium",
        # Documents are parsed in this many worker processes; a worker over either limit
        # on one document is killed and replaced, and the document is a crawl error.
        "parse_workers": 2,
        "parse_seconds": 180,   # a scanned report is read by OCR at a few seconds a page
        "parse_memory_mb": 1024,
        # redis://HOST:PORT/DB: spread the crawl over workers sharing that Redis
        # (``nianbao crawl-worker``); empty: the single-machine crawl.
        "redis": "",
        # How long a worker's request stays leased after its last renewal (a worker renews
        # every half second): a killed worker's requests return to the queue after this.
        "lease_seconds": 30,
    },
    "deadlines": {
        # month-day of the year after the report year (条例 第四十九条; townships: a setting).
        "department": "01-31",
        "township": "01-31",
        "government": "03-31",
    },
    "monitor": {
        "copied_similarity": 0.9,
        "unreachable_runs": 3,
    },
    "smtp": {
        "host": "localhost",
        "port": 25,
        "security": "none",
        "user": "",
        "password": "",
        "from": "nianbao@localhost",
        "to": [],
        "operator": [],
        "timeout": 30,
    },
    # Extra recipients: [{"to": [...], "regions": ["410223"], "kinds": ["missing", "late"]}]
    "routes": [],
    "datasette": {"base_url": "http://127.0.0.1:8001"},
    "schedule": {
        # Cron fields, days by name (APScheduler counts Monday as 0).
        "february": {"month": "2", "hour": "6", "minute": "0"},
        "rest": {"month": "1,3-12", "day_of_week": "mon", "hour": "6", "minute": "0"},
    },
}

_SMTP_ENV = ("host", "port", "security", "user", "password", "from", "to")


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def load(path: str | Path | None = None, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The settings: defaults, then the TOML file (``NIANBAO_CONFIG`` or ./nianbao.toml), then env."""
    environ = os.environ if environ is None else environ
    settings = copy.deepcopy(DEFAULTS)
    path = Path(path or environ.get("NIANBAO_CONFIG") or "nianbao.toml")
    if path.exists():
        try:
            from_file = tomllib.loads(path.read_text(encoding="utf-8"))
            _merge(settings, from_file)
            if "schedule" in from_file:  # a schedule in the file replaces the default one
                settings["schedule"] = from_file["schedule"]
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config {path}: {exc}") from None
    smtp = settings["smtp"]
    for key in _SMTP_ENV:
        value = environ.get(f"NIANBAO_SMTP_{key.upper()}")
        if value is not None:
            smtp[key] = value
    if isinstance(smtp["to"], str):
        smtp["to"] = [a.strip() for a in smtp["to"].split(",") if a.strip()]
    if isinstance(smtp["operator"], str):
        smtp["operator"] = [a.strip() for a in smtp["operator"].split(",") if a.strip()]
    try:
        smtp["port"] = int(smtp["port"])
    except (TypeError, ValueError):
        raise ConfigError(f"SMTP port must be a number, not {smtp['port']!r}") from None
    if smtp["security"] not in ("none", "starttls", "ssl"):
        raise ConfigError(f"SMTP security must be none, starttls or ssl, not {smtp['security']!r}")
    return settings


def parse_years(spec: str) -> range:
    """``2019-2025`` or ``2023`` → the years covered; a one-line ConfigError otherwise."""
    try:
        first, _, last = spec.partition("-")
        years = range(int(first), int(last or first) + 1)
    except ValueError:
        raise ConfigError(f"years must look like 2019-2025, not {spec!r}") from None
    if not years or years.start < 2008 or years.stop > 2100:
        raise ConfigError(f"years out of range: {spec!r}")
    return years
