"""JSON and CSV input: shapes, header comments, options, and errors naming pair and field."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from huanjian.errors import ValidationError
from huanjian.field.compare.inputs import CST, detect_format, parse_csv, parse_json

from .conftest import doc

CSV = """# parameter: a21026
# unit: mg/m3
start,end,reference,cems,note
2026-03-02T09:00:00+08:00,2026-03-02T09:10:00+08:00,101.3,98.7,first

2026-03-02 09:15,2026-03-02 09:25,99.0,97.5,
"""


def test_json_numbers_are_exact_decimals() -> None:
    inp = parse_json(json.dumps(doc("a21026", "mg/m3", [101.3], [98.7])))
    assert inp.parameter == "a21026" and inp.unit == "mg/m3"
    assert inp.pairs[0].reference == Decimal("101.3") and inp.pairs[0].cems == Decimal("98.7")


def test_csv_with_header_comments_and_naive_times_in_cst() -> None:
    inp = parse_csv(CSV)
    assert (inp.parameter, inp.unit, len(inp.pairs)) == ("a21026", "mg/m3", 2)
    assert inp.pairs[1].start.tzinfo == CST and inp.pairs[1].reference == Decimal("99.0")


def test_options_supply_or_must_agree() -> None:
    body = CSV.replace("# parameter: a21026\n", "")
    assert parse_csv(body, parameter="a21026").parameter == "a21026"
    with pytest.raises(ValidationError, match="parameter: missing"):
        parse_csv(body)
    with pytest.raises(ValidationError, match="the file says 'mg/m3' but the option says 'umol/mol'"):
        parse_csv(CSV, unit="umol/mol")
    assert parse_csv(CSV, unit="mg/m3").unit == "mg/m3"


def _bad(pair: dict[str, object]) -> str:
    good = doc("a21026", "mg/m3", [1.0, 2.0], [1.0, 2.0])
    good["pairs"][1].update(pair)  # type: ignore[index]
    return json.dumps(good)


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ({"reference": "abc"}, r"^pairs\[1\]\.reference: expected a number"),
        ({"cems": True}, r"^pairs\[1\]\.cems: expected a number"),
        ({"cems": None}, r"^pairs\[1\]\.cems: missing"),
        ({"start": "yesterday"}, r"^pairs\[1\]\.start: 'yesterday' is not an ISO 8601"),
        ({"end": "2026-03-02T08:00:00+08:00"}, r"^pairs\[1\]\.end: .* is not after start"),
    ],
)
def test_json_errors_name_pair_and_field(pair: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        parse_json(_bad(pair))
    assert info.value.exit_code == 65


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "must be an object"),
        ("{", "JSON: "),
        ('{"parameter": "a21026", "unit": "mg/m3", "pairs": {}}', "pairs: expected a list"),
        ('{"parameter": "a21026", "unit": "mg/m3", "pairs": [3]}', r"pairs\[0\]: expected an object"),
        ('{"parameter": 7, "unit": "mg/m3", "pairs": []}', "parameter: expected a string"),
        (
            '{"parameter": "a21026", "unit": "mg/m3", "pairs": [{"start": "2026-03-02T09:00", '
            '"end": "2026-03-02T09:10", "reference": NaN, "cems": 1}]}',
            "NaN is not a number",
        ),
    ],
)
def test_json_document_errors(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_json(text)


def test_csv_errors_name_pair_line_and_field() -> None:
    with pytest.raises(ValidationError, match=r"^pairs\[1\] \(CSV line 6\)\.cems: 'x' is not a number"):
        parse_csv(CSV.replace("97.5", "x"))
    with pytest.raises(ValidationError, match=r"^pairs\[0\] \(CSV line 4\)\.reference: missing"):
        parse_csv(CSV.replace("101.3", ""))
    with pytest.raises(ValidationError, match="header lacks column"):
        parse_csv("# parameter: a21026\nstart,end,ref,cems\n")
    with pytest.raises(ValidationError, match="no header row"):
        parse_csv("# only comments\n")


def test_format_detection() -> None:
    assert detect_format("x", "pairs.JSON") == "json"
    assert detect_format("{", "pairs.csv") == "csv"
    assert detect_format('  {"a": 1}') == "json"
    assert detect_format("start,end,reference,cems") == "csv"
