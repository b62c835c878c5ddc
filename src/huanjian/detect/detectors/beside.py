# ruff: noqa: E501  (bilingual reviewer sentences are kept one per line)
"""Detectors on data kept beside the minute series: 3020 parameter reports against the
register's filed parameters, and the outlet's facility electricity.

* ``fz_filed_parameters`` — a slope, intercept or measuring range the logger reported with
  CN 3020 (HJ 212-2017 table B.10, ``i13008``/``i13007``/``i13001``) that differs from the
  value filed in the register for that device, or falls outside the filed range.  A QA event
  covering or just before the first differing report (a calibration, a filed parameter
  change) explains it: the finding is kept and says so, and the clue rule counts it excused.
* ``fz_treatment_off`` — hours in which a production meter of the outlet shows running and a
  treatment facility's meter shows stopped.
* ``fz_power_false_flags`` — hours in which the production meter shows running while the
  logger flags F (stopped); ``dq_silent_running`` (data quality) — the same hours when the
  logger mostly sends nothing (an honest link fault looks the same).

Loops run over reports, facilities and runs of hours, never per minute.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from huanjian.detect.arrays import reshape_blocks, runs
from huanjian.detect.detectors.common import Params, Ranges, _f, _hhmm, name_en, name_zh
from huanjian.detect.model import PM, FiledValue, Finding, InfoReport
from huanjian.detect.view import View

PARAMETER_NAMES = {
    "slope": ("斜率", "slope"),
    "intercept": ("截距", "intercept"),
    "range": ("量程", "measuring range"),
}


def _full_scale(filed: FiledValue) -> float | None:
    # ``range=0..200`` in the register is the measuring range itself: its top is the full scale.
    return filed.high if filed.high is not None else filed.value


def _judge(r: InfoReport, filed: FiledValue, p: Params) -> tuple[float, float, str] | None:
    """None when the report agrees with the filed parameter, else (reference, relative
    deviation, comparison of reported against reference)."""
    x = r.value
    if x is None:
        return None
    ref: float | None
    if r.parameter == "range":
        ref = _full_scale(filed)
    elif filed.value is not None:
        ref = filed.value
    else:
        ref = None
    if ref is not None:
        tol = max(p["abs_tol"], p["rel_tol"] * abs(ref))
        if abs(x - ref) <= tol:
            return None
        return ref, abs(x - ref) / max(abs(ref), p["abs_tol"]), ">" if x > ref else "<"
    lo, hi = filed.low, filed.high
    if lo is not None and x < lo - max(p["abs_tol"], p["rel_tol"] * abs(lo)):
        return lo, (lo - x) / max(abs(lo), p["abs_tol"]), "<"
    if hi is not None and x > hi + max(p["abs_tol"], p["rel_tol"] * abs(hi)):
        return hi, (x - hi) / max(abs(hi), p["abs_tol"]), ">"
    return None


def _filed_text(filed: FiledValue, parameter: str) -> str:
    if parameter == "range" and filed.high is not None:
        return f"{filed.low if filed.low is not None else 0:g}..{filed.high:g}"
    if filed.value is not None:
        return f"{filed.value:g}"
    return (
        f"{'' if filed.low is None else f'{filed.low:g}'}..{'' if filed.high is None else f'{filed.high:g}'}"
    )


def _trick(pollutant: str, parameter: str, reported: float, ref: float) -> str:
    if parameter == "range":
        return "range_narrowed" if reported < ref else "coefficient_change"
    return "particulate_slope" if pollutant == PM else "coefficient_change"


def _explained(view: View, minute: int, pollutant: str, p: Params) -> int | None:
    """Start minute of a QA event of this pollutant (or of the whole outlet) that covers the
    report or ended at most ``explain_minutes`` before it."""
    qa = view.data.qa_events
    if not len(qa):
        return None
    hit = (qa[:, 0] <= minute) & (qa[:, 1] + int(p["explain_minutes"]) >= minute)
    pols = view.data.qa_pollutants
    if len(pols) == len(qa):
        hit &= np.array([q in ("", pollutant) for q in pols], dtype=bool)
    idx = np.flatnonzero(hit)
    return int(qa[idx[-1], 0]) if idx.size else None


def fz_filed_parameters(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """3020 slope/intercept/range reports that differ from the register's filed values."""
    data = view.data
    if not data.info_reports or not data.filed:
        return []
    series: dict[tuple[str, str], list[InfoReport]] = {}
    for r in sorted(data.info_reports, key=lambda r: (r.minute, r.code)):
        if (r.pollutant, r.parameter) in data.filed and 0 <= r.minute < data.n:
            series.setdefault((r.pollutant, r.parameter), []).append(r)
    out = []
    for (pol, parameter), reps in sorted(series.items()):
        filed = data.filed[(pol, parameter)]
        verdicts = [_judge(r, filed, p) for r in reps]
        i = 0
        while i < len(reps):
            v = verdicts[i]
            if v is None:
                i += 1
                continue
            j = i  # a run of consecutive reports of the same differing value
            while j + 1 < len(reps) and verdicts[j + 1] is not None and reps[j + 1].value == reps[i].value:
                j += 1
            out.append(_filed_finding(view, p, pol, parameter, filed, reps[i : j + 1], v))
            i = j + 1
    return out


