from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from huanjian.cli.common import reset_runtime
from huanjian.settings import reset_settings_cache


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh SQLite data dir for commands run in this process."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HUANJIAN_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HUANJIAN_PASSWORD_TIME_COST", "1")
    monkeypatch.setenv("HUANJIAN_PASSWORD_MEMORY_KIB", "64")
    reset_settings_cache()
    reset_runtime()
    yield tmp_path
    reset_runtime()
    reset_settings_cache()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
