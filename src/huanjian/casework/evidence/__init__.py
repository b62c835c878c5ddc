"""Evidence package (证据包) of a case: see :mod:`.package` for its contents and
:mod:`.sections` for how other domains contribute to it."""

from __future__ import annotations

from huanjian.casework.evidence.package import Package, build, case_document, export
from huanjian.casework.evidence.sections import Section, SectionFile, register_section

__all__ = ["Package", "Section", "SectionFile", "build", "case_document", "export", "register_section"]
