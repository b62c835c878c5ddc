"""One documented exception tree for the whole platform.

Every error the platform raises on purpose derives from :class:`HuanjianError`.
Each carries a stable ``code`` (machine-readable, used by the API and the CLI)
and a human message that says what was wrong and where.

HuanjianError
├── ConfigError          settings missing or invalid
├── ValidationError      input rejected (field, position, expected value)
├── NotFound             object does not exist *or is outside the caller's scope*
├── PermissionDenied     authenticated but not allowed
├── AuthenticationError  not authenticated
├── Conflict             state does not allow the action (e.g. a state transition)
├── IntegrityError       stored data failed a consistency check (e.g. audit chain)
└── ProtocolError        wire-protocol errors (HJ 212 codec and gateway)
"""

from __future__ import annotations

from typing import Any


class HuanjianError(Exception):
    code: str = "error"
    http_status: int = 500
    exit_code: int = 1

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            **({"details": self.details} if self.details else {}),
        }


class ConfigError(HuanjianError):
    code = "config"
    exit_code = 78  # EX_CONFIG


class ValidationError(HuanjianError):
    code = "invalid"
    http_status = 422
    exit_code = 65  # EX_DATAERR


class NotFound(HuanjianError):
    code = "not_found"
    http_status = 404
    exit_code = 66  # EX_NOINPUT


class PermissionDenied(HuanjianError):
    code = "forbidden"
    http_status = 403
    exit_code = 77  # EX_NOPERM


class AuthenticationError(HuanjianError):
    code = "unauthenticated"
    http_status = 401
    exit_code = 77


class Conflict(HuanjianError):
    code = "conflict"
    http_status = 409
    exit_code = 75  # EX_TEMPFAIL-ish: state did not allow it


class IntegrityError(HuanjianError):
    code = "integrity"
    http_status = 500
    exit_code = 70  # EX_SOFTWARE


class ProtocolError(HuanjianError):
    code = "protocol"
    http_status = 400
    exit_code = 65
