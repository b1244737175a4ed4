"""A scanned page's bitmap made readable: straightened, and its table rules found and
taken out.

A scan is never quite level, and Tesseract reads a rule touching a digit as part of it
(``30`` becomes ``3|``). So the page is turned level by the angle at which its dark
pixels line up best, its ruling lines are found as long straight runs of dark pixels
(far longer than any stroke of a character), kept as edges for the table finder, and
painted white before the text is read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

# Angles tried to level a page (degrees): scans lean by a degree or two, rarely more.
MAX_SKEW = 3.0
SKEW_STEPS = (0.5, 0.1, 0.02)
SKEW_WIDTH = 800  # the page is levelled on a copy this wide: enough to see lines of text
DARK = 150  # grey level below which a pixel is ink
RULE_DARK = 210  # a rule one pixel thin comes out of levelling as a pale grey pair of pixels
# A rule is a run of ink at least this share of the page's longer side, and this many
# pixels: longer than any stroke of a character read at ~30 pixels a character.
RULE_SHARE = 0.03
MIN_RULE = 60
GAP = 4  # pixels of a rule that may be missing (noise, a faint scan) before it breaks


@dataclass(frozen=True)
class Rules:
    """Ruling lines as (x0, top, x1, bottom) boxes in pixels, and the page without them."""

    horizontal: list[tuple[int, int, int, int]]
    vertical: list[tuple[int, int, int, int]]
    clean: Image.Image


def skew_angle(gray: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) that makes the page's rows of ink sharpest."""
    scale = min(1.0, SKEW_WIDTH / gray.width)
    small = gray.resize((max(1, int(gray.width * scale)), max(1, int(gray.height * scale)))) if scale < 1 else gray
    ink = small.point(lambda v: 255 if v < DARK else 0)
    best, span = 0.0, MAX_SKEW
    for step in SKEW_STEPS:
        candidates = np.arange(best - span, best + span + step / 2, step)
        scores = [_sharpness(ink.rotate(float(a), resample=Image.Resampling.NEAREST)) for a in candidates]
        best, span = float(candidates[int(np.argmax(scores))]), step
    return round(best, 2)


def _sharpness(ink: Image.Image) -> float:
    rows = np.asarray(ink, dtype=np.float64).sum(axis=1)
    return float(np.square(np.diff(rows)).sum())


def level(gray: Image.Image) -> Image.Image:
    """The page turned level, the corners it uncovers white."""
    angle = skew_angle(gray)
    if abs(angle) < 0.02:
        return gray
    return gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def _runs(ink: np.ndarray, length: int) -> np.ndarray:
    """The pixels of ``ink`` (a boolean image) inside a horizontal run of at least ``length``."""
    height, width = ink.shape
    if width < length:
        return np.zeros_like(ink)
    sums = np.zeros((height, width + 1), dtype=np.int32)
    np.cumsum(ink, axis=1, out=sums[:, 1:])
    full = (sums[:, length:] - sums[:, :-length]) == length  # a run of ``length`` starts here
    covered = np.zeros((height, width + 1), dtype=np.int32)
    covered[:, :width - length + 1] += full
    covered[:, length:] -= full[:, :width - length + 1]
    return np.cumsum(covered, axis=1)[:, :width] > 0


def _lines(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Horizontal rules of a mask of rule pixels: bands of rows, each split where its
    pixels stop for more than ``GAP``."""
    rows = np.flatnonzero(mask.any(axis=1))
    if not rows.size:
        return []
    breaks = np.flatnonzero(np.diff(rows) > 1)
    out = []
    for top, bottom in zip(np.r_[rows[0], rows[breaks + 1]], np.r_[rows[breaks], rows[-1]]):
        columns = np.flatnonzero(mask[top:bottom + 1].any(axis=0))
        splits = np.flatnonzero(np.diff(columns) > GAP)
        for x0, x1 in zip(np.r_[columns[0], columns[splits + 1]], np.r_[columns[splits], columns[-1]]):
            out.append((int(x0), int(top), int(x1) + 1, int(bottom) + 1))
    return out


def find_rules(gray: Image.Image) -> Rules:
    """The ruling lines of a level page, and the page with them painted white."""
    ink = np.asarray(gray) < RULE_DARK
    height, width = ink.shape
    length = max(MIN_RULE, int(max(width, height) * RULE_SHARE))
    horizontal = _runs(ink, length)
    vertical = _runs(ink.T, length).T
    rules = horizontal | vertical
    grown = rules.copy()  # the rule's soft edge, which would print as a stroke
    grown[1:] |= rules[:-1]
    grown[:-1] |= rules[1:]
    grown[:, 1:] |= rules[:, :-1]
    grown[:, :-1] |= rules[:, 1:]
    clean = np.asarray(gray).copy()
    clean[grown] = 255
    upright = [(x0, y0, x1, y1) for y0, x0, y1, x1 in _lines(vertical.T)]
    return Rules(_lines(horizontal), upright, Image.fromarray(clean))
