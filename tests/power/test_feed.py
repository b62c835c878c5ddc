"""The electricity feed parser: every problem located by row and column; nothing else raised."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from huanjian.power.feed import COLUMNS, catalogue, parse_rows, parse_time

HEADER = list(COLUMNS)


def _row(**over: str) -> dict[str, str]:
    base = {
        "credit_code": "X",
        "facility_code": "TA001",
        "meter_code": "M1",
        "quantity": "power_kw",
        "period": "minute",
        "data_time": "2026-11-01T00:00:00",
        "value": "12.5",
        "state": "",
    }
    return {**base, **over}


def test_zone_less_times_are_china_standard_time() -> None:
    assert parse_time("2026-11-01T00:00:00") == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert parse_time("2026-11-01 00:00:00") == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert parse_time("2026-11-01T00:00:00+00:00") == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)


def test_a_good_row_is_typed() -> None:
    rows, errors = parse_rows([_row(state="running")], HEADER)
    assert errors == []
    [r] = rows
    assert (r.row_no, r.value, r.state, r.data_time) == (
        2,
        12.5,
        "running",
        datetime(2026, 10, 31, 16, tzinfo=UTC),
    )


def test_missing_columns_are_named() -> None:
    rows, errors = parse_rows([], ["credit_code", "value"])
    assert rows == []
    assert {e.column for e in errors} == {"facility_code", "meter_code", "quantity", "period", "data_time"}
    assert all(e.row == 1 for e in errors)


def test_each_bad_cell_is_located() -> None:
    bad = [
        _row(quantity="kw"),
        _row(period="second"),
        _row(state="on"),
        _row(data_time="yesterday"),
        _row(value="abc"),
        _row(value="nan"),
        _row(value="-1"),
        _row(meter_code=""),
    ]
    rows, errors = parse_rows(bad, HEADER)
    assert rows == []
    got = [(e.row, e.column) for e in errors]
    assert got == [
        (2, "quantity"),
        (3, "period"),
        (4, "state"),
        (5, "data_time"),
        (6, "value"),
        (7, "value"),
        (8, "value"),
        (9, "meter_code"),
    ]
    assert "outside the plausible 0–100000 kW" in errors[6].message


def test_range_edges_are_inclusive() -> None:
    q = catalogue().quantities["power_kw"]
    rows, errors = parse_rows([_row(value=str(q.low)), _row(value=str(q.high))], HEADER)
    assert errors == [] and len(rows) == 2
    _, errors = parse_rows([_row(value=str(q.high * 1.0001))], HEADER)
    assert [e.column for e in errors] == ["value"]


def test_blank_lines_are_skipped_and_rows_keep_their_spreadsheet_number() -> None:
    rows, errors = parse_rows([_row(), {c: "" for c in HEADER}, _row(value="3")], HEADER)
    assert errors == [] and [r.row_no for r in rows] == [2, 4]


@given(st.lists(st.dictionaries(st.sampled_from(HEADER), st.text(max_size=30)), max_size=5))
def test_arbitrary_cells_give_rows_or_located_errors(raw: list[dict[str, str]]) -> None:
    rows, errors = parse_rows(raw, HEADER)
    assert all(2 <= e.row <= len(raw) + 1 and e.column in HEADER for e in errors)
    assert len(rows) <= len(raw)