def _filed_finding(
    view: View,
    p: Params,
    pol: str,
    parameter: str,
    filed: FiledValue,
    run: list[InfoReport],
    verdict: tuple[float, float, str],
) -> Finding:
    ref, dev, cmp = verdict
    first, last = run[0], run[-1]
    reported = float(first.value if first.value is not None else np.nan)
    zh_p, en_p = PARAMETER_NAMES.get(parameter, (parameter, parameter))
    strength = max(p["min_strength"], min(1.0, dev / p["full_deviation"]))
    pols = [pol] if pol in view.data.values else list(view.pollutants)
    times = f"{_hhmm(view, first.minute)}" + (
        f" (and {len(run) - 1} more reports until {_hhmm(view, last.minute)})" if len(run) > 1 else ""
    )
    times_zh = f"{_hhmm(view, first.minute)}" + (
        f"（至{_hhmm(view, last.minute)}共{len(run)}次）" if len(run) > 1 else ""
    )
    ftext = _filed_text(filed, parameter)
    pol_en = f"{name_en(pol)} (PolId {pol})" if pol else "the logger (no PolId)"
    pol_zh = f"{name_zh(pol)}（PolId {pol}）" if pol else "数采仪（无PolId）"
    en = (
        f"The {pol_en} instrument reported {en_p} {reported:g} ({first.code}, CN 3020) at {times}; "
        f"the register has {ftext} filed for it ({dev:.0%} off, tolerance {p['rel_tol']:.0%})."
    )
    zh = (
        f"{pol_zh}仪器于{times_zh}通过3020上报{zh_p}{reported:g}（{first.code}），"
        f"与备案值{ftext}不符（偏差{dev:.0%}，容差{p['rel_tol']:.0%}）。"
    )
    excused: tuple[str, ...] = ()
    qa_start = _explained(view, first.minute, pol, p)
    if qa_start is not None:
        excused = ("QA event before the report",)
        en += f" A QA event starting {_hhmm(view, qa_start)} (calibration or filed change) explains it."
        zh += f"{_hhmm(view, qa_start)}开始的质控事件（校准或备案变更）可解释该变化。"
    hl = np.array([[r.minute, r.minute + 1] for r in run], dtype=np.int64)
    f = _f(view, "fz_filed_parameters", "falsification", _trick(pol, parameter, reported, ref), pols,
           first.minute, last.minute + 1, strength,
           (f"{first.code} {parameter} reported (filed {ftext})", reported, ref, cmp),
           en, zh, highlight=hl)  # fmt: skip
    if excused:
        f = replace(f, evidence=replace(f.evidence, excused_by=excused))
    return f


# --------------------------------------------------------------------------- electricity


