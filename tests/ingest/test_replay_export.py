"""Replay of the public corpus through the pipeline, idempotency, and the export format."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from huanjian.access.policy import Principal
from huanjian.core.db import Database
from huanjian.ingest import service
from huanjian.ingest.models import IngestFrame, IngestRecord
from huanjian.ingest.pipeline import Rules
from huanjian.ingest.store import IngestStore
from tests.conftest import AUDIT_KEY, FIXTURES
from tests.ingest.helpers import NOW, incoming, minute_frame

CORPUS = FIXTURES / "hj212" / "public-corpus.txt"


@pytest.fixture
def store(db: Database) -> IngestStore:
    return IngestStore(db, AUDIT_KEY.encode(), Rules(), channel="cli")


def test_corpus_replay_stores_the_good_and_explains_the_rest(store: IngestStore, db: Database) -> None:
    report = service.replay_files(store, [CORPUS])
    n_frames = sum(1 for _ in service.frames_of_lines(CORPUS.read_bytes()))
    assert report.frames == n_frames
    assert report.verdicts["stored"] > 10
    # Every frame not simply stored is explained: a verdict and a reason or warnings.
    for p in report.problems:
        assert p["verdict"] and (p["reason"] or p["warnings"] or p["verdict"] in ("reply", "message", "part"))
    by_verdict = report.verdicts
    assert by_verdict["bad_crc"] >= 3  # stale CRCs: raw kept, not acknowledged
    assert by_verdict["request"] >= 1 and by_verdict["reply"] >= 1 and by_verdict["notice"] >= 1
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(IngestFrame)) == n_frames
        n_records = s.scalar(select(func.count()).select_from(IngestRecord))
    # Idempotent: the second run stores nothing.
    again = service.replay_files(store, [CORPUS])
    assert again.frames == 0 and again.verdicts["already_replayed"] == n_frames
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(IngestFrame)) == n_frames
        assert s.scalar(select(func.count()).select_from(IngestRecord)) == n_records


def test_stream_replay_resynchronises(store: IngestStore, tmp_path: Path) -> None:
    capture = tmp_path / "capture.bin"
    capture.write_bytes(
        b"\x00\x01" + minute_frame("20240301122900") + b"noise" + minute_frame("20240301123000")
    )
    report = service.replay_files(store, [capture], stream=True)
    assert report.verdicts == {"garbage": 2, "stored": 2}


def test_export_rows_have_exactly_the_issue_keys(store: IngestStore, db: Database) -> None:
    store.write([incoming(minute_frame("20240302000000"))], now=NOW)
    store.write([incoming(minute_frame("20240302000000", so2="50"))], now=NOW)  # conflicting resend
    with db.unit_of_work() as s:
        rows = list(
            service.export_rows(
                s,
                Principal.system(),
                start=datetime(2024, 3, 1, tzinfo=UTC),
                end=datetime(2024, 3, 2, tzinfo=UTC),
                period="minute",
            )
        )
    assert len(rows) == 2  # one per pollutant: the current version only
    so2 = next(r for r in rows if r["pollutant"] == "a21026")
    so2.pop("_cursor")
    assert tuple(so2) == service.EXPORT_KEYS
    assert so2["data_time"] == "2024-03-02T00:00:00+08:00"  # CST on export, UTC in storage
    assert so2["avg"] == 50 and so2["min"] == 1.0 and so2["flag"] == "N" and so2["conflict"] is True
    assert so2["mn"] == "010000A8900016F000169DC0" and so2["wire_code"] == "a21026"
    assert so2["received_time"] == "2024-03-01T12:30:00+08:00"


def test_snake_case_of_sub_fields() -> None:
    assert [
        service.snake(s) for s in ("ZsAvg", "EFlag", "SampleTime", "Rtd", "DayData", "SN", "ValidNum")
    ] == [
        "zs_avg",
        "eflag",
        "sample_time",
        "rtd",
        "day_data",
        "sn",
        "valid_num",
    ]


def test_cli_ingest_and_export(fresh_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huanjian.cli.common import reset_runtime
    from huanjian.cli.main import app

    monkeypatch.setenv("HUANJIAN_DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("HUANJIAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUANJIAN_AUDIT_KEY", AUDIT_KEY)
    from huanjian.settings import reset_settings_cache

    reset_settings_cache()
    reset_runtime()
    try:
        capture = tmp_path / "frames.txt"
        capture.write_bytes(minute_frame("20240301235900") + minute_frame("20240302000000"))
        runner = CliRunner()
        r = runner.invoke(app, ["ingest", str(capture), "--json"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.output)["verdicts"] == {"stored": 2}
        r = runner.invoke(app, ["ingest", str(capture), "--json"])
        assert json.loads(r.output)["verdicts"] == {"already_replayed": 2}
        r = runner.invoke(
            app, ["readings", "export", "--from", "2024-03-01", "--to", "2024-03-03", "--format", "csv"]
        )
        assert r.exit_code == 0, r.output
        body = r.stdout
        rows = list(csv.DictReader(io.StringIO(body)))
        assert [(row["data_time"], row["pollutant"]) for row in rows] == [
            ("2024-03-01T23:59:00+08:00", "a19001"),
            ("2024-03-01T23:59:00+08:00", "a21026"),
            ("2024-03-02T00:00:00+08:00", "a19001"),
            ("2024-03-02T00:00:00+08:00", "a21026"),
        ]
        assert list(rows[0]) == list(service.EXPORT_KEYS)
        r = runner.invoke(
            app,
            ["readings", "export", "--from", "2024-03-02", "--to", "2024-03-03", "--format", "jsonl", "--mn",
             "010000A8900016F000169DC0"],
        )  # fmt: skip
        lines = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
        assert len(lines) == 2 and all(x["conflict"] is False for x in lines)
        # Day packs: the first sweep starts at the first day with minute data, 62 days a call.
        r = runner.invoke(app, ["readings", "pack"])
        assert r.exit_code == 0, r.output
        assert "swept 62 days (2024-03-01..2024-05-01)" in " ".join(r.output.split())
        r = runner.invoke(
            app,
            [
                "readings",
                "pack",
                "--max-days",
                "1",
                "--repack-from",
                "2024-03-01",
                "--repack-to",
                "2024-03-02",
            ],
        )
        assert r.exit_code == 0, r.output
        assert "repacked 2 logger-days" in " ".join(r.output.split())  # the two packed days again
        r = runner.invoke(app, ["readings", "pack", "--repack-from", "2024-03-32"])
        assert r.exit_code != 0 and "--repack-from: '2024-03-32' is not a date" in r.output
    finally:
        reset_runtime()
        reset_settings_cache()
