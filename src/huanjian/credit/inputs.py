"""What the credit domain consumes from data review, behind one contract.

Contract of a data-quality provider::

    provider(session, outlet_ids, start, end) -> {outlet_id: DataQuality}

* ``start``/``end`` are dates, inclusive, China Standard Time days;
* counts are hours summed over the outlet's monitored parameters (``expected``
  hours that should have arrived, ``received``, ``valid`` after review marks);
* an outlet missing from the answer means **no data**: the scorer leaves the
  indicator out and says so (it never guesses a rate).

Rates follow DOMAIN §8 and the review rule ``validity_rate_denominator``
(``received``): transmission = received / expected, validity = valid /
received, effective transmission = transmission × validity = valid / expected.

The default provider reads the review domain's daily indicator counts
(``review_indicator``, per-parameter rows, not the ``*`` online row). The
review domain is being integrated while this is written: when it offers its
own service function, it plugs in with :func:`use_provider` and nothing else
changes here. With no counts stored the answer is empty, i.e. "no data".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class DataQuality:
    outlet_id: int
    expected: int
    received: int
    valid: int
    source: str

    @property
    def transmission_rate(self) -> float:
        return self.received / self.expected if self.expected else 0.0

    @property
    def validity_rate(self) -> float:
        return self.valid / self.received if self.received else 0.0

    @property
    def effective_transmission_rate(self) -> float:
        return self.transmission_rate * self.validity_rate


Provider = Callable[[Session, Sequence[int], date, date], Mapping[int, DataQuality]]


def review_indicator_counts(
    session: Session, outlet_ids: Sequence[int], start: date, end: date
) -> Mapping[int, DataQuality]:
    from huanjian.review.models import IndicatorCount as C

    if not outlet_ids:
        return {}
    rows = session.execute(
        select(C.outlet_id, func.sum(C.expected), func.sum(C.received), func.sum(C.valid))
        .where(C.outlet_id.in_(list(outlet_ids)), C.day >= start, C.day <= end, C.pollutant != "*")
        .group_by(C.outlet_id)
    ).all()
    return {
        int(oid): DataQuality(int(oid), int(exp or 0), int(rec or 0), int(val or 0), "review_indicator")
        for oid, exp, rec, val in rows
        if exp
    }


_provider: Provider = review_indicator_counts


def use_provider(provider: Provider | None) -> None:
    """Swap the provider (the review domain's service; a fake in tests); ``None`` restores the default."""
    global _provider
    _provider = provider or review_indicator_counts


def data_quality(
    session: Session, outlet_ids: Sequence[int], start: date, end: date
) -> dict[int, DataQuality]:
    return dict(_provider(session, outlet_ids, start, end))