def _production_running(view: View, p: Params) -> np.ndarray:
    pw = view.data.power
    assert pw is not None
    hours = -(-view.data.n // 60)
    prod = np.full(hours, np.nan)
    k = min(hours, pw.production.size)
    prod[:k] = pw.production[:k]
    return np.asarray(np.nan_to_num(prod, nan=0.0) >= p["running_share"], dtype=np.bool_)


def _names(view: View, codes: tuple[str, ...] | list[str]) -> str:
    pw = view.data.power
    assert pw is not None
    return "、".join(f"{c} {pw.names.get(c, '')}".strip() for c in codes) or "—"


def fz_treatment_off(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """Hours with production running and a treatment facility stopped (facility electricity)."""
    pw = view.data.power
    if pw is None or not pw.primary or not pw.treatment:
        return []
    run = _production_running(view, p)
    hours = run.size
    prod_text = _names(view, pw.production_facilities)
    out = []
    for code, share in sorted(pw.treatment.items()):
        t = np.full(hours, np.nan)
        k = min(hours, share.size)
        t[:k] = share[:k]
        stopped = np.isfinite(t) & (1 - np.nan_to_num(t, nan=1.0) >= p["stopped_share"])
        for s, e in runs(run & stopped, int(p["min_hours"])):
            h = int(e - s)
            tname = _names(view, [code])
            out.append(
                _f(view, "fz_treatment_off", "falsification", "treatment_off", list(view.pollutants), s * 60, e * 60,
                   max(0.5, min(1.0, h / p["full_hours"])),
                   ("hours production running, treatment stopped", h, p["min_hours"], ">="),
                   f"From {_hhmm(view, s * 60)} to {_hhmm(view, e * 60)} ({h} h) the production meter ({prod_text}) shows running "
                   f"while the treatment facility {tname} is stopped by its own meter: emissions were not treated.",
                   f"{_hhmm(view, s * 60)}至{_hhmm(view, e * 60)}（{h}小时）生产设施（{prod_text}）用电显示运行，"
                   f"而治理设施{tname}用电显示停运：疑似治理设施停运而生产照常。")
            )  # fmt: skip
    return out


def _quiet_runs(view: View, p: Params) -> list[tuple[int, int, int, int]]:
    """Runs of ≥ ``min_hours`` hours in which production runs and ≥ ``quiet_share`` of the
    logger's minutes are flagged F or have no record: (start hour, end hour, F minutes,
    missing minutes)."""
    pw = view.data.power
    if pw is None or not pw.production_facilities:
        return []
    data = view.data
    run = _production_running(view, p)
    has = np.zeros(data.n, dtype=bool)
    for x in data.values.values():
        has |= np.isfinite(x)
    f_h = np.nansum(reshape_blocks(((data.flags == "F") & has).astype(float), 60), axis=1)
    m_h = np.nansum(reshape_blocks((~has).astype(float), 60), axis=1)
    size = np.minimum(60, data.n - 60 * np.arange(f_h.size))
    hit = run[: f_h.size] & ((f_h + m_h) / size >= p["quiet_share"])
    return [
        (int(s), int(e), int(f_h[s:e].sum()), int(m_h[s:e].sum())) for s, e in runs(hit, int(p["min_hours"]))
    ]


def fz_power_false_flags(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """Hours the logger flags F (stopped) while the production meter shows running."""
    out = []
    prod_text = _names(view, view.data.power.production_facilities) if view.data.power else ""
    for s, e, nf, nm in _quiet_runs(view, p):
        if nf < nm:  # mostly silence: dq_silent_running
            continue
        h = e - s
        out.append(
            _f(view, "fz_power_false_flags", "falsification", "false_flags", list(view.pollutants), s * 60, e * 60,
               max(0.5, min(1.0, h / p["full_hours"])),
               ("hours production running, logger flagged stopped", h, p["min_hours"], ">="),
               f"From {_hhmm(view, s * 60)} to {_hhmm(view, e * 60)} ({h} h) the production meter ({prod_text}) shows running, "
               f"but the logger flagged {nf} minutes F (stopped) and sent nothing for {nm} minutes: the shutdown the data claim is not in the electricity.",
               f"{_hhmm(view, s * 60)}至{_hhmm(view, e * 60)}（{h}小时）生产设施（{prod_text}）用电显示运行，"
               f"但数采仪有{nf}分钟标记为F（停运）、{nm}分钟无数据：数据所称的停运与用电不符。")
        )  # fmt: skip
    return out


def dq_silent_running(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """Hours the logger sends nothing while the production meter shows running.

    Data quality, not falsification: an honest communication loss looks the same (on the
    generator's honest outlets it gave 0.55 falsification clues per outlet-month).
    """
    out = []
    prod_text = _names(view, view.data.power.production_facilities) if view.data.power else ""
    for s, e, nf, nm in _quiet_runs(view, p):
        if nf >= nm:  # mostly flagged F: fz_power_false_flags
            continue
        h = e - s
        out.append(
            _f(view, "dq_silent_running", "data_quality", None, list(view.pollutants), s * 60, e * 60,
               max(0.5, min(1.0, h / p["full_hours"])),
               ("hours production running, logger silent", h, p["min_hours"], ">="),
               f"From {_hhmm(view, s * 60)} to {_hhmm(view, e * 60)} ({h} h) the production meter ({prod_text}) shows running, "
               f"but the logger sent nothing for {nm} minutes (and flagged {nf} minutes F): emissions went unmonitored — a link fault, or the logger cut off.",
               f"{_hhmm(view, s * 60)}至{_hhmm(view, e * 60)}（{h}小时）生产设施（{prod_text}）用电显示运行，"
               f"但数采仪{nm}分钟无数据（{nf}分钟标记F）：排放未被监测——通讯故障或人为断传。")
        )  # fmt: skip
    return out
