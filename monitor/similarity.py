"""Copied (雷同) reports: a text nearly the same as another report's once names, years and
numbers are taken out.

A report becomes the set of its clauses (split at Chinese punctuation, whitespace
removed, the tables between sections 二 and 五 cut out since every report shares their
labels). Candidates are found through each set's few smallest hashes (a bottom-k
sketch: two sets with Jaccard similarity J share their smallest hash with probability
J), grouped in bands as in locality-sensitive hashing, so only likely pairs are compared
exactly — linear in the number of reports, not quadratic.
"""

from __future__ import annotations

import re
from array import array
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from operator import add
from typing import Iterable, Iterator

from parsers.template import SECTIONS

SKETCH = 12           # smallest hashes per report used to find candidates…
BAND = 4              # …in bands: a candidate pair shares all four hashes of one band
COMMON = 50           # a clause in more reports than this is a stock phrase, not a sign of copying
COUNT_SLOTS = (1 << 22) - 1   # mask: the clause-count table has 4M slots
MIN_CLAUSES = 8       # a text with fewer distinct clauses is too short to call copied
MIN_CLAUSE_CHARS = 4
_NUMBERS = re.compile(r"[0-9０-９.%％]+")
_CLAUSES = re.compile(r"[。！？；;，,：:!?（）()“”\"《》【】]+")
_TABLES_START = SECTIONS[1].keywords[0]   # 主动公开政府信息情况
_TABLES_END = SECTIONS[4].keywords[0]     # 存在的主要问题
_HEADINGS = frozenset(s.label.split("、", 1)[-1] for s in SECTIONS)


@lru_cache(maxsize=8)
def narrative(text: str) -> str:
    """The text without whitespace and without the tables (sections 二 to 四). Cached:
    the narrative rule and the fingerprint both read it from the same report's text."""
    text = "".join(text.split())
    end = text.find(_TABLES_END)
    start = text.rfind(_TABLES_START, 0, end) if end > 0 else -1
    return text[:start] + text[end:] if start >= 0 else text


def fingerprint(text: str, names: Iterable[str]) -> array:
    """The sorted distinct hashes of the report's clauses, names and numbers removed."""
    body = narrative(text)
    for name in names:
        if name:
            body = body.replace(name, "")
    clauses = {c for c in _CLAUSES.split(_NUMBERS.sub("", body)) if len(c) >= MIN_CLAUSE_CHARS}
    return array("q", sorted(hash(c) for c in clauses - _HEADINGS))


def jaccard(a: array, b: array) -> float:
    sa, sb = set(a), set(b)
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0


@dataclass(frozen=True)
class Match:
    a: int
    b: int
    similarity: float


class Corpus:
    """Fingerprints of many reports, and the pairs that are nearly the same.

    Clauses in many reports (stock phrases) would make every report a candidate of
    every other, so candidates are drawn only from clauses seen in at most ``COMMON``
    reports, counted in a fixed-size table (collisions only over-count a few rare ones).
    """

    def __init__(self) -> None:
        self.prints: dict[int, array] = {}
        self.counts = array("H", bytes(2 * (COUNT_SLOTS + 1)))

    def add(self, report_id: int, text: str | None, names: Iterable[str]) -> None:
        if text:
            prints = fingerprint(text, names)
            if len(prints) >= MIN_CLAUSES:
                self.prints[report_id] = prints
                counts = self.counts
                for value in prints:
                    slot = value & COUNT_SLOTS
                    if counts[slot] < 65535:
                        counts[slot] += 1

    def merge(self, other: Corpus) -> None:
        """Take in another corpus's reports (a scan of another id range)."""
        self.prints.update(other.prints)
        self.counts = array("H", map(min, map(add, self.counts, other.counts), repeat(65535)))

    def matches(self, threshold: float) -> Iterator[Match]:
        """Every pair of reports at least ``threshold`` similar, each pair once."""
        buckets: dict[tuple[int, ...], list[int]] = defaultdict(list)
        counts = self.counts
        for report_id, prints in self.prints.items():
            rare = [value for value in prints if counts[value & COUNT_SLOTS] <= COMMON][:SKETCH]
            for start in range(0, len(rare), BAND):
                buckets[(start, *rare[start:start + BAND])].append(report_id)
        pairs: set[tuple[int, int]] = set()
        for ids in buckets.values():
            if 1 < len(ids) <= COMMON:
                pairs.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1:])
        for a, b in sorted(pairs):
            similarity = jaccard(self.prints[a], self.prints[b])
            if similarity >= threshold:
                yield Match(a, b, similarity)
