"""Reports as agencies publish them when they have no text: the printed report scanned
back into an image-only PDF, and a portal page whose tables are pictures.

Both start from the PDF LibreOffice exports (``documents.render_pdf``) and its pages
as poppler renders them (``pdftoppm``), the way a scanner or a screenshot would see the
printed page: a scan leans by a degree or so and carries specks of noise, is saved as
PNG pages and wrapped into a PDF with no text layer (``img2pdf``); a page's tables are
cut out of the rendering and pasted into the article as PNG, JPEG or GIF pictures.
"""

from __future__ import annotations

import html
import io
import random
import subprocess
import tempfile
from pathlib import Path

import img2pdf
import numpy as np
import pdfplumber
from PIL import Image, ImageFilter

from nianbao.demo import documents as D

SPECKS = 0.0015  # share of a scanned page's pixels turned to dust
MAX_LEAN = 1.2  # degrees a scanned page may lean either way
TABLE_MARGIN = 6  # points of white kept around a table cut out of a page
# Which table a cut-out shows, by words of it: 二 (0), 三 (1), 四 (2).
TABLE_WORDS = (("第二十条", 0), ("申请人情况", 1), ("予以公开", 1), ("复议", 2))
PICTURE_FORMATS = ("PNG", "JPEG", "GIF")


def rendered_pages(pdf: bytes, dpi: int) -> list[Image.Image]:
    """The pages of a PDF as ``pdftoppm`` renders them, in grey."""
    with tempfile.TemporaryDirectory(prefix="nianbao-scan-") as work:
        source = Path(work) / "in.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), str(Path(work) / "p")],
                       check=True, timeout=120)
        return [Image.open(path).copy() for path in sorted(Path(work).glob("p-*.png"))]


def scanned(page: Image.Image, rng: random.Random) -> Image.Image:
    """A page as it comes out of a scanner: leaning a little, softened, with dust."""
    leaning = page.rotate(rng.uniform(-MAX_LEAN, MAX_LEAN), resample=Image.Resampling.BICUBIC, fillcolor=255)
    pixels = np.asarray(leaning.filter(ImageFilter.GaussianBlur(0.5))).copy()
    noise = np.random.default_rng(rng.randrange(2**32))
    dust = noise.random(pixels.shape) < SPECKS
    pixels[dust] = noise.integers(0, 120, int(dust.sum()), dtype=np.uint8)
    return Image.fromarray(pixels)


def scanned_pdf(report: dict, seed: int, dpi: int = 200) -> bytes:
    """The report printed and scanned: an image-only PDF of PNG pages."""
    rng = random.Random(f"scan/{seed}")
    pages = []
    for page in rendered_pages(D.render_pdf(report), dpi):
        buffer = io.BytesIO()
        scanned(page, rng).save(buffer, "PNG", dpi=(dpi, dpi))
        pages.append(buffer.getvalue())
    return img2pdf.convert(pages)


def table_pictures(report: dict, dpi: int) -> list[list[Image.Image]]:
    """Each table of the report (二, 三, 四) as the pictures of it cut out of its pages;
    a table running onto the next page is two pictures."""
    pdf = D.render_pdf(report)
    images = rendered_pages(pdf, dpi)
    scale = dpi / 72
    tables: list[list[Image.Image]] = [[], [], []]
    which = 0
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page, image in zip(document.pages, images):
            for table in page.find_tables():
                x0, top, x1, bottom = table.bbox
                text = "".join(cell or "" for row in table.extract() for cell in row)
                # a table without a word of its own runs on from the page before
                which = next((index for word, index in TABLE_WORDS if word in text), which)
                tables[which].append(image.crop(tuple(round(v * scale) for v in (
                    x0 - TABLE_MARGIN, top - TABLE_MARGIN, x1 + TABLE_MARGIN, bottom + TABLE_MARGIN))))
    return tables


def picture_page(report: dict, seed: int, dpi: int = 120) -> tuple[bytes, dict[str, bytes]]:
    """A portal article whose tables are pictures: the page, and each picture's bytes by
    its ``src`` (PNG, JPEG and GIF in turn, as editors paste them)."""
    pictures = iter(table_pictures(report, dpi))
    files: dict[str, bytes] = {}
    body = []
    for kind, content in D.blocks(report):
        if kind != "table":
            body.append(D.HTML_BLOCKS[kind](content))
            continue
        for image in next(pictures):
            kind = PICTURE_FORMATS[len(files) % len(PICTURE_FORMATS)]
            src = f"/picture/{seed}/{len(files) + 1}.{kind.lower()}"
            buffer = io.BytesIO()
            image.save(buffer, kind, quality=90) if kind == "JPEG" else image.save(buffer, kind)
            files[src] = buffer.getvalue()
            body.append(f'<p style="text-align:center"><img src="{html.escape(src)}" border="0"></p>')
    title = html.escape(report["title"])
    page = (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="{title}">'
            f"<title>{title}</title></head>\n<body>"
            f'<div class="article"><h1 class="title">{title}</h1><div class="content" id="zoom">{"".join(body)}'
            "</div></div></body></html>\n")
    return page.encode("utf-8"), files
