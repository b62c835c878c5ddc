"""Enforcement-object matching: normalisation, the labelled set (P/R), queue decisions."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from huanjian.access.policy import Principal
from huanjian.audit.models import AuditEntry
from huanjian.core.tx import Tx
from huanjian.register import importer, matching
from huanjian.register import service as register
from huanjian.register.models import EnforcementObject
from tests.factories import seed_geo

SET = Path(__file__).resolve().parents[1] / "fixtures" / "register" / "matching"


def _rows(name: str) -> list[dict[str, str]]:
    with (SET / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("上海甲乙热电有限责任公司", "上海甲乙热电有限公司"),
        ("上海市甲乙热电有限公司", "上海甲乙热电有限公司"),
        ("甲乙热电有限公司", "上海甲乙热电有限公司"),
        ("上海ＡＢＣ化工有限公司", "上海ABC化工有限公司"),
        ("上海 ABC 化工（有限公司）", "上海abc化工有限公司"),
    ],
)
def test_equivalent_names_normalise_alike(a: str, b: str) -> None:
    assert matching.name_key(a) == matching.name_key(b)


def test_branch_is_a_distinct_entity() -> None:
    parent, branch = (
        matching.name_key("上海甲乙热电有限公司"),
        matching.name_key("上海甲乙热电有限公司浦东分公司"),
    )
    assert parent.core == branch.core and parent.branch == "" and branch.branch == "浦东分公司"
    entry = matching.Entry(1, None, (parent,), "浦东新区高桥路1号", "310115")
    scored = matching.Matcher([entry]).score(
        matching.Probe("上海甲乙热电有限公司浦东分公司", None, "浦东新区高桥路1号", "310115"), entry
    )
    assert scored.confidence < matching.REVIEW and "branch" in scored.explanation


def _evaluate() -> tuple[float, float, Counter[str]]:
    register_rows = _rows("register.csv")
    entries = [
        matching.Entry(
            i,
            r["credit_code"],
            tuple(
                matching.name_key(n) for n in [r["name"], *([r["former_names"]] if r["former_names"] else [])]
            ),
            matching.address_key(r["address"]),
            r["jurisdiction_code"],
        )
        for i, r in enumerate(register_rows)
    ]
    matcher = matching.Matcher(entries)
    tp = fp = 0
    wrong: Counter[str] = Counter()
    objects = _rows("objects.csv")
    positives = sum(1 for o in objects if o["expected_credit_code"])
    for o in objects:
        probe = matching.Probe(
            o["name"],
            matching.normalise_code(o["credit_code"]) or None,
            o["address"],
            o["jurisdiction_code"] or None,
        )
        status, found = matcher.decide(probe)
        if status != "linked":
            continue
        if register_rows[found[0].enterprise_id]["credit_code"] == o["expected_credit_code"]:
            tp += 1
        else:
            fp += 1
            wrong[o["category"]] += 1
    return tp / max(1, tp + fp), tp / positives, wrong


def test_labelled_set_is_as_documented() -> None:
    objects = _rows("objects.csv")
    assert len(objects) >= 1000 and len(_rows("register.csv")) == 1000
    shares = Counter(o["category"] for o in objects)
    assert shares == {
        "exact_code": 180,
        "missing_code": 180,
        "former_name": 120,
        "typo": 120,
        "fullwidth": 120,
        "abbreviation": 120,
        "branch": 120,
        "other_district": 120,
        "unrelated": 120,
    }


def test_precision_and_recall_of_automatic_links() -> None:
    precision, recall, wrong = _evaluate()
    print(f"threshold {matching.AUTO_LINK} margin {matching.AUTO_MARGIN}: P={precision:.4f} R={recall:.4f}")
    assert precision >= 0.98, wrong
    assert recall >= 0.90


def _csv(rows: list[dict[str, str]], columns: list[str]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def test_database_matching_links_queues_and_audits(tx: Tx) -> None:
    seed_geo(tx)
    from huanjian.geo import service as geo
    from huanjian.geo.divisions import load_divisions

    geo.load(tx, load_divisions("31", None), "fallback")
    reg = _rows("register.csv")[:60]
    cols = ["credit_code", "name", "former_names", "address", "jurisdiction_code"]
    assert importer.import_file(tx, "enterprises", _csv(reg, cols), "r.csv").to_dict()["created"] == 60
    codes = {r["credit_code"] for r in reg}
    objects = [o for o in _rows("objects.csv") if o["expected_credit_code"] in codes][:20]
    objects.append(
        {
            "object_code": "ZF-X",
            "name": "上海完全无关环保有限公司",
            "credit_code": "",
            "address": "",
            "jurisdiction_code": "",
        }
    )
    ocols = ["object_code", "name", "credit_code", "address", "jurisdiction_code"]
    before = tx.session.query(AuditEntry).count()
    report = importer.import_file(tx, "enforcement-objects", _csv(objects, ocols), "o.csv").to_dict()
    assert report["rejected"] == 0
    linked = tx.session.scalars(select(EnforcementObject).where(EnforcementObject.status == "linked")).all()
    assert linked
    audits = tx.session.scalars(select(AuditEntry).where(AuditEntry.id > before)).all()
    assert sum(a.action == "register.match.auto_link" for a in audits) == len(linked)
    # Re-import: nothing changes, nothing is re-matched.
    again = importer.import_file(tx, "enforcement-objects", _csv(objects, ocols), "o.csv").to_dict()
    assert again["unchanged"] == len(objects)
    # The unrelated one is not linked; a reviewer picks a candidate by hand, audited.
    x = tx.session.scalars(select(EnforcementObject).where(EnforcementObject.object_code == "ZF-X")).one()
    assert x.status in ("review", "no_match") and x.enterprise_id is None
    target = linked[0].enterprise_id
    assert target is not None
    decided = register.decide(
        tx, Principal.system(), x.id, "accept", enterprise_id=target, reason="checked on site"
    )
    assert decided.status == "linked" and decided.enterprise_id == target
    entry = tx.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.action == "register.match.accept" and entry.reason == "checked on site"
    register.decide(tx, Principal.system(), x.id, "reject")
    assert x.status == "no_match" and x.enterprise_id is None
