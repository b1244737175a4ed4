"""Serving a world: one threaded HTTP server per site on its own loopback address, with
the request log and per-site concurrency counts the crawler tests and benchmark read.

API
---
``PortalServer(world, host_base=10)``
    One threaded HTTP server per site, each on its own loopback address 127.0.0.N (so the
    crawler's per-host limit applies per portal) and a free port. Context manager, or
    ``start()``/``stop()``. ``.base_url(site_name) -> "http://127.0.0.N:PORT"``,
    ``.base_urls`` {site: url}. ``.log``: every request as (site, method, path, status);
    ``.max_concurrent`` {site: the most requests served at once}; ``.document_downloads(skip=())``:
    how many document bodies (report pages and attachments, and the JSON a JavaScript
    portal draws its report from) were sent with status 200, leaving out the sites in ``skip``.
    Documents carry ETag and Last-Modified and answer conditional requests with 304. A
    site with a ``shield`` answers 521 and a cookie-setting script to a request without
    the cookie (``nianbao.demo.site.shield_challenge``); one whose ``shield_lasts`` is set
    hands out a new cookie once its first one has let that many requests through.
"""

from __future__ import annotations

import socket
import threading
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from nianbao.demo.site import SHIELD_COOKIE, SHIELD_TOKEN, Page, Site, shield_challenge
from nianbao.demo.world import World


class _Handler(BaseHTTPRequestHandler):
    server: "_SiteServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        return

    def do_GET(self) -> None:
        self._answer("GET")

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._answer("POST")

    def _lookup(self, method: str) -> Page | None:
        pages = self.server.site.pages
        if method == "POST":
            return pages.get("POST " + self.path)
        if self.path in pages:
            return pages[self.path]
        return pages.get(self.path.partition("?")[0]) if self.server.site.family == "spa" else None

    def _answer(self, method: str) -> None:
        owner = self.server.owner
        # Counted from the request's arrival until its answer is ready: once the answer is on
        # the wire the client may rightly send its next request before this thread runs again.
        owner.enter(self.server.site.name)
        try:
            page = self._lookup(method)
            status, body, headers = self._respond(page, method)
            owner.record(self.server.site.name, method, self.path, status, bool(page and page.document))
        finally:
            owner.leave(self.server.site.name)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = page.cut if page is not None and status == 200 else 1.0
        if method != "HEAD":
            self.wfile.write(body[:int(len(body) * cut)])
        if cut < 1:
            self.close_connection = True  # the client sees the body end short of its Content-Length

    def _respond(self, page: Page | None, method: str) -> tuple[int, bytes, dict[str, str]]:
        if self._shielded(page):
            return 521, shield_challenge(self.server.shield_token), {"Content-Type": "text/html; charset=utf-8"}
        if page is None or self.path in self.server.site.taken_down:
            return 404, b"<html><body>404 Not Found</body></html>", {"Content-Type": "text/html"}
        if page.fail_once and self.server.owner.first_time(self.server.site.name, self.path):
            return 500, b"<html><body>500 Internal Server Error</body></html>", {"Content-Type": "text/html"}
        headers = {"Content-Type": page.content_type, **page.headers}
        if page.document:
            headers.update(ETag=page.etag, **{"Last-Modified": format_datetime(page.modified, usegmt=True)})
            if self.headers.get("If-None-Match") == page.etag:
                return 304, b"", {"ETag": page.etag}
        return page.status, page.body, headers


    def _shielded(self, page: Page | None) -> bool:
        """Whether the site's shield stops this request (see ``Site.shield``)."""
        site, server = self.server.site, self.server
        if not site.shield:
            return False
        if f"{SHIELD_COOKIE}={server.shield_token}" in (self.headers.get("Cookie") or ""):
            server.shield_passed += 1
            if server.shield_token == SHIELD_TOKEN and server.shield_passed == site.shield_lasts:
                server.shield_token = f"{SHIELD_TOKEN}.renewed"   # this request passes; the first cookie is spent
            return False
        if site.shield == "files" and page is not None and not page.content_type.startswith("text/"):
            self.server.shield_awake = True
        return site.shield == "always" or self.server.shield_awake


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: Site, owner: "PortalServer") -> None:
        self.site, self.owner = site, owner
        self.shield_awake = False
        self.shield_token, self.shield_passed = SHIELD_TOKEN, 0
        super().__init__(address, _Handler)


class PortalServer:
    """Every site of a world on its own loopback address; see the module docstring."""

    def __init__(self, world: World, host_base: int = 10) -> None:
        self.world, self.host_base = world, host_base
        self.servers: dict[str, _SiteServer] = {}
        self.base_urls: dict[str, str] = {}
        self.log: list[tuple[str, str, str, int]] = []
        self.max_concurrent: dict[str, int] = {}
        self._downloads: dict[str, int] = {}
        self._active: dict[str, int] = {}
        self._failed: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def base_url(self, site: str) -> str:
        return self.base_urls[site]

    def start(self) -> "PortalServer":
        for index, site in enumerate(self.world.sites):
            host = f"127.0.0.{self.host_base + index}"
            if site.refuse:
                with socket.socket() as probe:  # a port nobody listens on once the probe closes
                    probe.bind((host, 0))
                    port = probe.getsockname()[1]
                self.base_urls[site.name] = f"http://{host}:{port}"
                continue
            server = _SiteServer((host, 0), site, self)
            self.servers[site.name] = server
            self.base_urls[site.name] = f"http://{host}:{server.server_address[1]}"
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
        self.servers.clear()

    def __enter__(self) -> "PortalServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # bookkeeping the handlers call
    def enter(self, site: str) -> None:
        with self._lock:
            self._active[site] = self._active.get(site, 0) + 1
            self.max_concurrent[site] = max(self.max_concurrent.get(site, 0), self._active[site])

    def leave(self, site: str) -> None:
        with self._lock:
            self._active[site] -= 1

    def first_time(self, site: str, path: str) -> bool:
        with self._lock:
            if (site, path) in self._failed:
                return False
            self._failed.add((site, path))
            return True

    def record(self, site: str, method: str, path: str, status: int, document: bool) -> None:
        with self._lock:
            self.log.append((site, method, path, status))
            if document and status == 200 and method != "HEAD":
                self._downloads[site] = self._downloads.get(site, 0) + 1

    def document_downloads(self, skip: tuple[str, ...] = ()) -> int:
        """Document bodies sent so far, all sites but those in ``skip``."""
        with self._lock:
            return sum(n for site, n in self._downloads.items() if site not in skip)
