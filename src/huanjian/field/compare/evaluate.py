"""Pure evaluation of a comparison test (比对监测) against the acceptance rules.

Figures (HJ 75-2017 via DOMAIN.md §5; all arithmetic in :class:`~decimal.Decimal`, no rounding
before the comparison with the limit):

* ``d_i = RM_i − CEMS_i``; ``d̄`` their mean; ``S_d = √(Σ(d_i − d̄)² / (n − 1))``
* ``cc = t(0.95, n − 1) × S_d / √n`` with the two-sided 95 % t (see :mod:`.tdist`)
* ``RA = (|d̄| + |cc|) / RM̄ × 100`` (percent)
* relative error ``(C̄_CEMS − C̄_RM) / C̄_RM × 100`` (percent); absolute error ``C̄_CEMS − C̄_RM``

The band is chosen by the reference mean ``RM̄`` (or, where the rules say ``each_pair``, by
each pair's reference value for that pair's judgement).  For SO2 and NOx the table is in
µmol/mol; with mg/m³ input the band edges and absolute limits are multiplied by the
molar-volume factor (2.86, 2.05) — the means are never converted.  A test with fewer pairs
than the rule's minimum fails, with a reason naming the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from huanjian.errors import ValidationError
from huanjian.field.compare.inputs import ComparisonInput
from huanjian.field.compare.rules import (
    UNIT_DISPLAY,
    Band,
    ParameterRule,
    RuleSet,
    canonical_unit,
    load_rules,
)
from huanjian.field.compare.tdist import t95_two_sided

HUNDRED = Decimal(100)
KIND_NAMES = {
    "relative_accuracy": "relative accuracy",
    "relative_error": "relative error",
    "absolute_error": "absolute error",
}


@dataclass(frozen=True)
class PairJudgement:
    index: int
    band: Band
    value: Decimal | None
    met: bool


@dataclass(frozen=True)
class Evaluation:
    rules_version: str
    rule: ParameterRule
    unit: str  # canonical input unit
    factor: Decimal  # input unit per band unit
    n_pairs: int
    mean_reference: Decimal
    mean_cems: Decimal
    mean_difference: Decimal  # d̄ = RM̄ − C̄_CEMS
    sd: Decimal | None  # S_d, None for n < 2
    t: Decimal | None  # t(0.95, n − 1), None for n < 2
    cc: Decimal | None
    relative_accuracy: Decimal | None  # percent
    relative_error: Decimal | None  # percent
    absolute_error: Decimal  # input unit
    band: Band
    criterion_value: Decimal | None
    criterion_met: bool
    pair_judgements: tuple[PairJudgement, ...]
    verdict: str  # "pass" | "fail"
    reasons: tuple[str, ...]

    @property
    def criterion_limit(self) -> Decimal:
        """The band's limit in the input unit (absolute limits scaled by the factor)."""
        return _limit(self.band, self.factor)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``huanjian compare evaluate --format json`` (docs/compare.md)."""
        band = self.band
        unit = self.unit
        converted = self.factor != 1
        return {
            "verdict": self.verdict,
            "band": {
                "id": band.id,
                "label": band.label(unit, self.factor),
                "lower": _f(band.lower * self.factor if band.lower is not None else None),
                "lower_inclusive": band.lower_inclusive,
                "upper": _f(band.upper * self.factor if band.upper is not None else None),
                "upper_inclusive": band.upper_inclusive,
                "unit": unit,
                "selected_by": "mean_reference",
                "table": {
                    "label": band.label(self.rule.band_unit),
                    "lower": _f(band.lower),
                    "upper": _f(band.upper),
                    "unit": self.rule.band_unit,
                },
                "conversion": (
                    f"band edges and absolute limits × {self.factor} ({self.rule.band_unit} → {unit}); "
                    "means not converted"
                    if converted
                    else None
                ),
                "source": band.source,
                "clause": band.clause,
                "confidence": band.confidence,
                "rules_version": self.rules_version,
            },
            "criterion": {
                "kind": band.criterion.kind,
                "limit": _f(self.criterion_limit),
                "unit": "%" if band.criterion.kind != "absolute_error" else unit,
                "table_limit": _f(band.criterion.limit),
                "table_unit": "%" if band.criterion.kind != "absolute_error" else self.rule.band_unit,
                "value": _f(self.criterion_value),
                "met": self.criterion_met,
                "judged_on": self.rule.judged_on,
                "min_pairs": self.rule.min_pairs.value,
            },
            "n_pairs": self.n_pairs,
            "mean_reference": _f(self.mean_reference),
            "mean_cems": _f(self.mean_cems),
            "relative_accuracy": _f(self.relative_accuracy),
            "cc": _f(self.cc),
            "relative_error": _f(self.relative_error),
            "absolute_error": _f(self.absolute_error),
            "reasons": list(self.reasons),
        }


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def fmt(value: Decimal | None, places: int = 4) -> str:
    """A figure for messages: ``places`` significant decimals, no exponent."""
    if value is None:
        return "n/a"
    return format(round(value, places).normalize(), "f")


def _limit(band: Band, factor: Decimal) -> Decimal:
    if band.criterion.kind == "absolute_error":
        return band.criterion.limit * factor
    return band.criterion.limit


def _value_for(kind: str, ra: Decimal | None, rel: Decimal | None, abs_err: Decimal) -> Decimal | None:
    if kind == "relative_accuracy":
        return ra
    if kind == "relative_error":
        return rel
    return abs_err


def _met(kind: str, value: Decimal | None, limit: Decimal) -> bool:
    if value is None:
        return False
    if kind == "relative_accuracy":
        return value <= limit
    return abs(value) <= limit  # ±limit, the limit itself included ("不超过")


def _unit_of(kind: str, unit: str) -> str:
    return "%" if kind != "absolute_error" else UNIT_DISPLAY.get(unit, unit)


def _describe(band: Band, unit: str, factor: Decimal, value: Decimal | None) -> str:
    kind = band.criterion.kind
    limit = _limit(band, factor)
    shown = _unit_of(kind, unit)
    sign = "≤" if kind == "relative_accuracy" else "within ±"
    bound = f"{sign}{' ' if kind == 'relative_accuracy' else ''}{fmt(limit)} {shown}"
    where = f"band {band.id}: {band.label(unit, factor)}; {band.source}, {band.confidence}"
    if value is None:
        return f"{KIND_NAMES[kind]} cannot be computed (needs {bound}; {where})"
    verb = "meets" if _met(kind, value, limit) else "fails"
    return f"{KIND_NAMES[kind]} {fmt(value)} {shown} {verb} {bound} ({where})"


def _mean(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def resolve(inp: ComparisonInput, rules: RuleSet) -> tuple[ParameterRule, str, Decimal]:
    """The parameter's rule, the canonical input unit and its factor; ValidationError otherwise."""
    rule = rules.parameters.get(inp.parameter.strip())
    if rule is None:
        known = ", ".join(f"{code} ({r.name})" for code, r in rules.parameters.items())
        raise ValidationError(
            f"parameter: {inp.parameter!r} has no acceptance rule (known: {known})", code="compare_input"
        )
    unit = canonical_unit(inp.unit)
    if unit is None or unit not in rule.units:
        accepted = ", ".join(rule.units)
        raise ValidationError(
            f"unit: {inp.unit!r} does not fit {rule.code} ({rule.name}); use {accepted}", code="compare_input"
        )
    return rule, unit, rule.units[unit]


