"""Comparison tests into QA: the review QA event, the suspect period, the contractor's notice, a case."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from huanjian.access.policy import Principal
from huanjian.casework.models import Case
from huanjian.core.tx import Tx
from huanjian.errors import NotFound, ValidationError
from huanjian.field import comparison
from huanjian.field.compare.inputs import CST
from huanjian.notify.models import Notification
from huanjian.review.models import QaEvent, ReviewLayer
from tests.factories import make_user
from tests.field.builders import FieldWorld, build


@pytest.fixture
def fw(tx: Tx) -> FieldWorld:
    return build(tx)


def _pairs(day: datetime, ref: float, cems: float, n: int = 9) -> list[dict[str, Any]]:
    return [
        {
            "start": day + timedelta(minutes=15 * i),
            "end": day + timedelta(minutes=15 * i + 10),
            "reference": ref,
            "cems": cems,
        }
        for i in range(n)
    ]


def test_pass_then_fail_opens_suspect_period_notifies_and_opens_a_case(fw: FieldWorld, tx: Tx) -> None:
    chief = Principal.of(fw.users["chief"])
    contractor_user = fw.people.contractor
    first = datetime(2026, 1, 10, 9, tzinfo=CST)
    ok = comparison.record(
        tx, chief, device_id=fw.devices["jia"], unit="mg/m3", pairs=_pairs(first, 100, 101)
    )
    assert ok.verdict == "pass" and ok.qa_event_id and ok.suspect_layer_id is None
    later = datetime(2026, 3, 2, 9, tzinfo=CST)
    bad = comparison.record(
        tx,
        chief,
        device_id=fw.devices["jia"],
        unit="mg/m3",
        pairs=_pairs(later, 100, 160),
        om_follows_standard=False,
        om_note="未按 HJ 75 进行每周校准，运维记录缺失",
    )
    assert bad.verdict == "fail" and bad.evaluation["reasons"]
    qa = tx.session.get(QaEvent, bad.qa_event_id)
    assert qa is not None and qa.kind == "comparison" and qa.passed is False and qa.source == "field.compare"
    assert qa.reference == f"field_comparison_test:{bad.id}" and qa.result["verdict"] == "fail"
    layer = tx.session.get(ReviewLayer, bad.suspect_layer_id)
    assert layer is not None and layer.kind == "suspect" and layer.pollutant == "a21026"
    assert layer.start_at == ok.period_end  # since the last passing test
    assert layer.end_at == bad.period_end
    notes = tx.session.scalars(select(Notification).where(Notification.user_id == contractor_user.id)).all()
    assert [n.kind for n in notes] == ["comparison_test"] and "比对监测不合格" in notes[0].title
    case = tx.session.get(Case, bad.case_id)
    assert (
        case is not None
        and case.source == "comparison_test"
        and case.source_ref == f"field_comparison_test:{bad.id}"
    )


def test_failed_test_with_standard_om_opens_no_case(fw: FieldWorld, tx: Tx) -> None:
    chief = Principal.of(fw.users["chief"])
    bad = comparison.record(
        tx,
        chief,
        device_id=fw.devices["jia"],
        unit="mg/m3",
        pairs=_pairs(datetime(2026, 3, 2, tzinfo=CST), 100, 160),
        om_follows_standard=True,
    )
    assert bad.verdict == "fail" and bad.case_id is None and bad.suspect_layer_id is not None
    with pytest.raises(ValidationError):
        comparison.record(
            tx,
            chief,
            device_id=fw.devices["jia"],
            unit="mg/m3",
            pairs=_pairs(datetime(2026, 3, 3, tzinfo=CST), 1, 1),
            om_follows_standard=False,
        )


def test_other_jurisdiction_cannot_record_or_read(fw: FieldWorld, tx: Tx) -> None:
    chief = Principal.of(fw.users["chief"])
    mh = Principal.of(make_user(tx, "mh_station", "station", "310112"))
    with pytest.raises(NotFound):
        comparison.record(
            tx,
            mh,
            device_id=fw.devices["jia"],
            unit="mg/m3",
            pairs=_pairs(datetime(2026, 3, 2, tzinfo=CST), 100, 100),
        )
    row = comparison.record(
        tx,
        chief,
        device_id=fw.devices["jia"],
        unit="mg/m3",
        pairs=_pairs(datetime(2026, 3, 2, tzinfo=CST), 100, 100),
    )
    with pytest.raises(NotFound):
        comparison.get(tx, mh, row.id)
    assert comparison.list_tests(tx, mh) == []
