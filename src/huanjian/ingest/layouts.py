"""Per-layout compiled helpers of the ingest path: the content hash and the readings rows.

A logger sends the same CP layout every minute, so the work that depends only on the
layout — sorting keys for the content hash, deciding which column each sub-field goes
to — is done once per layout and cached (bounded: a hostile sender cannot grow the
caches without limit).  Two inputs are served with one meaning:

* a :class:`~huanjian.hj212.Frame` (any frame: reference path);
* a :class:`~huanjian.hj212.CleanFrame` from the batch decoder's clean lane: the hash
  is built from the values as sent and the rows from the floats the decoder made,
  without building the Frame's dicts and Decimals.  ``tests/ingest/test_layouts.py``
  checks both give the same hash and the same rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from operator import itemgetter
from typing import Any

from huanjian.hj212 import CleanFrame, Frame
from huanjian.hj212.codes import to_2017
from huanjian.hj212.model import Value

__all__ = [
    "NUMERIC_COLUMNS",
    "READING_VALUE_COLUMNS",
    "TEXT_COLUMNS",
    "clean_content_hash",
    "content_hash",
    "content_hash_reference",
    "digest",
    "reading_rows",
    "reading_tuple",
    "reading_values",
]

# Sub-field -> reading column; everything else goes to the ``extra`` JSON map.
NUMERIC_COLUMNS: dict[str, str] = {
    "Rtd": "rtd",
    "Avg": "avg",
    "Min": "min",
    "Max": "max",
    "Cou": "cou",
    "ZsRtd": "zs_rtd",
    "ZsAvg": "zs_avg",
    "ZsMin": "zs_min",
    "ZsMax": "zs_max",
    "RS": "rs",
    "RT": "rt",
}
TEXT_COLUMNS: dict[str, str] = {"Flag": "flag", "EFlag": "eflag", "SampleTime": "sample_time"}
READING_VALUE_COLUMNS: tuple[str, ...] = (*NUMERIC_COLUMNS.values(), *TEXT_COLUMNS.values(), "extra")


def digest(data: bytes) -> str:
    """The 128-bit BLAKE2b hex digest used for raw frames and content hashes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _canonical(value: Value) -> str:
    return format(value, "f") if isinstance(value, Decimal) else value


def content_hash_reference(
    cn: str, params: Mapping[str, str], items: Mapping[str, Mapping[str, Value]]
) -> str:
    """The definition of :func:`content_hash` (slow; the fast one is tested against it).
    Stored records carry this hash, so it must never change."""
    parts = [cn]
    for key in sorted(params):
        parts.append(f"{key}={params[key]}")
    for code in sorted(items):
        fields = items[code]
        parts.append(code + ":" + ",".join(f"{k}={_canonical(fields[k])}" for k in sorted(fields)))
    return digest("\x1e".join(parts).encode("utf-8"))


#: Per layout (the codes and sub-field names in frame order): a ``%s`` template of the
#: canonical text and the positions of the values in it.  A logger sends the same layout
#: every minute, so the sorting and string building is done once per layout.
_HASH_PLANS: dict[tuple[Any, ...], tuple[str, Callable[[Sequence[Value]], Any]]] = {}


def _hash_plan(layout: tuple[Any, ...]) -> tuple[str, Callable[[Sequence[Value]], Any]]:
    template, order = _hash_order(layout)
    return template, _picker(order)


