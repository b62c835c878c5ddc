"""The CP data area: ``&&`` + items separated by ``;`` + sub-fields separated by ``,`` + ``&&``.

Two parsers with one meaning:

* :func:`parse_general` walks the text, handles every oddity (``//…//`` text that
  may contain separators, stray spaces, empty items, malformed numbers, unknown
  sub-fields, duplicates) and reports each as an :class:`Issue` with its position;
* :func:`parse_fast` handles only the clean case, using C-implemented string
  operations and a cached *plan* per key layout (a logger sends the same keys in
  the same order every minute).  It returns None as soon as anything is unusual,
  and the caller then runs :func:`parse_general`.  So a fast result is always one
  the general parser would have produced with no warnings (tested).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple

from huanjian.hj212._text import NUMBER_RE, NUMBERS_RE, WHITESPACE_RE, valid_time14
from huanjian.hj212.codes import KNOWN_SUBFIELDS, NUMERIC_SUBFIELDS, to_2017
from huanjian.hj212.model import Issue, Value

#: CP keys without a code whose values are ``YYYYMMDDhhmmss``.
TIME_PARAMS = frozenset({"DataTime", "BeginTime", "EndTime", "SystemTime", "RestartTime"})

Parsed = tuple[dict[str, str], dict[str, dict[str, Value]], dict[str, str]]


def parse_number(value: str) -> Decimal | None:
    if NUMBER_RE.fullmatch(value) is None:
        return None
    return Decimal(value)


# --- general ---------------------------------------------------------------------------------


def _next_separator(text: str, start: int) -> int:
    semi = text.find(";", start)
    comma = text.find(",", start)
    if semi < 0:
        return comma if comma >= 0 else len(text)
    return semi if comma < 0 or semi < comma else comma


def _segments(inner: str, warn: Callable[[Issue], None], pos: Callable[[int], int]) -> list[tuple[str, int]]:
    """Split into ``key=value`` pieces with their offsets, keeping ``//…//`` text whole."""
    pieces: list[tuple[str, int]] = []
    if not inner:
        return pieces
    i = 0
    n = len(inner)
    while True:
        k = _next_separator(inner, i)
        eq = inner.find("=", i, k)
        if eq >= 0 and inner[eq + 1 : k].lstrip().startswith("//"):
            opening = inner.find("//", eq + 1)
            close = inner.find("//", opening + 2)
            if close < 0:
                warn(Issue("unterminated_text", "text value opened with '//' is not closed", pos(opening)))
                k = n
            else:
                k = _next_separator(inner, close + 2)
        pieces.append((inner[i:k], i))
        if k >= n:
            return pieces
        i = k + 1


def parse_general(inner: str, pos: Callable[[int], int], warn: Callable[[Issue], None]) -> Parsed:
    params: dict[str, str] = {}
    items: dict[str, dict[str, Value]] = {}
    wire_codes: dict[str, str] = {}
    first_wire: dict[str, str] = {}
    for piece, offset in _segments(inner, warn, pos):
        where = pos(offset)
        if not piece.strip():
            warn(Issue("empty_item", "empty item in CP (';;', ',,' or a trailing separator)", where))
            continue
        key, eq, value = piece.partition("=")
        skey, svalue = key.strip(), value.strip()
        if skey != key or svalue != value:
            warn(Issue("stray_whitespace", f"whitespace around {skey[:40]!r} in CP", where))
        key, value = skey, svalue
        if not eq or not key:
            warn(Issue("malformed_field", f"CP item {piece[:40]!r} is not Key=Value", where))
            continue
        if "-" not in key:
            if key in params:
                warn(Issue("duplicate_field", f"CP field {key} repeated; first kept", where))
                continue
            if key in TIME_PARAMS and not valid_time14(value):
                warn(Issue("malformed_time", f"{key}={value[:40]!r} is not YYYYMMDDhhmmss", where))
            params[key] = value
            continue
        wire, _, sub = key.rpartition("-")
        if not wire or not sub:
            warn(Issue("malformed_field", f"CP key {key[:40]!r} is not code-SubField", where))
            continue
        code = to_2017(wire)
        previous_wire = first_wire.setdefault(code, wire)
        if previous_wire != wire:
            warn(
                Issue(
                    "duplicate_field",
                    f"{code} sent both as {previous_wire} and as {wire}; merged, first value of each kept",
                    where,
                )
            )
        elif wire != code:
            wire_codes[code] = wire
        fields = items.setdefault(code, {})
        if sub in fields:
            warn(Issue("duplicate_field", f"{key} repeated; first kept", where))
            continue
        fields[sub] = _value(key, sub, value, where, warn)
    return params, items, wire_codes


def _value(key: str, sub: str, value: str, where: int, warn: Callable[[Issue], None]) -> Value:
    if sub not in KNOWN_SUBFIELDS:
        warn(Issue("unknown_subfield", f"{key}: sub-field {sub!r} is not in the standard", where))
        number = parse_number(value)
        return value if number is None else number
    if sub in NUMERIC_SUBFIELDS:
        number = parse_number(value)
        if number is None:
            warn(Issue("malformed_number", f"{key}={value[:40]!r} is not a number; kept as text", where))
            return value
        return number
    if sub == "Info":
        if len(value) >= 4 and value.startswith("//") and value.endswith("//"):
            return value[2:-2]
        number = parse_number(value)
        if number is None:
            warn(Issue("malformed_number", f"{key}={value[:40]!r} is neither a number nor //text//", where))
            return value
        return number
    if sub == "SampleTime" and not valid_time14(value):
        warn(Issue("malformed_time", f"{key}={value[:40]!r} is not YYYYMMDDhhmmss", where))
    return value


