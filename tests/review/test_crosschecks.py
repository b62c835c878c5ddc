"""Cross-checks and derived figures from the store: the loggers' own hourly/daily values,
calibration QA events from C flags, emission amounts against permits, enforcement results,
and the off-site home's statuses.

Expected numbers are worked out by hand from the rules (tolerance max(0.05, 0.01 × computed)
for logger values, formula 33 for amounts), not read off the code.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, insert, select

from huanjian.access.policy import Principal
from huanjian.audit.models import AuditEntry
from huanjian.core.tx import Tx
from huanjian.errors import ValidationError
from huanjian.ingest.models import IngestReading
from huanjian.register.models import EmissionAllowance, Permit
from huanjian.review import amounts, crosscheck, districts, qa, service, views
from huanjian.review import home as home_view
from huanjian.review import repository as repo
from huanjian.review.engine.grid import encode_flags
from huanjian.review.models import QaEvent
from huanjian.settings import Settings
from tests.factories import credit_code, make_user, seed_people
from tests.review.world import DAY, T0, day_profile, make_air_outlet, write_minutes

MN = "31011500000001A0000001F1"
H = timedelta(hours=1)
M = timedelta(minutes=1)
_rec = iter(range(20_000_000, 30_000_000))


def _logger_values(tx: Tx, period: str, rows: list[tuple[datetime, float | None, str]]) -> None:
    tx.session.execute(
        insert(IngestReading),
        [
            {"record_id": next(_rec), "pollutant": "a21026", "data_time": t, "mn": MN, "period": period,
             "wire_code": "a21026", "avg": v, "flag": f, "received_at": datetime.now(UTC),
             "current": True, "conflict": False}
            for t, v, f in rows
        ],
    )  # fmt: skip


@pytest.fixture
def outlet(tx: Tx) -> int:
    seed_people(tx)
    return make_air_outlet(tx, 101, MN)


def test_logger_hourly_and_daily_values_against_computed(tx: Tx, outlet: int) -> None:
    write_minutes(tx, MN, T0, day_profile(high_hours=(10,)))
    service.run(tx, Principal.system(), DAY, DAY)
    info = repo.outlet(tx.session, service.Scope(everything=True), outlet)
    assert info is not None
    # before the logger sends any hourly value: nothing compared, said once
    none = crosscheck.logger_check(tx.session, info, "hour", DAY, DAY)
    assert none["logger_reports"] is False and none["rows"] == []
    _logger_values(
        tx,
        "hour",
        [
            (T0, 20.1, "N"),  # |0.1| ≤ max(0.05, 0.2): agrees
            (T0 + H, 20.3, "N"),  # 0.3 > 0.2: differs
            (T0 + 10 * H, 50.0, "D"),  # same value, the logger calls the hour invalid
            (T0 + 30 * H, 10.0, "N"),  # the next day: no minutes here
        ],
    )
    check = crosscheck.logger_check(tx.session, info, "hour", DAY, DAY + timedelta(days=1))
    by = {r["period_start"]: r for r in check["rows"]}
    assert by["2024-03-01T01:00:00+08:00"]["issues"] == ["value_differs"]
    assert by["2024-03-01T01:00:00+08:00"]["difference"] == pytest.approx(0.3)
    assert by["2024-03-01T10:00:00+08:00"]["issues"] == ["validity_differs"]
    assert by["2024-03-02T06:00:00+08:00"]["issues"] == ["validity_differs", "platform_missing"]
    assert "2024-03-01T00:00:00+08:00" not in by
    # the 21 other valid hours the logger did not report
    assert sum("logger_missing" in r["issues"] for r in check["rows"]) == 21
    assert check["counts"]["value_differs"] == 1 and check["tolerance"]["absolute"] == 0.05
    # daily: (23 × 20 + 50) / 24 = 21.25; the logger's 21.25 agrees, 22 would not
    _logger_values(tx, "day", [(T0, 21.25, "N")])
    assert crosscheck.logger_check(tx.session, info, "day", DAY, DAY)["rows"] == []


def test_calibration_minutes_become_one_qa_event_idempotently(tx: Tx, outlet: int) -> None:
    profile = day_profile()
    flags = {"a21026": ["N"] * 1440, "a19001": ["N"] * 1440}
    for k in range(100, 120):
        flags["a21026"][k] = "C"
    head = {p: v[:115] for p, v in profile.items()}  # the logger has sent up to 01:54 CST
    write_minutes(tx, MN, T0, head, flags={p: f[:115] for p, f in flags.items()})
    service.run(tx, Principal.system(), DAY, DAY)
    (event,) = tx.session.scalars(select(QaEvent)).all()
    assert (event.kind, event.source, event.pollutant, event.mn) == ("calibration", "logger", "a21026", MN)
    assert (event.start_at, event.end_at) == (T0 + 100 * M, T0 + 115 * M)
    assert event.result["records"] == 15
    audits = tx.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("review.qa%"))
    )
    service.run(tx, Principal.system(), DAY, DAY)  # again: nothing new, nothing written
    assert tx.session.scalar(select(func.count()).select_from(QaEvent)) == 1
    assert (
        tx.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("review.qa%"))
        )
        == audits
    )
    # the rest arrives, the calibration went on to 01:59: the same event, extended (worker's run)
    tail = {p: v[115:] for p, v in profile.items()}
    write_minutes(tx, MN, T0 + 115 * M, tail, flags={p: f[115:] for p, f in flags.items()})
    service.run_incremental(tx)
    (again,) = tx.session.scalars(select(QaEvent)).all()
    assert again.id == event.id and (again.start_at, again.end_at) == (T0 + 100 * M, T0 + 120 * M)
    # detection reads the QA events through qa.events
    assert [e.id for e in qa.events(tx, outlet, T0, T0 + 24 * H)] == [event.id]
    # the runs: per parameter, a gap of more than two minutes splits
    runs = qa.calibration_runs(
        ("a", "b"),
        np.array([0, 0, 0, 0, 1]),
        np.array([0, 60, 120, 360, 60]),
        encode_flags(["C", "c", "C", "C", "N"]),
        60,
    )
    assert runs == [("a", 0, 180, 3), ("a", 360, 420, 1)]


def test_emission_amounts_against_the_permit(tx: Tx, outlet: int) -> None:
    profile = day_profile(high_hours=(10, 11, 12))
    profile["a00000"] = np.full(1440, 10.0)  # m³/s dry standard → 36 000 m³/h
    write_minutes(tx, MN, T0, profile)
    service.run(tx, Principal.system(), DAY, DAY)
    info = repo.outlet(tx.session, service.Scope(everything=True), outlet)
    assert info is not None
    permit = Permit(
        enterprise_id=info.enterprise_id, permit_number=f"{info.credit_code}001P", permit_class="key",
        valid_from=date(2020, 1, 1),
        allowances=[EmissionAllowance(pollutant="a21026", year=2024, amount_t=2.052)],
    )  # fmt: skip
    tx.session.add(permit)
    tx.session.flush()
    # formula 33: 20 mg/m³ × 36 000 m³/h × 10⁻⁶ = 0.72 kg/h (21 h), 50 → 1.8 kg/h (3 h): 20.52 kg
    out = amounts.outlet_amounts(tx.session, info, 2024)
    (so2,) = out["pollutants"]
    assert so2["pollutant"] == "a21026" and so2["valid_hours"] == 24
    assert so2["amount_t"] == pytest.approx(0.02052)
    assert so2["months"][2]["amount_t"] == pytest.approx(0.02052) and so2["months"][1]["amount_t"] == 0
    assert so2["share"] == pytest.approx(0.01)  # 0.02052 of 2.052 t
    ent = amounts.for_enterprise(tx, Principal.system(), info.enterprise_id, 2024)
    assert ent["pollutants"][0]["amount_t"] == pytest.approx(0.02052)
    assert ent["pollutants"][0]["permitted_t"] == 2.052 and not ent["pollutants"][0]["exceeded"]


def test_home_colours_outlets_with_an_open_clue_and_draws_district_cells(tx: Tx, outlet: int) -> None:
    from huanjian.detect.models import DetectClue

    write_minutes(tx, MN, T0, day_profile())
    service.run(tx, Principal.system(), DAY, DAY)
    bureau = Principal.of(make_user(tx, "pd_home", "bureau", "310115"))
    home = home_view.home(tx, bureau)
    assert [p["status"] for p in home["points"]] == ["offline"]
    cells = {c["code"]: c for c in home["districts"]["cells"]}
    assert len(cells) == 16 and cells["310115"]["outlets"] == 1 and cells["310115"]["name"]
    assert sum(c["outlets"] for c in cells.values()) == 1
    row = _clue(outlet, tx)
    tx.session.add(DetectClue(**row))
    tx.session.flush()
    home = home_view.home(tx, bureau)
    assert [p["status"] for p in home["points"]] == ["clue"] and home["counts"]["clue"] == 1


def _clue(outlet: int, tx: Tx) -> dict[str, object]:
    info = repo.outlet(tx.session, service.Scope(everything=True), outlet)
    assert info is not None
    now = datetime.now(UTC)
    return {
        "outlet_id": outlet, "mn": MN, "outlet_code": info.outlet_code, "enterprise_id": info.enterprise_id,
        "jurisdiction_code": info.jurisdiction_code, "category": "falsification", "trick": "flatline",
        "detector": "flatline", "severity": "high", "status": "new", "start_at": T0, "end_at": T0 + H,
        "score": 0.9, "base_score": 0.9, "explanation_zh": "测试", "explanation_en": "test",
        "found_at": now, "updated_at": now,
    }  # fmt: skip


def test_validity_rate_denominator_keeps_stopped_and_marked_hours(tx: Tx, outlet: int) -> None:
    """rules/indicators.toml: stopped (F) and marked hours count in expected and received, not in valid."""
    from huanjian.review import layers
    from huanjian.review.engine.indicators import Counts, rates
    from huanjian.review.models import IndicatorCount

    flags = {"a21026": ["N"] * 1440, "a19001": ["N"] * 1440}
    for k in range(5 * 60, 6 * 60):  # 05:00–06:00 CST the source is stopped
        flags["a21026"][k] = "F"
    write_minutes(tx, MN, T0, day_profile(), flags=flags)
    layers.file_mark(
        tx, Principal.system(), outlet_id=outlet, code="maintenance", start=T0 + 8 * H, end=T0 + 9 * H,
        reason="维护", now=T0 + 9 * H,
    )  # fmt: skip
    service.run(tx, Principal.system(), DAY, DAY)
    row = tx.session.scalars(select(IndicatorCount).where(IndicatorCount.pollutant == "a21026")).one()
    assert (row.expected, row.received, row.valid) == (24, 24, 22)
    assert row.judged == 22  # the limit applies; no mark here affects exceedance
    r = rates(
        Counts(
            *(np.array([getattr(row, f)]) for f in ("expected", "received", "valid", "judged", "exceeding"))
        )
    )
    assert r.transmission[0] == 1.0 and r.validity[0] == pytest.approx(22 / 24)
    assert r.effective_transmission[0] == pytest.approx(22 / 24) and r.passes[0]


def test_signed_enforcement_results_on_the_timeline_with_disagreement(tx: Tx, settings: Settings) -> None:
    """A signed report's result (41.2 mg/m³ at 09:00 CST) against the automatic hourly mean (20):
    |41.2 − 20| = 21.2 > max(1.0, 0.3 × 41.2 = 12.36) → disagrees (rules/enforcement.toml)."""
    from huanjian.casework.files import FileStore
    from huanjian.field import reports
    from huanjian.field import service as field
    from tests.field.builders import MN_JIA, build, full_visit

    fw = build(tx)
    events = [
        field.Upload(
            e["uuid"], e["kind"], e["payload"], datetime.fromisoformat(e["device_time"]), e["base_seq"]
        )
        for e in full_visit()
    ]
    store = FileStore(settings.data_dir)
    field.upload(tx, Principal.of(fw.users["sampler"]), store, fw.records["jia"], events)
    lab = [{"sample_code": "S-JIA-0001", "pollutant": "a21026", "value": 41.2, "unit": "mg/m3", "lab": "丁"}]
    rid = reports.draft(
        tx, Principal.of(fw.users["drafter"]), record_id=fw.records["jia"], lab_results=lab
    ).id
    day = date(2026, 3, 2)
    t0 = service.cst_day_start(day)
    write_minutes(tx, MN_JIA, t0, {"a21026": np.full(1440, 20.0)})
    service.run(tx, Principal.system(), day, day)
    outlet = fw.outlets["jia"]
    assert crosscheck.enforcement_results(tx.session, outlet, t0, t0 + 24 * H) == []  # not signed yet
    reports.check(tx, Principal.of(fw.users["checker"]), rid)
    reports.sign(tx, Principal.of(fw.users["signer"]), store, rid)
    (res,) = crosscheck.enforcement_results(tx.session, outlet, t0, t0 + 24 * H)
    assert res["t"] == "2026-03-02T09:00:00+08:00" and res["compared_with"] == "hour"
    assert res["automatic"] == pytest.approx(20.0) and res["difference"] == pytest.approx(21.2)
    assert res["tolerance"] == pytest.approx(12.36) and res["disagrees"] is True
    series = views.series(tx, Principal.system(), outlet, day, day)
    assert [x["number"] for x in series["enforcement"]] == [res["number"]]


def test_district_grid_tiles_the_extent_and_each_centre_lies_in_its_own_cell() -> None:
    from huanjian.review import districts

    x0, y0, x1, y1 = districts.extent()

    def area(ring: list[list[float]]) -> float:
        return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring))) / 2

    def inside(ring: list[list[float]], x: float, y: float) -> bool:
        hit = False
        for a, b in itertools.pairwise(ring):
            if (a[1] > y) != (b[1] > y) and x < a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]):
                hit = not hit
        return hit

    cells = districts.cells()
    assert sum(area(c["cell"]) for c in cells) == pytest.approx((x1 - x0) * (y1 - y0), rel=1e-3)
    for c in cells:
        assert inside(c["cell"], *c["centre"]) and districts.nearest(*c["centre"]) == c["code"]
    # a point in the cell of 浦东 (310115) is nearer to its centre than to any other
    assert districts.nearest(121.75, 31.1) == "310115"


def test_district_outlines_from_an_operators_geojson(tmp_path: Path) -> None:
    """HUANJIAN_DISTRICT_OUTLINES: the map draws the file's outer rings; bad files say what is wrong."""
    default = districts.outlines(None)
    assert len(default["cells"]) == 16 and all(len(c["rings"]) == 1 for c in default["cells"])
    square = [[121.0, 31.0], [121.2, 31.0], [121.2, 31.2], [121.0, 31.2], [121.0, 31.0]]
    island = [[121.8, 31.5], [121.9, 31.5], [121.9, 31.6], [121.8, 31.5]]
    hole = [[121.05, 31.05], [121.1, 31.05], [121.1, 31.1], [121.05, 31.05]]
    good = {
        "type": "FeatureCollection",
        "name": "区界 2024",
        "features": [
            {"type": "Feature", "properties": {"adcode": 310112},
             "geometry": {"type": "Polygon", "coordinates": [square, hole]}},
            {"type": "Feature", "properties": {"code": "310151", "centre": [121.85, 31.55]},
             "geometry": {"type": "MultiPolygon", "coordinates": [[island], [square]]}},
        ],
    }  # fmt: skip
    path = tmp_path / "districts.geojson"
    path.write_text(json.dumps(good, ensure_ascii=False), encoding="utf-8")
    got = districts.outlines(path)
    assert [c["code"] for c in got["cells"]] == ["310112", "310151"]
    assert got["cells"][0]["rings"] == [square]  # outer ring only, the hole is not drawn
    assert got["cells"][0]["centre"] == pytest.approx([121.1, 31.1])
    assert got["cells"][1]["rings"] == [island, square] and got["cells"][1]["centre"] == [121.85, 31.55]
    assert got["extent"] == [121.0, 31.0, 121.9, 31.6] and "区界 2024" in got["source"]

    def refused(doc: object, message: str) -> None:
        bad = tmp_path / "bad.geojson"
        bad.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
        with pytest.raises(ValidationError, match=message):
            districts.outlines(bad)
        bad.unlink()

    refused("{not json", "not a readable JSON file")
    refused({"type": "Feature"}, "expected a GeoJSON FeatureCollection")
    feature = good["features"][0]  # type: ignore[index]
    refused({**good, "features": [{**feature, "properties": {}}]}, "feature 0 has no properties.code")
    line = {"type": "LineString", "coordinates": square}
    refused({**good, "features": [{**feature, "geometry": line}]}, r"feature 0 \(310112\) is a 'LineString'")
    short = {"type": "Polygon", "coordinates": [square[:3]]}
    refused({**good, "features": [{**feature, "geometry": short}]}, "fewer than 4 positions")
    with pytest.raises(ValidationError, match="no such file"):
        districts.outlines(tmp_path / "missing.geojson")


