"""Evidence package (证据包) of a case: one ZIP a court or a reviewer can check offline.

Contents:

* ``index.html`` — the index (HTML: no PDF library is installed; print it to
  PDF from a browser if a PDF is needed);
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
* ``SHA256SUMS`` — the SHA-256 of every other file in the package.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from huanjian.access.policy import Principal
from huanjian.audit import chain
from huanjian.audit import service as audit_service
from huanjian.casework import service
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


def build(tx: Tx, cf: service.CaseFile, store: FileStore) -> Package:
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
    draw_checks = [
        {"assignment": a.id, "problems": service.verify_assignment_draw(a.via_draw)}
        for a in cf.assignments
        if a.via_draw
    ]
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
    }
    verification["ok"] = bool(
        verified.ok
        and verification["trail_ok"]
        and verification["attachments_ok"]
        and all(s["ok"] for s in signature_checks)
        and not any(d["problems"] for d in draw_checks)
    )
    doc = case_document(cf)
    files["case.json"] = _json(doc)
    files["custody.json"] = _json(custody)
    files["audit-trail.json"] = _json(trail)
    files["verification.json"] = _json(verification)
    files["index.html"] = _index(doc, custody, trail, verification).encode("utf-8")
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


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{e('' if v is None else str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _index(
    doc: dict[str, Any], custody: list[dict[str, Any]], trail: list[dict[str, Any]], ver: dict[str, Any]
) -> str:
    e = html.escape
    c = doc["case"]
    ent = c["enterprise"] or {}
    basis = c["legal_basis"] or {}
    chain_ok = ver["audit_chain"]["ok"]
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>证据包 Evidence package {e(c['number'])}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #999;padding:.2em .5em;font-size:90%;vertical-align:top}",
        "</style></head><body>",
        f"<h1>证据包 Evidence package · {e(c['number'])}</h1>",
        f"<p>{e(c['title'])}</p>",
        _table(
            ["项目 Item", "内容 Value"],
            [
                ["企业 Enterprise", f"{ent.get('name', '')} ({ent.get('credit_code', '')})"],
                ["来源 Source", f"{c['source']} {c['source_ref'] or ''}"],
                ["状态 State", f"{c['state']} {c['outcome'] or ''}"],
                ["承办 Handled by", f"{c['handling_jurisdiction_code']} — {c['routing_rule']}"],
                [
                    "处罚依据 Legal basis",
                    f"{basis.get('law', '')} {basis.get('article', '')} ({basis.get('source', '')})",
                ],
                ["罚款 Fine (yuan)", c["penalty_amount_yuan"]],
                [
                    "自动监测数据 Automatic data",
                    f"{c['rests_on_automatic_data']} / {c['data_review_level'] or ''}",
                ],
                ["立案 Opened", f"{c['opened_at']} {c['opened_by']}"],
                ["结案 Closed", c["closed_at"]],
            ],
        ),
        "<h2>校验 Verification</h2>",
        f"<p>审计链校验 audit verify: <strong>{'通过 OK' if chain_ok else '失败 FAILED'}</strong> "
        f"({ver['audit_chain']['count']} entries, head {e(ver['audit_chain']['head_hash'])}); "
        f"trail entries {'OK' if ver['trail_ok'] else 'FAILED'}; "
        f"files {'OK' if ver['attachments_ok'] else 'FAILED'}; "
        f"package {'OK' if ver['ok'] else 'FAILED'}. Exported {e(ver['exported_at'])}.</p>",
        "<h2>办理过程 Steps</h2>",
        _table(
            ["#", "时间 Time", "动作 Action", "从 From", "到 To", "人员 Actor", "理由 Reason", "附件 Files"],
            [
                [
                    s["seq"],
                    s["at"],
                    s["action"],
                    s["from_state"],
                    s["to_state"],
                    s["actor_name"],
                    s["reason"],
                    s["attachment_ids"],
                ]
                for s in doc["steps"]
            ],
        ),
        "<h2>指派与回避审查 Assignments and checks</h2>",
        _table(
            [
                "#",
                "类型 Kind",
                "人员 Staff",
                "状态 Status",
                "规则 Rules",
                "抽取 Draw",
                "例外理由 Override reason",
            ],
            [
                [
                    a["id"],
                    a["kind"],
                    a["staff_id"],
                    a["status"],
                    ", ".join(f["rule"] for f in a["findings"]),
                    (a["via_draw"] or {}).get("commitment", ""),
                    a["override_reason"],
                ]
                for a in doc["assignments"]
            ],
        ),
        "<h2>督办单 Supervision orders</h2>",
        _table(
            ["编号 Number", "期限 Deadline", "状态 State", "答复 Answer", "升级 Escalation"],
            [
                [
                    o["number"],
                    o["deadline"],
                    o["state"],
                    o["answer_text"],
                    f"{o['escalation_level']} → {o['escalated_to'] or ''}",
                ]
                for o in doc["orders"]
            ],
        ),
        "<h2>现场检查笔录 Inspection records</h2>",
        _table(
            [
                "#",
                "时间 Time",
                "地点 Place",
                "检查人 Inspectors",
                "发现 Findings",
                "企业陈述 Statement",
                "哈希 Hash",
            ],
            [
                [
                    r["id"],
                    r["inspected_at"],
                    r["place"],
                    ", ".join(r["inspectors"]),
                    r["findings"],
                    r["enterprise_statement"],
                    r["content_hash"],
                ]
                for r in doc["inspections"]
            ],
        ),
        _table(
            [
                "签名 Signature",
                "角色 Role",
                "签名人 Signer",
                "设备时间 Device",
                "服务器时间 Server",
                "哈希 Hash",
            ],
            [
                [s["id"], s["role"], s["signer_name"], s["device_time"], s["server_time"], s["hash"]]
                for s in doc["signatures"]
            ],
        ),
        "<h2>文件及保管 Files and custody</h2>",
        _table(
            ["#", "文件 File", "大小 Size", "SHA-256", "上传 Uploaded", "校验 Check"],
            [
                [
                    f["id"],
                    f["name"],
                    f["size"],
                    f["sha256"],
                    f"{f['uploaded_at']} {f['uploaded_by']}",
                    "OK" if f["hash_ok"] else f["problem"],
                ]
                for f in custody
            ],
        ),
        "<h2>审计记录 Audit trail</h2>",
        _table(
            ["#", "时间 Time", "人员 Actor", "动作 Action", "对象 Object", "理由 Reason", "哈希 Hash"],
            [
                [
                    t["id"],
                    t["at"],
                    t["actor_name"],
                    t["action"],
                    f"{t['object_type']}:{t['object_id']}",
                    t["reason"],
                    t["hash"],
                ]
                for t in trail
            ],
        ),
        "<p>SHA256SUMS lists the SHA-256 of every file in this package.</p></body></html>",
    ]
    return "".join(parts)


def export(tx: Tx, actor: Principal, store: FileStore, case_id: int) -> Package:
    """Build the package and record who exported it, when, and its SHA-256 (custody of the package)."""
    cf = service.case_file(tx, actor, case_id)
    package = build(tx, cf, store)
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
