"""Technical re-check of labs' reports: the plan draws, the same checks, findings against the lab."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from huanjian.access.policy import Principal
from huanjian.core.tx import Tx
from huanjian.errors import Conflict, NotFound, PermissionDenied
from huanjian.field import labs
from tests.field.builders import FieldWorld, build


@pytest.fixture
def fw(tx: Tx) -> FieldWorld:
    return build(tx)


def _content(value: float = 20.0, unit: str = "mg/m3", limit: float = 35) -> dict[str, Any]:
    return {
        "medium": "air",
        "results": [
            {"sample_code": "L-1", "pollutant": "a21026", "value": value, "unit": unit,
             "standard": "GB 13223-2011", "limit": limit, "limit_unit": "mg/m3"},
        ],
        "original_records": [{"sample_code": "L-1", "pollutant": "a21026", "value": 20.0, "unit": "mg/m3"}],
        "qc": [{"key": "leak_check", "required": True, "done": True, "ok": True}],
    }  # fmt: skip


def test_first_report_is_drawn_checked_and_findings_recorded(fw: FieldWorld, tx: Tx) -> None:
    lab = Principal.of(fw.users["lab"])
    first = labs.upload(
        tx,
        lab,
        report_number="ZX-2026-001",
        outlet_id=fw.outlets["jia"],
        sampled_on=date(2026, 3, 2),
        content=_content(value=25.0, unit="ppm", limit=50),
    )
    assert first.selected and first.selection["rule"] == "first report of the lab this year"
    second = labs.upload(
        tx,
        lab,
        report_number="ZX-2026-002",
        outlet_id=fw.outlets["jia"],
        sampled_on=date(2026, 3, 3),
        content=_content(),
    )
    assert second.selection["draw"] == round(labs.draw(tx.audit_key, "2026.1", second.id), 6)
    assert second.selected == (second.selection["draw"] < second.selection["rate"])

    station = Principal.of(fw.users["chief"])
    tc = labs.recheck(tx, station, first.id, findings=["采样时间与工况记录不符"])
    assert tc.conclusion == "findings"
    rules = sorted(f.rule for f in labs.findings_of(tx, tc))
    assert rules == ["consistent_with_records", "legal_units", "reviewer", "standard_and_limit"]
    assert all(f.lab_id == fw.lab and f.credit_points < 0 for f in labs.findings_of(tx, tc))
    with pytest.raises(Conflict):
        labs.recheck(tx, station, first.id)
    if not second.selected:
        with pytest.raises(Conflict, match="not drawn"):
            labs.recheck(tx, station, second.id)
    tc2 = labs.recheck(tx, station, second.id, out_of_plan_reason="投诉线索")
    assert tc2.conclusion == "conforming"


def test_lab_sees_its_own_and_uploads_only_for_served_enterprises(fw: FieldWorld, tx: Tx) -> None:
    lab = Principal.of(fw.users["lab"])
    with pytest.raises(NotFound):  # enterprise 乙 is not served by this lab
        labs.upload(
            tx,
            lab,
            report_number="X-1",
            outlet_id=fw.outlets["yi"],
            sampled_on=date(2026, 3, 2),
            content=_content(),
        )
    row = labs.upload(
        tx,
        lab,
        report_number="X-2",
        outlet_id=fw.outlets["jia"],
        sampled_on=date(2026, 3, 2),
        content=_content(),
    )
    assert [r.id for r in labs.list_reports(tx, lab)] == [row.id]
    assert labs.list_reports(tx, Principal.of(fw.people.minhang)) == []
    with pytest.raises(NotFound):
        labs.get(tx, Principal.of(fw.people.minhang), row.id)
    with pytest.raises(PermissionDenied):
        labs.recheck(tx, lab, row.id, out_of_plan_reason="self")


def test_recheck_findings_feed_the_lab_credit_line_by_line(fw: FieldWorld, tx: Tx) -> None:
    """Issue 8 item 5 → issue 9: each finding of a technical re-check is one deduction in the lab's rating."""
    from sqlalchemy import select

    from huanjian.credit import service as credit
    from huanjian.credit.models import CreditEvaluation, CreditItem

    lab = Principal.of(fw.users["lab"])
    report = labs.upload(
        tx, lab, report_number="ZX-2026-009", outlet_id=fw.outlets["jia"], sampled_on=date(2026, 3, 2),
        content=_content(value=25.0, unit="ppm", limit=50),
    )  # fmt: skip
    tc = labs.recheck(tx, Principal.of(fw.users["chief"]), report.id, findings=["采样时间与工况记录不符"])
    findings = labs.findings_of(tx, tc)
    year = str(findings[0].created_at.year)
    run = credit.run(tx, Principal.system(), "lab", year)
    ev = tx.session.scalars(
        select(CreditEvaluation).where(
            CreditEvaluation.run_id == run.id, CreditEvaluation.organisation_id == fw.lab
        )
    ).one()
    lines = tx.session.scalars(
        select(CreditItem).where(
            CreditItem.evaluation_id == ev.id, CreditItem.rule == "technical_check_failed"
        )
    ).all()
    assert sorted((ln.object_type, ln.object_id) for ln in lines) == sorted(
        ("field_lab_finding", str(f.id)) for f in findings
    )
    assert all(ln.points == -5 for ln in lines)  # lab.json: technical_check_failed