def test_water_outlet_amounts_and_logger_day_check(tx: Tx) -> None:
    """Water: COD 50 mg/L at 10 L/s → 36 m³/h → 50 × 36 × 10⁻³ = 1.8 kg/h, 43.2 kg a day;
    the daily mean the logger sends (CN 2031) is compared with the flow-weighted daily mean."""
    from tests.review.world import _import

    seed_people(tx)
    code = credit_code(101, "310115")
    _import(tx, "outlets", [{"credit_code": code, "outlet_code": "DW001", "kind": "water", "name": "总排口",
                             "longitude": "121.55", "latitude": "31.35"}])  # fmt: skip
    wmn = "31011500000001W0000001F1"
    _import(tx, "loggers", [{"mn": wmn, "credit_code": code, "outlet_code": "DW001", "pollutant": p}
                            for p in ("w01018", "w00000")])  # fmt: skip
    outlet = repo.outlet_by_mn(tx.session, wmn)
    assert outlet is not None
    hourly = [(pol, T0 + k * H, v) for k in range(24) for pol, v in (("w01018", 50.0), ("w00000", 10.0))]
    tx.session.execute(
        insert(IngestReading),
        [
            {"record_id": next(_rec), "pollutant": pol, "data_time": t, "mn": wmn, "period": "hour",
             "wire_code": pol, "avg": v, "flag": "N", "received_at": datetime.now(UTC), "current": True,
             "conflict": False}
            for pol, t, v in hourly
        ],
    )  # fmt: skip
    service.run(tx, Principal.system(), DAY, DAY)
    info = repo.outlet(tx.session, service.Scope(everything=True), outlet)
    assert info is not None
    allowance = EmissionAllowance(pollutant="w01018", year=2024, amount_t=4.32)
    tx.session.add(
        Permit(enterprise_id=info.enterprise_id, permit_number=f"{code}002P", permit_class="key",
               valid_from=date(2020, 1, 1), allowances=[allowance])
    )  # fmt: skip
    tx.session.flush()
    (cod,) = amounts.outlet_amounts(tx.session, info, 2024)["pollutants"]
    assert cod["pollutant"] == "w01018" and cod["valid_hours"] == 24
    assert cod["amount_t"] == pytest.approx(0.0432) and cod["share"] == pytest.approx(0.01)
    assert crosscheck.logger_check(tx.session, info, "hour", DAY, DAY)["compared"] is False
    tx.session.execute(
        insert(IngestReading),
        [{"record_id": next(_rec), "pollutant": "w01018", "data_time": T0, "mn": wmn, "period": "day",
          "wire_code": "w01018", "avg": 55.0, "flag": "N", "received_at": datetime.now(UTC), "current": True,
          "conflict": False}],
    )  # fmt: skip
    (row,) = crosscheck.logger_check(tx.session, info, "day", DAY, DAY)["rows"]
    assert row["issues"] == ["value_differs"] and row["difference"] == pytest.approx(5.0)
