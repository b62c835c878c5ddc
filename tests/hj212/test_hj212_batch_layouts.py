"""Batch decode keeps a per-MN layout pattern: frames whose layout changes, or whose
values break the pattern, must still decode exactly as :func:`decode` does."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huanjian.hj212 import HJ212Error, decode, decode_many, encode, hj212_crc

from .test_hj212_properties import frames

_MN = "010000A8900016F000169DC0"
_value = st.sampled_from(["1.5", "-0", "12", "1 2", "", "N", "20240301120000", "20241301120000", "x/y"])


def _single(raw: bytes) -> object:
    try:
        return decode(raw)
    except HJ212Error as exc:
        return exc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(frames(), min_size=1, max_size=12))
def test_batch_equals_single_on_generated_frames(specs: list[dict[str, object]]) -> None:
    raws = []
    for spec in specs:
        spec = {**spec, "mn": _MN} if spec.get("version") != "2005" else spec  # one MN, many layouts
        try:
            raws.append(encode(**spec))  # type: ignore[arg-type]
        except HJ212Error:
            continue
    assert decode_many(raws) == [_single(r) for r in raws]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Avg", "Flag", "SampleTime", "Max"]), _value), max_size=8))
def test_batch_equals_single_when_values_break_the_layout(edits: list[tuple[str, str]]) -> None:
    base = {"a21026": {"Avg": Decimal("1.5"), "Flag": "N", "SampleTime": "20240301120000", "Max": Decimal(2)}}
    good = encode(qn="20240301120000000", st="31", cn="2051", pw="123456", mn=_MN, ack=True,
                  params={"DataTime": "20240301120000"}, items=base)  # fmt: skip
    raws = [good]
    for sub, value in edits:
        text = good.decode().split("&&")[1]
        old = next(p for p in text.replace(";", ",").split(",") if p.startswith(f"a21026-{sub}="))
        cp = text.replace(old, f"a21026-{sub}={value}")
        data = good.decode().split("CP=")[0] + f"CP=&&{cp}&&"
        segment = data[6:].encode()

        raws.append(b"##%04d%s%04X\r\n" % (len(segment), segment, hj212_crc(segment)))
        raws.append(good)
    assert decode_many(raws) == [_single(r) for r in raws]


def test_number_runs_are_checked_exactly_as_the_regular_expression_checks_them() -> None:
    """The batch path validates numbers with translate + float and tests canonical form
    with substring checks; exhaustively over short runs, both agree with the definitions."""
    import itertools

    from huanjian.hj212._text import NUMBERS_RE
    from huanjian.hj212.batch import _numbers

    for length in range(1, 7):
        for chars in itertools.product("0-.1,+", repeat=length):
            joined = "".join(chars)
            got = _numbers(joined)
            if NUMBERS_RE.fullmatch(joined) is None:
                assert got is None, joined
                continue
            assert got is not None, joined
            pieces = joined.split(",")
            canonical = all(format(Decimal(p), "f") == p for p in pieces)
            assert got == ([float(Decimal(p)) for p in pieces], canonical), joined


def test_layout_expressions_are_shared_and_not_made_for_layouts_sent_once() -> None:
    """A frame-wide expression costs milliseconds to compile: one per layout, shared by the
    loggers that send it, and none for a sender that changes its layout every frame."""
    from huanjian.hj212 import batch

    def frame(mn: str, minute: int, codes: list[str]) -> bytes:
        items = {c: {"Avg": Decimal("1.5"), "Flag": "N"} for c in codes}
        return encode(qn=f"2024030112{minute:02d}00000", st="31", cn="2051", pw="123456", mn=mn,
                      ack=True, params={"DataTime": f"2024030112{minute:02d}00"}, items=items)  # fmt: skip

    batch._KNOWN.clear(), batch._PATTERNS.clear(), batch._SEEN.clear()
    hostile = "AAAAAAAAAAAAAAAAAAAAAAAA"
    layouts = [["a21026"], ["a21026", "a21002"], ["a21002"], ["a34013", "a21026"]]
    raws = [frame(hostile, m, layouts[m % 4]) for m in range(40)]
    assert decode_many(raws) == [_single(r) for r in raws]
    assert not batch._PATTERNS  # the layout changed every frame: nothing compiled

    first, second = "0000000000000000000000A1", "0000000000000000000000A2"
    raws = [frame(first, m, ["a21026", "a21002"]) for m in range(3)]
    raws += [frame(second, m, ["a21026", "a21002"]) for m in range(3)]
    assert decode_many(raws) == [_single(r) for r in raws]
    assert len(batch._PATTERNS) == 1  # learned from the first logger's second frame, shared
    assert batch._KNOWN[first.encode()][1] is batch._KNOWN[second.encode()][1]
