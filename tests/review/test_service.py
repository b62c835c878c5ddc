"""Review from the store: figures, events, layers, as-of views, levels, QA, self-monitoring.

Expected numbers are worked out by hand from the rules (formula 28 with reference
O2 6 %: C × (21 − 6)/(21 − O2)), not read off the code.
"""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from huanjian.access.policy import Principal
from huanjian.audit.models import AuditEntry
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.errors import Conflict, PermissionDenied
from huanjian.review import export, layers, qa, selfmon, service
from huanjian.review.models import ExceedanceEvent, ReviewLayer, ReviewResult
from tests.factories import make_user, seed_people
from tests.review.world import DAY, T0, day_profile, make_air_outlet, write_minutes

MN = "31011500000001A0000001F1"
H = timedelta(hours=1)
CORR = 15 / 12.5  # (21 − 6)/(21 − 8.5)


@pytest.fixture
def world(tx: Tx) -> dict[str, object]:
    people = seed_people(tx)
    outlet = make_air_outlet(tx, 101, MN)
    write_minutes(tx, MN, T0, day_profile(high_hours=(10, 11, 12)))
    reviewer = Principal.of(make_user(tx, "rev", "station", "310000", permissions=("review.approve",)))
    plain = Principal.of(make_user(tx, "rev2", "station", "310000"))
    return {
        "outlet": outlet,
        "ent": Principal.of(people.enterprise_a),
        "bureau": Principal.of(people.pudong),
        "reviewer": reviewer,
        "plain": plain,
    }


def _hours(tx: Tx, outlet: int, pollutant: str = "a21026") -> dict[int, ReviewResult]:
    rows = tx.session.scalars(
        select(ReviewResult).where(
            ReviewResult.outlet_id == outlet,
            ReviewResult.pollutant == pollutant,
            ReviewResult.period == "hour",
        )
    ).all()
    return {int((r.period_start - T0) / H): r for r in rows}


def _day(tx: Tx, outlet: int) -> ReviewResult:
    return tx.session.scalars(
        select(ReviewResult).where(
            ReviewResult.outlet_id == outlet, ReviewResult.pollutant == "a21026", ReviewResult.period == "day"
        )
    ).one()


def _events(tx: Tx, outlet: int) -> list[ExceedanceEvent]:
    return list(tx.session.scalars(select(ExceedanceEvent).where(ExceedanceEvent.outlet_id == outlet)))


def test_run_stores_figures_events_and_is_idempotent(tx: Tx, world: dict[str, object]) -> None:
    outlet = world["outlet"]
    assert isinstance(outlet, int)
    service.run(tx, Principal.system(), DAY, DAY)
    hours = _hours(tx, outlet)
    assert len(hours) == 24 and all(h.valid and h.valid_count == 60 for h in hours.values())
    assert hours[0].value == pytest.approx(20.0) and hours[0].corrected == pytest.approx(20 * CORR)
    assert hours[10].corrected == pytest.approx(50 * CORR) and hours[10].exceedance
    assert not hours[9].exceedance and hours[9].limit_value == 35
    day = _day(tx, outlet)
    assert day.valid and day.valid_count == 24 and day.value == pytest.approx((21 * 20 + 3 * 50) / 24)
    (event,) = _events(tx, outlet)
    assert (event.start_at, event.end_at, event.periods) == (T0 + 10 * H, T0 + 13 * H, 3)
    assert event.peak == pytest.approx(60.0) and event.margin == pytest.approx(25.0)
    count = tx.session.scalar(select(func.count()).select_from(ReviewResult))
    first_id = event.id
    service.run(tx, Principal.system(), DAY, DAY)  # again: same figures, same event
    assert tx.session.scalar(select(func.count()).select_from(ReviewResult)) == count
    assert [e.id for e in _events(tx, outlet)] == [first_id]
    month = tx.session.scalars(
        select(ReviewResult).where(ReviewResult.period == "month", ReviewResult.pollutant == "a21026")
    ).one()
    assert not month.valid and month.valid_count == 1  # 1 valid day of 29 (February ≥ 23 rule: March ≥ 25)


