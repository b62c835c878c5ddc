"""A unit of work with its actor: the handle every state-changing action takes.

The actor may be rebound once authentication has identified the caller.
``tx.audit(...)`` writes the audit entry in the same transaction as the
change, so either both are stored or neither is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from huanjian.audit import service as audit_service
from huanjian.audit.models import AuditEntry
from huanjian.core.context import ActionContext


@dataclass(slots=True)
class Tx:
    session: Session
    ctx: ActionContext
    audit_key: bytes

    def audit(
        self,
        action: str,
        object_type: str,
        object_id: str | int,
        *,
        before: Any = None,
        after: Any = None,
        reason: str | None = None,
        jurisdiction_code: str | None = None,
        organisation_id: int | None = None,
    ) -> AuditEntry:
        return audit_service.record(
            self.session,
            self.ctx,
            key=self.audit_key,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
            reason=reason,
            jurisdiction_code=jurisdiction_code,
            organisation_id=organisation_id,
        )
