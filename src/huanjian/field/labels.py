"""Printable sample labels: an SVG with a QR code of the sample code and the code as text.

The QR code is drawn by ReportLab's barcode widget (the same dependency as the
report PDF, imported lazily). Without ReportLab the label is the text alone,
which is still what the lab types in.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 240, 300


def _text_label(lines: list[str]) -> str:
    rows = "".join(
        f'<text x="{WIDTH // 2}" y="{60 + 34 * i}" text-anchor="middle" font-family="monospace" '
        f'font-size="{20 if i == 0 else 13}">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}"><rect width="100%" height="100%" fill="white"/>{rows}</svg>'
    )


def sample_label_svg(code: str, details: list[str]) -> str:
    """SVG label: QR of ``code`` on top, the code and ``details`` (pollutant, record, time) below."""
    try:
        from reportlab.graphics import renderSVG  # type: ignore[import-untyped,import-not-found,unused-ignore]
        from reportlab.graphics.barcode.qr import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
            QrCodeWidget,
        )
        from reportlab.graphics.shapes import Drawing, String  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - depends on the installation
        return _text_label([code, *details, "(QR: install reportlab)"])
    widget: Any = QrCodeWidget(code, barLevel="M")
    widget.barWidth = widget.barHeight = 190
    widget.x, widget.y = (WIDTH - 190) / 2, HEIGHT - 200
    drawing: Any = Drawing(WIDTH, HEIGHT)
    drawing.add(widget)
    drawing.add(String(WIDTH / 2, 80, code, textAnchor="middle", fontName="Courier-Bold", fontSize=16))
    for i, line in enumerate(details):
        # Helvetica has no CJK glyphs: the details are codes and times (ASCII) by construction.
        drawing.add(
            String(WIDTH / 2, 58 - 16 * i, line, textAnchor="middle", fontName="Helvetica", fontSize=10)
        )
    svg: str = renderSVG.drawToString(drawing)
    return svg
