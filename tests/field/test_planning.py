"""Yearly spot comparison-test planning: every contractor covered, weighting as data, reproducible."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from huanjian.access.policy import Principal
from huanjian.core.tx import Tx
from huanjian.credit import consequences, filing
from huanjian.errors import Conflict, PermissionDenied
from huanjian.field import comparison, planning
from huanjian.field.compare.inputs import CST
from huanjian.field.models import SpotPlanItem
from huanjian.register.models import Device
from tests.factories import credit_code, make_organisation
from tests.field.builders import YI_CODE, FieldWorld, _import, build
from tests.field.test_comparison_qa import _pairs

SYSTEM = Principal.system()
MN_SECOND = "31011200000001A0000001F9"


@pytest.fixture
def fw(tx: Tx) -> FieldWorld:
    world = build(tx)
    # A second contractor, filed (so "ungraded", not "unfiled"), serving a second logger at 乙,
    # and a third one serving nothing.
    second = make_organisation(tx, "contractor", "上海戊运维有限公司", 205)
    make_organisation(tx, "contractor", "上海己运维有限公司", 206)
    filing.register_filing(
        tx,
        SYSTEM,
        second,
        jurisdiction_code="310112",
        certification={"number": "YW-5", "valid_until": "2099-12-31"},
        staff=[],
        equipment=[],
    )
    _import(
        tx,
        "loggers",
        [
            {
                "mn": MN_SECOND,
                "credit_code": YI_CODE,
                "outlet_code": "DA001",
                "pollutant": pollutant,
                "unit": "mg/m3",
                "acceptance_date": "2024-06-01",
                "contractor_credit_code": credit_code(205, "310000"),
            }
            for pollutant in ("a21002", "a34013")
        ],
    )
    return world


def _contractors(tx: Tx) -> dict[str, int]:
    from huanjian.field import repository

    return {o.name: o.id for o in repository.contractors(tx.session)}


def test_every_contractor_with_a_device_gets_its_grade_number_of_tests(fw: FieldWorld, tx: Tx) -> None:
    plan = planning.create(tx, SYSTEM, year=2027, jurisdiction_code="310000")
    items = planning.items(tx, plan)
    names = _contractors(tx)
    by_contractor: dict[int, list[SpotPlanItem]] = {}
    for item in items:
        by_contractor.setdefault(item.contractor_id, []).append(item)
    for entry in plan.library:
        cid = entry["contractor_id"]
        if entry["devices"]:
            assert len(by_contractor[cid]) == entry["tests"] >= 1
            intensity = consequences.intensity(tx.session, cid)
            assert entry["base"] == intensity["spot_comparisons_per_year"]
            assert entry["level"] == intensity["level"]
        else:
            assert cid not in by_contractor
    # 丙 is unfiled (4 a year), 戊 filed without a grade (2 a year); 己 serves no device.
    assert len(by_contractor[names["上海丙运维有限公司"]]) == 4
    assert len(by_contractor[names["上海戊运维有限公司"]]) == 2
    assert names["上海己运维有限公司"] in {e["contractor_id"] for e in plan.library}
    # 戊's two tests go to its two devices, each once; every item is on its contractor's device.
    devices = {d.id: d for d in tx.session.scalars(select(Device))}
    assert {i.device_id for i in by_contractor[names["上海戊运维有限公司"]]} == {
        d.id for d in devices.values() if d.contractor_id == names["上海戊运维有限公司"]
    }
    assert all(devices[i.device_id].contractor_id == i.contractor_id for i in items)
    assert sorted(i.quarter for i in by_contractor[names["上海丙运维有限公司"]]) == [1, 2, 3, 4]


def test_a_failed_test_last_year_makes_the_contractor_high_risk(fw: FieldWorld, tx: Tx) -> None:
    chief = Principal.of(fw.users["chief"])
    comparison.record(
        tx,
        chief,
        device_id=fw.devices["jia"],
        unit="mg/m3",
        pairs=_pairs(datetime(2026, 5, 10, 9, tzinfo=CST), 100, 160),
    )
    plan = planning.create(tx, SYSTEM, year=2027, jurisdiction_code="310000")
    entry = next(e for e in plan.library if e["name"] == "上海丙运维有限公司")
    extra = planning.weights()["risk"]["levels"]["high"]["extra_tests"]
    assert entry["risk"] == "high" and "failed comparison" in entry["risk_why"]
    assert entry["tests"] == entry["base"] + extra
    # The year after, that failure is out of the look-back window.
    later = planning.create(tx, SYSTEM, year=2028, jurisdiction_code="310000")
    assert next(e for e in later.library if e["name"] == "上海丙运维有限公司")["risk"] == "normal"


def test_weighting_is_data() -> None:
    rules = copy.deepcopy(planning.weights())
    assert planning.tests_for(1, "normal", rules) == 1
    assert planning.tests_for(0, "normal", rules) == rules["minimum_per_contractor"]["value"]
    rules["risk"]["levels"]["elevated"]["extra_tests"] = 5
    rules["max_per_contractor"]["value"] = 6
    assert planning.tests_for(2, "elevated", rules) == 6
    facts = {"failed_comparisons": 0, "enterprise_risks": ["normal"], "enterprise_classes": ["key"]}
    assert planning.risk_of(facts, rules)[0] == "elevated"
    rules["risk"]["elevated_when"]["serves_supervision_class"] = []
    assert planning.risk_of(facts, rules)[0] == "normal"


def test_plan_is_reproducible_from_its_seed_and_tampering_shows(fw: FieldWorld, tx: Tx) -> None:
    plan = planning.create(tx, SYSTEM, year=2027, jurisdiction_code="310000")
    items = planning.items(tx, plan)
    assert planning.verify(plan, items) == []
    again = planning.draw_items(plan.seed, plan.library)
    assert [(i["device_ref"], i["quarter"]) for i in again] == [(i.device_ref, i.quarter) for i in items]
    assert planning.draw_items("00" * 32, plan.library) != again or len(items) <= 1
    items[0].quarter = items[0].quarter % 4 + 1
    assert any("differ" in p for p in planning.verify(plan, items))
    plan.library[0]["tests"] += 1
    assert any("the rules give" in p for p in planning.verify(plan, items))


def test_recording_a_test_fulfils_the_earliest_open_item(fw: FieldWorld, tx: Tx) -> None:
    plan = planning.create(tx, SYSTEM, year=2027, jurisdiction_code="310000")
    item = min(
        (i for i in planning.items(tx, plan) if i.device_id == fw.devices["jia"]),
        key=lambda i: (i.quarter, i.id),
    )
    chief = Principal.of(fw.users["chief"])
    test = comparison.record(
        tx,
        chief,
        device_id=fw.devices["jia"],
        unit="mg/m3",
        pairs=_pairs(datetime(2027, 4, 10, 9, tzinfo=CST), 100, 101),
    )
    tx.session.refresh(item)
    assert item.comparison_id == test.id and item.done_at is not None


def test_one_plan_per_year_and_jurisdiction_inside_ones_own(fw: FieldWorld, tx: Tx) -> None:
    planning.create(tx, SYSTEM, year=2027, jurisdiction_code="310112")
    with pytest.raises(Conflict):
        planning.create(tx, SYSTEM, year=2027, jurisdiction_code="310112")
    with pytest.raises(PermissionDenied):
        planning.create(tx, Principal.of(fw.users["chief"]), year=2027, jurisdiction_code="310112")


def test_cli_plans_once_per_year(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from huanjian.cli.common import reset_runtime
    from huanjian.cli.main import app
    from huanjian.settings import reset_settings_cache

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HUANJIAN_DATA_DIR", str(tmp_path / "var"))
    reset_settings_cache()
    reset_runtime()
    runner = CliRunner()
    try:
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        assert runner.invoke(app, ["jurisdictions", "load", "31"]).exit_code == 0
        first = runner.invoke(app, ["compare", "plan", "--year", "2027", "--json"])
        assert first.exit_code == 0, first.output
        out = json.loads(first.output)
        assert out["year"] == 2027 and out["jurisdiction"] == "310000" and len(out["commitment"]) == 64
        again = runner.invoke(app, ["compare", "plan", "--year", "2027"])
        assert again.exit_code != 0 and "already has spot-test plan" in again.output
    finally:
        reset_runtime()
        reset_settings_cache()
