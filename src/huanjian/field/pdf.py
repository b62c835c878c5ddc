"""PDF of a signed monitoring report, in Chinese (see :mod:`huanjian.core.pdf` for the font).

The PDF stored at sign-off can be re-rendered from the stored data and compared by
SHA-256, and its metadata carries the SHA-256 of the fields it shows.
"""

from __future__ import annotations

from typing import Any

from huanjian.core.pdf import render_lines
from huanjian.field.rules import sha256_of


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
    return render_lines(
        lines_of(fields),
        title=f"{fields['title']} {fields['number']} v{fields['version']}",
        subject=f"fields-sha256:{sha256_of(fields)}",
    )
