"""Register imports (CSV and XLSX), templates and exports.

One import is one transaction and one :class:`ImportBatch`: every row is
parsed and checked, valid rows are applied (with ``strict``, none are if any
row is rejected), every created or changed object gets a bitemporal version,
and the batch is audited once. The row report is the issue's JSON shape::

    {"created", "changed", "unchanged", "rejected",
     "rows": [{"row", "status", "key", "errors": [{"field", "message"}]}]}

Two additions to that shape: ``"applied"`` (false when ``strict`` refused the
whole file; the statuses then say what *would* have happened) and, on rows
accepted with warnings (e.g. a non-standard MN), ``"warnings": [...]``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from huanjian.core.time import CST, iso_cst, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import ValidationError
from huanjian.register import catalogue, history
from huanjian.register.columns import CellError, parse_cell
from huanjian.register.kinds import EARLIEST, KEY_COLUMNS, KINDS, Ctx, Kind, RowProblem
from huanjian.register.models import ImportBatch

MAX_ROWS = 200_000


@dataclass
class RowResult:
    row: int
    status: str
    key: str | None
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "status": self.status, "key": self.key, "errors": self.errors}
        if self.warnings:
            out["warnings"] = self.warnings
        return out


@dataclass
class Report:
    kind: str
    batch_id: int | None
    applied: bool
    rows: list[RowResult]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "created": self.count("created"),
            "changed": self.count("changed"),
            "unchanged": self.count("unchanged"),
            "rejected": self.count("rejected"),
            "rows": [r.to_dict() for r in self.rows],
        }


def get_kind(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise ValidationError(f"unknown kind {name!r}: one of {', '.join(KINDS)}", field="kind")
    return kind


# --------------------------------------------------------------------------- reading files


def read_rows(data: bytes, filename: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Header and rows of a CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX file."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError("file is neither UTF-8 nor GB18030 text", field="file")
    reader = csv.reader(io.StringIO(text))
    first = next(reader, None)
    if first is None:
        raise ValidationError("the file is empty: expected a header row", field="file")
    header = [h.strip() for h in first]
    rows: list[dict[str, Any]] = []
    for values in reader:
        if not any(v.strip() for v in values):
            rows.append({})
            continue
        rows.append(dict(zip(header, values, strict=False)))
    return header, rows


def _read_xlsx(data: bytes) -> tuple[list[str], list[dict[str, Any]]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    first = next(it, None)
    if first is None:
        raise ValidationError("the workbook's first sheet is empty: expected a header row", field="file")
    header = [str(h).strip() if h is not None else "" for h in first]
    rows: list[dict[str, Any]] = []
    for values in it:
        if not any(v not in (None, "") for v in values):
            rows.append({})
            continue
        rows.append(dict(zip(header, values, strict=False)))
    wb.close()
    return header, rows


def _header_map(kind: Kind, header: Sequence[str]) -> dict[str, str]:
    """Template column name -> header in the file (English names or the Chinese notes)."""
    known = {c.name: c.name for c in kind.columns} | {c.zh: c.name for c in kind.columns}
    mapping: dict[str, str] = {}
    unknown = []
    for h in header:
        if not h:
            continue
        name = known.get(h) or known.get(h.split("（")[0].split("(")[0].strip())
        if name is None:
            unknown.append(h)
        else:
            mapping[name] = h
    missing = [c.name for c in kind.columns if c.required and c.name not in mapping]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing required column(s): {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s): {', '.join(unknown)}")
        raise ValidationError(
            f"{kind.name}: {'; '.join(parts)} (see `huanjian register template {kind.name}`)", field="header"
        )
    return mapping


# --------------------------------------------------------------------------- parsing and applying


def parse_row(kind: Kind, raw: dict[str, Any], mapping: dict[str, str]) -> tuple[dict[str, Any], RowResult]:
    result = RowResult(0, "rejected", None)
    data: dict[str, Any] = {}
    for column in kind.columns:
        cell = raw.get(mapping[column.name]) if column.name in mapping else None
        try:
            parsed = parse_cell(column, cell)
        except CellError as exc:
            result.errors.append({"field": column.name, "message": exc.message})
            continue
        data[column.name] = parsed.value
        result.warnings.extend(f"{column.name}: {w}" for w in parsed.warnings)
    return data, result


def import_rows(
    tx: Tx,
    kind: Kind,
    header: Sequence[str],
    raw_rows: Sequence[dict[str, Any]],
    *,
    source: str,
    sha256: str | None = None,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Apply rows of one kind in the caller's transaction; see the module docstring."""
    if len(raw_rows) > MAX_ROWS:
        raise ValidationError(f"{len(raw_rows)} rows: at most {MAX_ROWS} per import", field="file")
    mapping = _header_map(kind, header)
    session = tx.session
    catalogue.ensure(session)
    now = utcnow()
    today = now.astimezone(CST).date()
    batch = ImportBatch(
        kind=kind.name,
        source=source[:300],
        sha256=sha256,
        actor_name=tx.ctx.actor_name,
        channel=tx.ctx.channel,
        strict=strict,
        started_at=now,
    )
    session.add(batch)
    session.flush()
    ctx = Ctx(session, today)
    writer = history.VersionWriter(session, kind.name, now, batch.id, tx.ctx.actor_name)
    writer.load()

    results: list[RowResult] = []
    accepted: list[tuple[RowResult, dict[str, Any], date, date | None]] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_rows, start=2):  # row 1 is the header
        if not raw:
            continue
        data, result = parse_row(kind, raw, mapping)
        result.row = index
        results.append(result)
        if result.errors:
            continue
        try:
            result.key = kind.key(data)
            if result.key in seen:
                raise RowProblem("", f"duplicate of row {seen[result.key]} (same key {result.key})")
            kind.check(ctx, data)
            valid_from, valid_until = kind.valid_time(data, today)
        except RowProblem as exc:
            result.errors.append({"field": exc.field, "message": exc.message})
            continue
        seen[result.key] = index
        if kind.name == "loggers":
            ctx.logger_rows.setdefault(data["mn"], (index, data))
        accepted.append((result, data, valid_from, valid_until))
    for result in results:
        if result.errors:
            result.status = "rejected"

    rejected = any(r.errors for r in results)
    apply = not (strict and rejected)
    for n, (result, data, valid_from, valid_until) in enumerate(accepted, start=1):
        stored = {c.name: data[c.name] for c in kind.data_columns}
        latest = writer.latest(result.key or "")
        if latest is not None and latest.data == stored:
            result.status = "unchanged"
            continue
        if latest is None and kind.open_start and not data.get("effective_date"):
            valid_from = EARLIEST
        result.status = "changed" if latest is not None else "created"
        if not apply:
            continue
        try:
            applied = kind.apply(ctx, data)
        except RowProblem as exc:  # a reference that only fails once earlier rows are applied
            result.status = "rejected"
            result.errors.append({"field": exc.field, "message": exc.message})
            continue
        writer.record(
            history.PendingVersion(
                kind.name,
                result.key or "",
                stored,
                valid_from,
                valid_until,
                entity=applied.entity,
                enterprise=applied.enterprise,
                jurisdiction_code=applied.jurisdiction_code,
            )
        )
        if progress is not None and n % 500 == 0:
            progress(n)
    report = Report(kind.name, batch.id, apply, results)
    if apply:
        writer.flush()
    batch.created, batch.changed = report.count("created"), report.count("changed")
    batch.unchanged, batch.rejected = report.count("unchanged"), report.count("rejected")
    batch.applied = apply
    _post_import(tx, kind, ctx)
    tx.audit(
        f"register.import.{kind.name}",
        "register_batch",
        batch.id,
        after={
            "source": source,
            "sha256": sha256,
            "strict": strict,
            "applied": apply,
            "created": batch.created,
            "changed": batch.changed,
            "unchanged": batch.unchanged,
            "rejected": batch.rejected,
            "keys": [r.key for r in results if r.status in ("created", "changed")][:200],
        },
    )
    if progress is not None:
        progress(len(accepted))
    return report


