"""Fixtures for the HJ 212 codec tests: the public corpus and a typical 2051 frame."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from huanjian.hj212.samples import typical_2051

CORPUS = Path(__file__).parent.parent / "fixtures" / "hj212" / "public-corpus.txt"


@dataclass(frozen=True)
class CorpusFrame:
    line: int
    raw: bytes
    check: str
    source: str


def load_corpus() -> list[CorpusFrame]:
    frames = []
    check = source = ""
    for number, line in enumerate(CORPUS.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("# source:"):
            source = line
        elif line.startswith("# check:"):
            check = line.removeprefix("# check:").strip()
        elif line.startswith("##"):
            frames.append(CorpusFrame(number, line.encode("utf-8"), check, source))
    return frames


CORPUS_FRAMES = load_corpus()
EXPECTED_RE = re.compile(r"expected ([0-9A-F]{4})")


@pytest.fixture
def corpus() -> list[CorpusFrame]:
    return CORPUS_FRAMES


__all__ = ["CORPUS", "CORPUS_FRAMES", "typical_2051"]
