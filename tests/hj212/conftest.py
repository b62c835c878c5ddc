"""Fixtures for the HJ 212 codec tests: the public corpus and a typical 2051 frame."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from huanjian.hj212 import encode

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


def typical_2051(seed: int = 0, *, codes: int = 9) -> bytes:
    """A ~700-byte 2051 flue-gas minute frame: 9 parameters with Avg/Min/Max/Flag."""
    names = ["a21026", "a21002", "a34013", "a19001", "a01011", "a01012", "a01013", "a01014", "a00000"]
    items = {}
    for i, code in enumerate(names[:codes]):
        base = 1 + (seed * 7919 + i * 104729) % 50000 / 100
        items[code] = {
            "Avg": Decimal(f"{base:.3f}"),
            "Min": Decimal(f"{base * 0.9:.3f}"),
            "Max": Decimal(f"{base * 1.1:.3f}"),
            "Flag": "N",
        }
    minute = seed % 60
    return encode(
        qn=f"202403011{minute % 10}{minute:02d}00{seed % 1000:03d}",
        st="31",
        cn="2051",
        pw="123456",
        mn="010000A8900016F000169DC0",
        ack=True,
        params={"DataTime": f"2024030112{minute:02d}00"},
        items=items,
    )


@pytest.fixture
def corpus() -> list[CorpusFrame]:
    return CORPUS_FRAMES
