"""The fixture portal: county websites in the CMS styles the crawler supports, served on loopback.

It is the crawler tests' fixture, the crawl benchmark's world and what ``nianbao demo``
crawls. Every report document comes from ``nianbao.demo.documents`` (one generator).

``counties``: which worlds exist (the demo's counties, the benchmark's generated ones);
``builder``: fills a world's sites with reports, decoys and list pages; ``families``: how
each CMS family prints its pages; ``site``: a site's pages; ``world``: the finished world
and what the crawler must find in it; ``server``: serves it on loopback.
"""
