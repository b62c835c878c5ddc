"""Table tests: each warning, Flag/version, split packets, times, text, strict mode."""

from __future__ import annotations

from decimal import Decimal

import pytest

from huanjian.hj212 import HJ212Error, decode, encode
from huanjian.hj212.crc import crc_modbus, hj212_crc, swap16

MN17 = "010000A8900016F000169DC0"


def frame(segment: str, *, crc: str | None = None, length: int | None = None, crlf: bool = True) -> bytes:
    data = segment.encode("utf-8")
    value = crc if crc is not None else f"{hj212_crc(data):04X}"
    declared = len(data) if length is None else length
    return b"##%04d%s%s%s" % (declared, data, value.encode(), b"\r\n" if crlf else b"")


def seg(cp: str = "DataTime=20240301120000;a21026-Rtd=1.5,a21026-Flag=N", **header: str) -> str:
    fields = {"QN": "20240301120000001", "ST": "31", "CN": "2011", "PW": "123456", "MN": MN17, "Flag": "4"}
    fields.update(header)
    head = ";".join(f"{k}={v}" for k, v in fields.items() if v != "")
    return f"{head};CP=&&{cp}&&"


def codes(raw: bytes) -> list[str]:
    return list(decode(raw).warning_codes())


def test_clean_frame_has_no_warnings() -> None:
    f = decode(frame(seg()))
    assert f.ok and f.version == "2017" and f.version_source == "flag"
    assert f.items == {"a21026": {"Rtd": Decimal("1.5"), "Flag": "N"}}
    assert f.data_time == "20240301120000"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (frame(seg(), crc="0000"), ["crc_mismatch"]),
        (frame(seg(), length=99), ["length_mismatch"]),
        (frame(seg(QN="")), ["missing_field"]),
        (frame(seg(MN="")), ["missing_field"]),
        (
            frame(seg() + "").replace(b";CN=2011;", b";CN=2011;CN=2011;"),
            ["duplicate_field", "crc_mismatch", "length_mismatch"],
        ),
        (frame(seg(CN="2099")), ["unknown_cn"]),
        (frame(seg("a21026-Rtd=1.2.3")), ["malformed_number"]),
        (frame(seg("a21026-Rtd=1e5")), ["malformed_number"]),
        (frame(seg("a21026-Rtd=nan")), ["malformed_number"]),
        (frame(seg(MN="ABC-123_x")), ["non_standard_mn"]),
        (frame(seg(QN="1617936069734")), ["qn_epoch_ms"]),
        (frame(seg(QN="2024")), ["malformed_qn"]),
        (frame(seg(PW="12")), ["non_standard_pw"]),
        (frame(seg(ST="101")), ["non_standard_st"]),
        (frame(seg(Flag="x")), ["malformed_number"]),
        (frame(seg(Flag="60")), ["unknown_version"]),
        (frame(seg(Flag="6")), ["missing_field", "missing_field"]),
        (frame(seg(PNUM="2", PNO="1")), ["unexpected_field"]),
        (frame(seg(Flag="6", PNUM="2", PNO="3")), ["bad_packet_number"]),
        (frame(seg("DataTime=20240230120000")), ["malformed_time"]),
        (frame(seg("DataTime=20240301240000")), ["malformed_time"]),
        (frame(seg("a21026-Rtd=1;;a21026-Flag=N")), ["empty_item"]),
        (frame(seg("a21026-Rtd=1;a21026-Rtd=2")), ["duplicate_field"]),
        (frame(seg("02-Rtd=1;a21026-Avg=2")), ["duplicate_field"]),
        (frame(seg("a21026-Foo=1")), ["unknown_subfield"]),
        (frame(seg("a21026-Rtd= 1")), ["stray_whitespace"]),
        (frame(seg("a21026Rtd")), ["malformed_field"]),
        (frame(seg("-Rtd=1")), ["malformed_field"]),
        (frame(seg(), crlf=False), []),
        (frame(seg())[:-1], ["bad_terminator"]),
        (frame(seg())[:-6] + b"\r\n", ["missing_crc"]),
        (frame(seg()).replace(b"\r\n", b"XY\r\n"), ["trailing_bytes"]),
        (frame(seg(Foo="1")), ["unknown_field"]),
        (frame("QN=20240301120000001;ST=31;CN=2011;PW=123456;MN=" + MN17 + ";Flag=4"), ["missing_field"]),
        (frame(seg()[:-2]), ["cp_unterminated"]),
        (frame(seg() + "X"), ["trailing_after_cp"]),
        (frame("ST=31;CN=2011;PW=123456;MN=88888880000001;CP=x=1"), ["cp_malformed"]),
        (frame("ST=32;CN=2011;PW=123456;MN=" + MN17 + ";CP=&&&&"), ["missing_field", "missing_field"]),
    ],
)
def test_each_warning(raw: bytes, expected: list[str]) -> None:
    assert sorted(codes(raw)) == sorted(expected)


