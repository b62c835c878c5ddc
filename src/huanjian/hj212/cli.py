"""``huanjian hj212 decode|encode``: the codec on the command line (JSON lines out/in).

Output shape (one JSON object per frame; see docs/hj212.md)::

    {"ok", "version", "qn", "st", "cn", "pw", "mn", "flag", "pnum", "pno",
     "cp": {"DataTime": "…", "a21026": {"Avg": 12.3, "Flag": "N"}},
     "crc": {"given", "expected", "ok", "variant"},
     "warnings": [{"code", "message"}], "error": {"code", "message"} | null}

Exit codes: 0 every frame decoded without error; 1 at least one frame had an
error (in ``--strict`` mode any warning is an error); 2 usage or unreadable input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from huanjian.hj212.decode import decode
from huanjian.hj212.encode import Scalar, encode
from huanjian.hj212.errors import HJ212Error
from huanjian.hj212.framing import FrameSplitter
from huanjian.hj212.model import Frame, Value

app = typer.Typer(help="HJ 212 codec: decode frames to JSON, encode JSON to frames.", no_args_is_help=True)

_NULL_RECORD: dict[str, Any] = {
    "ok": False,
    "version": None,
    "qn": None,
    "st": None,
    "cn": None,
    "pw": None,
    "mn": None,
    "flag": None,
    "pnum": None,
    "pno": None,
    "cp": {},
    "crc": {"given": None, "expected": None, "ok": False, "variant": None},
    "warnings": [],
    "error": None,
}


def json_value(value: Value) -> Any:
    """Decimal -> JSON number: an int when written without a decimal point, else a float."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    return value


def frame_record(frame: Frame) -> dict[str, Any]:
    cp: dict[str, Any] = dict(frame.params)
    for code, fields in frame.items.items():
        cp[code] = {sub: json_value(v) for sub, v in fields.items()}
    return {
        "ok": frame.ok,
        "version": frame.version,
        "qn": frame.qn,
        "st": frame.st,
        "cn": frame.cn,
        "pw": frame.pw,
        "mn": frame.mn,
        "flag": frame.flag,
        "pnum": frame.pnum,
        "pno": frame.pno,
        "cp": cp,
        "crc": {
            "given": frame.crc.given,
            "expected": frame.crc.expected,
            "ok": frame.crc.ok,
            "variant": frame.crc.variant,
        },
        "warnings": [{"code": w.code, "message": w.message} for w in frame.warnings],
        "error": None,
    }


def error_record(error: HJ212Error) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(json.dumps(_NULL_RECORD))
    record["error"] = {"code": error.code, "message": error.message}
    return record


def _read(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        typer.echo(f"cannot read {source}: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc


def _frames(data: bytes, stream: bool) -> Iterator[bytes]:
    if stream:
        splitter = FrameSplitter()
        for segment in [*splitter.feed(data), *splitter.close()]:
            if segment.kind == "frame":
                yield segment.data
            else:
                typer.echo(
                    f"garbage: {len(segment.data)} byte(s) at offset {segment.offset} skipped", err=True
                )
        return
    for line in data.split(b"\n"):
        line = line.removesuffix(b"\r")
        # Blank lines and '# comment' lines (as in the public corpus) are not frames.
        if not line.strip() or (line.startswith(b"#") and not line.startswith(b"##")):
            continue
        yield line


@app.command("decode")
def decode_command(
    source: Annotated[str, typer.Argument(help="File with frames, or '-' for stdin.")] = "-",
    stream: Annotated[
        bool, typer.Option("--stream", help="Input is a raw byte stream, not one frame per line.")
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Treat every warning as an error.")] = False,
) -> None:
    """Decode frames and print one JSON object per frame."""
    failed = False
    out = sys.stdout
    for raw in _frames(_read(source), stream):
        try:
            record = frame_record(decode(raw, strict=strict))
        except HJ212Error as exc:
            record = error_record(exc)
            failed = True
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    if failed:
        raise typer.Exit(1)


def _scalar(value: Any, where: str) -> Scalar:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise HJ212Error(f"{where}: expected a string or a number", code="bad_input")
    return value


def frame_from_json(obj: Any) -> bytes:
    """Build a frame from a record of the ``decode`` shape (``version``, header fields, ``cp``)."""
    if not isinstance(obj, dict):
        raise HJ212Error("each JSON value must be an object", code="bad_input")
    cn = obj.get("cn")
    if not isinstance(cn, str):
        raise HJ212Error("'cn' (a string) is required", code="bad_input")
    params: dict[str, Scalar] = {}
    items: dict[str, dict[str, Scalar]] = {}
    cp = obj.get("cp") or {}
    if not isinstance(cp, dict):
        raise HJ212Error("'cp' must be an object", code="bad_input")
    for key, value in cp.items():
        if isinstance(value, dict):
            items[key] = {sub: _scalar(v, f"cp.{key}.{sub}") for sub, v in value.items()}
        else:
            params[key] = _scalar(value, f"cp.{key}")
    header: dict[str, str | None] = {}
    for key in ("qn", "st", "pw", "mn"):
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise HJ212Error(f"'{key}' must be a string", code="bad_input")
        header[key] = value
    numbers: dict[str, int | None] = {}
    for key in ("flag", "pnum", "pno"):
        value = obj.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise HJ212Error(f"'{key}' must be an integer", code="bad_input")
        numbers[key] = value
    version = obj.get("version", "2017")
    if version not in ("2005", "2017", "2025", None):
        raise HJ212Error(f"unknown version {version!r}", code="unknown_version")
    return encode(
        cn=cn,
        qn=header["qn"],
        st=header["st"],
        pw=header["pw"],
        mn=header["mn"],
        version=version,
        flag=numbers["flag"],
        ack=bool(obj.get("ack", False)),
        pnum=numbers["pnum"],
        pno=numbers["pno"],
        params=params,
        items=items,
    )


def _json_values(text: str) -> Iterator[Any]:
    decoder = json.JSONDecoder(parse_float=Decimal)
    at = 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return
        value, at = decoder.raw_decode(text, at)
        yield value


@app.command("encode")
def encode_command(
    source: Annotated[str, typer.Argument(help="File with JSON objects, or '-' for stdin.")] = "-",
) -> None:
    """Build frames from JSON objects (the shape ``decode`` prints) and write them, CRLF-terminated."""
    try:
        text = _read(source).decode("utf-8")
    except UnicodeDecodeError as exc:
        typer.echo("input is not UTF-8 JSON", err=True)
        raise typer.Exit(2) from exc
    failed = False
    try:
        values = list(_json_values(text))
    except json.JSONDecodeError as exc:
        typer.echo(f"invalid JSON: {exc}", err=True)
        raise typer.Exit(2) from exc
    for index, obj in enumerate(values):
        try:
            sys.stdout.buffer.write(frame_from_json(obj))
        except HJ212Error as exc:
            typer.echo(f"object {index}: {exc.code}: {exc.message}", err=True)
            failed = True
    sys.stdout.buffer.flush()
    if failed:
        raise typer.Exit(1)
