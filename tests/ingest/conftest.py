"""Fixtures for tests that need real commits across connections and processes:
a migrated database of their own (a SQLite file, or a fresh PostgreSQL database)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from huanjian.core import migrate
from huanjian.core.db import make_engine
from tests.conftest import PG_ADMIN, PG_SERVER


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
    else:
        name = f"huanjian_gw_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{PG_SERVER}/{name}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    if name:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
