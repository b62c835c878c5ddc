# ruff: noqa: E501  (bilingual reviewer sentences are kept one per line)
"""The detector catalogue: every detector as a registered, documented unit.

Each :class:`Detector` has a code, a category (``data_quality`` or ``falsification``), the
trick it suggests (for falsification) in Chinese and English, its inputs, its parameters
(from ``rules.json``, with source and confidence) and a pure function.  :func:`run` applies
the whole catalogue to a set of loggers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from huanjian.detect import detectors as d
from huanjian.detect.model import Category, Finding, LoggerData
from huanjian.detect.rules import Rules, load
from huanjian.detect.view import MAX_O2_FOR_CORRECTION, View

LoggerFn = Callable[[View, d.Params, d.Ranges], list[Finding]]
PeersFn = Callable[[Sequence[View], d.Params, d.Ranges], list[Finding]]


@dataclass(frozen=True)
class Detector:
    code: str
    category: Category
    trick: str | None  # the trick a falsification detector suggests (its main one)
    title_zh: str
    title_en: str
    looks_for_zh: str
    looks_for_en: str
    inputs: tuple[str, ...]
    media: tuple[str, ...]
    fn: LoggerFn | None = None
    peers_fn: PeersFn | None = None
    rule_key: str = ""
    #: The generator's variants of ``trick`` this detector is meant for (empty: all); the
    #: evaluation's per-detector recall counts only those episodes.
    variants: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.rule_key or self.code


DETECTORS: tuple[Detector, ...] = (
    Detector(
        "dq_constant",
        "data_quality",
        None,
        "恒值",
        "constant values",
        "连续多分钟数值完全相同且标记正常：分析仪卡死或数采仪未更新。",
        "identical values for many minutes flagged normal: a stuck analyser or a logger not updating",
        ("minute values", "flags"),
        ("air", "water"),
        fn=d.dq_constant,
    ),
    Detector(
        "dq_zero",
        "data_quality",
        None,
        "零值",
        "zero values",
        "运行期间连续零值且标记正常。",
        "zero readings for a long run while flagged normal",
        ("minute values", "flags"),
        ("air", "water"),
        fn=d.dq_zero,
    ),
    Detector(
        "dq_stuck_jitter",
        "data_quality",
        None,
        "微小抖动",
        "stuck with jitter",
        "数值只在极小范围内抖动（变异系数远低于该测点通常水平）。",
        "values moving within a tiny band (coefficient of variation far below the point's usual)",
        ("minute values", "flags"),
        ("air", "water"),
        fn=d.dq_stuck_jitter,
    ),
    Detector(
        "dq_impossible",
        "data_quality",
        None,
        "不可能值",
        "impossible values",
        "负值或超出物理、仪器范围的数值（如氧含量超过21%）。",
        "negative values or values beyond the physical or instrument range (e.g. O2 above 21 %)",
        ("minute values", "ranges"),
        ("air", "water"),
        fn=d.dq_impossible,
    ),
    Detector(
        "dq_jump",
        "data_quality",
        None,
        "突变",
        "sudden jumps and drops",
        "孤立尖峰或台阶式突变，且标记正常。",
        "isolated spikes or level steps flagged normal",
        ("minute values", "flags"),
        ("air", "water"),
        fn=d.dq_jump,
    ),
    Detector(
        "dq_gap",
        "data_quality",
        None,
        "数据缺失",
        "gaps",
        "连续若干分钟无任何数据。",
        "no records for a run of minutes",
        ("minute values",),
        ("air", "water"),
        fn=d.dq_gap,
    ),
    Detector(
        "dq_clock_drift",
        "data_quality",
        None,
        "时钟漂移",
        "clock drift",
        "每日校准时间逐日推移，数采仪时钟不准。",
        "the daily calibration moves through the day: the logger's clock drifts",
        ("flags",),
        ("air", "water"),
        fn=d.dq_clock_drift,
    ),
    Detector(
        "dq_duplicated",
        "data_quality",
        None,
        "重复时段",
        "duplicated periods",
        "一段时间的全部数据逐项重复此前的记录。",
        "a run of minutes repeating, value for value, earlier records",
        ("minute values",),
        ("air", "water"),
        fn=d.dq_duplicated,
    ),
    Detector(
        "dq_silent_running",
        "data_quality",
        None,
        "生产运行而无数据",
        "silent while production runs",
        "生产设施用电显示运行，而数采仪连续数小时无数据：排放未被监测（通讯故障或人为断传）。",
        "the production meter shows running while the logger sends nothing for hours: emissions unmonitored (a link fault or a cut-off)",
        ("minute values", "production electricity"),
        ("air", "water"),
        fn=d.dq_silent_running,
    ),
    Detector(
        "fz_clipping",
        "falsification",
        "range_narrowed",
        "量程压缩（削顶）",
        "range narrowed: clipping",
        "数值多次恰好触及同一上限且从不超过，上限接近排放限值：量程被改小。",
        "values touch the same ceiling near the limit again and again and never exceed it: the range was narrowed",
        ("minute values", "limits"),
        ("air", "water"),
        fn=d.fz_clipping,
        variants=("clip",),
    ),
    Detector(
        "fz_low_variability",
        "falsification",
        "preset_data",
        "波动塌缩（预设或压缩）",
        "variance collapse (preset or compressed)",
        "小时和分钟波动同时塌缩：仍随工况变化则为量程压缩，不再随工况或几乎无小时波动则为预设数据。",
        "hourly and minute variation collapse: still following the load means a compressed range, "
        "no longer following it (or no hourly variation at all) means preset data",
        ("minute values", "flags", "velocity or water flow"),
        ("air", "water"),
        fn=d.fz_low_variability,
    ),
    Detector(
        "fz_periodic",
        "falsification",
        "preset_data",
        "规则周期（模拟数据）",
        "periodic pattern (simulated data)",
        "污染物呈与工况无关的规则周期波动。",
        "a regular oscillation that no process load explains",
        ("minute values",),
        ("air",),
        fn=d.fz_periodic,
        variants=("periodic",),
    ),
    Detector(
        "fz_ratio_step",
        "falsification",
        "particulate_slope",
        "颗粒物斜率/截距修改",
        "particulate slope/intercept changed",
        "颗粒物与流速之比台阶式下降并保持，而流速和其他因子无变化。",
        "a downward step in the ratio of particulate to velocity that stays, with no step in velocity or the others",
        ("particulate", "velocity"),
        ("air",),
        fn=d.fz_ratio_step,
    ),
    Detector(
        "fz_flow_inconsistent",
        "falsification",
        "coefficient_change",
        "速度场系数/截面积修改",
        "velocity-field coefficient or duct area changed",
        "上报流量与流速、温度、压力、湿度算得的流量之比发生台阶变化。",
        "reported flow steps away from the flow that velocity, temperature, pressure and humidity give",
        ("flow", "velocity", "temperature", "pressure", "humidity"),
        ("air",),
        fn=d.fz_flow_inconsistent,
    ),
    Detector(
        "fz_filed_parameters",
        "falsification",
        "coefficient_change",
        "3020参数与备案不符",
        "3020 parameters differ from the filed values",
        "数采仪通过3020上报的斜率、截距或量程（HJ 212-2017表B.10 i13008/i13007/i13001）与登记备案值不符或超出备案范围；恰在质控事件（校准、备案变更）期间或其后不久上报时予以解释。",
        "a slope, intercept or measuring range reported with CN 3020 (HJ 212-2017 table B.10 i13008/i13007/i13001) differs from the value filed in the register or lies outside the filed range; a QA event (calibration, filed change) covering or just before the report explains it",
        ("3020 reports", "filed parameters", "QA events"),
        ("air", "water"),
        fn=d.fz_filed_parameters,
        variants=("filed_parameters",),
    ),
    Detector(
        "fz_dilution",
        "falsification",
        "dilution",
        "采样稀释",
        "sample dilution",
        "污染物、湿度同比例下降而氧含量上升，流速、温度（工况）不变。",
        "pollutants and humidity fall by a common factor while O2 rises, velocity and temperature unchanged",
        ("pollutants", "O2", "humidity", "velocity", "temperature"),
        ("air",),
        fn=d.fz_dilution,
    ),
    Detector(
        "fz_borrowed",
        "falsification",
        "borrowed_data",
        "借用数据（自身历史/跨因子）",
        "borrowed data (own history, across pollutants)",
        "某日逐分钟变化与本设备此前某日或另一因子几乎相同。",
        "a day whose minute-by-minute changes repeat an earlier day of the logger or another pollutant",
        ("minute values",),
        ("air", "water"),
        fn=d.fz_borrowed_own,
        variants=("own_history", "across_pollutants"),
    ),
    Detector(
        "fz_borrowed_peer",
        "falsification",
        "borrowed_data",
        "借用数据（他处设备）",
        "borrowed data (another logger)",
        "某日逐分钟变化与另一台数采仪几乎相同，且不随自身工况变化。",
        "a day whose minute-by-minute changes match another logger's and no longer follow the logger's own load",
        ("minute values of peers", "velocity or water flow"),
        ("air", "water"),
        peers_fn=d.fz_borrowed_peers,
        rule_key="fz_borrowed",
        variants=("peer",),
    ),
    Detector(
        "fz_under_limit",
        "falsification",
        "under_limit_piling",
        "限值下堆积",
        "values piling up under the limit",
        "有效小时均值大量堆积在限值以下10%内，其下和超限的很少。",
        "valid hourly means pile up in the last 10 % under the limit, with few below the pile and above the limit",
        ("hourly means", "limits"),
        ("air",),
        fn=d.fz_under_limit,
    ),
    Detector(
        "fz_exceedance_drop",
        "falsification",
        "preset_data",
        "临超骤降",
        "drop where an exceedance would start",
        "数值每到限值附近就在一分钟内骤降而工况未变，持续超限极少：恰在将要超标时被替换。",
        "values drop steeply within a minute each time they reach the limit while the load stays, and hardly ever stay over it",
        ("minute values", "limits", "O2 and reference O2", "velocity"),
        ("air",),
        fn=d.fz_exceedance_drop,
        variants=("drop",),
    ),
    Detector(
        "fz_false_flags",
        "falsification",
        "false_flags",
        "虚假标记",
        "false flags",
        "标记为故障或维护的时段数据连续正常且超标，而有效时段几乎不超标。",
        "hours flagged fault or maintenance show a working analyser above the limit, valid hours hardly ever exceed it",
        ("minute values", "flags", "limits"),
        ("air",),
        fn=d.fz_false_flags,
    ),
    Detector(
        "fz_power_false_flags",
        "falsification",
        "false_flags",
        "停运标记与用电不符",
        "shutdown flagged while electricity shows running",
        "生产设施用电显示运行，而数采仪标记F（停运）：停运标记不实。",
        "the production meter shows running while the logger flags F (stopped): the shutdown is not real",
        ("flags", "minute values", "production electricity"),
        ("air", "water"),
        fn=d.fz_power_false_flags,
        variants=("power",),
    ),
    Detector(
        "fz_treatment_off",
        "falsification",
        "treatment_off",
        "治理设施停运",
        "treatment facility off while production runs",
        "同一排放口的生产设施用电显示运行，而治理设施用电显示停运。",
        "the outlet's production meter shows running while a treatment facility's meter shows stopped",
        ("production electricity", "treatment electricity"),
        ("air", "water"),
        fn=d.fz_treatment_off,
    ),
    Detector(
        "fz_water_contradiction",
        "falsification",
        "water_contradiction",
        "水样替换/稀释",
        "water contradictions",
        "pH几乎不变而重金属照常波动：水样不是排放水。",
        "pH flat while the metals keep varying: the sample is not the discharge",
        ("pH", "metals", "COD", "NH3-N"),
        ("water",),
        fn=d.fz_water_contradiction,
    ),
)

BY_CODE = {det.code: det for det in DETECTORS}


def run(
    loggers: Sequence[LoggerData],
    rules: Rules | None = None,
    *,
    only: Sequence[str] | None = None,
) -> list[Finding]:
    """Every detector (or those in ``only``) over ``loggers``; peer detectors see all of them."""
    rules = rules or load()
    views = [
        View(
            x,
            valid_hour_minutes=int(rules.common.get("valid_hour_minutes", 45)),
            max_o2_for_correction=rules.common.get("o2_correction_max_o2", MAX_O2_FOR_CORRECTION),
        )
        for x in loggers
    ]
    out: list[Finding] = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices are expected (gaps)
        for det in DETECTORS:
            if only is not None and det.code not in only:
                continue
            out.extend(_run_one(det, views, rules))
    return out


def _run_one(det: Detector, views: Sequence[View], rules: Rules) -> list[Finding]:
    out: list[Finding] = []
    params = rules.params(det.key)
    if det.fn is not None:
        for v in views:
            if v.kind in det.media:
                out.extend(det.fn(v, params, rules.ranges))
    elif det.peers_fn is not None:
        out.extend(det.peers_fn([v for v in views if v.kind in det.media], params, rules.ranges))
    return out