def test_late_data_update_the_event_incrementally(tx: Tx, world: dict[str, object]) -> None:
    outlet = world["outlet"]
    assert isinstance(outlet, int)
    service.run_incremental(tx)
    (event,) = _events(tx, outlet)
    # hour 13 re-sent higher (a later version becomes current): only that day is recomputed.
    from sqlalchemy import update

    from huanjian.ingest.models import IngestReading

    tx.session.execute(
        update(IngestReading)
        .where(
            IngestReading.data_time >= T0 + 13 * H,
            IngestReading.data_time < T0 + 14 * H,
            IngestReading.pollutant == "a21026",
        )
        .values(current=False)
    )
    write_minutes(tx, MN, T0 + 13 * H, {"a21026": [45.0] * 60})
    report = service.run_incremental(tx)
    assert report.days == 1
    (again,) = _events(tx, outlet)
    assert again.id == event.id and again.periods == 4 and again.end_at == T0 + 14 * H
    assert service.run_incremental(tx).days == 0  # nothing new


def test_mark_apply_and_withdraw_change_exactly_its_figures_and_as_of_reproduces(
    tx: Tx, world: dict[str, object]
) -> None:
    outlet, ent, bureau = world["outlet"], world["ent"], world["bureau"]
    assert isinstance(outlet, int) and isinstance(ent, Principal) and isinstance(bureau, Principal)
    service.run(tx, Principal.system(), DAY, DAY)
    before = {k: (h.value, h.valid, h.exceedance) for k, h in _hours(tx, outlet).items()}
    day_before = _day(tx, outlet).value
    t_before = utcnow()
    mark = layers.file_mark(
        tx,
        ent,
        outlet_id=outlet,
        code="maintenance",
        start=T0 + 10 * H,
        end=T0 + 10 * H + timedelta(minutes=30),
        reason="更换采样探头",
        now=T0 + 12 * H,
    )
    assert mark.status == "effective"
    after = {k: (h.value, h.valid, h.exceedance) for k, h in _hours(tx, outlet).items()}
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {10}  # 30 valid minutes left: hour 10 invalid (< 45), and not judged
    assert _hours(tx, outlet)[10].valid_count == 30 and _hours(tx, outlet)[10].marks == ["maintenance"]
    assert _day(tx, outlet).value == pytest.approx((21 * 20 + 2 * 50) / 23)
    (event,) = [e for e in _events(tx, outlet) if e.withdrawn_at is None]
    assert event.periods == 1 or (event.start_at, event.end_at) != (T0 + 10 * H, T0 + 13 * H)
    t_marked = utcnow()
    layers.withdraw(tx, ent, mark.id, reason="标记有误")
    assert {k: (h.value, h.valid, h.exceedance) for k, h in _hours(tx, outlet).items()} == before
    assert _day(tx, outlet).value == pytest.approx(day_before)

    # as-of views: before the mark, while it was in force, now
    def hour10(as_of: object) -> dict[str, object]:
        rows = service.figures(tx, bureau, outlet, DAY, DAY, as_of=as_of, pollutant="a21026")["rows"]  # type: ignore[arg-type]
        return next(r for r in rows if r["period"] == "hour" and r["period_start"] == T0 + 10 * H)

    assert hour10(t_before)["valid"] is True and hour10(t_before)["value"] == pytest.approx(50.0)
    assert hour10(t_marked)["valid"] is False and hour10(t_marked)["marks"] == ["maintenance"]
    assert hour10(None)["valid"] is True
    why = service.explain(tx, bureau, outlet, "a21026", "hour", T0 + 10 * H, t_before, t_marked)
    assert [x["id"] for x in why["layers"]] == [mark.id]
    assert why["before"]["valid"] is True and why["after"]["valid"] is False  # type: ignore[index]
    actions = set(
        tx.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "review_layer"))
    )
    assert {"review.mark.create", "review.mark.withdraw"} <= actions