def test_warning_positions_point_into_the_frame() -> None:
    raw = frame(seg("DataTime=20240301120000;a21026-Rtd=x1"))
    (issue,) = decode(raw).warnings
    assert issue.code == "malformed_number"
    assert issue.position is not None and raw[issue.position :].startswith(b"a21026-Rtd=x1")
    f = decode(frame(seg(), crc="0000"))
    assert f.warnings[0].position == len(f.raw) - 6


def test_malformed_number_keeps_raw_text() -> None:
    f = decode(frame(seg("a21026-Rtd=1.2.3,a21026-Flag=N")))
    assert f.items["a21026"]["Rtd"] == "1.2.3"


def test_crc_variants_are_named() -> None:
    data = seg().encode()
    modbus = crc_modbus(data)
    assert decode(frame(seg(), crc=f"{modbus:04X}")).crc.variant == "modbus"
    assert decode(frame(seg(), crc=f"{swap16(modbus):04X}")).crc.variant == "modbus_swapped"
    assert decode(frame(seg(), crc=f"{swap16(hj212_crc(data)):04X}")).crc.variant == "hj212_swapped"
    lower = decode(frame(seg(), crc=f"{hj212_crc(data):04x}"))
    assert lower.crc.ok and lower.crc.given == f"{hj212_crc(data):04x}"


@pytest.mark.parametrize(
    ("flag", "version", "ack", "split"),
    [("4", "2017", False, False), ("5", "2017", True, False), ("7", "2017", True, True),
     ("0", "2005", False, False), ("3", "2005", True, True), ("8", "2025", False, False),
     ("9", "2025", True, False)],
)  # fmt: skip
def test_flag_bits_and_version(flag: str, version: str, ack: bool, split: bool) -> None:
    extra = {"PNUM": "2", "PNO": "1"} if split else {}
    f = decode(frame(seg(Flag=flag, **extra)))
    assert (f.version, f.ack_requested, f.split, f.flag) == (version, ack, split, int(flag))


def test_version_inferred_without_flag() -> None:
    f = decode(frame(seg(Flag="", QN="", MN="88888880000001", ST="32")))
    assert (f.version, f.version_source) == ("2005", "inferred") and f.ok
    g = decode(frame(seg(Flag="")))
    assert (g.version, g.version_source) == ("2017", "inferred")
    assert g.warning_codes() == ("missing_field",)


def test_split_packet_fields() -> None:
    parts = [decode(frame(seg(Flag="7", PNUM="2", PNO=str(n), QN=f"2024030112000000{n}"))) for n in (1, 2)]
    assert [(p.pnum, p.pno, p.split) for p in parts] == [(2, 1, True), (2, 2, True)]
    assert {p.data_time for p in parts} == {"20240301120000"}
    assert all(p.ok for p in parts)


