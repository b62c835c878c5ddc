"""Typed, validated views of the rule files the engine reads.

Each view keeps its :class:`~huanjian.review.rules.RuleSet`, so every number the
engine applies can be cited (``view.ruleset.rule(name).cite()``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from huanjian.review.rules import RuleError, RuleSet, load_ruleset

__all__ = [
    "ComparisonRules",
    "ExceedanceRules",
    "FormulaConstants",
    "IndicatorRules",
    "SubstitutionRules",
    "ValidityRules",
    "select_validity",
]

Propagation = Literal["share_normal", "any_abnormal"]
Basis = Literal["minute_records", "analyser_cycle"]


def _flags(ruleset: RuleSet, name: str) -> frozenset[str]:
    flags = ruleset.strs(name)
    if not flags or any(len(flag) != 1 or not flag.isascii() for flag in flags):
        raise RuleError(f"{ruleset.origin}: rule {name!r} must list one-letter ASCII flags")
    return frozenset(flags)


@dataclass(frozen=True, slots=True)
class ValidityRules:
    """Which records count, and how many make a valid hour, day and month."""

    ruleset: RuleSet
    medium: str
    basis: Basis
    valid_flags: frozenset[str]
    missing_flag_as: str
    record_step_seconds: int
    min_valid_records_per_hour: int
    min_valid_hours_per_day: int
    min_valid_days_per_month: int
    min_valid_days_february: int
    propagation: Propagation
    propagation_min_normal_share: float
    propagation_normal_flags: frozenset[str]
    propagation_abnormal_flag: str

    @classmethod
    def from_ruleset(cls, rs: RuleSet) -> ValidityRules:
        if rs.basis not in ("minute_records", "analyser_cycle"):
            raise RuleError(f"{rs.origin}: meta.basis must be minute_records or analyser_cycle")
        basis: Basis = "minute_records" if rs.basis == "minute_records" else "analyser_cycle"
        step = rs.int_("record_step_seconds", minimum=0)
        if basis == "minute_records" and (step <= 0 or 3600 % step):
            raise RuleError(f"{rs.origin}: record_step_seconds must divide 3600")
        per_hour = rs.int_("min_valid_records_per_hour", minimum=1)
        if basis == "minute_records" and per_hour > 3600 // step:
            raise RuleError(f"{rs.origin}: min_valid_records_per_hour exceeds the records in an hour")
        propagation = rs.str_("propagation", choices=("share_normal", "any_abnormal"))
        abnormal = rs.str_("propagation_abnormal_flag")
        if len(abnormal) > 1:
            raise RuleError(f"{rs.origin}: propagation_abnormal_flag must be one letter or empty")
        missing = rs.str_("missing_flag_as")
        if len(missing) != 1:
            raise RuleError(f"{rs.origin}: missing_flag_as must be one letter")
        return cls(
            ruleset=rs,
            medium=rs.medium,
            basis=basis,
            valid_flags=_flags(rs, "valid_flags"),
            missing_flag_as=missing,
            record_step_seconds=step,
            min_valid_records_per_hour=per_hour,
            min_valid_hours_per_day=rs.int_("min_valid_hours_per_day", minimum=1),
            min_valid_days_per_month=rs.int_("min_valid_days_per_month", minimum=1),
            min_valid_days_february=rs.int_("min_valid_days_february", minimum=1),
            propagation="share_normal" if propagation == "share_normal" else "any_abnormal",
            propagation_min_normal_share=rs.float_("propagation_min_normal_share", low=0.0, high=1.0),
            propagation_normal_flags=_flags(rs, "propagation_normal_flags"),
            propagation_abnormal_flag=abnormal,
        )

    @classmethod
    def load(cls, rule_id: str) -> ValidityRules:
        return cls.from_ruleset(load_ruleset(rule_id))


def select_validity(medium: str, analyser_cycle_min: int | None = None) -> ValidityRules:
    """The validity rule set for an outlet's parameter, from the register's facts.

    Air → ``flue_gas``; water with an analyser cycle (device.analyser_cycle_min) →
    ``water_cycle``; other water parameters (flow, pH sensors) → ``water_continuous``.
    """
    if medium == "air":
        return ValidityRules.load("flue_gas")
    if medium == "water":
        return ValidityRules.load("water_cycle" if analyser_cycle_min else "water_continuous")
    raise RuleError(f"unknown medium {medium!r} (air or water)")


@dataclass(frozen=True, slots=True)
class FormulaConstants:
    ruleset: RuleSet
    standard_temperature_k: float
    standard_pressure_pa: float
    molar_volume_l: float
    molar_mass_g_mol: Mapping[str, float]
    o2_in_air_percent: float
    emission_rate_factor: float

    @classmethod
    def load(cls, rule_id: str = "formulas") -> FormulaConstants:
        rs = load_ruleset(rule_id)
        masses = rs.table("molar_mass_g_mol")
        if not {"SO2", "NO2", "NO"} <= set(masses) or any(m <= 0 for m in masses.values()):
            raise RuleError(f"{rs.origin}: molar_mass_g_mol needs positive SO2, NO2 and NO")
        if not rs.bool_("rate_uses_uncorrected_concentration"):
            raise RuleError(f"{rs.origin}: only rates from uncorrected concentrations are implemented")
        return cls(
            ruleset=rs,
            standard_temperature_k=rs.float_("standard_temperature_k", low=1.0),
            standard_pressure_pa=rs.float_("standard_pressure_pa", low=1.0),
            molar_volume_l=rs.float_("molar_volume_l", low=1.0),
            molar_mass_g_mol=dict(masses),
            o2_in_air_percent=rs.float_("o2_in_air_percent", low=1.0, high=100.0),
            emission_rate_factor=rs.float_("emission_rate_factor", low=0.0),
        )


@dataclass(frozen=True, slots=True)
class SubstitutionRules:
    ruleset: RuleSet
    max_short_gap_hours: int
    long_gap_lookback_valid_hours: int

    @classmethod
    def load(cls, rule_id: str = "substitution") -> SubstitutionRules:
        rs = load_ruleset(rule_id)
        rs.str_("short_gap_method", choices=("mean_of_neighbours",))
        rs.str_("long_gap_method", choices=("max_of_lookback",))
        return cls(
            ruleset=rs,
            max_short_gap_hours=rs.int_("max_short_gap_hours", minimum=1),
            long_gap_lookback_valid_hours=rs.int_("long_gap_lookback_valid_hours", minimum=1),
        )


@dataclass(frozen=True, slots=True)
class ExceedanceRules:
    ruleset: RuleSet
    inclusive: bool  # True: a mean equal to the limit exceeds
    day_from_unmarked_hours: bool

    @classmethod
    def load(cls, rule_id: str = "exceedance") -> ExceedanceRules:
        rs = load_ruleset(rule_id)
        comparison = rs.str_("comparison", choices=("greater_than", "greater_or_equal"))
        rs.str_("mark_hour_overlap", choices=("any",))
        return cls(
            ruleset=rs,
            inclusive=comparison == "greater_or_equal",
            day_from_unmarked_hours=rs.bool_("day_from_unmarked_hours"),
        )


@dataclass(frozen=True, slots=True)
class ComparisonRules:
    ruleset: RuleSet
    absolute_tolerance: float
    relative_tolerance: float

    @classmethod
    def load(cls, rule_id: str = "comparison") -> ComparisonRules:
        rs = load_ruleset(rule_id)
        return cls(
            ruleset=rs,
            absolute_tolerance=rs.float_("absolute_tolerance", low=0.0),
            relative_tolerance=rs.float_("relative_tolerance", low=0.0, high=1.0),
        )


@dataclass(frozen=True, slots=True)
class IndicatorRules:
    ruleset: RuleSet
    validity_rate_denominator: Literal["received", "expected"]
    effective_transmission_pass_mark: float

    @classmethod
    def load(cls, rule_id: str = "indicators") -> IndicatorRules:
        rs = load_ruleset(rule_id)
        rs.str_("counting_unit", choices=("hour",))
        # the only behaviour implemented: stopped and marked hours stay in expected and received
        rs.str_("stopped_or_marked_hours", choices=("counted",))
        denominator = rs.str_("validity_rate_denominator", choices=("received", "expected"))
        return cls(
            ruleset=rs,
            validity_rate_denominator="received" if denominator == "received" else "expected",
            effective_transmission_pass_mark=rs.float_("effective_transmission_pass_mark", low=0.0, high=1.0),
        )