def test_mark_over_hour_boundary_excludes_both_hours_from_exceedance(
    tx: Tx, world: dict[str, object]
) -> None:
    outlet, ent = world["outlet"], world["ent"]
    assert isinstance(outlet, int) and isinstance(ent, Principal)
    layers.file_mark(
        tx,
        ent,
        outlet_id=outlet,
        code="startup",
        start=T0 + 10 * H + timedelta(minutes=50),
        end=T0 + 11 * H + timedelta(minutes=10),
        reason="启炉",
        now=T0 + 12 * H,
    )
    hours = _hours(tx, outlet)
    assert hours[10].valid and hours[11].valid  # start-up does not affect validity …
    assert hours[10].excluded and hours[11].excluded and not hours[12].excluded  # … but exceedance
    assert [h for h, r in hours.items() if r.exceedance] == [12]


def test_declarations_take_effect_only_when_accepted_and_late_marks_never(
    tx: Tx, world: dict[str, object]
) -> None:
    outlet, ent, bureau = world["outlet"], world["ent"], world["bureau"]
    assert isinstance(outlet, int) and isinstance(ent, Principal) and isinstance(bureau, Principal)
    service.run(tx, Principal.system(), DAY, DAY)
    files = [{"name": "故障报告.pdf", "sha256": "0" * 64}]
    fault = layers.file_mark(
        tx,
        ent,
        outlet_id=outlet,
        code="fault",
        start=T0 + 3 * H,
        end=T0 + 4 * H,
        reason="分析仪故障",
        attachments=files,
        now=T0 + 5 * H,
    )
    assert fault.status == "pending" and _hours(tx, outlet)[3].valid
    assert [r.id for r in layers.queue(tx, bureau)] == [fault.id]
    with pytest.raises(PermissionDenied):
        layers.decide(tx, ent, fault.id, accept=True, reason="")
    layers.decide(tx, bureau, fault.id, accept=True, reason="材料齐全")
    assert fault.status == "accepted" and not _hours(tx, outlet)[3].valid
    late = layers.file_mark(
        tx,
        ent,
        outlet_id=outlet,
        code="maintenance",
        start=T0 + 5 * H,
        end=T0 + 6 * H,
        reason="补标",
        now=T0 + 6 * H + timedelta(hours=25),
    )
    assert late.status == "late" and late.effective_from is None and _hours(tx, outlet)[5].valid
    layers.decide(tx, bureau, fault.id, accept=False, reason="复核后不予认定")
    assert fault.status == "rejected" and _hours(tx, outlet)[3].valid


def test_substitution_kept_apart_and_withdrawn(tx: Tx, world: dict[str, object]) -> None:
    outlet, bureau = world["outlet"], world["bureau"]
    assert isinstance(outlet, int) and isinstance(bureau, Principal)
    layers.reviewer_action(
        tx,
        bureau,
        outlet_id=outlet,
        kind="exclude",
        pollutant="a21026",
        start=T0 + 2 * H,
        end=T0 + 4 * H,
        reason="零漂超差",
    )
    hours = _hours(tx, outlet)
    assert not hours[2].valid and not hours[3].valid and hours[2].substitute is None
    t_excluded = utcnow()
    sub = layers.reviewer_action(
        tx,
        bureau,
        outlet_id=outlet,
        kind="substitute",
        pollutant="a21026",
        start=T0 + 2 * H,
        end=T0 + 4 * H,
        reason="HJ 75 缺失数据处理",
    )
    hours = _hours(tx, outlet)
    assert hours[2].substitute == pytest.approx(20.0) and hours[2].substitute_method == "hj75_short_gap"
    assert not hours[2].valid and hours[2].value is None  # the measured side is untouched
    assert hours[1].substitute is None
    layers.withdraw(tx, bureau, sub.id, reason="撤回")
    assert _hours(tx, outlet)[2].substitute is None
    rows = service.figures(tx, bureau, outlet, DAY, DAY, as_of=t_excluded, pollutant="a21026")["rows"]
    assert next(r for r in rows if r["period_start"] == T0 + 2 * H)["substitute"] is None


