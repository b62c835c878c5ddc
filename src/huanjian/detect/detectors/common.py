"""Shared helpers of the detectors: pollutant names, finding construction, CST time text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from huanjian.detect.model import (
    Category,
    Evidence,
    Finding,
    IntArray,
)
from huanjian.detect.view import View

DAY = 1440
Params = Mapping[str, float]
Ranges = Mapping[str, tuple[float, float]]

NAMES_ZH = {"a21026": "二氧化硫", "a21002": "氮氧化物", "a34013": "颗粒物", "a19001": "氧含量",
            "a01011": "流速", "a01012": "烟温", "a01013": "静压", "a01014": "湿度", "a00000": "废气流量",
            "w01018": "化学需氧量", "w21003": "氨氮", "w01001": "pH", "w00000": "废水流量",
            "w20116": "总铬"}  # fmt: skip
NAMES_EN = {"a21026": "SO2", "a21002": "NOx", "a34013": "particulate", "a19001": "O2",
            "a01011": "velocity", "a01012": "temperature", "a01013": "pressure", "a01014": "humidity",
            "a00000": "flue-gas flow", "w01018": "COD", "w21003": "NH3-N", "w01001": "pH",
            "w00000": "water flow", "w20116": "total chromium"}  # fmt: skip


def name_en(code: str) -> str:
    return NAMES_EN.get(code, code)


def name_zh(code: str) -> str:
    return NAMES_ZH.get(code, code)


def _f(
    view: View,
    detector: str,
    category: Category,
    trick: str | None,
    pollutants: Sequence[str],
    start: int,
    end: int,
    strength: float,
    stat: tuple[str, float, float, str],
    en: str,
    zh: str,
    *,
    highlight: IntArray | None = None,
    comparable: Sequence[tuple[int, int]] = (),
    peers: Sequence[str] = (),
) -> Finding:
    n = view.data.n
    start, end = max(0, int(start)), min(n, int(end))
    hl = ((start, end),) if highlight is None else tuple((int(a), int(b)) for a, b in highlight[:50])
    pad = max(120, min(DAY, (end - start) // 2))
    name, value, threshold, cmp = stat
    return Finding(
        detector=detector,
        category=category,
        trick=trick,
        mn=view.data.mn,
        pollutants=tuple(pollutants),
        start=start,
        end=end,
        strength=float(np.clip(strength, 0.0, 1.0)),
        evidence=Evidence(
            excerpt=(max(0, start - pad), min(n, end + pad)),
            highlight=hl,
            statistic_name=name,
            statistic=float(value),
            threshold=float(threshold),
            comparison=cmp,  # type: ignore[arg-type]
            sentence_en=en,
            sentence_zh=zh,
            comparable=tuple((int(a), int(b)) for a, b in comparable),
            peers=tuple(peers),
        ),
    )


def _hhmm(view: View, minute: int) -> str:
    return view.data.time_of(minute).strftime("%m-%d %H:%M")


def _days_text(view: View, start: int, end: int) -> str:
    return f"{_hhmm(view, start)}–{_hhmm(view, end)}"