def _post_import(tx: Tx, kind: Kind, ctx: Ctx) -> None:
    if kind.name == "enforcement-objects":
        from huanjian.register import matching

        matching.match_pending(tx)


def import_file(
    tx: Tx,
    kind_name: str,
    data: bytes,
    filename: str,
    *,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Report:
    kind = get_kind(kind_name)
    header, rows = read_rows(data, filename)
    digest = hashlib.sha256(data).hexdigest()
    return import_rows(
        tx, kind, header, rows, source=Path(filename).name, sha256=digest, strict=strict, progress=progress
    )


# --------------------------------------------------------------------------- templates and exports


def _example_row(kind: Kind) -> list[str]:
    return [c.example for c in kind.columns]


def template_csv(kind: Kind) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c.name for c in kind.columns])
    w.writerow(_example_row(kind))
    return buf.getvalue()


def template_xlsx(kind: Kind) -> bytes:
    """The Excel form: header, one example row, Chinese notes as cell comments
    and a second sheet listing every column with its allowed values."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = kind.name[:31]
    for i, column in enumerate(kind.columns, start=1):
        cell = ws.cell(row=1, column=i, value=column.name)
        cell.font = Font(bold=column.required)
        note = column.describe() + ("（必填）" if column.required else "")
        cell.comment = Comment(note, "huanjian")
        ws.cell(row=2, column=i, value=column.example or None)
        ws.column_dimensions[cell.column_letter].width = max(14, len(column.name) + 4)
    notes = wb.create_sheet("说明")
    notes.append(["column", "中文", "required", "type", "allowed values / format"])
    for column in kind.columns:
        allowed = "; ".join(f"{k}={v}" for k, v in (column.values or {}).items()) or column.note
        notes.append([column.name, column.zh, "yes" if column.required else "", column.type, allowed])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            if "amount_t" in value[0]:
                return ";".join(f"{a['pollutant']}:{a['year']}={_num(a['amount_t'])}" for a in value)
            return ";".join(f"{f['code']} {f['name']}" for f in value)
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        parts = []
        for name, p in value.items():
            if p.get("value") is not None:
                parts.append(f"{name}={_num(p['value'])}")
            else:
                parts.append(f"{name}={_num(p['low'])}..{_num(p['high'])}")
        return ";".join(parts)
    if isinstance(value, float):
        return _num(value)
    return str(value)


def _num(value: float) -> str:
    return format(value, ".12g")


def export_records(
    tx: Tx,
    kind: Kind,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
    enterprise_ids: Sequence[int] | None = None,
    jurisdiction_filter: Callable[[str | None, int | None], bool] | None = None,
) -> list[dict[str, Any]]:
    """The register of one kind in the template's columns (plus validity and record time)."""
    versions = history.query(
        tx.session, kind.name, as_of=as_of, known_at=known_at, enterprise_ids=enterprise_ids
    )
    out = []
    for v in versions:
        if jurisdiction_filter is not None and not jurisdiction_filter(v.jurisdiction_code, v.enterprise_id):
            continue
        record = dict(v.data)
        if any(c.name == "effective_date" for c in kind.columns):
            record["effective_date"] = None if v.valid_from == EARLIEST else v.valid_from.isoformat()
        record["recorded_time"] = iso_cst(v.recorded_at)
        out.append(record)
    return out