def test_levels_approval_permission_suspects_and_is_approved(tx: Tx, world: dict[str, object]) -> None:
    outlet, reviewer, plain, ent = world["outlet"], world["reviewer"], world["plain"], world["ent"]
    assert isinstance(outlet, int)
    assert isinstance(reviewer, Principal) and isinstance(plain, Principal) and isinstance(ent, Principal)
    service.run(tx, Principal.system(), DAY, DAY)
    day = (T0, T0 + 24 * H)
    assert service.review_level(tx.session, outlet, "a21026", *day) == "unreviewed"
    layers.set_level(tx, plain, outlet_id=outlet, start=day[0], end=day[1], level="reviewed", reason="初审")
    assert service.review_level(tx.session, outlet, "a21026", *day) == "reviewed"
    with pytest.raises(PermissionDenied):
        layers.set_level(tx, plain, outlet_id=outlet, start=day[0], end=day[1], level="approved", reason="x")
    suspect = qa.record_qa_event(
        tx,
        outlet_id=outlet,
        kind="comparison",
        start=T0 + 8 * H,
        end=T0 + 9 * H,
        source="field.compare",
        pollutant="a21026",
        passed=False,
    )
    with pytest.raises(Conflict):
        layers.set_level(
            tx, reviewer, outlet_id=outlet, start=day[0], end=day[1], level="approved", reason="x"
        )
    (open_,) = tx.session.scalars(select(ReviewLayer).where(ReviewLayer.qa_event_id == suspect.id)).all()
    layers.resolve_suspect(tx, reviewer, open_.id, reason="比对复测合格")
    layers.set_level(
        tx, reviewer, outlet_id=outlet, start=day[0], end=day[1], level="approved", reason="终审"
    )
    assert service.is_approved(tx.session, outlet, "a21026", day)
    rows = list(export.rows(tx, Principal.system(), "hour", DAY, DAY, outlet_id=outlet))
    assert {r["review_level"] for r in rows if r["pollutant"] == "a21026"} == {"approved"}
    layers.file_mark(
        tx,
        ent,
        outlet_id=outlet,
        code="calibration",
        start=T0 + 2 * H,
        end=T0 + 2 * H + 600 * timedelta(seconds=1),
        reason="校准",
        now=T0 + 3 * H,
    )
    assert not service.is_approved(tx.session, outlet, "a21026", day)  # a later mark reopens review
    assert service.is_approved(tx.session, outlet, "a21026", (T0 + 5 * H, T0 + 6 * H))


def test_export_has_exactly_the_issue_keys(tx: Tx, world: dict[str, object]) -> None:
    service.run(tx, Principal.system(), DAY, DAY)
    for period in ("hour", "day", "month"):
        rows = list(export.rows(tx, Principal.system(), period, DAY, DAY))
        assert rows and all(tuple(r) == export.KEYS for r in rows)
    row = next(r for r in export.rows(tx, Principal.system(), "hour", DAY, DAY) if r["pollutant"] == "a21026")
    assert row["period_start"] == "2024-03-01T00:00:00+08:00" and row["mn"] == MN and row["limit"] == 35
    assert row["flags"] == ["N"] and row["marks"] == [] and row["review_level"] == "unreviewed"
    text = "".join(export.to_csv(iter([row])))
    assert text.splitlines()[0] == ",".join(export.KEYS)


def test_self_monitoring_disagreement(tx: Tx, world: dict[str, object]) -> None:
    service.run(tx, Principal.system(), DAY, DAY)
    from tests.factories import credit_code

    code = credit_code(101, "310115")
    csv = (
        "credit_code,outlet_code,pollutant,sampled_at,value,unit,method,lab\n"
        f"{code},DA001,a21026,2024-03-01T09:20:00,24.5,mg/m3,HJ 57-2017,申检\n"
        f"{code},DA001,a21026,2024-03-01T15:20:00,60,mg/m3,HJ 57-2017,申检\n"
        f"{code},DA009,a21026,2024-03-01T15:20:00,60,mg/m3,HJ 57-2017,申检\n"
    )
    report = selfmon.import_file(tx, Principal.system(), csv.encode(), "自行监测.csv")
    assert (report.created, [e["row"] for e in report.errors]) == (2, [4])
    rows = {r.sampled_at.hour: r for r in selfmon.results(tx.session, world["outlet"], T0, T0 + 24 * H)}  # type: ignore[arg-type]
    agree, disagree = rows[1], rows[7]  # 09:20 and 15:20 CST
    assert agree.automatic_value == pytest.approx(24.0) and agree.disagrees is False
    assert disagree.automatic_value == pytest.approx(24.0) and disagree.disagrees is True
    assert math.isclose(disagree.tolerance or 0, 18.0)  # max(1, 0.3 × 60)


