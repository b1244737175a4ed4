"""Legacy ASP sites in GBK/GB2312: ShowClass.asp lists, ShowArticle.asp?ArticleID= articles,
.doc attachments under /UploadFiles/. Scrapy decodes by header, then meta charset."""

from __future__ import annotations

import re

from crawler.discovery.core import Family

FAMILY = Family(
    name="legacy",
    detect=re.compile(r"Show(?:Article|Class)\.asp", re.I),
    attachment=re.compile(r"/UploadFiles/.+\.(?:doc|docx|wps|pdf)$", re.I),
)
