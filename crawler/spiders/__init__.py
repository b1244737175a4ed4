"""The one spider, ``reports``: registry rows in, report pages and documents out."""
