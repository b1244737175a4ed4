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
from dataclasses import dataclass
from functools import lru_cache
from operator import add
from typing import Iterable, Iterator, Sequence

from parsers.template import SECTIONS

SKETCH = 12           # smallest hashes per report used to find candidates…
BAND = 4              # …in bands: a candidate pair shares all four hashes of one band
COMMON = 50           # a clause in more reports than this is a stock phrase, not a sign of copying
COUNT_SLOTS = (1 << 22) - 1   # mask: the clause-count table has 4M slots
MIN_CLAUSES = 8       # a text with fewer distinct clauses is too short to call copied
MIN_CLAUSE_CHARS = 4
_LOW_32_BITS = (1 << 32) - 1
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
    """The sorted 32-bit hashes of the report's distinct clauses, names and numbers
    removed (32 bits: half the memory; two reports of a hundred clauses each share a
    false hash with a chance of about two in a million, which barely moves a Jaccard)."""
    body = narrative(text)
    for name in names:
        if name:
            body = body.replace(name, "")
    clauses = {c for c in _CLAUSES.split(_NUMBERS.sub("", body)) if len(c) >= MIN_CLAUSE_CHARS}
    return array("I", sorted(map(_LOW_32_BITS.__and__, map(hash, clauses - _HEADINGS))))


def jaccard(a: Sequence[int], b: Sequence[int]) -> float:
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

    Kept flat — every report's hashes one after another in one array, with where each
    report starts — because a run holds one per report: a hundred thousand small
    objects would cost several times the memory, and pickling them between processes
    far more time. Clauses in many reports (stock phrases) would make every report a
    candidate of every other, so candidates are drawn only from clauses seen in at most
    ``COMMON`` reports, counted in a fixed-size table (collisions only over-count a few
    rare ones).
    """

    def __init__(self) -> None:
        self.ids = array("q")
        self.starts = array("q", [0])    # report i's hashes are hashes[starts[i]:starts[i + 1]]
        self.hashes = array("I")
        self.counts = array("I", bytes(4 * (COUNT_SLOTS + 1)))

    def add(self, report_id: int, text: str | None, names: Iterable[str]) -> None:
        if text:
            prints = fingerprint(text, names)
            if len(prints) >= MIN_CLAUSES:
                self.ids.append(report_id)
                self.hashes.extend(prints)
                self.starts.append(len(self.hashes))
                counts = self.counts
                for slot in map(COUNT_SLOTS.__and__, prints):
                    counts[slot] += 1

    def merge(self, other: Corpus) -> None:
        """Take in another corpus's reports (a scan of other agencies)."""
        offset = len(self.hashes)
        self.ids.extend(other.ids)
        self.starts.extend(start + offset for start in other.starts[1:])
        self.hashes.extend(other.hashes)
        self.counts = array("I", map(add, self.counts, other.counts))

    def _prints(self, index: int) -> array:
        return self.hashes[self.starts[index]:self.starts[index + 1]]

    def _buckets(self) -> Iterator[list[int]]:
        """Groups of reports (by index) sharing all hashes of one band of their sketch.
        Bands are keyed by their hash and sorted, not gathered in a dict of lists."""
        counts, keys, owners = self.counts, array("q"), array("q")
        for index in range(len(self.ids)):
            rare = [value for value in self._prints(index) if counts[value & COUNT_SLOTS] <= COMMON][:SKETCH]
            for start in range(0, len(rare), BAND):
                keys.append(hash((start, *rare[start:start + BAND])))
                owners.append(index)
        order = sorted(range(len(keys)), key=keys.__getitem__)
        run: list[int] = []
        for position in order:
            if run and keys[run[-1]] != keys[position]:
                yield [owners[p] for p in run]
                run = []
            run.append(position)
        if run:
            yield [owners[p] for p in run]

    def matches(self, threshold: float) -> Iterator[Match]:
        """Every pair of reports at least ``threshold`` similar, each pair once."""
        pairs: set[tuple[int, int]] = set()
        for members in self._buckets():
            if 1 < len(members) <= COMMON:
                pairs.update((a, b) for i, a in enumerate(members) for b in members[i + 1:])
        for a, b in sorted(pairs):
            similarity = jaccard(self._prints(a), self._prints(b))
            if similarity >= threshold:
                yield Match(self.ids[a], self.ids[b], similarity)
