"""Indicators (DOMAIN §8), counted in hourly values per parameter (``indicators.toml``).

* transmission rate = received hours / expected hours;
* validity rate = valid hours / received hours (rule ``validity_rate_denominator``;
  ``expected`` follows DOMAIN §8's wording instead);
* effective transmission rate = transmission rate × validity rate
  (= valid / expected with the default denominator);
* exceedance rate = exceeding hours / judged hours, where judged hours are the
  valid hours left after removing hours marked invalid for exceedance (no official
  formula found; this is huanjian's, DOMAIN §8).

Rates of a group (enterprise, contractor, jurisdiction) come from summed counts,
never from averaging the members' rates.

Logger cross-check: loggers send their own hourly (2061) and daily (2031) means
and flags; they are compared period by period with the platform's values and
differences beyond ``comparison.toml`` (``|logger − computed| > max(absolute,
relative × |computed|)``) reported, with periods one side lacks and periods whose
validity differs (logger flag N/S against the platform's valid-period test).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from huanjian.review.engine._arrays import F64, I64, U8, Bool, safe_divide
from huanjian.review.engine.grid import flag_lut
from huanjian.review.engine.validity import Periods
from huanjian.review.rules.typed import ComparisonRules, IndicatorRules, ValidityRules

__all__ = ["Counts", "LoggerComparison", "Rates", "compare_with_logger", "hour_counts", "rates"]


@dataclass(frozen=True, slots=True)
class Counts:
    expected: I64
    received: I64
    valid: I64
    judged: I64
    exceeding: I64

    def grouped(self, group: np.ndarray, n_groups: int) -> Counts:
        """Sum the per-series counts into groups (e.g. series → logger → enterprise)."""

        def add(values: I64) -> I64:
            return np.bincount(np.asarray(group, dtype=np.int64), weights=values, minlength=n_groups).astype(
                np.int64
            )

        return Counts(
            *(add(getattr(self, f)) for f in ("expected", "received", "valid", "judged", "exceeding"))
        )


def hour_counts(
    hours: Periods, judged: np.ndarray | None = None, exceeding: np.ndarray | None = None
) -> Counts:
    """Counts per series from hourly periods; expected = complete hours in the range."""
    n_series = hours.mean.shape[0]
    expected = np.full(n_series, int(hours.complete.sum()), dtype=np.int64)
    zeros = np.zeros(n_series, dtype=np.int64)
    return Counts(
        expected=expected,
        received=(hours.received > 0).sum(axis=1).astype(np.int64),
        valid=hours.valid.sum(axis=1).astype(np.int64),
        judged=zeros if judged is None else np.asarray(judged, dtype=np.int64),
        exceeding=zeros if exceeding is None else np.asarray(exceeding, dtype=np.int64),
    )


@dataclass(frozen=True, slots=True)
class Rates:
    transmission: F64
    validity: F64
    effective_transmission: F64
    exceedance: F64
    passes: np.ndarray  # effective transmission ≥ the pass mark (75 %)


def rates(counts: Counts, rules: IndicatorRules | None = None) -> Rates:
    rules = rules or IndicatorRules.load()
    transmission = safe_divide(counts.received.astype(np.float64), counts.expected)
    denominator = counts.received if rules.validity_rate_denominator == "received" else counts.expected
    validity = safe_divide(counts.valid.astype(np.float64), denominator)
    effective = transmission * validity
    return Rates(
        transmission=transmission,
        validity=validity,
        effective_transmission=effective,
        exceedance=safe_divide(counts.exceeding.astype(np.float64), counts.judged),
        passes=effective >= rules.effective_transmission_pass_mark - 1e-12,
    )


@dataclass(frozen=True, slots=True)
class LoggerComparison:
    difference: F64  # logger − computed, NaN unless both have a value
    tolerance: F64
    value_differs: Bool  # both have a value and they differ beyond the tolerance
    logger_missing: Bool  # the platform has a valid period the logger did not report
    platform_missing: Bool  # the logger reported a value the platform has no data for
    validity_differs: Bool  # logger flag valid (N, S) ≠ platform period valid

    def counts(self) -> dict[str, int]:
        return {
            "value_differs": int(self.value_differs.sum()),
            "logger_missing": int(self.logger_missing.sum()),
            "platform_missing": int(self.platform_missing.sum()),
            "validity_differs": int(self.validity_differs.sum()),
        }


def compare_with_logger(
    computed: F64,
    computed_valid: Bool,
    logger_value: F64,
    logger_flag: U8,
    validity: ValidityRules,
    rules: ComparisonRules | None = None,
) -> LoggerComparison:
    """Compare period by period; ``logger_value`` NaN and ``logger_flag`` 0 where not reported."""
    rules = rules or ComparisonRules.load()
    has_logger = np.isfinite(logger_value)
    has_platform = np.isfinite(computed)
    both = has_logger & has_platform
    difference = np.where(both, logger_value - np.where(both, computed, 0.0), np.nan)
    tolerance = np.maximum(rules.absolute_tolerance, rules.relative_tolerance * np.abs(computed))
    with np.errstate(invalid="ignore"):
        differs = both & (np.abs(difference) > tolerance)
    reported = has_logger | (logger_flag != 0)
    logger_valid = flag_lut(validity.valid_flags)[logger_flag] & has_logger
    return LoggerComparison(
        difference=difference,
        tolerance=tolerance,
        value_differs=differs,
        logger_missing=computed_valid & ~reported,
        platform_missing=has_logger & ~has_platform,
        validity_differs=reported & (logger_valid != computed_valid),
    )
