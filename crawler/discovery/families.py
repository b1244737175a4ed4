"""Every CMS family the spider knows, in one list the core walks."""

from crawler.discovery import hanweb, legacy, spa, trs, vsb
from crawler.discovery.core import Family

FAMILIES: list[Family] = [hanweb.FAMILY, trs.FAMILY, vsb.FAMILY, legacy.FAMILY, spa.FAMILY]
