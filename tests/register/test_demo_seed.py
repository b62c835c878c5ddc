"""The demo register: deterministic, realistic in size, idempotent, demo users attached."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from huanjian.access import repository as users
from huanjian.core.tx import Tx
from huanjian.demo import register_seed, seed
from huanjian.register.models import EnforcementObject, Enterprise, Limit, Logger, Outlet


def test_demo_register(tx: Tx) -> None:
    seed.seed_jurisdictions(tx, "31", None)
    report = register_seed.seed_register(tx)
    assert not any(r["rejected"] for r in report.rows.values()), report.rows
    count = lambda model: tx.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert 180 <= count(Enterprise) <= 220
    assert 350 <= count(Outlet) <= 450
    assert count(Logger) == count(Outlet)
    districts = {
        e.jurisdiction_code[:6] for e in tx.session.scalars(select(Enterprise)) if e.jurisdiction_code
    }
    assert len(districts) == 16
    # DOMAIN §11: coal power ultra-low SO2 35 mg/m3 at 6 % O2, hourly.
    so2 = tx.session.scalars(
        select(Limit).where(Limit.standard == "GB 13223-2011", Limit.pollutant == "a21026")
    ).first()
    assert so2 is not None and (so2.value, so2.reference_o2, so2.averaging_period) == (35.0, 6.0, "hour")
    statuses = Counter(o.status for o in tx.session.scalars(select(EnforcementObject)))
    assert statuses["linked"] > 50 and statuses["linked"] + statuses["review"] + statuses["no_match"] == sum(
        statuses.values()
    )
    assert not any(
        o.status == "linked" for o in tx.session.scalars(select(EnforcementObject)) if "分公司" in o.name
    )
    again = register_seed.seed_register(tx)
    assert all(r["created"] == r["changed"] == 0 for r in again.rows.values())
    seed.seed_users(tx)
    enterprise_user = users.by_username(tx.session, "enterprise")
    assert enterprise_user is not None
    ent = tx.session.get(Enterprise, enterprise_user.organisation_id)
    assert ent is not None and ent.credit_code == register_seed.DEMO_ENTERPRISE
