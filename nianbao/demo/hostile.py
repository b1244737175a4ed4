"""Hostile documents: small files that cost a careless parser gigabytes or minutes, made
the way they are met (issue 12, item 2), and a portal serving them.

Each passes the cheap checks a parser makes first: the zips are not too compressed, the
PDFs are valid, the page carries the template's table words so the table reader runs.
``scale`` shrinks them for tests (1.0: the sizes measured on the real ones).
``hostile_site`` is a portal listing all of them as one agency's reports.
"""

from __future__ import annotations

import io
import random
import zipfile
import zlib
from collections.abc import Callable

from nianbao.demo.site import Page, Site

TITLE = "某县某局{year}年政府信息公开工作年度报告"
LABELS = "信息内容 本年新收 予以公开 行政复议 结转下年度"
_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                  b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                  b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                  b'officedocument.wordprocessingml.document.main+xml"/></Types>')
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(body: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}">'
                                              f"<w:body>{body}</w:body></w:document>")
    return buffer.getvalue()


def _paragraph(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def docx_wide_spans(scale: float = 1.0) -> bytes:
    """Rows of cells that each claim ``gridSpan`` 64, a random number in each so the zip
    compresses like a real one (about 4.7 MB at scale 1)."""
    rng = random.Random(1)
    cell = '<w:tc><w:tcPr><w:gridSpan w:val="64"/></w:tcPr><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc>'
    rows = "".join("<w:tr>" + "".join(cell.format(rng.randrange(10**6)) for _ in range(20)) + "</w:tr>"
                   for _ in range(int(25_000 * scale)))
    return _docx(_paragraph(TITLE.format(year=2023)) + _paragraph(LABELS) + f"<w:tbl>{rows}</w:tbl>")


def docx_paragraphs(scale: float = 1.0) -> bytes:
    """Hundreds of thousands of short paragraphs of random Chinese (about 11 MB at scale 1)."""
    rng = random.Random(2)
    words = [chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(4000)]
    body = "".join(_paragraph("".join(rng.choices(words, k=20))) for _ in range(int(400_000 * scale)))
    return _docx(_paragraph(TITLE.format(year=2023)) + _paragraph(LABELS) + body)


def html_wide_colspans(scale: float = 1.0) -> bytes:
    """One table of cells each spanning 100 columns (about 5 MB at scale 1)."""
    rng = random.Random(3)
    rows = "".join("<tr>" + "".join(f'<td colspan="100">{rng.randrange(10**6)}</td>' for _ in range(30)) + "</tr>"
                   for _ in range(int(6_000 * scale)))
    return (f'<html><head><meta charset="utf-8"><title>{TITLE.format(year=2023)}</title></head><body>'
            f"<table><tr><td>{LABELS}</td></tr>{rows}</table></body></html>").encode()


_FONT = (b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
         b"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
         b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> >>] >>")


def _pdf(deflated_contents: list[bytes]) -> bytes:
    """A PDF of A4 pages with these (deflated) content streams, text in a CJK font every
    reader knows without embedding: numbered objects, a cross-reference table, a trailer."""
    count = len(deflated_contents)
    pages_id, catalog_id = 2 + 2 * count, 3 + 2 * count
    objects = [_FONT]
    for index, packed in enumerate(deflated_contents):
        objects.append(f"<< /Filter /FlateDecode /Length {len(packed)} >>\nstream\n".encode() + packed + b"\nendstream")
        objects.append(f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 595 842] /Resources << /Font "
                       f"<< /F1 1 0 R >> >> /Contents {2 + 2 * index} 0 R >>".encode())
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(count))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode())
    objects.append(f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode())
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(offsets) + 1} /Root {catalog_id} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _text(x: float, y: float, text: str, size: int = 10) -> bytes:
    return f"BT /F1 {size} Tf {x} {y} Td <{text.encode('utf-16-be').hex()}> Tj ET\n".encode()


def _heading() -> bytes:
    return _text(40, 800, TITLE.format(year=2023)) + _text(40, 786, LABELS)


def pdf_ruled_grid(pages: int = 3, lines: int = 150) -> bytes:
    """Pages of a ``lines`` × ``lines`` ruled grid under the template's table words."""
    rules = b"0.2 w\n" + b"".join(
        f"{30 + i * 540 / lines:.2f} 40 m {30 + i * 540 / lines:.2f} 780 l S\n"
        f"30 {40 + i * 740 / lines:.2f} m 570 {40 + i * 740 / lines:.2f} l S\n".encode() for i in range(lines + 1))
    return _pdf([zlib.compress(_heading() + rules, 9)] * pages)


def pdf_inflating_stream(megabytes: int = 1024) -> bytes:
    """A page whose content stream inflates to ``megabytes`` MB (about 1 MB on disk per GB)."""
    padding = b"% " + b"0" * 1021 + b"\n"
    compressor = zlib.compressobj(9)
    packed = compressor.compress(_heading()) + b"".join(compressor.compress(padding) for _ in range(megabytes * 1024))
    return _pdf([packed + compressor.flush()])


# What each hostile file is served as: its path and content type.
FILES: dict[str, tuple[Callable[[], bytes], str]] = {
    "/uploads/spans.docx": (docx_wide_spans, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "/uploads/paragraphs.docx": (docx_paragraphs,
                                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "/art/colspans.html": (html_wide_colspans, "text/html; charset=utf-8"),
    "/uploads/grid.pdf": (pdf_ruled_grid, "application/pdf"),
    "/uploads/inflating.pdf": (pdf_inflating_stream, "application/pdf"),
}
LIST_PATH = "/col/col1/index.html"


def hostile_site(name: str = "hostile") -> tuple[Site, dict[str, str]]:
    """A portal whose report column lists every hostile file, and its agency's registry row."""
    site = Site(name=name, family="hanweb", county="某县")
    links = "".join(f'<li><a href="{path}">某县某局2023年政府信息公开工作年度报告</a></li>'
                    for path in FILES)
    site.pages[LIST_PATH] = Page(f'<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head>'
                                 f"<body><ul>{links}</ul></body></html>".encode())
    for path, (make, content_type) in FILES.items():
        site.pages[path] = Page(make(), content_type=content_type, document=True)
    agency = {"agency_id": "419999-hostile", "agency_name": "某县某局", "region_code": "419999",
              "region_name": "某省某市某县", "agency_type": "department", "site": name, "start_path": LIST_PATH,
              "render": ""}
    return site, agency
