"""The index of an evidence package: ``index.pdf`` (Chinese, via :mod:`huanjian.core.pdf`)
and the same content as ``index.html``. Both list every file of the package with its
SHA-256 and the result of the audit verification."""

from __future__ import annotations

import html as _html
from typing import Any

from huanjian.casework.evidence.sections import Section
from huanjian.core.pdf import render_lines


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    e = _html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{e('' if v is None else str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html(
    doc: dict[str, Any],
    custody: list[dict[str, Any]],
    trail: list[dict[str, Any]],
    ver: dict[str, Any],
    sections: list[Section],
    listing: list[tuple[str, int, str]],
) -> str:
    """The index as HTML (kept beside ``index.pdf``: searchable, and readable without a PDF viewer)."""
    e = _html.escape
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
        *(
            f"<h2>{e(sec.title)}</h2>" + _table(["项目 Item", "内容 Value"], [list(x) for x in sec.summary])
            for sec in sections
        ),
        "<h2>包内文件 Files in this package</h2>",
        _table(["文件 File", "字节 Bytes", "SHA-256"], [list(x) for x in listing]),
        "<p>SHA256SUMS lists the SHA-256 of every file in this package "
        "(index.pdf and index.html included); index.pdf lists index.html, neither lists itself."
        "</p></body></html>",
    ]
    return "".join(parts)


def _ok(flag: bool) -> str:
    return "通过 OK" if flag else "失败 FAILED"


def pdf_lines(
    doc: dict[str, Any],
    custody: list[dict[str, Any]],
    ver: dict[str, Any],
    sections: list[Section],
    listing: list[tuple[str, int, str]],
) -> list[tuple[str, str]]:
    c = doc["case"]
    ent = c["enterprise"] or {}
    basis = c["legal_basis"] or {}
    chain = ver["audit_chain"]
    out: list[tuple[str, str]] = [
        ("title", f"证据包目录 Evidence package index · {c['number']}"),
        ("meta", f"导出 Exported {ver['exported_at']}"),
        ("text", f"案件 Case：{c['title']}"),
        ("text", f"企业 Enterprise：{ent.get('name', '')}（{ent.get('credit_code', '')}）"),
        ("text", f"来源 Source：{c['source']} {c['source_ref'] or ''}"),
        ("text", f"状态 State：{c['state']} {c['outcome'] or ''}；承办 {c['handling_jurisdiction_code']}"),
        ("text", f"处罚依据 Legal basis：{basis.get('law', '')} {basis.get('article', '')}"),
        (
            "text",
            f"自动监测数据 Automatic data：{c['rests_on_automatic_data']} / {c['data_review_level'] or ''}",
        ),
        ("head", "校验 Verification"),
        ("text", f"审计链校验 audit verify：{_ok(chain['ok'])}，{chain['count']} 条 entries"),
        ("small", f"链头 head hash：{chain['head_hash']}"),
        ("text", f"案件审计记录 trail entries：{_ok(ver['trail_ok'])}"),
        ("text", f"附件哈希 files：{_ok(ver['attachments_ok'])}"),
        ("text", f"签名 signatures：{_ok(all(s['ok'] for s in ver['signatures']))}"),
        ("text", f"随机抽取（先公布种子哈希）assignment draws：{_ok(all(d['ok'] for d in ver['draws']))}"),
        *(("text", f"{x['what']}：{_ok(bool(x['ok']))}") for x in ver.get("sections", [])),
        ("text", f"证据包 package：{_ok(ver['ok'])}"),
        ("head", "办理过程 Steps"),
        *(
            ("text", f"{s['seq']}. {s['at']} {s['action']} {s['actor_name']} {s['reason'] or ''}")
            for s in doc["steps"]
        ),
    ]
    for sec in sections:
        out.append(("head", sec.title))
        out += [("text", f"{label}：{value}") for label, value in sec.summary]
    out.append(("head", "文件及保管 Files and custody"))
    for f in custody:
        out.append(("text", f"{f['id']}. {f['name']}（{f['purpose']}）{f['uploaded_at']} {f['uploaded_by']}"))
        out.append(("small", f"SHA-256 {f['sha256']} {'OK' if f['hash_ok'] else f['problem']}"))
    out.append(("head", "包内文件 Files in this package (SHA-256)"))
    for path, size, digest in listing:
        out.append(("small", f"{path}（{size} bytes）"))
        out.append(("small", f"    {digest}"))
    out.append(
        ("small", "SHA256SUMS 列出包内每个文件的 SHA-256（含本目录 index.pdf；目录不能列出自身的哈希）。")
    )
    return out


def pdf(
    doc: dict[str, Any],
    custody: list[dict[str, Any]],
    ver: dict[str, Any],
    sections: list[Section],
    listing: list[tuple[str, int, str]],
) -> bytes:
    return render_lines(
        pdf_lines(doc, custody, ver, sections, listing),
        title=f"证据包目录 {doc['case']['number']}",
        subject=f"audit-head:{ver['audit_chain']['head_hash']}",
        narrow=90,
    )
