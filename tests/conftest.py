"""Shared fixtures: every database test runs on SQLite and on the local PostgreSQL.

The schema is built by the Alembic migrations (never by create_all), once per
backend and test process; each test then runs inside a transaction that is
rolled back, with the code under test committing to savepoints.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from huanjian.access import passwords
from huanjian.access.policy import Principal
from huanjian.core import migrate
from huanjian.core.context import ActionContext
from huanjian.core.db import Database, make_engine
from huanjian.core.runtime import Runtime
from huanjian.core.tx import Tx
from huanjian.settings import Settings

# Cheap hashes in tests: argon2 at production cost would dominate the suite's time.
passwords.configure(time_cost=1, memory_kib=64)

PG_SERVER = os.environ.get("HUANJIAN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
AUDIT_KEY = "test-audit-key-0123456789abcdef"
FIXTURES = Path(__file__).parent / "fixtures"


PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def _pg_create(worker_id: str) -> str:
    # Per process: concurrent test runs on one machine must not drop each other's database.
    name = f"huanjian_test_{worker_id}_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def _pg_drop(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[str]:
    pg_name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        pg_name = _pg_create(worker_id)
        url = f"{PG_SERVER}/{pg_name}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    if pg_name:
        _pg_drop(pg_name)


class RolledBackDatabase(Database):
    """A Database whose sessions all share one connection in an outer transaction."""

    def __init__(self, url: str, connection: Connection) -> None:
        super().__init__(url)
        self.connection = connection
        self.sessions = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self.read_sessions = self.sessions


@pytest.fixture
def db(database_url: str) -> Iterator[RolledBackDatabase]:
    engine = make_engine(database_url)
    connection = engine.connect()
    outer = connection.begin()
    database = RolledBackDatabase(database_url, connection)
    try:
        yield database
    finally:
        outer.rollback()
        connection.close()
        database.dispose()
        engine.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, audit_key=AUDIT_KEY, divisions_dir=None)


@pytest.fixture
def runtime(db: RolledBackDatabase, settings: Settings) -> Runtime:
    return Runtime(settings=settings, db=db)


@pytest.fixture
def session(db: RolledBackDatabase) -> Iterator[Session]:
    with db.unit_of_work() as s:
        yield s


@pytest.fixture
def tx(session: Session) -> Tx:
    return Tx(session, ActionContext(None, "test", "system"), AUDIT_KEY.encode())


@pytest.fixture
def system() -> Principal:
    return Principal.system()


# Tests that need real commits across connections and processes (gateway, writer
# processes, concurrent transactions): a migrated database of their own, a SQLite
# file or a fresh PostgreSQL database.
@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url
    else:
        yield from _fresh_pg()


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    """Like ``fresh_db_url``, PostgreSQL only (what only PostgreSQL does: writer processes)."""
    yield from _fresh_pg()


def _fresh_pg() -> Iterator[str]:
    name = f"huanjian_gw_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_SERVER}/{name}"
    try:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
