"""Roles, their capabilities and per-person permissions, kept as data.

A capability is what a role may do in general (read users, read the audit
trail…); a *person permission* is granted individually because the law ties
the act to a named person (approving reviewed data, signing a report…).
Both are checked by :func:`huanjian.access.policy.authorize`.
"""

from __future__ import annotations

from typing import Final

ROLES: Final[dict[str, dict[str, str]]] = {
    "admin": {"zh": "系统管理员", "en": "Administrator"},
    "bureau": {"zh": "生态环境局（监管）", "en": "Bureau (supervision)"},
    "station": {"zh": "监测站（监测）", "en": "Monitoring station"},
    "enforcement": {"zh": "执法队（执法）", "en": "Enforcement brigade"},
    "enterprise": {"zh": "排污单位", "en": "Enterprise"},
    "contractor": {"zh": "运维机构", "en": "O&M contractor"},
    "lab": {"zh": "社会化检测机构", "en": "Third-party lab"},
}

STAFF_ROLES: Final = frozenset({"admin", "bureau", "station", "enforcement"})
OUTSIDE_ROLES: Final = frozenset({"enterprise", "contractor", "lab"})

PERSON_PERMISSIONS: Final[dict[str, dict[str, str]]] = {
    "review.approve": {"zh": "审核数据批准", "en": "Approve reviewed data"},
    "report.draft": {"zh": "报告编制", "en": "Draft monitoring reports"},
    "report.check": {"zh": "报告审核", "en": "Check monitoring reports"},
    "report.sign": {"zh": "报告签发", "en": "Sign monitoring reports"},
    "assignment.override": {"zh": "回避/资质例外批准", "en": "Override an assignment check"},
    "draw.run": {"zh": "执行双随机抽取", "en": "Run random draws"},
    "case.decide": {"zh": "案件处罚决定", "en": "Decide enforcement cases"},
    "scheme.edit": {"zh": "编辑评分方案", "en": "Edit scoring schemes"},
}

# Role capabilities. Domains add theirs here as they land.
CAPABILITIES: Final[dict[str, frozenset[str]]] = {
    "users.read": frozenset({"admin", "bureau"}),
    "users.write": frozenset({"admin"}),
    "audit.read": frozenset({"admin", "bureau", "station", "enforcement"}),
    "audit.verify": frozenset({"admin"}),
    "jobs.read": frozenset({"admin"}),
    "jobs.write": frozenset({"admin"}),
    "jurisdictions.read": frozenset(ROLES),
    "jurisdictions.write": frozenset({"admin"}),
    "draws.read": frozenset({"admin", "bureau", "station", "enforcement"}),
    "notifications.send": frozenset({"admin", "bureau", "station", "enforcement"}),
    "ingest.read": frozenset(ROLES),
    "ingest.command": frozenset({"admin", "station"}),
}

# Source register (issue 3). Outside parties read only their own enterprise, or
# the enterprises they serve under a contract in force (register.service.scope_for).
CAPABILITIES.update(
    {
        "register.read": frozenset(ROLES),
        "register.write": frozenset({"admin", "bureau"}),
        "register.import": frozenset({"admin", "bureau"}),
        "register.match": frozenset({"admin", "bureau", "enforcement"}),
    }
)

# Casework (issue 7): cases, assignments, supervision orders, campaigns. Outside
# parties read and answer only the orders addressed to their own organisation.
CAPABILITIES.update(
    {
        "cases.read": frozenset({"admin", "bureau", "station", "enforcement"}),
        "cases.write": frozenset({"admin", "bureau", "station", "enforcement"}),
        "cases.configure": frozenset({"admin", "bureau"}),
        "campaigns.write": frozenset({"admin", "bureau", "enforcement"}),
        "orders.read": frozenset(ROLES),
        "orders.answer": frozenset({"enterprise", "contractor", "lab"}),
    }
)

# Field monitoring (issue 8): field records from the phone, comparison tests, monitoring
# reports (their three-level review also needs the person permissions report.draft /
# report.check / report.sign), technical re-check of labs' reports. Labs upload their
# self-monitoring reports and read only their own.
_FIELD_STAFF = frozenset({"admin", "bureau", "station", "enforcement"})
CAPABILITIES.update(
    {
        "field.read": _FIELD_STAFF,
        "field.write": frozenset({"admin", "station", "enforcement"}),
        "field.manage": frozenset({"admin", "bureau", "station"}),
        "comparison.write": frozenset({"admin", "bureau", "station"}),
        "reports.read": _FIELD_STAFF,
        "reports.write": frozenset({"admin", "station"}),
        "lab_reports.read": frozenset({*_FIELD_STAFF, "lab"}),
        "lab_reports.upload": frozenset({"lab"}),
        "technical_check.write": frozenset({"admin", "bureau", "station"}),
    }
)

# Data review (issue 5). Enterprises mark their own outlets' periods and import their
# self-monitoring results; reviewers (bureau, station) act on data; the bureau decides
# declarations. Approval also needs the person permission ``review.approve``.
CAPABILITIES.update(
    {
        "review.read": frozenset(ROLES),
        "review.mark": frozenset({"admin", "bureau", "station", "enterprise"}),
        "review.decide": frozenset({"admin", "bureau"}),
        "review.act": frozenset({"admin", "bureau", "station"}),
        "review.run": frozenset({"admin", "bureau", "station"}),
        "review.import": frozenset({"admin", "bureau", "station", "enterprise"}),
    }
)

# Credit evaluation and graded supervision (issue 9). Outside parties read their own
# organisation's evaluations, file (备案), upload service records, self-assess and object;
# editing a scoring scheme needs the person permission ``scheme.edit``.
CAPABILITIES.update(
    {
        "credit.read": frozenset(ROLES),
        "credit.runs": frozenset({"admin", "bureau", "station", "enforcement"}),
        "credit.run": frozenset({"admin", "bureau"}),
        "credit.review": frozenset({"admin", "bureau"}),
        "credit.findings": frozenset({"admin", "bureau", "station", "enforcement"}),
        "credit.classify": frozenset({"admin", "bureau"}),
        "credit.respond": frozenset({"admin", "bureau", "enterprise", "contractor", "lab"}),
        "filing.write": frozenset({"admin", "bureau", "contractor", "lab"}),
        "service_records.write": frozenset({"contractor", "lab"}),
    }
)

# Detection (issue 6): clues about abnormal or falsified automatic data are for the
# authorities only (an enterprise learns of one through a case or an order, never from
# the detector); reviewers verify, confirm or dismiss them and hand them to a case.
CAPABILITIES.update(
    {
        "clues.read": frozenset({"admin", "bureau", "station", "enforcement"}),
        "clues.act": frozenset({"admin", "bureau", "station", "enforcement"}),
        "clues.run": frozenset({"admin", "bureau", "station"}),
    }
)

# Electricity monitoring (issue 4): meters are register configuration (bureau); the
# feed is uploaded by the bureau, the enterprise itself or the contractor serving it.
CAPABILITIES.update(
    {
        "power.read": frozenset(ROLES),
        "power.write": frozenset({"admin", "bureau"}),
        "power.import": frozenset({"admin", "bureau", "station", "enterprise", "contractor"}),
    }
)
