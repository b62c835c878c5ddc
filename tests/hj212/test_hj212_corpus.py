"""Every frame of the public corpus decodes to what its '# check:' comment says."""

from __future__ import annotations

import pytest

from huanjian.hj212 import decode, decode_many, encode_frame

from .conftest import CORPUS_FRAMES, EXPECTED_RE, CorpusFrame


def test_corpus_is_complete() -> None:
    assert len(CORPUS_FRAMES) == 48
    assert all(f.check and f.source for f in CORPUS_FRAMES)


@pytest.mark.parametrize("item", CORPUS_FRAMES, ids=lambda f: f"line{f.line}")
def test_corpus_frame_matches_its_check(item: CorpusFrame) -> None:
    frame = decode(item.raw)
    codes = frame.warning_codes()
    check = item.check
    if check.startswith("CRC OK"):
        assert frame.crc.ok
        assert "crc_mismatch" not in codes
    elif "MODBUS byte-swapped" in check:
        assert not frame.crc.ok
        assert frame.crc.variant == "modbus_swapped"
        assert "crc_mismatch" in codes
    elif check.startswith("CRC FAIL"):
        match = EXPECTED_RE.search(check)
        assert match is not None
        assert not frame.crc.ok
        assert frame.crc.expected == match.group(1)
        assert frame.crc.variant is None
    elif check.startswith("LENGTH MISMATCH"):
        assert (frame.declared_length, frame.actual_length) == (121, 119)
        assert "length_mismatch" in codes
        assert frame.crc.ok and frame.crc.given == "65C0"
        assert "cp_unterminated" in codes
    else:  # pragma: no cover - a new kind of comment needs a new rule here
        pytest.fail(f"unknown check {check!r}")
    if not check.startswith("LENGTH MISMATCH"):
        assert frame.declared_length == frame.actual_length
        assert "length_mismatch" not in codes
    assert frame.raw == item.raw


def test_corpus_batch_equals_single() -> None:
    raws = [f.raw for f in CORPUS_FRAMES]
    assert decode_many(raws) == [decode(r) for r in raws]


@pytest.mark.parametrize("item", CORPUS_FRAMES, ids=lambda f: f"line{f.line}")
def test_corpus_reencodes_to_same_content(item: CorpusFrame) -> None:
    frame = decode(item.raw)
    again = decode(encode_frame(frame))
    assert again.crc.ok
    assert (again.qn, again.st, again.cn, again.pw, again.mn, again.flag, again.pnum, again.pno) == (
        frame.qn, frame.st, frame.cn, frame.pw, frame.mn, frame.flag, frame.pnum, frame.pno,
    )  # fmt: skip
    assert again.params == frame.params
    assert again.items == frame.items
    assert again.wire_codes == frame.wire_codes


def test_standard_example_and_2005_mapping() -> None:
    first = decode(CORPUS_FRAMES[0].raw)
    assert (first.version, first.flag, first.cn, first.crc.given) == ("2017", 5, "1062", "1C80")
    assert first.ack_requested and not first.split
    assert first.params == {"RtdInterval": "30"}
    old = decode(CORPUS_FRAMES[2].raw)  # 2005 frame with codes 011, B01, 060
    assert old.version == "2005" and old.version_source == "inferred"
    assert list(old.items) == ["w01018", "w00000", "w21003"]
    assert old.wire_codes == {"w01018": "011", "w00000": "B01", "w21003": "060"}
    item = old.item("011")
    assert item is not None and item.code == "w01018" and item.wire_code == "011"
    assert str(item.fields["Rtd"]) == "231.0" and item.fields["Flag"] == "N"
