"""Replies (9011-9014, 2017 and 2005 forms), encode refusals, and the Typer CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from huanjian.hj212 import HJ212Error, data_ack, decode, encode, exe_rtn, notice_ack, qn_rtn
from huanjian.hj212.cli import app

from .conftest import CORPUS, CORPUS_FRAMES, typical_2051

UPLOAD_2017 = decode(typical_2051(1))
UPLOAD_2005 = decode(
    b"##0139ST=32;CN=2051;QN=20040516010101001;PW=123456;MN=88888880000001;PNO=1;PNUM=1;Flag=3;CP=&&DataTime=20040516021000;B01-Cou=200&&"
    + b"0000"
)


def segment(raw: bytes) -> bytes:
    return raw[6:-6]


def test_9014_data_ack_2017() -> None:
    ack = data_ack(UPLOAD_2017)
    assert (
        segment(ack)
        == f"QN={UPLOAD_2017.qn};ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&".encode()
    )
    assert ack.endswith(b"\r\n") and decode(ack, strict=True).cn == "9014"


def test_9014_data_ack_2005_puts_qn_and_cn_in_cp() -> None:
    ack = data_ack(UPLOAD_2005)
    assert segment(ack) == b"ST=91;CN=9014;CP=&&QN=20040516010101001;CN=2051;PNO=1;PNUM=1&&"
    f = decode(ack)
    assert f.crc.ok and f.params["QN"] == "20040516010101001"


def test_request_replies_2017_and_2005() -> None:
    request = decode(CORPUS_FRAMES[0].raw)  # 1062 set real-time interval, Flag=5
    assert segment(qn_rtn(request)).endswith(
        b";ST=91;CN=9011;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&QnRtn=1&&"
    )
    assert segment(exe_rtn(request, 100)).endswith(
        b";CN=9012;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&ExeRtn=100&&"
    )
    assert segment(notice_ack(request)).endswith(
        b";CN=9013;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&"
    )
    old = decode(next(f.raw for f in CORPUS_FRAMES if b"Flag=3" in f.raw))  # 2005 request
    assert old.version == "2005"
    assert (
        segment(qn_rtn(old))
        == b"ST=91;CN=9011;PW=123456;MN=88888880000001;Flag=0;CP=&&QN=20040516010101001;QnRtn=1&&"
    )
    assert (
        segment(exe_rtn(old))
        == b"ST=91;CN=9012;PW=123456;MN=88888880000001;CP=&&QN=20040516010101001;ExeRtn=1&&"
    )
    assert (
        segment(notice_ack(old)) == b"ST=91;CN=9013;PW=123456;MN=88888880000001;CP=&&QN=20040516010101001&&"
    )


def test_reply_to_2025_keeps_its_version_bits() -> None:
    f = decode(CORPUS_FRAMES[26].raw)
    assert f.version == "2025"
    assert decode(data_ack(f)).flag == 8


def test_standard_example_is_reproduced_byte_for_byte() -> None:
    raw = encode(qn="20160801085857223", st="32", cn="1062", pw="100000", mn="010000A8900016F000169DC0",
                 ack=True, params={"RtdInterval": 30}, crlf=False)  # fmt: skip
    assert raw == CORPUS_FRAMES[0].raw


@pytest.mark.parametrize(
    "kwargs",
    [{"params": {"A": "x;y"}}, {"params": {"A": float("nan")}}, {"items": {"a-b": {"Rtd": 1}}},
     {"items": {"a21026": {}}}, {"params": {"X": True}}, {"params": {"A": "x" * 2000}}, {"flag": 300},
     {"items": {"i11001": {"Info": "a//b"}}}],
)  # fmt: skip
def test_encode_refuses_what_it_cannot_write(kwargs: dict[str, object]) -> None:
    with pytest.raises(HJ212Error):
        encode(cn="2011", **kwargs)  # type: ignore[arg-type]


def test_decimal_text_is_kept() -> None:
    raw = encode(cn="2011", items={"a21026": {"Avg": Decimal("2.69700"), "Max": 3, "Min": 0.1}})
    assert b"a21026-Avg=2.69700,a21026-Max=3,a21026-Min=0.1" in raw


runner = CliRunner()


def test_cli_decode_corpus_file() -> None:
    result = runner.invoke(app, ["decode", str(CORPUS)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 48
    first = records[0]
    assert list(first) == [
        "ok",
        "version",
        "qn",
        "st",
        "cn",
        "pw",
        "mn",
        "flag",
        "pnum",
        "pno",
        "cp",
        "crc",
        "warnings",
        "error",
    ]
    assert first["crc"] == {"given": "1C80", "expected": "1C80", "ok": True, "variant": None}
    assert first["cp"] == {"RtdInterval": "30"} and first["ok"] is True and first["version"] == "2017"
    swapped = [r for r in records if r["crc"]["variant"] == "modbus_swapped"]
    assert len(swapped) == 3 and all(not r["ok"] for r in swapped)


def test_cli_decode_values_and_strict_exit_code(tmp_path: Path) -> None:
    path = tmp_path / "frames.txt"
    path.write_bytes(CORPUS_FRAMES[11].raw + b"\r\n" + CORPUS_FRAMES[1].raw + b"\n")
    result = runner.invoke(app, ["decode", str(path)])
    assert result.exit_code == 0
    record = json.loads(result.stdout.splitlines()[0])
    assert record["cp"]["a21026"] == {"Avg": 6, "Flag": "N"}
    assert record["cp"]["a21005"] == {"Avg": 0.427, "Flag": "N"}
    strict = runner.invoke(app, ["decode", "--strict", str(path)])
    assert strict.exit_code == 1
    errors = [json.loads(line)["error"] for line in strict.stdout.splitlines()]
    assert errors[0]["code"] == "non_standard_mn" and errors[1]["code"] == "crc_mismatch"


def test_cli_decode_stream_from_stdin() -> None:
    stream = b"junk" + b"".join(f.raw + b"\r\n" for f in CORPUS_FRAMES[:3]) + b"\xff\xfe##xx"
    result = runner.invoke(app, ["decode", "--stream", "-"], input=stream)
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 3
    bad = runner.invoke(app, ["decode", "-"], input=b"##zz\n")
    assert bad.exit_code == 1 and json.loads(bad.stdout)["error"]["code"] == "bad_length_field"


def test_cli_encode_roundtrip(tmp_path: Path) -> None:
    decoded = runner.invoke(app, ["decode", "-"], input=typical_2051(3) + b"\r\n" + CORPUS_FRAMES[2].raw)
    assert decoded.exit_code == 0
    encoded = runner.invoke(app, ["encode", "-"], input=decoded.stdout)
    assert encoded.exit_code == 0, encoded.output
    frames = encoded.stdout_bytes.split(b"\r\n")[:-1]
    # JSON numbers lose trailing zeros (380.130 -> 380.13); the values are equal.
    first, typical = decode(frames[0]), decode(typical_2051(3))
    assert first.ok and first.items == typical.items and first.qn == typical.qn and first.flag == typical.flag
    again = decode(frames[1])
    original = decode(CORPUS_FRAMES[2].raw)
    assert again.crc.ok and again.params == original.params
    assert again.items == original.items and again.wire_codes == {}  # re-encoded under 2017 codes


def test_cli_encode_rejects_bad_input() -> None:
    assert runner.invoke(app, ["encode", "-"], input='{"cp": {}}').exit_code == 1
    assert runner.invoke(app, ["encode", "-"], input="{not json").exit_code == 2
    assert runner.invoke(app, ["decode", "/nonexistent/file"]).exit_code == 2
