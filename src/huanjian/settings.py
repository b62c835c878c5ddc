"""One settings object for the whole platform.

Sources, highest priority first: environment variables ``HUANJIAN_*``, then an
optional TOML file (``huanjian.toml`` in the working directory, or the path in
``HUANJIAN_CONFIG``), then the defaults below. Every field is documented in
``docs/configuration.md``; a test fails when one is missing there.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from huanjian.errors import ConfigError


def _toml_path() -> Path:
    return Path(os.environ.get("HUANJIAN_CONFIG", "huanjian.toml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUANJIAN_", extra="forbid")

    data_dir: Path = Field(Path("var"), description="Directory for the SQLite database, keys and files.")
    database_url: str = Field(
        "",
        description="SQLAlchemy URL. Empty means sqlite:///<data_dir>/huanjian.db. "
        "PostgreSQL: postgresql+psycopg://user@host/db.",
    )
    audit_key: str = Field(
        "",
        description="HMAC key signing the audit chain head; keep it outside the database. "
        "Empty: read from audit_key_file.",
    )
    audit_key_file: Path | None = Field(
        None,
        description="File holding the audit HMAC key. Empty: <data_dir>/audit.key, created on first use.",
    )
    host: str = Field("127.0.0.1", description="Address the web server listens on.")
    port: int = Field(8000, description="Port of the web server.")
    tls_certfile: Path | None = Field(None, description="PEM certificate; with tls_keyfile enables HTTPS.")
    tls_keyfile: Path | None = Field(None, description="PEM private key for tls_certfile.")
    default_locale: Literal["zh_CN", "en"] = Field("zh_CN", description="UI language when none is chosen.")
    session_hours: int = Field(12, description="Lifetime of a web login session, in hours.")
    secure_cookies: bool = Field(
        False, description="Mark cookies Secure (set true behind HTTPS; implied when TLS is on)."
    )
    worker_in_process: bool = Field(True, description="Run the background worker inside `huanjian serve`.")
    worker_poll_seconds: float = Field(1.0, description="How often the worker looks for due jobs.")
    job_lease_seconds: int = Field(300, description="A running job not finished within this is retried.")
    log_level: str = Field("INFO", description="Python logging level.")
    district_outlines: Path | None = Field(
        None,
        description="GeoJSON FeatureCollection of district outlines for the off-site home map "
        "(properties.code or adcode; Polygon or MultiPolygon). "
        "Empty: approximate cells from district centres.",
    )
    divisions_dir: Path | None = Field(
        None,
        description="Directory of the administrative-division data (npm package files). "
        "Empty: node_modules/ of the checkout.",
    )
    password_min_length: int = Field(10, description="Minimum length of a user password.")
    password_time_cost: int = Field(3, description="argon2id iterations for new password hashes.")
    password_memory_kib: int = Field(65536, description="argon2id memory (KiB) for new password hashes.")
    # HJ 212 gateway and ingestion (docs/configuration.md, "HJ 212 gateway and ingestion")
    gateway_enabled: bool = Field(
        True, description="Start the HJ 212 gateway inside `huanjian serve`/`demo`."
    )
    gateway_host: str = Field("127.0.0.1", description="Address the HJ 212 gateway listens on.")
    gateway_port: int = Field(9212, description="TCP port of the HJ 212 gateway.")
    gateway_idle_timeout_seconds: float = Field(
        900.0, description="Close a logger connection silent for this long (heartbeats count)."
    )
    gateway_max_frame_bytes: int = Field(
        10011, description="Largest frame accepted; longer byte runs are discarded as garbage."
    )
    gateway_rate_frames_per_second: float = Field(
        50.0, description="Sustained frames per second per connection; faster senders are slowed down."
    )
    gateway_rate_burst: int = Field(500, description="Frames a connection may send at once above the rate.")
    gateway_max_connections: int = Field(10000, description="Connections held at once; more are refused.")
    gateway_queue_frames: int = Field(
        20000, description="Frames waiting for storage; when full, the gateway stops reading (backpressure)."
    )
    gateway_inflight_per_connection: int = Field(
        256, description="Unacknowledged frames per connection before reading from it pauses."
    )
    gateway_shutdown_grace_seconds: float = Field(
        10.0, description="On shutdown, time allowed to store and acknowledge frames in flight."
    )
    gateway_command_poll_seconds: float = Field(
        1.0, description="How often the gateway looks for queued commands of connected loggers."
    )
    gateway_set_clock_on_connect: bool = Field(
        False, description="Queue a 1012 set-time for a logger when it connects (HJ 212-2017 §6.7)."
    )
    gateway_gc_threshold: int = Field(
        50000,
        description="Python's young-generation GC threshold while the gateway runs (0: Python's default).",
    )
    gateway_writers: int = Field(
        0,
        description="Writer processes storing the gateway's batches, routed by MN (0: on PostgreSQL "
        "one per core, at least two; on a SQLite file two; 1: one writer thread in the gateway's process).",
    )
    ingest_batch_size: int = Field(1000, description="Frames written per ingest transaction at most.")
    ingest_future_seconds: int = Field(
        600, description="DataTime more than this ahead of the receive time is flagged `future`."
    )
    ingest_past_days: int = Field(
        366, description="DataTime more than this before receipt is flagged `past`."
    )
    ingest_accept_bad_crc: bool = Field(
        False, description="Store readings of frames whose CRC matches no known algorithm (else raw only)."
    )
    ingest_raw_retention_years: int = Field(5, description="Years raw frames are kept before purging.")
    ingest_offline_after_seconds: int = Field(
        900, description="A logger with no traffic for this long is shown offline."
    )
    ingest_register_cache_seconds: float = Field(
        60.0, description="How long the gateway caches a logger's register entry (password, offset)."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=_toml_path()),
        )

    # Derived values ---------------------------------------------------------

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'huanjian.db').as_posix()}"

    @property
    def tls_enabled(self) -> bool:
        return self.tls_certfile is not None and self.tls_keyfile is not None

    def _key_from_file(self, path: Path) -> str:
        if path.exists():
            return path.read_text(encoding="ascii").strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key + "\n")
        return key

    def audit_hmac_key(self) -> bytes:
        key = self.audit_key or self._key_from_file(self.audit_key_file or self.data_dir / "audit.key")
        if len(key) < 16:
            raise ConfigError(
                "audit key is shorter than 16 characters; refuse to sign the audit chain with it"
            )
        return key.encode("utf-8")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic's error names the field and the source
        raise ConfigError(f"invalid configuration: {exc}") from exc


def reset_settings_cache() -> None:
    get_settings.cache_clear()
