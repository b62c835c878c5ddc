"""The demo's live devices: registered loggers report to the gateway, which stores their
frames as registered (password accepted, not quarantined) with the current DataTime."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from huanjian.core import migrate
from huanjian.core.context import ActionContext
from huanjian.core.db import Database, make_engine
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.demo import live
from huanjian.ingest.gateway import Gateway, GatewayConfig
from huanjian.ingest.models import IngestFrame, IngestLogger, IngestRecord
from huanjian.ingest.store import IngestStore
from tests.conftest import AUDIT_KEY
from tests.factories import seed_people
from tests.review.world import make_air_outlet

pytestmark = pytest.mark.anyio
MN = "31011500000101AIR0000001"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def registered(tmp_path: Path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    db = Database(url)
    with db.unit_of_work() as session:
        tx = Tx(session, ActionContext(None, "test", "system"), AUDIT_KEY.encode())
        seed_people(tx)
        make_air_outlet(tx, 101, MN)
    yield db
    db.dispose()


async def test_live_devices_report_as_registered_loggers(registered: Database) -> None:
    with registered.unit_of_work(readonly=True) as session:
        found = live.devices(session, 8)
    assert [(d.mn, d.kind) for d in found] == [(MN, "air")]
    assert live.devices(session, 0) == []

    gw = Gateway(IngestStore(registered, AUDIT_KEY.encode()), GatewayConfig(host="127.0.0.1", port=0))
    await gw.start()
    stop = asyncio.Event()
    devices = asyncio.create_task(live.run("127.0.0.1", gw.port, found, stop))
    try:
        async with asyncio.timeout(60):
            while not _count(registered, IngestRecord):  # noqa: ASYNC110 - polling the database
                await asyncio.sleep(0.1)
    finally:
        stop.set()
        await devices
        await gw.stop()

    with registered.unit_of_work(readonly=True) as session:
        frame = session.scalars(select(IngestFrame)).first()
        state = session.get(IngestLogger, MN)
        record = session.scalars(select(IngestRecord)).first()
    assert frame is not None and frame.verdict == "stored" and frame.cn == "2051"
    assert state is not None and state.quarantined is False  # the register's password was sent
    assert record is not None and abs(record.data_time - utcnow()) < timedelta(minutes=2)


def _count(db: Database, model: type) -> int:
    with db.unit_of_work(readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]
