"""Detection runs from the store, stored clues, re-runs, suppression, lifecycle, export."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from huanjian.access.policy import Principal
from huanjian.audit.models import AuditEntry
from huanjian.casework.models import Case
from huanjian.core.time import CST
from huanjian.core.tx import Tx
from huanjian.detect import jobs, service
from huanjian.detect.models import DetectClue, DetectClueTransition
from huanjian.errors import Conflict, NotFound, PermissionDenied, ValidationError
from huanjian.review import layers
from tests.detect.store import PRESET, preset_world, write_logger
from tests.factories import seed_people

MN = "31011500000001A0000D0001"
START = datetime(2026, 1, 5, tzinfo=CST)
FROM, TO = date(2026, 1, 5), date(2026, 1, 12)


@pytest.fixture
def world(tx: Tx) -> dict[str, object]:
    people = seed_people(tx)
    outlet, data = preset_world(tx, 101, MN, "310115103", START)
    return {"outlet": outlet, "data": data, "people": people, "pudong": Principal.of(people.pudong)}


def _clues(tx: Tx) -> list[DetectClue]:
    return list(tx.session.scalars(select(DetectClue).order_by(DetectClue.id)))


def _preset(tx: Tx) -> DetectClue:
    (clue,) = [c for c in _clues(tx) if c.category == "falsification"]
    return clue


def test_run_stores_a_preset_clue_with_its_evidence(tx: Tx, world: dict[str, object]) -> None:
    report = service.run(tx, Principal.system(), FROM, TO)
    assert report.outlets == 1 and report.loggers == 1 and report.created >= 1
    clue = _preset(tx)
    assert clue.trick == "preset_data" and clue.detector == "fz_low_variability"
    assert clue.status == "new" and clue.mn == MN and clue.outlet_code == "DA001"
    assert clue.jurisdiction_code == "310115103"
    assert clue.pollutants == ["a21026"]
    s, e = PRESET
    assert clue.start_at == START.replace(day=5 + s // 1440) and clue.end_at == START.replace(
        day=5 + e // 1440
    )
    # Evidence: the findings' statistics and sentences, then the secondary score as its own line.
    assert clue.evidence[0]["detector"] == "fz_low_variability"
    assert clue.evidence[0]["statistic"]["threshold"] is not None and clue.evidence[0]["sentence"]["zh"]
    assert clue.evidence[-1]["detector"] == "mv_isolation_forest" and clue.evidence[-1]["secondary"]
    assert clue.secondary_score is not None and 0 <= clue.secondary_score <= 1
    assert clue.score == pytest.approx(min(1.0, clue.base_score * clue.evidence[-1]["factor"]), abs=1e-3)
    # The chart: series excerpt, highlighted indices inside it, the limit as a threshold line.
    chart = clue.chart
    assert len(chart["times"]) == len(chart["series"]["a21026"]) <= 1440
    assert chart["highlight"] and max(chart["highlight"]) < len(chart["times"])
    assert chart["times"][chart["highlight"][0]].endswith("+08:00")
    assert chart["thresholds"] == [{"code": "a21026", "name_en": "SO2", "name_zh": "二氧化硫", "value": 50.0}]
    (t,) = tx.session.scalars(select(DetectClueTransition).where(DetectClueTransition.clue_id == clue.id))
    assert t.from_status is None and t.to_status == "new" and t.automatic
    audit = tx.session.scalars(select(AuditEntry).where(AuditEntry.action == "detect.run")).all()
    assert len(audit) == 1 and clue.id in audit[0].after["created"]


def test_rerun_updates_never_duplicates(tx: Tx, world: dict[str, object]) -> None:
    service.run(tx, Principal.system(), FROM, TO)
    first = [(c.id, c.category, c.trick, c.start_at, c.score) for c in _clues(tx)]
    again = service.run(tx, Principal.system(), FROM, TO)
    assert again.created == 0 and again.updated == 0 and again.withdrawn == 0
    assert [(c.id, c.category, c.trick, c.start_at, c.score) for c in _clues(tx)] == first
    assert all(c.runs == 2 for c in _clues(tx))
    # A wider window (with empty days at both ends: gaps) updates the same clues, adds no copy.
    service.run(tx, Principal.system(), date(2026, 1, 4), date(2026, 1, 13))
    wider = _clues(tx)
    assert {c.id for c in wider} >= {row[0] for row in first}
    for a in wider:
        for b in wider:
            same = (a.mn, a.category, a.trick) == (b.mn, b.category, b.trick)
            assert a.id == b.id or not same or a.end_at <= b.start_at or b.end_at <= a.start_at
    # The job over the original days: nothing new.
    jobs.detect_run(tx, {"from": "2026-01-05", "to": "2026-01-12"})
    assert len(_clues(tx)) == len(wider)


def test_a_period_resent_flagged_m_is_withdrawn_by_the_rerun(tx: Tx, world: dict[str, object]) -> None:
    service.run(tx, Principal.system(), FROM, TO)
    clue = _preset(tx)
    assert clue.status == "new"
    # The same period resent flagged M (maintenance): the detectors leave invalid minutes
    # out, so the re-run no longer finds the clue and withdraws it (kept, with the step).
    data = world["data"]
    flags = data.flags.copy()  # type: ignore[attr-defined]
    s, e = PRESET
    flags[s - 60 : e + 60] = "M"
    from sqlalchemy import delete

    from huanjian.ingest.models import IngestReading

    tx.session.execute(delete(IngestReading).where(IngestReading.mn == MN))
    write_logger(tx, data, flags)  # type: ignore[arg-type]
    report = service.run(tx, Principal.system(), FROM, TO)
    assert report.withdrawn >= 1 and report.created == 0
    tx.session.refresh(clue)
    assert clue.status == "withdrawn"
    steps = [(t.from_status, t.to_status, t.reason) for t in service.history(tx, world["pudong"], clue.id)]  # type: ignore[arg-type]
    assert steps == [(None, "new", None), ("new", "withdrawn", "no longer found")]


def test_an_accepted_mark_suppresses(tx: Tx, world: dict[str, object]) -> None:
    s, e = PRESET
    pudong = world["pudong"]
    mark = layers.file_mark(
        tx,
        pudong,  # type: ignore[arg-type]
        outlet_id=world["outlet"],  # type: ignore[arg-type]
        code="maintenance",
        start=START.replace(day=5 + s // 1440),
        end=START.replace(day=5 + e // 1440),
        reason="脱硫系统检修",
        now=START.replace(day=5 + e // 1440),
    )
    if mark.status == "pending":
        layers.decide(tx, pudong, mark.id, accept=True, reason="材料齐全")  # type: ignore[arg-type]
    service.run(tx, Principal.system(), FROM, TO)
    clue = _preset(tx)
    assert clue.status == "suppressed" and clue.causes == ["accepted mark or declaration"]


def test_lifecycle_to_a_case(tx: Tx, world: dict[str, object]) -> None:
    pudong = world["pudong"]
    service.run(tx, Principal.system(), FROM, TO)
    clue = _preset(tx)
    with pytest.raises(Conflict):
        service.transition(tx, pudong, clue.id, "confirmed")  # type: ignore[arg-type]
    service.transition(tx, pudong, clue.id, "under_verification", "现场核查")  # type: ignore[arg-type]
    service.transition(tx, pudong, clue.id, "confirmed", "运维记录无校准")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        service.transition(tx, pudong, clue.id, "handed_to_case")  # type: ignore[arg-type]
    service.hand_to_case(tx, pudong, clue.id)  # type: ignore[arg-type]
    assert clue.status == "handed_to_case" and clue.case_id is not None
    case = tx.session.get(Case, clue.case_id)
    assert case is not None and case.source == "clue" and case.source_ref == f"clue:{clue.id}"
    assert case.enterprise_id == world["people"].enterprise_a.organisation_id  # type: ignore[attr-defined]
    steps = [t.to_status for t in service.history(tx, pudong, clue.id)]  # type: ignore[arg-type]
    assert steps == ["new", "under_verification", "confirmed", "handed_to_case"]
    actions = tx.session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "detect_clue", AuditEntry.object_id == str(clue.id)
        )
    ).all()
    assert actions == ["clue.under_verification", "clue.confirmed", "clue.handed_to_case"]
    # A re-run leaves a clue a person has acted on as it is.
    service.run(tx, Principal.system(), FROM, TO)
    tx.session.refresh(clue)
    assert clue.status == "handed_to_case"


def test_dismissal_needs_a_reason_and_is_kept_as_labelled_data(tx: Tx, world: dict[str, object]) -> None:
    pudong = world["pudong"]
    service.run(tx, Principal.system(), FROM, TO)
    clue = _preset(tx)
    with pytest.raises(ValidationError):
        service.transition(tx, pudong, clue.id, "dismissed", "  ")  # type: ignore[arg-type]
    service.transition(tx, pudong, clue.id, "dismissed", "工况稳定，非造假")  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        service.transition(tx, pudong, clue.id, "under_verification")  # type: ignore[arg-type]
    rows = service.search(tx, pudong, status=["dismissed"])  # type: ignore[arg-type]
    assert [r.id for r in rows] == [clue.id] and rows[0].reason == "工况稳定，非造假"
    # Re-running keeps the dismissal (the label) and adds nothing.
    before = tx.session.scalar(select(func.count()).select_from(DetectClue))
    service.run(tx, Principal.system(), FROM, TO)
    assert tx.session.scalar(select(func.count()).select_from(DetectClue)) == before
    assert service.get(tx, pudong, clue.id).status == "dismissed"  # type: ignore[arg-type]


def test_scope_and_roles(tx: Tx, world: dict[str, object]) -> None:
    service.run(tx, Principal.system(), FROM, TO)
    clue = _preset(tx)
    people = world["people"]
    minhang = Principal.of(people.minhang)  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        service.get(tx, minhang, clue.id)
    assert service.search(tx, minhang) == []
    with pytest.raises(PermissionDenied):
        service.search(tx, Principal.of(people.enterprise_a))  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        service.transition(tx, minhang, clue.id, "dismissed", "x")
    assert service.search(tx, Principal.of(people.pudong_town))  # type: ignore[attr-defined]


def test_export_keys_and_times(tx: Tx, world: dict[str, object]) -> None:
    service.run(tx, Principal.system(), FROM, TO)
    rows = service.search(tx, world["pudong"], category="falsification", start_day=FROM, end_day=TO)  # type: ignore[arg-type]
    (item,) = [service.export_dict(r) for r in rows]
    assert list(item) == [
        "mn", "outlet_code", "pollutants", "start", "end", "category", "detector", "trick",
        "severity", "score", "status", "explanation", "evidence",
    ]  # fmt: skip
    assert item["start"] == "2026-01-08T00:00:00+08:00" and item["end"] == "2026-01-10T00:00:00+08:00"
    assert item["trick"] == "preset_data" and item["explanation"]["zh"]
    assert service.search(tx, world["pudong"], category="falsification", start_day=date(2026, 1, 11)) == []  # type: ignore[arg-type]


def test_logger_data_from_the_store(tx: Tx, world: dict[str, object]) -> None:
    """The bulk read gives back the minutes written, the limit and its reference O2."""
    import numpy as np

    from huanjian.core.scope import Scope
    from huanjian.detect import repository as repo
    from huanjian.review import repository as review_repo

    info = review_repo.outlet(tx.session, Scope(everything=True), int(world["outlet"]))  # type: ignore[arg-type]
    assert info is not None
    written = world["data"]
    got = repo.logger_data(tx, info, MN, START, START + (TO - FROM) + timedelta(days=1))
    assert got is not None and got.n == written.n  # type: ignore[attr-defined]
    for code, x in written.values.items():  # type: ignore[attr-defined]
        np.testing.assert_allclose(got.values[code], x)
    assert (got.flags == "N").all()
    assert got.limits["a21026"] == 50.0 and got.reference_o2 == {"a21026": 6.0}
