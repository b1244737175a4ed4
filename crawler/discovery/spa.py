"""JavaScript-only portals: the HTML is a shell (``<div id="app">`` and scripts, no links)
and lists and articles come from JSON. Such pages are rendered in Chromium through
scrapy-playwright — detected by ``core.needs_render`` or asked for by the registry column
``render`` = ``js``; the rendered DOM is then read like any other page."""

from __future__ import annotations

import re

from crawler.discovery.core import Family

RENDER_VALUES = ("js", "javascript", "browser")

FAMILY = Family(
    name="spa",
    detect=re.compile(r'<div id="(?:app|root)"></div>'),
)
