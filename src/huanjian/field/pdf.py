"""PDF of a signed monitoring report, in Chinese, with ReportLab's built-in CID font.

ReportLab ships the Adobe Asian font metrics (``STSong-Light``), so no font file is
needed: the PDF names the font and readers use their own CJK font. Rendering is
deterministic (``invariant``), so the same fields always give the same bytes: the
PDF stored at sign-off can be re-rendered from the stored data and compared by
SHA-256, and its metadata carries the SHA-256 of the fields it shows.

ReportLab is imported when a PDF is made, so the rest of the platform runs
without it (dependency: ``reportlab>=4``).
"""

from __future__ import annotations

import io
from typing import Any

from huanjian.errors import ConfigError
from huanjian.field.rules import sha256_of

FONT = "STSong-Light"


def _reportlab() -> Any:
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


def lines_of(fields: dict[str, Any]) -> list[tuple[str, str]]:
    """(style, text) lines of the report, in order: what the PDF shows, from the fields only."""
    out: list[tuple[str, str]] = [
        ("title", str(fields["title"])),
        ("meta", f"报告编号：{fields['number']}　第 {fields['version']} 版"),
    ]
    if fields.get("previous"):
        out.append(("meta", f"更正：替代 {fields['previous']}"))
    out += [
        ("text", f"受检单位：{fields['enterprise']}"),
        ("text", f"排放口：{fields['outlet']}"),
        ("text", f"案件编号：{fields['case']}　现场记录：{fields['record']}"),
        ("text", f"监测方法：{fields['method']}"),
        ("text", f"采样日期：{fields['sampled_on']}"),
        ("head", "质量控制"),
    ]
    out += [("text", q) for q in fields["qc"]]
    out.append(("head", "监测结果"))
    out += [("text", r) for r in fields["results"]]
    out += [("head", "结论"), ("text", str(fields["conclusion"])), ("head", "审核与签发")]
    out += [("text", s) for s in fields["signatures"]]
    out.append(("small", f"内容摘要 SHA-256：{fields['content_sha256']}"))
    return out


def render(fields: dict[str, Any]) -> bytes:
    canvas_mod, a4 = _reportlab()
    buf = io.BytesIO()
    c = canvas_mod.Canvas(buf, pagesize=a4, invariant=1, pageCompression=0)
    c.setTitle(f"{fields['title']} {fields['number']} v{fields['version']}")
    c.setSubject(f"fields-sha256:{sha256_of(fields)}")
    c.setAuthor("huanjian")
    c.setCreator("huanjian")
    width, height = a4
    y = height - 60
    sizes = {"title": 16, "head": 12, "meta": 9, "text": 10, "small": 7}
    for style, text in lines_of(fields):
        size = sizes[style]
        for chunk in _wrap(text, 46 if size >= 10 else 70):
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


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]
