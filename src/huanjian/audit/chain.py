"""Pure hash-chain arithmetic, shared by writing and verifying.

hash_n = SHA-256(prev_hash || canonical JSON of entry n's fields)
mac    = HMAC-SHA256(key, "count:head_hash")

Anyone can recompute the hashes; only the holder of the key can produce a
head signature, so a chain rewritten from some point on (hashes and head row
recomputed) is still detected.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64

HASHED_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_name",
    "channel",
    "request_id",
    "action",
    "object_type",
    "object_id",
    "jurisdiction_code",
    "organisation_id",
    "before",
    "after",
    "reason",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def canonical_json(fields: dict[str, Any]) -> bytes:
    payload = {name: _canonical(fields.get(name)) for name in HASHED_FIELDS}
    return json.dumps(
        payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    ).encode()


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(fields)).hexdigest()


def head_mac(key: bytes, count: int, head_hash: str) -> str:
    return hmac.new(key, f"{count}:{head_hash}".encode("ascii"), hashlib.sha256).hexdigest()


def mac_ok(key: bytes, count: int, head_hash: str, mac: str) -> bool:
    return hmac.compare_digest(head_mac(key, count, head_hash), mac)