@pytest.mark.parametrize("when", ["20231231235900", "20240101000000", "20240229235959", "20240301000000"])
def test_datatime_around_midnight_is_valid(when: str) -> None:
    f = decode(frame(seg(f"DataTime={when};a21026-Avg=1")))
    assert f.ok and f.data_time == when


def test_2005_codes_are_mapped_with_wire_code_kept() -> None:
    f = decode(
        frame(
            "ST=31;CN=2051;PW=123456;MN=88888880000001;CP=&&DataTime=20240301120000;02-Avg=12.3,02-Flag=N;S01-Avg=8;01-Avg=3;B02-Cou=100;999-Avg=1&&"
        )
    )
    assert list(f.items) == ["a21026", "a19001", "a34013", "a00000", "999"]
    assert f.wire_codes == {"a21026": "02", "a19001": "S01", "a34013": "01", "a00000": "B02"}
    assert f.ok


def test_text_fields_and_info() -> None:
    cp = (
        "DataTime=20160801085857;PolId=w01018;i11001-Info=//清洗管路; a,b=c//;"
        "i13004-Info=168.0;SB1-RS=1;SB2-RT=23.5"
    )
    f = decode(frame(seg(cp, CN="3020")))
    assert f.encoding == "utf-8"
    assert f.items["i11001"] == {"Info": "清洗管路; a,b=c"}
    assert f.items["i13004"] == {"Info": Decimal("168.0")}
    assert f.items["SB1"] == {"RS": Decimal(1)} and f.items["SB2"] == {"RT": Decimal("23.5")}
    assert f.params == {"DataTime": "20160801085857", "PolId": "w01018"}
    assert f.ok


def test_gbk_fallback_and_positions() -> None:
    data = seg("DataTime=20160801085857;i11001-Info=//清洗//;a21026-Rtd=x", CN="3020").encode("gbk")
    raw = b"##%04d%s%04X\r\n" % (len(data), data, hj212_crc(data))
    f = decode(raw)
    assert f.encoding == "gbk" and f.items["i11001"] == {"Info": "清洗"}
    bad = next(w for w in f.warnings if w.code == "malformed_number")
    assert bad.position is not None and raw[bad.position :].startswith(b"a21026-Rtd=x")
    assert "non_utf8_text" in f.warning_codes()


def test_unterminated_text() -> None:
    assert "unterminated_text" in codes(frame(seg("i11001-Info=//abc", CN="3020")))


@pytest.mark.parametrize(
    ("raw", "code"),
    [(b"", "bad_header"), (b"#", "bad_header"), (b"xx0010", "bad_header"), (b"##", "bad_length_field"),
     (b"##01a0xxxx", "bad_length_field"), (b"##0010", "truncated")],
)  # fmt: skip
def test_fatal_errors(raw: bytes, code: str) -> None:
    with pytest.raises(HJ212Error) as info:
        decode(raw)
    assert info.value.code == code


def test_strict_turns_warnings_into_errors() -> None:
    raw = frame(seg(), crc="0000")
    with pytest.raises(HJ212Error) as info:
        decode(raw, strict=True)
    assert info.value.code == "crc_mismatch" and info.value.position == len(raw) - 6
    assert decode(frame(seg()), strict=True).ok


def test_error_is_a_protocol_error() -> None:
    from huanjian.errors import ProtocolError

    with pytest.raises(ProtocolError):
        decode(b"garbage")


def test_encode_decode_simple_roundtrip() -> None:
    raw = encode(
        cn="2011",
        mn=MN17,
        pw="123456",
        st="31",
        qn="20240301120000001",
        params={"DataTime": "20240301120000"},
        items={"a21026": {"Rtd": Decimal("0.50"), "Flag": "N"}},
    )
    f = decode(raw)
    assert f.ok and f.items["a21026"]["Rtd"] == Decimal("0.50") and str(f.items["a21026"]["Rtd"]) == "0.50"
