"""Who is acting, for audit entries and authorization.

Every state change runs inside a unit of work that carries an
:class:`ActionContext`: the actor, the request id that ties the change to a
request, CLI command, worker job or ingest batch, and the channel.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


def new_request_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class ActionContext:
    actor_id: int | None
    actor_name: str
    channel: str  # web | api | cli | worker | system | gateway
    request_id: str = field(default_factory=new_request_id)

    @classmethod
    def system(cls, channel: str = "system", name: str = "system") -> ActionContext:
        return cls(actor_id=None, actor_name=name, channel=channel)
