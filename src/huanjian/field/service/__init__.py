"""Field records: an append-only stream of events, uploaded idempotently from the phone.

Offline, defined (issue 8):

* Every step is an event with a UUID generated on the device. Uploading an
  event whose UUID the server already has returns the stored event
  (``duplicate``); resending never adds a row.
* Device time and server time are both kept; the server assigns the order
  (``seq``) in which it received the events.
* The client sends ``base_seq``, the last server ``seq`` it had seen. When the
  server changed meanwhile — the record was reassigned or cancelled, or the
  same reading/checkpoint was corrected elsewhere — the server's state wins:
  the event is stored with status ``conflict`` (kept, not applied) and shown
  until someone resolves it (``apply`` re-submits it as a new accepted event,
  ``discard`` keeps the server's state). Nothing is dropped.
* Malformed events are answered ``rejected`` with the reason and not stored;
  the phone keeps them in its queue and shows them.
"""

from __future__ import annotations

from huanjian.field import repository
from huanjian.field.service.common import (
    CORRECTABLE,
    DEVICE_KINDS,
    MAX_IMAGE_BYTES,
    SAMPLE_CODE,
    SERVER_KINDS,
    ZERO_HASH,
    custody_hash,
)
from huanjian.field.service.custody import (
    get_sample,
    live_data,
    resolve,
    upload,
    verify_custody,
)
from huanjian.field.service.events import (
    Upload,
    UploadResult,
    event_hash,
)
from huanjian.field.service.records import (
    RecordView,
    build_view,
    cancel,
    create_record,
    custody_complete,
    event_dict,
    get_record,
    list_records,
    reassign,
    view,
)

__all__ = [
    "CORRECTABLE",
    "DEVICE_KINDS",
    "MAX_IMAGE_BYTES",
    "SAMPLE_CODE",
    "SERVER_KINDS",
    "ZERO_HASH",
    "RecordView",
    "Upload",
    "UploadResult",
    "build_view",
    "cancel",
    "create_record",
    "custody_complete",
    "custody_hash",
    "event_dict",
    "event_hash",
    "get_record",
    "get_sample",
    "list_records",
    "live_data",
    "reassign",
    "repository",
    "resolve",
    "upload",
    "verify_custody",
    "view",
]
