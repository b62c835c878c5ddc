"""Assignment checks before anyone monitors or inspects an enterprise (DOMAIN.md §9).

Recusal (回避):

* ``recusal.self_monitoring`` / ``recusal.operation_maintenance`` /
  ``recusal.consultancy``: the person's organisation served the enterprise
  under a service contract in force at any time within the look-back window
  of that service (``rules.json``);
* ``recusal.tie.equity|employment|kinship``: the person declared such a tie
  to the enterprise (``declared_tie``); working for the enterprise itself
  counts as employment;

Qualification (持证上岗): ``qualification.missing`` when no certificate of the
person is valid on the day and covers the method and the pollutant asked for,
``qualification.expired`` when one would cover them but is not valid that day.

Each finding names its rule, so a blocked assignment says what blocked it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from huanjian.casework import repository
from huanjian.casework.rules import rules
from huanjian.register.models import Certificate, Staff


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    message: str
    ref: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _covers(cert: Certificate, method: str | None, pollutant: str | None) -> bool:
    if method and method.strip().casefold() not in (cert.method or "").casefold():
        return False
    return not (pollutant and pollutant not in (cert.pollutants or []))


def _valid_on(cert: Certificate, on: date) -> bool:
    return (cert.valid_from is None or cert.valid_from <= on) and (
        cert.valid_until is None or on <= cert.valid_until
    )


def recusal(session: Session, staff: Staff, enterprise_id: int, on: date) -> list[Finding]:
    rec = rules()["recusal"]
    findings: list[Finding] = []
    windows = {service: rule["look_back_days"] for service, rule in rec["contracts"].items()}
    earliest = on - timedelta(days=max(windows.values(), default=0))
    for contract in repository.contracts_since(session, [staff.organisation_id], enterprise_id, earliest):
        days = windows.get(contract.service)
        if days is None:
            continue
        since = on - timedelta(days=days)
        if contract.valid_until is not None and contract.valid_until < since:
            continue
        until = contract.valid_until.isoformat() if contract.valid_until else "open-ended"
        findings.append(
            Finding(
                rec["contracts"][contract.service]["rule"],
                f"the person's organisation served the enterprise ({contract.service}, contract "
                f"{contract.contract_number}, {contract.valid_from.isoformat()}–{until}) within the "
                f"{days}-day look-back",
                contract.contract_number,
            )
        )
    if staff.organisation_id == enterprise_id:
        findings.append(
            Finding(
                rec["tie_kinds"]["employment"],
                "the person works for the enterprise itself",
                f"staff:{staff.id}",
            )
        )
    for tie in repository.ties_of(session, [staff.id], enterprise_id, on):
        findings.append(
            Finding(
                rec["tie_kinds"][tie.kind],
                f"declared {tie.kind} tie to the enterprise{': ' + tie.note if tie.note else ''}",
                f"declared_tie:{tie.id}",
            )
        )
    return findings


def qualification(
    session: Session, staff: Staff, method: str | None, pollutant: str | None, on: date
) -> list[Finding]:
    certs = repository.certificates_of(session, [staff.id])
    covering = [c for c in certs if _covers(c, method, pollutant)]
    what = " and ".join(
        x
        for x in (f"method {method!r}" if method else "", f"pollutant {pollutant}" if pollutant else "")
        if x
    )
    what = what or "any work"
    if any(_valid_on(c, on) for c in covering):
        return []
    if covering:
        numbers = ", ".join(c.certificate_number for c in covering)
        return [
            Finding(
                "qualification.expired", f"certificate(s) {numbers} for {what} not valid on {on}", numbers
            )
        ]
    return [Finding("qualification.missing", f"no certificate of the person covers {what}")]


def check(
    session: Session,
    staff: Staff,
    enterprise_id: int,
    *,
    method: str | None,
    pollutant: str | None,
    on: date,
) -> list[Finding]:
    """Every finding against assigning ``staff`` to work at ``enterprise_id`` on ``on``; empty: allowed."""
    return [
        *recusal(session, staff, enterprise_id, on),
        *qualification(session, staff, method, pollutant, on),
    ]
