"""Redirects are checked before they are followed: a portal (or its robots.txt) that
redirects to a machine the registry does not name, such as a cloud metadata address,
gets no request sent there; a redirect loop is a crawl error; a redirect within the
portal's own site is followed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from crawler.redirects import addresses, internal
from nianbao.demo.counties import demo_world
from nianbao.demo.server import PortalServer
from nianbao.demo.site import Page, Site
from nianbao.demo.world import write_registry
from nianbao.store import connect
from tests.crawler.conftest import FAST, crawl_in

METADATA = "/latest/meta-data/iam/security-credentials/"


def moved(location: str) -> Page:
    return Page(b"", status=302, headers={"Location": location})


@pytest.mark.parametrize("address", ["169.254.169.254", "127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.5.5",
                                     "0.0.0.0", "::1", "fe80::1%eth0", "fd00::1", "::ffff:169.254.169.254"])
def test_internal_addresses(address: str) -> None:
    assert internal(address)


def test_public_addresses_and_names() -> None:
    assert not internal("202.108.22.5") and not internal("2400:da00::6666")
    assert "127.0.0.1" in asyncio.run(addresses("localhost"))
    assert asyncio.run(addresses("no-such-host.invalid")) == []


def test_redirects_off_the_site_are_refused_before_any_request(tmp_path: Path) -> None:
    world = demo_world()
    intranet = Site("intranet", "hanweb", "", pages={METADATA: Page(b"secret", "text/plain"),
                                                      "/robots.txt": Page(b"", "text/plain")})
    world.sites.append(intranet)   # served on loopback like the portals, but named by no registry row
    sites = {site.name: site for site in world.sites}
    (tmp_path / "nianbao.toml").write_text(FAST, encoding="utf-8")
    with PortalServer(world) as server:
        inside = server.base_url("intranet")
        sites["hanyin"].pages["/moved/"] = moved("/")                                  # within the site: followed
        sites["hanyin"].pages["/robots.txt"] = moved(inside + "/robots.txt")           # robots.txt elsewhere
        sites["xiangcheng"].pages["/meta/"] = moved(inside + METADATA)
        sites["xiangcheng"].pages["/loop/a"] = moved("/loop/b")
        sites["xiangcheng"].pages["/loop/b"] = moved("/loop/a")
        rows = world.registry(server.base_url)
        hanyin = [{**row, "start_url": server.base_url("hanyin") + "/moved/"} for row in rows
                  if row["agency_id"].startswith("610921")]
        xiangcheng = [row for row in rows if row["agency_id"].startswith("411025")]
        base = server.base_url("xiangcheng")
        odd = [{**xiangcheng[0], "agency_id": "x-meta", "start_url": base + "/meta/"},
               {**xiangcheng[0], "agency_id": "x-loop", "start_url": base + "/loop/a"}]
        write_registry(tmp_path / "agencies.csv", hanyin + xiangcheng + odd)
        result = crawl_in(tmp_path, world.years)
    assert result.returncode == 0, result.stderr[-3000:]
    assert [entry for entry in server.log if entry[0] == "intranet"] == []
    db = connect(tmp_path / "r.db")
    assert dict(db.execute("select agency_id, error from crawl_errors")) == {
        "x-meta": f"redirected off the portal to {inside.split('/')[2]}",
        "x-loop": "redirect loop: still redirected after 20 redirects"}
    found = set(db.execute("select agency_id, year from reports"))
    assert found == {key for key in world.expected if key[0].startswith(("610921", "411025"))}


def test_a_rendered_page_gets_nothing_from_an_internal_address(tmp_path: Path) -> None:
    """Chromium's own requests (a script's fetch, an image) to an address the registry does
    not name are aborted; the portal's own are not."""
    world = demo_world()
    intranet = Site("intranet", "hanweb", "", pages={METADATA: Page(b"secret", "text/plain")})
    world.sites.append(intranet)
    hanyin = next(site for site in world.sites if site.name == "hanyin")
    (tmp_path / "nianbao.toml").write_text(FAST, encoding="utf-8")
    with PortalServer(world) as server:
        inside = server.base_url("intranet") + METADATA
        hanyin.pages["/probe.html"] = Page(
            f'<html><body><p>信息公开</p><img src="{inside}a.png"><img src="/xxgk/logo.png">'
            f'<script>fetch("{inside}")</script></body></html>'.encode())
        row = next(row for row in world.registry(server.base_url) if row["agency_id"].startswith("610921"))
        write_registry(tmp_path / "agencies.csv",
                       [{**row, "start_url": server.base_url("hanyin") + "/probe.html", "render": "js"}])
        result = crawl_in(tmp_path, world.years)
    assert result.returncode == 0, result.stderr[-3000:]
    assert ("hanyin", "GET", "/xxgk/logo.png", 404) in server.log   # the portal's own image was asked for
    assert [entry for entry in server.log if entry[0] == "intranet"] == []