def test_a_run_over_several_outlets_keeps_each_outlets_figures_apart(tx: Tx) -> None:
    """``review run`` reviews outlets in slices (lookups, readings and writes batched): each
    outlet keeps its own readings, limits and events, also when one outlet's stored event
    reaches into the day before and its window widens, and from day packs as from rows."""
    from sqlalchemy.orm import Session

    from huanjian.ingest import packs

    seed_people(tx)
    a = make_air_outlet(tx, 101, "31011500000001A0000002F1")  # limit 35
    b = make_air_outlet(tx, 102, "31011500000001A0000003F1", jurisdiction="310112102", so2_limit="25")
    before = T0 - timedelta(days=1)
    # A: high from 22:00 the day before to 02:00 (one event across the CST midnight) and 10–12.
    write_minutes(tx, "31011500000001A0000002F1", before, day_profile(high_hours=(22, 23)))
    write_minutes(tx, "31011500000001A0000002F1", T0, day_profile(high_hours=(0, 1, 10, 11, 12)))
    # B: 20 the day before, 30 all day (above its own limit of 25 after correction, not A's 35).
    write_minutes(tx, "31011500000001A0000003F1", before, day_profile())
    write_minutes(tx, "31011500000001A0000003F1", T0, day_profile(so2=30.0))

    def snapshot(session: Session) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        r, e = ReviewResult, ExceedanceEvent
        results = session.execute(
            select(
                r.outlet_id,
                r.pollutant,
                r.period,
                r.period_start,
                r.value,
                r.corrected,
                r.valid,
                r.exceedance,
            ).order_by(r.outlet_id, r.pollutant, r.period, r.period_start)
        ).all()
        events = session.execute(
            select(e.id, e.outlet_id, e.start_at, e.end_at, e.periods, e.withdrawn_at).order_by(e.id)
        ).all()
        return [tuple(x) for x in results], [tuple(x) for x in events]

    service.run(tx, Principal.system(), DAY - timedelta(days=1), DAY)
    hours_a, hours_b = _hours(tx, a), _hours(tx, b)
    assert hours_a[0].value == pytest.approx(50.0) and hours_b[0].value == pytest.approx(30.0)
    assert hours_a[3].limit_value == 35 and hours_b[3].limit_value == 25
    assert not hours_a[3].exceedance and hours_b[3].exceedance  # 30 × 1.2 = 36 > 25; 20 × 1.2 < 35
    spans = sorted((ev.start_at, ev.end_at) for ev in _events(tx, a))
    assert spans == [(T0 - 2 * H, T0 + 2 * H), (T0 + 10 * H, T0 + 13 * H)]
    assert [(ev.start_at, ev.end_at) for ev in _events(tx, b)] == [(T0, T0 + 24 * H)]
    first = snapshot(tx.session)

    # Only the second day again: A's window widens to its event's first day (A alone), B's
    # event lies within the day (B with the slice).
    report = service.run(tx, Principal.system(), DAY, DAY)
    assert report.outlets == 2 and report.days == 3
    assert snapshot(tx.session) == first  # the same figures and events, none withdrawn or duplicated

    # From day packs: the same figures.
    packs.pack(tx.session, now=T0 + timedelta(days=3))
    service.run(tx, Principal.system(), DAY - timedelta(days=1), DAY)
    again = snapshot(tx.session)
    assert again[1] == first[1]
    assert [x[:3] + x[4:] for x in again[0]] == [x[:3] + x[4:] for x in first[0]]
