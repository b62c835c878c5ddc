"""Evidence package (证据包) of a case: one ZIP a court or a reviewer can check offline.

Contents:

* ``index.pdf`` — the index in Chinese (with English): the case, the verification
  results, each section's summary and every file of the package with its SHA-256;
  ``index.html`` — the same, as HTML;
* ``case.json`` — the case, its steps, assignments (with the checks and any
  draw record), supervision orders, inspection records and signatures;
* ``attachments/`` — every file of the case, named ``<id>-<sha256 prefix>-<name>``;
* ``custody.json`` — custody of each file: who uploaded it when, size, SHA-256,
  re-checked against the store while packing;
* ``audit-trail.json`` — every audit entry of the case and its objects with
  the hashed fields, ``prev_hash`` and ``hash``;
* ``verification.json`` — ``audit verify`` of the whole chain at export time,
  the recomputed hash of each trail entry, of each inspection signature and
  of each assignment draw;
* ``data/`` — the reviewed automatic data of the case's outlets and days
  (:mod:`.data`): ``reviewed-data.json`` and one CSV per outlet and period, each
  value with validity, reasons, review level;
* one folder per registered section (:mod:`.sections`), e.g. ``field/`` — field
  records, custody chains, signed monitoring reports (PDF) and comparison tests;
* ``SHA256SUMS`` — the SHA-256 of every other file in the package.

See docs/casework.md for the full list.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from huanjian.access.policy import Principal
from huanjian.audit import chain
from huanjian.audit import service as audit_service
from huanjian.casework import service
from huanjian.casework.evidence import data, index
from huanjian.casework.evidence.sections import Section, SectionFile, providers
from huanjian.casework.files import FileStore
from huanjian.core.time import iso_cst, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import HuanjianError


@dataclass
class Package:
    filename: str
    content: bytes
    sha256: str
    verification: dict[str, Any]


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode("utf-8")


def _row(obj: Any, *names: str) -> dict[str, Any]:
    out = {}
    for name in names:
        value = getattr(obj, name)
        out[name] = iso_cst(value) if hasattr(value, "tzinfo") and hasattr(value, "hour") else value
    return out


def case_document(cf: service.CaseFile) -> dict[str, Any]:
    c = cf.case
    ent = cf.enterprise
    return {
        "case": {
            **_row(
                c,
                "id",
                "number",
                "title",
                "source",
                "source_ref",
                "draw_id",
                "campaign_id",
                "enterprise_id",
                "jurisdiction_code",
                "handling_jurisdiction_code",
                "supervising_level",
                "routing_rule",
                "state",
                "outcome",
                "description",
                "legal_basis",
                "penalty_amount_yuan",
                "decision_text",
                "rests_on_automatic_data",
                "data_review_level",
                "data_reference",
                "decided_by",
                "decided_at",
                "opened_at",
                "opened_by",
                "closed_at",
            ),
            "enterprise": None
            if ent is None
            else {"id": ent.id, "name": ent.name, "credit_code": ent.credit_code},
        },
        "steps": [
            _row(
                s,
                "seq",
                "action",
                "from_state",
                "to_state",
                "actor_name",
                "reason",
                "data",
                "attachment_ids",
                "at",
            )
            for s in cf.steps
        ],
        "assignments": [
            _row(
                a,
                "id",
                "kind",
                "staff_id",
                "organisation_id",
                "method",
                "pollutant",
                "status",
                "findings",
                "via_draw",
                "assigned_by",
                "created_at",
                "override_reason",
                "override_requested_by",
                "override_approved_by",
            )
            for a in cf.assignments
        ],
        "orders": [
            _row(
                o,
                "id",
                "number",
                "addressee_id",
                "requirement",
                "deadline",
                "state",
                "issued_by",
                "issued_at",
                "answer_text",
                "answer_attachment_ids",
                "answered_at",
                "answered_by",
                "decided_at",
                "decided_by",
                "return_reason",
                "escalation_level",
                "escalated_to",
                "escalated_at",
            )
            for o in cf.orders
        ],
        "inspections": [
            _row(
                r,
                "id",
                "inspected_at",
                "place",
                "inspectors",
                "items",
                "findings",
                "enterprise_statement",
                "photo_ids",
                "content_hash",
                "created_by",
                "created_at",
            )
            for r in cf.inspections
        ],
        "signatures": [
            _row(
                s,
                "id",
                "record_id",
                "role",
                "signer_name",
                "image_id",
                "image_sha256",
                "device_time",
                "server_time",
                "hash",
            )
            for s in cf.signatures
        ],
    }


def _sections(tx: Tx, actor: Principal, store: FileStore, cf: service.CaseFile) -> list[Section]:
    found = [data.section(tx, actor, store, cf)]
    found += [provider(tx, actor, store, cf) for _key, provider in providers()]
    return [s for s in found if s is not None]


def _section_file(f: SectionFile) -> dict[str, Any]:
    ok = f.content is not None and hashlib.sha256(f.content).hexdigest() == f.sha256
    problem = f.problem or (None if ok else "the file does not match the SHA-256 on record")
    return {"what": f"{f.label} SHA-256", "file": f.path, "sha256": f.sha256, "ok": ok, "problem": problem}


def build(tx: Tx, actor: Principal, cf: service.CaseFile, store: FileStore) -> Package:
    files: dict[str, bytes] = {}
    custody = []
    for att in cf.attachments:
        try:
            content = store.get(att.sha256)
            ok, problem = True, None
        except HuanjianError as exc:
            content, ok, problem = None, False, exc.message
        path = f"attachments/{att.id}-{att.sha256[:12]}-{att.name}"
        if content is not None:
            files[path] = content
        custody.append(
            {
                "id": att.id,
                "file": path if content is not None else None,
                "name": att.name,
                "purpose": att.purpose,
                "size": att.size,
                "sha256": att.sha256,
                "uploaded_by": att.uploaded_by,
                "uploaded_at": iso_cst(att.uploaded_at),
                "hash_ok": ok,
                "problem": problem,
            }
        )
    entries = service.trail(tx, cf)
    trail = []
    trail_checks = []
    for e in entries:
        fields = {name: getattr(e, name) for name in chain.HASHED_FIELDS}
        recomputed = chain.entry_hash(e.prev_hash, fields)
        trail.append(
            {
                **{k: (iso_cst(v) if k == "at" else v) for k, v in fields.items()},
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
        )
        trail_checks.append({"id": e.id, "ok": recomputed == e.hash})
    verified = audit_service.verify(tx.session, tx.audit_key)
    records = {r.id: r for r in cf.inspections}
    signature_checks = [
        {"id": s.id, "ok": service.signature_hash(records[s.record_id], s) == s.hash} for s in cf.signatures
    ]
    # Each assignment draw: its seed's commitment (published before), the seed it revealed,
    # and the draw recomputed; a commitment not drawn yet is listed without its seed.
    draw_checks = [
        {k: d[k] for k in ("id", "kind", "commitment", "committed_at", "drawn_at", "seed", "assignments")}
        | {"problems": d["problems"], "ok": d["ok"] or d["drawn_at"] is None}
        for d in service.case_draws(tx, actor, cf.case.id)
    ]
    committed = {a for d in draw_checks for a in d["assignments"]}
    draw_checks += [
        {"assignment": a.id, "problems": ["drawn without a published commitment"]}
        | {"ok": False, "recomputed": service.verify_assignment_draw(a.via_draw)}
        for a in cf.assignments
        if a.via_draw and a.id not in committed
    ]
    sections = _sections(tx, actor, store, cf)
    section_checks: list[dict[str, Any]] = []
    for sec in sections:
        for name, document in sec.documents.items():
            path = f"{sec.key}/{name}"
            files[path] = document if isinstance(document, bytes) else _json(document)
        for f in sec.files:
            if f.content is not None:
                files[f"{sec.key}/{f.path}"] = f.content
            section_checks.append(_section_file(f))
        section_checks += [{**c, "what": f"{sec.title}: {c['what']}"} for c in sec.checks]
    verification = {
        "exported_at": iso_cst(utcnow()),
        "audit_chain": {
            "ok": verified.ok,
            "count": verified.count,
            "head_hash": verified.head_hash,
            "problems": verified.problems,
            "first_bad_id": verified.first_bad_id,
        },
        "trail_entries": trail_checks,
        "trail_ok": all(t["ok"] for t in trail_checks),
        "attachments_ok": all(c["hash_ok"] for c in custody),
        "signatures": signature_checks,
        "draws": draw_checks,
        "sections": section_checks,
    }
    verification["ok"] = bool(
        verified.ok
        and verification["trail_ok"]
        and verification["attachments_ok"]
        and all(s["ok"] for s in signature_checks)
        and all(d["ok"] for d in draw_checks)
        and all(c["ok"] for c in section_checks)
    )
    doc = case_document(cf)
    files["case.json"] = _json(doc)
    files["custody.json"] = _json(custody)
    files["audit-trail.json"] = _json(trail)
    files["verification.json"] = _json(verification)
    listing = [
        (name, len(content), hashlib.sha256(content).hexdigest()) for name, content in sorted(files.items())
    ]
    files["index.html"] = index.html(doc, custody, trail, verification, sections, listing).encode("utf-8")
    # The PDF lists index.html too; neither index can list its own hash (SHA256SUMS has both).
    page = files["index.html"]
    listing.append(("index.html", len(page), hashlib.sha256(page).hexdigest()))
    files["index.pdf"] = index.pdf(doc, custody, verification, sections, listing)
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            zf.writestr(name, data)
        zf.writestr("SHA256SUMS", sums)
    content = buf.getvalue()
    return Package(
        filename=f"evidence-{cf.case.number}.zip",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        verification=verification,
    )


def export(tx: Tx, actor: Principal, store: FileStore, case_id: int) -> Package:
    """Build the package and record who exported it, when, and its SHA-256 (custody of the package)."""
    cf = service.case_file(tx, actor, case_id)
    package = build(tx, actor, cf, store)
    tx.audit(
        "case.evidence.export",
        "case",
        cf.case.id,
        after={
            "case": cf.case.id,
            "file": package.filename,
            "sha256": package.sha256,
            "size": len(package.content),
            "verified": package.verification["ok"],
        },
        jurisdiction_code=cf.case.jurisdiction_code,
    )
    return package
