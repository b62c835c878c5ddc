"""The 9014 fast path writes exactly what encode() writes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from huanjian.hj212 import HJ212Error, data_ack, decode, encode

from .conftest import CORPUS_FRAMES

_field = st.text(alphabet="0123456789ABCDEFabcxyz;=&/ -é", max_size=30)


def _reference(qn: str | None, pw: str | None, mn: str | None, flag: int) -> bytes:
    return encode(qn=qn, st="91", cn="9014", pw=pw, mn=mn, version=None, flag=flag)


@settings(max_examples=300, deadline=None)
@given(
    qn=st.none() | _field,
    pw=st.none() | _field,
    mn=st.none() | _field,
    version=st.sampled_from(["2017", "2025"]),
)
def test_data_ack_is_encode(qn: str | None, pw: str | None, mn: str | None, version: str) -> None:
    request = encode(cn="2051", st="31", qn="20240301120000000", pw="123456", mn="0" * 24,
                     version=version, ack=True, params={"DataTime": "20240301120000"})  # type: ignore[arg-type]  # fmt: skip
    frame = decode(request)
    frame = frame.__class__(
        **{**{f: getattr(frame, f) for f in frame.__dataclass_fields__}, "qn": qn, "pw": pw, "mn": mn}
    )
    try:
        expected: object = _reference(qn, pw, mn, 4 if version == "2017" else 8)
    except HJ212Error as exc:
        expected = exc.code
    try:
        got: object = data_ack(frame)
    except HJ212Error as exc:
        got = exc.code
    assert got == expected


def test_data_ack_on_the_corpus() -> None:
    for item in CORPUS_FRAMES:
        try:
            frame = decode(item.raw)
        except HJ212Error:
            continue
        if frame.version == "2005":
            continue
        try:
            expected: object = _reference(frame.qn, frame.pw, frame.mn, (4 if frame.version != "2025" else 8))
        except HJ212Error as exc:
            expected = exc.code
        try:
            got: object = data_ack(frame)
        except HJ212Error as exc:
            got = exc.code
        assert got == expected
