"""Chinese PDFs with ReportLab's built-in CID font, shared by the monitoring report
(:mod:`huanjian.field.pdf`) and the case evidence index (:mod:`huanjian.casework.evidence`).

ReportLab ships the Adobe Asian font metrics (``STSong-Light``), so no font file is
needed: the PDF names the font and readers use their own CJK font. Rendering is
deterministic (``invariant``): the same lines always give the same bytes, which is what
lets a signed report be re-rendered from its stored fields and compared by SHA-256 —
so :func:`render_lines` must not change its output for the same input.

ReportLab is imported when a PDF is made, so the rest of the platform runs without it
(dependency: ``reportlab>=4``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from huanjian.errors import ConfigError

FONT = "STSong-Light"

#: Font size per line style.
SIZES: Mapping[str, int] = {"title": 16, "head": 12, "meta": 9, "text": 10, "small": 7}


def reportlab() -> tuple[Any, Any]:
    """(the ``canvas`` module, the A4 page size), with the CJK font registered."""
    try:
        import reportlab.pdfbase.cidfonts as cidfonts  # type: ignore[import-untyped,import-not-found,unused-ignore]
        import reportlab.pdfbase.pdfmetrics as pdfmetrics  # type: ignore[import-untyped,import-not-found,unused-ignore]
        from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped,import-not-found,unused-ignore]
        from reportlab.pdfgen import canvas  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ConfigError("PDF export needs the reportlab package (pip install 'reportlab>=4')") from exc
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(cidfonts.UnicodeCIDFont(FONT))
    return canvas, A4


def wrap(text: str, width: int) -> list[str]:
    """Cut a line every ``width`` characters (CJK text has no spaces to break at)."""
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def render_lines(
    lines: Sequence[tuple[str, str]],
    *,
    title: str,
    subject: str = "",
    wide: int = 46,
    narrow: int = 70,
) -> bytes:
    """A4 pages of (style, text) lines: ``title`` centred, ``text`` indented, the rest at the margin.

    Lines of 10 pt and up are cut every ``wide`` characters, smaller ones every ``narrow``.
    """
    canvas_mod, a4 = reportlab()
    buf = io.BytesIO()
    c = canvas_mod.Canvas(buf, pagesize=a4, invariant=1, pageCompression=0)
    c.setTitle(title)
    c.setSubject(subject)
    c.setAuthor("huanjian")
    c.setCreator("huanjian")
    width, height = a4
    y = height - 60
    for style, text in lines:
        size = SIZES[style]
        for chunk in wrap(text, wide if size >= 10 else narrow):
            if y < 50:
                c.showPage()
                y = height - 60
            c.setFont(FONT, size)
            if style == "title":
                c.drawCentredString(width / 2, y, chunk)
            else:
                c.drawString(50 if style != "text" else 60, y, chunk)
            y -= size + 8
    c.showPage()
    c.save()
    return buf.getvalue()
