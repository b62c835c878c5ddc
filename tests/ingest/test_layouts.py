"""A clean frame (batch decoder's clean lane) hashes and stores exactly as its Frame does.

The gateway never builds the Frame of a clean minute frame: it hashes the values as
sent and writes the readings from the decoder's floats.  These tests hold that path
to the reference one — same content hash (stored records carry it), same readings
rows on both backends' JSON conventions — on generated, corpus and hand-made frames,
including numbers whose text is not canonical (``+1``, ``007``, ``.5``, ``1.``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huanjian.hj212 import CleanFrame, Frame, HJ212Error, decode, decode_batch, encode, hj212_crc
from huanjian.hj212.samples import typical_2051
from huanjian.ingest.layouts import clean_content_hash, content_hash, content_hash_reference, reading_rows
from huanjian.ingest.simulate import honest_frames, sim_mn
from tests.hj212.conftest import load_corpus
from tests.hj212.test_hj212_properties import frames

_HEAD = (7, datetime(2024, 3, 1, 4, 0, tzinfo=UTC), "MN", "minute")
_TAIL = (datetime(2024, 3, 1, 4, 0, 5, tzinfo=UTC), True, False)


def _pg_json(value: Any) -> Any:
    return None if value is None else json.dumps(value)


def _sqlite_json(value: Any) -> Any:
    return "null" if value is None else json.dumps(value)


def _check(raw: bytes) -> bool:
    """Clean path == Frame path for ``raw``; True when ``raw`` took the clean lane."""
    result = decode_batch([raw])[0]
    try:
        reference: Frame | HJ212Error = decode(raw)
    except HJ212Error as exc:
        reference = exc
    if not isinstance(result, CleanFrame):
        assert result == reference
        return False
    frame = result.frame()
    assert frame == reference
    assert result.params == frame.params
    assert result.crc == frame.crc and result.ack_requested == frame.ack_requested
    assert (result.pnum, result.pno, result.warnings, result.data_time) == (None, None, (), frame.data_time)
    texts = result.plan.numeric(result.values) if result.plan else ()
    assert list(result.numbers) == [float(Decimal(v)) for v in texts]
    h = clean_content_hash(result)
    assert h == content_hash(frame.cn or "", frame.params, frame.items)
    assert h == content_hash_reference(frame.cn or "", frame.params, frame.items)
    for js in (_pg_json, _sqlite_json):
        assert reading_rows(result, _HEAD, _TAIL, js) == reading_rows(frame, _HEAD, _TAIL, js)
    return True


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_clean_path_equals_frame_path_on_generated_frames(spec: dict[str, object]) -> None:
    try:
        raw = encode(**spec)  # type: ignore[arg-type]
    except HJ212Error:
        return
    _check(raw)


def test_clean_path_equals_frame_path_on_corpus_and_simulated_frames() -> None:
    clean = 0
    for item in load_corpus():
        clean += _check(item.raw)
    start = datetime(2024, 3, 1, tzinfo=UTC)
    for i in range(3):
        for raw in honest_frames(sim_mn(i), start, 30, seed=i):
            clean += _check(raw)
    for seed in range(20):
        assert _check(typical_2051(seed))
    assert clean >= 80  # the lane is used: typical and most simulated minute frames take it


def _with_cp(cp: str) -> bytes:
    segment = (
        "QN=20240301120000000;ST=31;CN=2051;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&" + cp + "&&"
    ).encode()
    return b"##%04d%s%04X\r\n" % (len(segment), segment, hj212_crc(segment))


_number_text = st.sampled_from(
    ["1.5", "+1", "007", ".5", "1.", "-0", "-0.0", "0.0000001", "12.30", "100", "-.25", "3"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_number_text, min_size=3, max_size=3), st.sampled_from(["N", "M", "Md", "N N"]))
def test_clean_path_with_numbers_not_written_canonically(numbers: list[str], flag: str) -> None:
    avg, low, high = numbers
    cp = (
        f"DataTime=20240301120000;a21026-Avg={avg},a21026-Min={low},a21026-Max={high},"
        f"a21026-Flag={flag};a01012-Rtd={avg},a01012-Flag=N"
    )
    raws = [_with_cp(cp), typical_2051(1), _with_cp(cp)]  # a batch: the second copy uses the cached layout
    results = decode_batch(raws)
    for raw, result in zip(raws, results, strict=True):
        assert (result.frame() if isinstance(result, CleanFrame) else result) == decode(raw)
        _check(raw)


def test_rows_of_a_layout_with_an_extra_sub_field_take_the_general_path() -> None:
    raw = _with_cp("DataTime=20240301120000;a21026-Avg=1.5,a21026-Ala=3,a21026-Flag=N")
    result = decode_batch([raw])[0]
    assert isinstance(result, CleanFrame)
    rows = reading_rows(result, _HEAD, _TAIL, _pg_json)
    assert rows == reading_rows(result.frame(), _HEAD, _TAIL, _pg_json)
    assert rows[0][-4] == json.dumps({"Ala": "3"})  # ``extra`` carries it
