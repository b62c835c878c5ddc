"""The field section of a case's evidence package (``field/`` in the ZIP): each field
record with its effective steps, samples and custody chains (re-verified while packing),
each monitoring report version with the signed PDF (re-rendered and compared), and the
comparison tests tied to the case. Photos and signature images are case attachments
already (``attachments/`` of the package), named in the record by SHA-256.

Field depends on casework, so this module registers itself with casework's evidence
package (:func:`huanjian.casework.evidence.register_section`) when it is imported; the
composition roots (``web/routes.py``, ``cli/main.py``) import it.
"""

from __future__ import annotations

from typing import Any

from huanjian.access.policy import Principal
from huanjian.casework.evidence import Section, SectionFile, register_section
from huanjian.casework.files import FileStore
from huanjian.casework.service import CaseFile
from huanjian.core.time import iso_cst
from huanjian.core.tx import Tx
from huanjian.errors import HuanjianError
from huanjian.field import reports, repository
from huanjian.field import service as field
from huanjian.field.models import ComparisonTest, MonitoringReport


def _stored(store: FileStore, path: str, sha256: str, label: str) -> SectionFile:
    try:
        return SectionFile(path=path, content=store.get(sha256), sha256=sha256, label=label)
    except HuanjianError as exc:
        return SectionFile(path=path, content=None, sha256=sha256, label=label, problem=exc.message)


def _report(row: MonitoringReport) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "version": row.version,
        "previous_id": row.previous_id,
        "record_id": row.record_id,
        "state": row.state,
        "sampled_on": str(row.sampled_on),
        "content": row.content,
        "content_sha256": row.content_sha256,
        "checks": row.checks,
        "checks_ok": row.checks_ok,
        "drafted": [row.drafted_by, iso_cst(row.drafted_at)],
        "checked": [row.checked_by, iso_cst(row.checked_at)],
        "signed": [row.signed_by, iso_cst(row.signed_at)],
        "pdf_sha256": row.pdf_sha256,
        "fields_sha256": row.fields_sha256,
    }


def _comparison(row: ComparisonTest) -> dict[str, Any]:
    return {
        "id": row.id,
        "device_id": row.device_id,
        "outlet_id": row.outlet_id,
        "parameter": row.parameter,
        "unit": row.unit,
        "period": [iso_cst(row.period_start), iso_cst(row.period_end)],
        "pairs": row.pairs,
        "evaluation": row.evaluation,
        "verdict": row.verdict,
        "rules_version": row.rules_version,
        "om_follows_standard": row.om_follows_standard,
        "om_note": row.om_note,
        "qa_event_id": row.qa_event_id,
        "suspect_layer_id": row.suspect_layer_id,
        "created": [row.created_by, iso_cst(row.created_at)],
    }


def section(tx: Tx, actor: Principal, store: FileStore, cf: CaseFile) -> Section | None:
    s = tx.session
    records = repository.records_of_case(s, cf.case.id)
    rows = repository.reports_of_case(s, cf.case.id)
    tests = repository.comparisons_of_case(s, cf.case.id)
    if not (records or rows or tests):
        return None
    out = Section(
        key="field", title="现场监测记录、监测报告与比对监测 Field records, reports, comparison tests"
    )
    for record in records:
        view = field.view(tx, actor, record.id)
        out.documents[f"record-{record.number}.json"] = view.as_dict()
        for smp in view.samples:
            check = field.verify_custody(tx, actor, smp["code"])
            out.checks.append({"what": f"样品流转 custody {smp['code']}", **check})
        out.summary.append(
            (
                f"现场记录 Field record {record.number}",
                f"{record.method}, {record.assignee_name}, {record.status}; "
                f"{len(view.readings)} readings, {len(view.samples)} samples, {len(view.photos)} photos",
            )
        )
    for row in rows:
        out.documents[f"report-{row.number}-v{row.version}.json"] = _report(row)
        line = f"{row.state}; content SHA-256 {row.content_sha256}"
        if row.state == "signed" and row.pdf_sha256:
            pdf = _stored(
                store, f"report-{row.number}-v{row.version}.pdf", row.pdf_sha256, f"监测报告 {row.number}"
            )
            out.files.append(pdf)
            if pdf.content is not None:
                check = reports.verify_pdf(row, pdf.content)
                out.checks.append(
                    {"what": f"报告 PDF 与存储数据一致 report {row.number} v{row.version}", **check}
                )
            line += f"; PDF SHA-256 {row.pdf_sha256}; signed by {row.signed_by}"
        out.summary.append((f"监测报告 Report {row.number} v{row.version}", line))
    for test in tests:
        out.documents[f"comparison-{test.id}.json"] = _comparison(test)
        out.summary.append(
            (
                f"比对监测 Comparison test {test.id}",
                f"{test.parameter} {iso_cst(test.period_start)}: {test.verdict}",
            )
        )
    return out


register_section("field", section)
