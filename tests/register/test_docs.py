"""docs/register.md embeds the column reference generated from the kinds."""

from __future__ import annotations

from pathlib import Path

from huanjian.register.importer import columns_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "register.md"


def test_docs_list_every_column_of_every_kind() -> None:
    assert columns_markdown() in DOCS.read_text(encoding="utf-8"), (
        "regenerate the 'Columns of each kind' section of docs/register.md from "
        "huanjian.register.importer.columns_markdown()"
    )
