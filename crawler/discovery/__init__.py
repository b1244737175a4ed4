"""Discovery: given a fetched page, which links are list pages, which are reports, which
are attachments — one shared core (``core``) and one small strategy per CMS family."""

from crawler.discovery.core import Link, discover, needs_render

__all__ = ["Link", "discover", "needs_render"]
