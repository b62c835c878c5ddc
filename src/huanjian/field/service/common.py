"""Constants shared by the field-record actions."""

import re
from datetime import datetime

from huanjian.field.models import CustodyLink
from huanjian.field.rules import sha256_of

DEVICE_KINDS = ("check_in", "checkpoint", "reading", "photo", "sample", "custody", "note", "correction")
SERVER_KINDS = ("create", "reassign", "cancel")
#: Kinds a correction may correct (samples, custody and photos are facts: a new event, never an edit).
CORRECTABLE = ("checkpoint", "reading", "note")
SAMPLE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,39}$")
MAX_IMAGE_BYTES = 8 * 1024 * 1024
ZERO_HASH = "0" * 64


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def custody_hash(sample_code: str, link: CustodyLink) -> str:
    """Each link hashes the one before it, so a changed or removed link breaks every later hash."""
    return sha256_of(
        {
            "sample": sample_code,
            "position": link.position,
            "role": link.role,
            "signer": link.signer_name,
            "image": link.image_sha256,
            "device_time": _iso(link.device_time),
            "server_time": _iso(link.server_time),
            "event": link.event_uuid,
            "prev": link.prev_hash,
        }
    )
