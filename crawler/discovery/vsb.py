"""VSB (博达): list pages counting down (ndbg.htm, ndbg/3.htm … 1.htm, found by 下页);
articles /info/1179/11129.htm; attachments download.jsp?…wbfileid=… with no extension,
their type from Content-Type and name from Content-Disposition."""

from __future__ import annotations

import re

from crawler.discovery.core import Family

FAMILY = Family(
    name="vsb",
    detect=re.compile(r"/info/\d+/\d+\.htm|wbfileid|_content/download\.jsp|p_next"),
    attachment=re.compile(r"download\.jsp\?.*wbfileid=\d+"),
)
