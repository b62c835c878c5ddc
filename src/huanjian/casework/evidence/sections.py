"""Extension point of the evidence package: other domains contribute a section.

The field domain (records, reports, comparison tests) depends on casework, so
casework cannot import it; instead a domain registers a provider when it is
loaded — the way pages register their navigation entry (``register_nav``) —
and the package asks every registered provider for its section of a case.
The composition roots (``web/routes.py``, ``cli/main.py``) import the
providers' modules, so both the API and the CLI export the same package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from huanjian.access.policy import Principal
from huanjian.casework.files import FileStore
from huanjian.core.tx import Tx

if TYPE_CHECKING:
    from huanjian.casework.service import CaseFile


@dataclass
class SectionFile:
    """A file put in the package as it is (a signed report's PDF, a photo)."""

    path: str  # inside the package, under the section's folder
    content: bytes | None  # None: missing from the store (``problem`` says why)
    sha256: str  # the SHA-256 on record, checked against the content while packing
    label: str
    problem: str | None = None


@dataclass
class Section:
    key: str  # folder in the package
    title: str  # heading in the index (中文 English)
    documents: dict[str, Any] = field(default_factory=dict)  # name → JSON document
    files: list[SectionFile] = field(default_factory=list)
    summary: list[tuple[str, str]] = field(default_factory=list)  # (label, value) lines of the index
    checks: list[dict[str, Any]] = field(default_factory=list)  # each with "what" and "ok"


Provider = Callable[[Tx, Principal, FileStore, "CaseFile"], Section | None]

_PROVIDERS: dict[str, Provider] = {}


def register_section(key: str, provider: Provider) -> None:
    """Registering the same key again replaces the provider (module reloads in tests)."""
    _PROVIDERS[key] = provider


def providers() -> list[tuple[str, Provider]]:
    return sorted(_PROVIDERS.items())
