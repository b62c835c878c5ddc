"""Attachment files, content-addressed: ``<data_dir>/attachments/<aa>/<sha256>``.

A file is written once, under its own hash, so a stored file cannot change
without its name ceasing to match; reading re-checks the hash.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from huanjian.errors import IntegrityError, NotFound, ValidationError

MAX_BYTES = 50 * 1024 * 1024


class FileStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "attachments"

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        if not content:
            raise ValidationError("the file is empty", field="file")
        if len(content) > MAX_BYTES:
            raise ValidationError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", field="file")
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        target = self.path(sha256)
        if not target.exists():
            raise NotFound(f"file {sha256[:12]}… is missing from the attachment store")
        content = target.read_bytes()
        if hashlib.sha256(content).hexdigest() != sha256:
            raise IntegrityError(f"file {sha256[:12]}… does not match its SHA-256 (altered on disk)")
        return content