# --- fast ------------------------------------------------------------------------------------

_Getter = Callable[[Sequence[Value]], tuple[Value, ...]]


def _getter(indexes: Sequence[int]) -> _Getter:
    if len(indexes) == 0:
        return lambda seq: ()
    if len(indexes) == 1:
        only = indexes[0]
        return lambda seq: (seq[only],)
    getter: _Getter = itemgetter(*indexes)
    return getter


class Plan(NamedTuple):
    """How to turn the values of one key layout into params and items."""

    numeric: Callable[[Sequence[str]], tuple[str, ...]]
    text: Callable[[Sequence[str]], tuple[str, ...]]
    times: tuple[int, ...]
    param_keys: tuple[str, ...]
    params: _Getter
    groups: tuple[tuple[str, tuple[str, ...], _Getter], ...]
    wire_codes: tuple[tuple[str, str], ...]
    keys: tuple[str, ...]
    """The layout: every key in frame order (what the plan was made for)."""
    numeric_positions: tuple[int, ...]
    """Positions (in ``keys``) of the numeric values, in the order ``numeric`` returns them."""
    raw_params: _Getter
    """The parameters' values straight from the split values (no numbers involved)."""


_PLANS: dict[tuple[str, ...], Plan | None] = {}
_PLAN_CACHE_LIMIT = 4096


def _make_plan(keys: tuple[str, ...]) -> Plan | None:
    numeric: list[int] = []
    text: list[int] = []
    times: list[int] = []
    param_positions: dict[str, int] = {}
    groups: dict[str, dict[str, int]] = {}
    first_wire: dict[str, str] = {}
    for index, key in enumerate(keys):
        if not key or WHITESPACE_RE.search(key) is not None:
            return None
        if "-" not in key:
            if key in param_positions:
                return None
            param_positions[key] = index
            text.append(index)
            if key in TIME_PARAMS:
                times.append(index)
            continue
        wire, _, sub = key.rpartition("-")
        if not wire or sub not in KNOWN_SUBFIELDS or sub == "Info":
            return None
        code = to_2017(wire)
        if first_wire.setdefault(code, wire) != wire:
            return None
        subs = groups.setdefault(code, {})
        if sub in subs:
            return None
        subs[sub] = index
        if sub in NUMERIC_SUBFIELDS:
            numeric.append(index)
        else:
            text.append(index)
            if sub == "SampleTime":
                times.append(index)
    # Position of each original value in ``numbers + texts``.
    combined = {p: i for i, p in enumerate(numeric + text)}
    return Plan(
        numeric=_getter(numeric),  # type: ignore[arg-type]
        text=_getter(text),  # type: ignore[arg-type]
        times=tuple(times),
        param_keys=tuple(param_positions),
        params=_getter([combined[p] for p in param_positions.values()]),
        groups=tuple(
            (code, tuple(subs), _getter([combined[p] for p in subs.values()]))
            for code, subs in groups.items()
        ),
        wire_codes=tuple((code, wire) for code, wire in first_wire.items() if code != wire),
        keys=keys,
        numeric_positions=tuple(numeric),
        raw_params=_getter(list(param_positions.values())),
    )


def plan_for(keys: tuple[str, ...]) -> Plan | None:
    try:
        return _PLANS[keys]
    except KeyError:
        if len(_PLANS) >= _PLAN_CACHE_LIMIT:
            _PLANS.clear()  # bounded: a hostile sender cannot grow this without limit
        plan = _PLANS[keys] = _make_plan(keys)
        return plan


def split_fast(inner: str) -> tuple[Plan, tuple[str, ...]] | None:
    """Structure check and split of a clean CP: the plan and the raw values, or None."""
    if "//" in inner:
        return None
    segments = inner.replace(";", ",").split(",")
    count = len(segments)
    # Exactly one '=' per piece: every piece has one (no empty separator) and the total matches.
    if inner.count("=") != count:
        return None
    keys, separators, values = zip(*map(str.partition, segments, repeat("=", count)), strict=True)
    if "" in separators:
        return None
    plan = plan_for(keys)
    if plan is None:
        return None
    # Whitespace would need stripping (and a warning): keys are checked in the plan,
    # numbers by NUMBERS_RE, so only the text values are left to look at.
    if WHITESPACE_RE.search("".join(plan.text(values))) is not None:
        return None
    for index in plan.times:
        if not valid_time14(values[index]):
            return None
    return plan, values


def assemble(plan: Plan, values: tuple[str, ...], numbers: list[Decimal]) -> Parsed:
    combined: list[Value] = [*numbers, *plan.text(values)]
    params = dict(zip(plan.param_keys, plan.params(combined), strict=True))
    items: dict[str, dict[str, Value]] = {
        code: dict(zip(subs, getter(combined), strict=True)) for code, subs, getter in plan.groups
    }
    return params, items, dict(plan.wire_codes)  # type: ignore[return-value]


def parse_fast(inner: str) -> Parsed | None:
    if not inner:
        return {}, {}, {}
    split = split_fast(inner)
    if split is None:
        return None
    return parse_fast_split(*split)


def parse_fast_split(plan: Plan, values: tuple[str, ...]) -> Parsed | None:
    """The rest of :func:`parse_fast` once :func:`split_fast` accepted the structure."""
    numeric = plan.numeric(values)
    if numeric:
        if NUMBERS_RE.fullmatch(",".join(numeric)) is None:
            return None
        try:
            numbers = list(map(Decimal, numeric))
        except InvalidOperation:  # pragma: no cover - excluded by the regex
            return None
    else:
        numbers = []
    return assemble(plan, values, numbers)