def _picker(order: Sequence[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """``seq -> tuple(seq[i] for i in order)``, by ``itemgetter`` where it returns a tuple."""
    if len(order) > 1:
        return itemgetter(*order)
    return lambda seq: tuple(seq[i] for i in order)


def _hash_order(layout: tuple[Any, ...]) -> tuple[str, list[int]]:
    """The ``%s`` template of the canonical text and, for each ``%s``, the position of its
    value among the params' values followed by the items' values (frame order)."""
    params_keys, codes = layout
    pieces: list[str] = []
    order: list[int] = []
    at = 0
    flat: dict[tuple[str, str], int] = {}
    for key in params_keys:
        flat[("", key)] = at
        at += 1
    for code, subs in codes:
        for sub in subs:
            flat[(code, sub)] = at
            at += 1
    for key in sorted(params_keys):
        pieces.append(key.replace("%", "%%") + "=%s")
        order.append(flat[("", key)])
    for code, subs in sorted(codes):
        fields = ",".join(sub.replace("%", "%%") + "=%s" for sub in sorted(subs))
        pieces.append(code.replace("%", "%%") + ":" + fields)
        order += [flat[(code, sub)] for sub in sorted(subs)]
    return "\x1e".join(pieces), order


def content_hash(cn: str, params: Mapping[str, str], items: Mapping[str, Mapping[str, Value]]) -> str:
    """Hash of what a record says (not how it was framed: QN, PW, Flag, CRC are excluded).

    Same value as :func:`content_hash_reference`: one cached template per layout, the
    values converted by ``str`` in C (a Decimal's ``str`` equals ``format(d, "f")``
    unless it uses an exponent, which the check on ``E`` sends to the reference).
    """
    layout = (tuple(params), tuple((code, tuple(fields)) for code, fields in items.items()))
    plan = _HASH_PLANS.get(layout)
    if plan is None:
        if len(_HASH_PLANS) >= 4096:
            _HASH_PLANS.clear()  # bounded: a hostile sender cannot grow this without limit
        plan = _HASH_PLANS[layout] = _hash_plan(layout)
    template, getter = plan
    values: list[Value] = [*params.values()]
    for fields in items.values():
        values += fields.values()
    ordered = getter(values)
    texts = tuple(map(str, ordered))
    if "E" in "".join(texts) and not _plain(ordered):
        return content_hash_reference(cn, params, items)
    return digest((cn + "\x1e" + template % texts if template else cn).encode("utf-8"))


def _plain(values: Sequence[Value]) -> bool:
    """No Decimal among the values whose ``str`` differs from ``format(v, "f")``."""
    return all(v.__class__ is not Decimal or "E" not in str(v) for v in values)


def reading_values(fields: Mapping[str, Value]) -> dict[str, Any]:
    """The reading columns for one code's sub-fields (numbers as float, the rest in ``extra``)."""
    row: dict[str, Any] = dict.fromkeys(READING_VALUE_COLUMNS)
    extra: dict[str, str] = {}
    for sub, value in fields.items():
        col = NUMERIC_COLUMNS.get(sub)
        if col is not None and isinstance(value, Decimal):
            row[col] = float(value)
            continue
        col = TEXT_COLUMNS.get(sub)
        if col is not None and isinstance(value, str):
            row[col] = value[:20]
            continue
        extra[sub] = _canonical(value)
    row["extra"] = extra or None
    return row


_NUMERIC_AT: dict[str, int] = {sub: i for i, sub in enumerate(NUMERIC_COLUMNS)}
_TEXT_AT: dict[str, int] = {sub: len(NUMERIC_COLUMNS) + i for i, sub in enumerate(TEXT_COLUMNS)}
_EMPTY_ROW: tuple[None, ...] = (None,) * (len(READING_VALUE_COLUMNS) - 1)


def reading_tuple(fields: Mapping[str, Value]) -> tuple[list[Any], dict[str, str] | None]:
    """:func:`reading_values` as a list in ``READING_VALUE_COLUMNS`` order (without
    ``extra``) and the ``extra`` map: the same values, no dict per row (gateway path).

    A logger sends the same sub-fields every time, so the row of a sub-field layout
    whose values all have the expected types is built by one function made for that
    layout; anything else (extra sub-fields, a number kept as text) goes the long way.
    """
    keys = tuple(fields)
    plan = _ROW_PLANS.get(keys, _NO_PLAN)
    if plan is _NO_PLAN:
        if len(_ROW_PLANS) >= 4096:
            _ROW_PLANS.clear()  # bounded: a hostile sender cannot grow this without limit
        plan = _ROW_PLANS[keys] = _row_plan(keys)
    if plan is not None:
        values = tuple(fields.values())
        if tuple(map(type, values)) == plan[0]:
            return plan[1](values), None
    return _reading_tuple(fields)


_RowPlan = tuple[tuple[type, ...], Callable[[tuple[Value, ...]], list[Any]]]
_ROW_PLANS: dict[tuple[str, ...], _RowPlan | None] = {}
_NO_PLAN: Any = object()


def _row_plan(keys: tuple[str, ...]) -> _RowPlan | None:
    slots = ["None"] * len(_EMPTY_ROW)
    types: list[type] = []
    for i, sub in enumerate(keys):
        if sub in _NUMERIC_AT:
            slots[_NUMERIC_AT[sub]] = f"float(v[{i}])"
            types.append(Decimal)
        elif sub in _TEXT_AT:
            slots[_TEXT_AT[sub]] = f"v[{i}][:20]"
            types.append(str)
        else:
            return None  # goes to ``extra``: the general path
    # The same as the loop of _reading_tuple, unrolled for this layout (positions are ints
    # from the column tables, never text from the wire).
    build = eval(f"lambda v: [{', '.join(slots)}]", {"float": float})  # noqa: S307
    return tuple(types), build


def _reading_tuple(fields: Mapping[str, Value]) -> tuple[list[Any], dict[str, str] | None]:
    row: list[Any] = list(_EMPTY_ROW)
    extra: dict[str, str] | None = None
    numeric_at, text_at = _NUMERIC_AT, _TEXT_AT
    for sub, value in fields.items():
        if value.__class__ is Decimal:
            at = numeric_at.get(sub)
            if at is not None:
                row[at] = float(value)
                continue
        elif value.__class__ is str:
            at = text_at.get(sub)
            if at is not None:
                row[at] = value[:20]
                continue
        if extra is None:
            extra = {}
        extra[sub] = _canonical(value)
    return row, extra


# --- clean frames -----------------------------------------------------------------------

_RowBuilder = Callable[
    [Sequence[Any], Sequence[float], Sequence[str], Any, Sequence[Any]], list[tuple[Any, ...]]
]


class _CleanLayout:
    """What :func:`clean_content_hash` and :func:`reading_rows` need for one CP plan."""

    __slots__ = ("hash_values", "plan", "rows", "template")

    def __init__(self, plan: Any) -> None:
        self.plan = plan
        positions: dict[tuple[str, str], int] = {}
        for index, key in enumerate(plan.keys):
            if "-" in key:
                wire, _, sub = key.rpartition("-")
                positions[(to_2017(wire), sub)] = index
            else:
                positions[("", key)] = index
        groups = tuple((code, subs) for code, subs, _ in plan.groups)
        # The values in the order _hash_order counts them: params, then items in frame order.
        flat = [positions[("", key)] for key in plan.param_keys]
        flat += [positions[(code, sub)] for code, subs in groups for sub in subs]
        self.template, order = _hash_order((plan.param_keys, groups))
        self.hash_values = _picker([flat[i] for i in order])
        self.rows = _row_builder(plan, groups, positions)


def _row_builder(
    plan: Any, groups: Sequence[tuple[str, Sequence[str]]], positions: Mapping[tuple[str, str], int]
) -> _RowBuilder | None:
    """One function per plan that writes every row of a frame, in the same column order
    and with the same values as :func:`reading_rows` writes for the materialised Frame.
    None when a sub-field goes to ``extra`` (the general path handles those)."""
    number_at = {raw: k for k, raw in enumerate(plan.numeric_positions)}
    wire_of = dict(plan.wire_codes)
    consts: list[str] = []
    rows: list[str] = []
    for code, subs in groups:
        slots = ["None"] * len(_EMPTY_ROW)
        for sub in subs:
            raw = positions[(code, sub)]
            if sub in _NUMERIC_AT and raw in number_at:
                slots[_NUMERIC_AT[sub]] = f"n[{number_at[raw]}]"
            elif sub in _TEXT_AT and raw not in number_at:
                slots[_TEXT_AT[sub]] = f"v[{raw}][:20]"
            else:
                return None
        consts += [code[:32], wire_of.get(code, code)[:32]]
        c, w = len(consts) - 2, len(consts) - 1
        rows.append(f"(h[0], c[{c}], h[1], h[2], h[3], c[{w}], {', '.join(slots)}, x, t[0], t[1], t[2])")
    # Only positions and indexes are written into the source; wire text travels in ``c``.
    build: _RowBuilder = eval(f"lambda h, n, v, x, t: [{', '.join(rows)}]", {"c": tuple(consts)})  # noqa: S307
    return build


_CLEAN_LAYOUTS: dict[int, _CleanLayout] = {}


def _clean_layout(plan: Any) -> _CleanLayout:
    layout = _CLEAN_LAYOUTS.get(id(plan))
    if layout is None or layout.plan is not plan:  # ids are reused once the codec drops a plan
        if len(_CLEAN_LAYOUTS) >= 4096:
            _CLEAN_LAYOUTS.clear()
        layout = _CLEAN_LAYOUTS[id(plan)] = _CleanLayout(plan)
    return layout


def clean_content_hash(frame: CleanFrame) -> str:
    """:func:`content_hash` of the Frame ``frame`` stands for, from the values as sent."""
    if frame.plan is None:
        return digest(frame.cn.encode("utf-8"))
    if not frame.canonical:  # a number whose text is not its canonical form: the long way
        f = frame.frame()
        return content_hash(frame.cn, f.params, f.items)
    layout = _clean_layout(frame.plan)
    if not layout.template:
        return digest(frame.cn.encode("utf-8"))
    text = frame.cn + "\x1e" + layout.template % layout.hash_values(frame.values)
    return digest(text.encode("utf-8"))


def reading_rows(
    source: Frame | CleanFrame,
    head: Sequence[Any],
    tail: Sequence[Any],
    json: Callable[[Any], Any],
) -> list[tuple[Any, ...]]:
    """The ``ingest_reading`` rows of one record: ``head`` = (record id, DataTime, MN,
    period) and ``tail`` = (received at, current, conflict), already in the backend's
    form; ``json`` serialises ``extra``.  One row per code, in frame order."""
    if source.__class__ is CleanFrame:
        clean: CleanFrame = source
        if clean.plan is None:
            return []
        build = _clean_layout(clean.plan).rows
        if build is not None:
            return build(head, clean.numbers, clean.values, json(None), tail)
        source = clean.frame()
    frame: Frame = source  # type: ignore[assignment]
    rid, dt, mn, period = head
    wire = frame.wire_codes
    out: list[tuple[Any, ...]] = []
    for code, fields in frame.items.items():
        values, extra = reading_tuple(fields)
        out.append((rid, code[:32], dt, mn, period, wire.get(code, code)[:32], *values, json(extra), *tail))
    return out