def export_csv(kind: Kind, records: Iterable[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    names = [c.name for c in kind.columns] + ["recorded_time"]
    w.writerow(names)
    for r in records:
        w.writerow([_cell(r.get(n)) for n in names])
    return buf.getvalue()


def export_json(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    for r in records:
        yield json.dumps(r, ensure_ascii=False, default=str)


def columns_markdown() -> str:
    """The column reference of every kind (docs/register.md embeds it; a test keeps it in step)."""
    out: list[str] = []
    for kind in KINDS.values():
        out.append(f"### `{kind.name}` — {kind.zh}\n\n{kind.description} Key: {KEY_COLUMNS[kind.name]}.\n")
        out.append("| column | 中文 | required | type | allowed values / format | example |")
        out.append("|---|---|---|---|---|---|")
        for c in kind.columns:
            allowed = "; ".join(f"`{k}` {v}" for k, v in (c.values or {}).items())
            if c.note:
                allowed = f"{allowed} — {c.note}" if allowed else c.note
            if c.default is not None:
                allowed = f"{allowed} (default `{c.default}`)"
            example = f"`{c.example}`" if c.example else ""
            out.append(
                f"| `{c.name}` | {c.zh} | {'yes' if c.required else ''} | {c.type} | {allowed} | {example} |"
            )
        out.append("")
    return "\n".join(out)