def evaluate(inp: ComparisonInput, rules: RuleSet | None = None) -> Evaluation:
    rules = rules or load_rules()
    rule, unit, factor = resolve(inp, rules)
    n = len(inp.pairs)
    if n == 0:
        raise ValidationError("pairs: no pairs to evaluate", code="compare_input")
    refs = [p.reference for p in inp.pairs]
    cems = [p.cems for p in inp.pairs]
    mean_ref = _mean(refs)
    mean_cems = _mean(cems)
    diffs = [r - c for r, c in zip(refs, cems, strict=True)]
    d_bar = _mean(diffs)
    sd = t = cc = None
    if n >= 2:
        sd = (sum(((d - d_bar) ** 2 for d in diffs), Decimal(0)) / (n - 1)).sqrt()
        t = t95_two_sided(n - 1)
        cc = t * sd / Decimal(n).sqrt()
    nonzero = mean_ref != 0
    ra = (abs(d_bar) + abs(cc)) / mean_ref * HUNDRED if cc is not None and nonzero else None
    rel = (mean_cems - mean_ref) / mean_ref * HUNDRED if nonzero else None
    abs_err = mean_cems - mean_ref

    band = rule.band_for(mean_ref, factor)
    kind = band.criterion.kind
    value = _value_for(kind, ra, rel, abs_err)
    met = _met(kind, value, _limit(band, factor))

    failures: list[str] = []
    passes: list[str] = []
    mp = rule.min_pairs
    pairs_rule = f"{mp.source}: at least {mp.value} pairs for {rule.name}, {mp.confidence}"
    if n < mp.value:
        failures.append(f"too few pairs: {n} < {mp.value} ({pairs_rule})")
    else:
        passes.append(f"{n} pairs ≥ {mp.value} ({pairs_rule})")

    judgements: list[PairJudgement] = []
    if rule.judged_on == "each_pair":
        for i, pair in enumerate(inp.pairs):
            pband = rule.band_for(pair.reference, factor)
            pkind = pband.criterion.kind
            p_rel = (pair.cems - pair.reference) / pair.reference * HUNDRED if pair.reference != 0 else None
            p_value = _value_for(pkind, None, p_rel, pair.cems - pair.reference)
            p_met = _met(pkind, p_value, _limit(pband, factor))
            judgements.append(PairJudgement(index=i, band=pband, value=p_value, met=p_met))
            text = f"pairs[{i}]: {_describe(pband, unit, factor, p_value)}"
            (passes if p_met else failures).append(text)
    else:
        (passes if met else failures).append(_describe(band, unit, factor, value))

    return Evaluation(
        rules_version=rules.version,
        rule=rule,
        unit=unit,
        factor=factor,
        n_pairs=n,
        mean_reference=mean_ref,
        mean_cems=mean_cems,
        mean_difference=d_bar,
        sd=sd,
        t=t,
        cc=cc,
        relative_accuracy=ra,
        relative_error=rel,
        absolute_error=abs_err,
        band=band,
        criterion_value=value,
        criterion_met=met,
        pair_judgements=tuple(judgements),
        verdict="fail" if failures else "pass",
        reasons=tuple(failures or passes),
    )
