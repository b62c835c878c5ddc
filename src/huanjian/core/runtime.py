"""The process-wide handles: settings, database and audit key, created once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from huanjian.access import passwords
from huanjian.core.context import ActionContext
from huanjian.core.db import Database
from huanjian.core.tx import Tx
from huanjian.settings import Settings, get_settings


@dataclass
class Runtime:
    settings: Settings
    db: Database

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Runtime:
        settings = settings or get_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        passwords.configure(settings.password_time_cost, settings.password_memory_kib)
        return cls(settings=settings, db=Database(settings.effective_database_url))

    @property
    def audit_key(self) -> bytes:
        return self.settings.audit_hmac_key()

    @contextmanager
    def tx(self, ctx: ActionContext, *, readonly: bool = False) -> Iterator[Tx]:
        """One unit of work acting as ``ctx``: commit on success, roll back on error."""
        with self.db.unit_of_work(readonly=readonly) as session:
            yield Tx(session, ctx, self.audit_key)
