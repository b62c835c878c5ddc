"""Shared CLI plumbing: runtime, operator identity, errors → exit codes."""

from __future__ import annotations

import functools
import getpass
import json
from collections.abc import Callable
from datetime import date
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from huanjian.access.policy import Principal
from huanjian.core.context import ActionContext
from huanjian.core.runtime import Runtime
from huanjian.errors import HuanjianError, ValidationError

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

_runtime: Runtime | None = None


def runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        _runtime = Runtime.from_settings()
    return _runtime


def reset_runtime() -> None:
    """Forget the cached runtime (tests run several commands in one process)."""
    global _runtime
    if _runtime is not None:
        _runtime.db.dispose()
    _runtime = None


def operator() -> tuple[Principal, ActionContext]:
    """The CLI acts as the platform operator, recorded by OS user name."""
    name = f"cli:{getpass.getuser()}"
    principal = Principal.system()
    return principal, ActionContext(None, name, "cli")


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Domain errors become a one-line message and a documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except HuanjianError as exc:
            err_console.print(f"[red]error[/red] ({exc.code}): {exc.message}")
            raise typer.Exit(exc.exit_code) from exc

    return wrapper


def cst_day(text: str, field: str) -> date:
    """A ``--from``/``--to`` option given as a China Standard Time day."""
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValidationError(
            f"--{field}: expected YYYY-MM-DD (a CST day), got {text!r}", field=field
        ) from None


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, default=str))
