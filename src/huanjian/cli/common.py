"""Shared CLI plumbing: runtime, operator identity, errors → exit codes."""

from __future__ import annotations

import functools
import getpass
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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


@contextmanager
def outlet_progress(label: str) -> Iterator[Callable[[int, int, str], None]]:
    """A transient progress bar over outlets; yields the ``progress`` callback that the
    run services (review, detection) call after each outlet."""
    with Progress(
        TextColumn(f"[bold]{label}[/bold] outlet {{task.fields[outlet]}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None, outlet="…")

        def tick(done: int, total: int, outlet: str) -> None:
            progress.update(task, completed=done, total=total, outlet=outlet)

        yield tick
