"""Every setting is documented; sources and derived values behave as documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from huanjian.errors import ConfigError
from huanjian.settings import Settings, get_settings, reset_settings_cache

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_every_setting_has_a_doc_entry() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"`HUANJIAN_([A-Z0-9_]+)`", text))
    expected = {name.upper() for name in Settings.model_fields}
    missing = sorted(expected - documented)
    assert not missing, f"settings without an entry in docs/configuration.md: {missing}"
    stale = sorted(documented - expected - {"CONFIG", "TEST_PG", "NEW_PASSWORD"})
    assert not stale, f"docs/configuration.md documents settings that do not exist: {stale}"


def test_defaults_and_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    s = Settings()
    assert s.effective_database_url == "sqlite:///var/huanjian.db"
    monkeypatch.setenv("HUANJIAN_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/x")
    monkeypatch.setenv("HUANJIAN_PORT", "9000")
    s = Settings()
    assert s.effective_database_url.startswith("postgresql+psycopg://") and s.port == 9000


def test_toml_file_and_env_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "huanjian.toml").write_text('port = 8123\nhost = "0.0.0.0"\n', encoding="utf-8")
    assert Settings().port == 8123
    monkeypatch.setenv("HUANJIAN_PORT", "8124")
    s = Settings()
    assert s.port == 8124 and s.host == "0.0.0.0"


def test_bad_setting_is_a_config_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HUANJIAN_PORT", "eighty")
    reset_settings_cache()
    try:
        with pytest.raises(ConfigError, match="port"):
            get_settings()
    finally:
        reset_settings_cache()


def test_keys_are_created_once_outside_the_database(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    key = s.audit_hmac_key()
    assert key == Settings(data_dir=tmp_path).audit_hmac_key()
    assert (tmp_path / "audit.key").stat().st_mode & 0o077 == 0
    with pytest.raises(ConfigError, match="shorter"):
        Settings(data_dir=tmp_path, audit_key="short").audit_hmac_key()
