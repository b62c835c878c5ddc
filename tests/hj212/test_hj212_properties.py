"""Hypothesis properties: identity, robustness (bounded fuzz), chunking, batch == single."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huanjian.hj212 import (
    FrameSplitter,
    HJ212Error,
    _cp,
    decode,
    decode_many,
    encode,
    hj212_crc,
    hj212_crc_batch,
)
from huanjian.hj212.crc import crc_reference, crc_table
from huanjian.hj212.model import Issue

from .conftest import CORPUS_FRAMES, typical_2051

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

digits = st.text(alphabet="0123456789", min_size=1, max_size=8)
numbers = st.builds(
    lambda sign, whole, frac: Decimal(f"{sign}{whole}{'.' + frac if frac is not None else ''}"),
    st.sampled_from(["", "-"]),
    digits,
    st.none() | st.text(alphabet="0123456789", min_size=0, max_size=6),
)
codes = st.sampled_from(
    ["a21026", "a21002", "a34013", "a19001", "w01018", "w21003", "SB1", "i12001", "a99054", "LA"]
)
numeric_subs = st.sampled_from(["Rtd", "Avg", "Min", "Max", "Cou", "ZsAvg", "ZsRtd", "RS", "RT"])
flags = st.sampled_from(list("NFMSDCTBP"))
times = st.builds(
    lambda y, mo, d, h, mi, s: f"{y:04d}{mo:02d}{d:02d}{h:02d}{mi:02d}{s:02d}",
    st.integers(2000, 2099), st.integers(1, 12), st.integers(1, 28),
    st.integers(0, 23), st.integers(0, 59), st.integers(0, 59),
)  # fmt: skip


@st.composite
def items(draw: st.DrawFn) -> dict[str, dict[str, Decimal | str]]:
    out: dict[str, dict[str, Decimal | str]] = {}
    for code in draw(st.lists(codes, unique=True, max_size=6)):
        subs: dict[str, Decimal | str] = {
            s: draw(numbers) for s in draw(st.lists(numeric_subs, unique=True, min_size=1, max_size=4))
        }
        if draw(st.booleans()):
            subs["Flag"] = draw(flags)
        if draw(st.booleans()):
            subs["SampleTime"] = draw(times)
        out[code] = subs
    return out


@st.composite
def frames(draw: st.DrawFn) -> dict[str, object]:
    version = draw(st.sampled_from(["2017", "2025", "2005"]))
    split = draw(st.booleans())
    pnum = draw(st.integers(1, 50)) if split else None
    return {
        "cn": draw(st.sampled_from(["2011", "2051", "2061", "2031", "3020", "9014"])),
        "qn": draw(times) + f"{draw(st.integers(0, 999)):03d}",
        "st": draw(st.sampled_from(["31", "32", "22", "91"])),
        "pw": draw(st.text(alphabet="0123456789abcXYZ", min_size=6, max_size=6)),
        "mn": "88888880000001"
        if version == "2005"
        else draw(st.text(alphabet="0123456789ABCDEF", min_size=24, max_size=24)),
        "version": version,
        "ack": draw(st.booleans()) or version == "2005",
        "pnum": pnum,
        "pno": draw(st.integers(1, pnum)) if pnum else None,
        "params": {"DataTime": draw(times)},
        "items": draw(items()),
    }


@FAST
@given(frames())
def test_encode_then_decode_is_identity(spec: dict[str, object]) -> None:
    raw = encode(**spec)  # type: ignore[arg-type]
    f = decode(raw, strict=True)
    keys = ("cn", "qn", "st", "pw", "mn", "version", "pnum", "pno")
    assert (f.cn, f.qn, f.st, f.pw, f.mn, f.version, f.pnum, f.pno) == tuple(spec[k] for k in keys)
    assert f.ack_requested == spec["ack"]
    assert f.params == spec["params"]
    assert f.items == spec["items"]
    assert decode_many([raw]) == [f]


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_only_raise_hj212error(raw: bytes) -> None:
    for candidate in (raw, b"##" + raw, b"##%04d" % len(raw) + raw):
        try:
            f = decode(candidate)
        except HJ212Error:
            continue
        assert all(isinstance(w, Issue) for w in f.warnings)


@FUZZ
@given(
    st.sampled_from(CORPUS_FRAMES),
    st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), max_size=6),
    st.integers(0, 2000),
)
def test_mutated_frames_only_raise_hj212error_and_batch_agrees(item, edits, cut) -> None:  # type: ignore[no-untyped-def]
    raw = bytearray(item.raw)
    for at, value in edits:
        raw[at % len(raw)] = value
    mutated = bytes(raw[: max(cut, 1)])
    try:
        single: object = decode(mutated)
    except HJ212Error as exc:
        single = exc
    assert decode_many([mutated]) == [single]


@FAST
@given(st.lists(st.binary(max_size=64), max_size=40))
def test_crc_fast_batch_and_reference_agree(segments: list[bytes]) -> None:
    batch = hj212_crc_batch(segments).tolist()
    assert batch == [crc_reference(s) for s in segments] == [crc_table(s) for s in segments]
    assert [hj212_crc(s) for s in segments] == batch


def test_crc_long_inputs() -> None:
    for n in (0, 1, 7, 8, 9, 63, 64, 65, 1024, 4099):
        data = bytes((i * 31 + 7) % 256 for i in range(n))
        assert hj212_crc(data) == crc_reference(data) == int(hj212_crc_batch([data])[0])


stream_parts = st.lists(
    st.one_of(
        st.sampled_from([f.raw + b"\r\n" for f in CORPUS_FRAMES[:12]]),
        st.sampled_from([f.raw for f in CORPUS_FRAMES[:6]]),
        st.binary(max_size=20),
        st.sampled_from([b"#", b"##", b"##12", b"\r\n", b"##00x"]),
    ),
    max_size=12,
)


def _normalise(segments: list) -> list[tuple[str, bytes]]:  # type: ignore[type-arg]
    out: list[tuple[str, bytes]] = []
    for s in segments:
        if s.kind == "garbage" and out and out[-1][0] == "garbage":
            out[-1] = ("garbage", out[-1][1] + s.data)
        else:
            out.append((s.kind, s.data))
    return out


@FUZZ
@given(stream_parts, st.lists(st.integers(1, 200), max_size=30), st.integers(16, 2000))
def test_splitter_result_does_not_depend_on_chunking(
    parts: list[bytes], cuts: list[int], max_frame: int
) -> None:
    stream = b"".join(parts)
    whole = FrameSplitter(max_frame)
    expected = _normalise(whole.feed(stream) + whole.close())
    chunked = FrameSplitter(max_frame)
    got = []
    at = 0
    for size in cuts:
        got += chunked.feed(stream[at : at + size])
        at += size
        assert chunked.buffered <= max_frame + 6
    got += chunked.feed(stream[at:]) + chunked.close()
    assert _normalise(got) == expected
    assert b"".join(d for _, d in expected) == stream  # nothing lost, nothing invented


def test_splitter_separates_coalesced_and_split_frames() -> None:
    a, b = CORPUS_FRAMES[0].raw + b"\r\n", CORPUS_FRAMES[6].raw  # second one without CRLF
    splitter = FrameSplitter()
    out = (
        splitter.feed(b"noise" + a[:10])
        + splitter.feed(a[10:] + b + b"##")
        + splitter.feed(a)
        + splitter.close()
    )
    # b has no CRLF: it ends where the next real frame starts, stray '##' included.
    assert [(s.kind, s.data) for s in out] == [
        ("garbage", b"noise"),
        ("frame", a),
        ("frame", b + b"##"),
        ("frame", a),
    ]
    tail = decode(out[2].data)
    assert tail.crc.ok and tail.warning_codes() == ("trailing_bytes",)
    assert decode(out[1].data).crc.ok


def test_splitter_resynchronises_after_oversize() -> None:
    good = CORPUS_FRAMES[0].raw + b"\r\n"
    splitter = FrameSplitter(max_frame=200)
    out = splitter.feed(b"##0999" + b"x" * 300 + good) + splitter.close()
    assert [s.kind for s in out] == ["garbage", "frame"] and out[-1].data == good


@FAST
@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=30))
def test_batch_equals_single_on_typical_frames(seeds: list[int]) -> None:
    raws = [typical_2051(s) for s in seeds]
    raws[0] = raws[0].replace(b"Flag=N", b"Flag= N", 1)  # one that needs the general path
    assert decode_many(raws) == [decode(r) for r in raws]


cp_text = st.text(alphabet="a21026-RtdAvgFlagN0123456789.,;=+ /", max_size=80)


@FUZZ
@given(cp_text)
def test_fast_cp_parser_agrees_with_general_parser(inner: str) -> None:
    warnings: list[Issue] = []
    general = _cp.parse_general(inner, lambda i: i, warnings.append)
    fast = _cp.parse_fast(inner)
    if fast is not None:
        assert not warnings
        assert fast == general
