"""`huanjian gateway`, `huanjian ingest`, `huanjian readings …`, `huanjian simulate …`."""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import signal
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import typer

from huanjian.cli.common import console, err_console, handle_errors, operator, print_json, runtime
from huanjian.core import migrate
from huanjian.core.runtime import Runtime
from huanjian.core.time import parse_local, utcnow
from huanjian.errors import ValidationError
from huanjian.ingest import service
from huanjian.ingest.gateway import Gateway, GatewayConfig
from huanjian.ingest.jobs import retention_cutoff
from huanjian.ingest.packs import MAX_DAYS

readings_app = typer.Typer(
    help="Stored HJ 212 readings: export, purge of old raw frames.", no_args_is_help=True
)
loggers_app = typer.Typer(help="Data loggers: remote commands.", no_args_is_help=True)
simulate_app = typer.Typer(
    help="Simulated data loggers for tests, demos and benchmarks.", no_args_is_help=True
)


def _ensure_schema(rt: Runtime) -> None:
    if migrate.current_revision(rt.db.engine) != migrate.head_revision():
        migrate.upgrade(rt.db.engine)


def _use_uvloop() -> None:
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        pass


@handle_errors
def gateway(
    host: str | None = typer.Option(None, help="Listen address (default: setting `gateway_host`)."),
    port: int | None = typer.Option(None, help="Port (default: setting `gateway_port`)."),
) -> None:
    """Run the HJ 212 gateway alone (`huanjian serve` also runs it)."""
    rt = runtime()
    logging.basicConfig(level=rt.settings.log_level)
    _ensure_schema(rt)
    cfg = GatewayConfig.from_settings(rt.settings, host, port)
    _use_uvloop()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        gw = Gateway(service.store_for(rt), cfg)
        await gw.start()
        console.print(f"HJ 212 gateway listening on {cfg.host}:{gw.port}", highlight=False)
        sys.stdout.flush()
        try:
            await stop.wait()
        finally:
            await gw.stop()

    asyncio.run(main())


@handle_errors
def ingest(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Captured frame logs."),
    stream: bool = typer.Option(False, "--stream", help="Raw byte streams instead of one frame per line."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Replay captured frames through the gateway's pipeline (idempotent: a second run stores nothing)."""
    rt = runtime()
    _ensure_schema(rt)
    store = service.store_for(rt, channel="cli")
    report = service.replay_files(
        store,
        files,
        stream=stream,
        batch_size=rt.settings.ingest_batch_size,
        max_frame=rt.settings.gateway_max_frame_bytes,
    )
    if as_json:
        print_json(
            {
                "files": report.files,
                "frames": report.frames,
                "verdicts": dict(report.verdicts),
                "problems": report.problems,
            }
        )
        return
    console.print(
        f"{report.files} files, {report.frames} frames: "
        + ", ".join(f"{k} {v}" for k, v in sorted(report.verdicts.items())),
        highlight=False,
    )
    for p in report.problems:
        reason = p["reason"] or ""
        warn = ",".join(p["warnings"])
        console.print(
            f"  {p['peer']}: {p['verdict']} {p['mn'] or ''} {p['cn'] or ''} {reason} {warn}", highlight=False
        )


def _when(text: str, option: str) -> datetime:
    """ISO date or date-time; without a zone it is China Standard Time."""
    try:
        if len(text) == 10:
            text += "T00:00:00"
        return parse_local(text)
    except ValueError as exc:
        raise ValidationError(f"{option}: {text!r} is not an ISO date or date-time", field=option) from exc


@readings_app.command("export")
@handle_errors
def export(
    start: str = typer.Option(..., "--from", help="Start of DataTime (inclusive), ISO; CST when no zone."),
    end: str = typer.Option(..., "--to", help="End of DataTime (exclusive), ISO; CST when no zone."),
    mn: str | None = typer.Option(None, "--mn", help="One logger."),
    period: str | None = typer.Option(None, "--period", help="realtime | minute | hour | day"),
    fmt: str = typer.Option("csv", "--format", help="csv | jsonl"),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default: standard output)."),
) -> None:
    """Write stored (current) readings, one row per logger, period, DataTime and pollutant."""
    if fmt not in ("csv", "jsonl"):
        raise ValidationError("--format must be csv or jsonl", field="format")
    rt = runtime()
    principal, ctx = operator()
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    n = 0
    try:
        with rt.tx(ctx) as tx:
            rows = service.export_rows(
                tx.session, principal, start=_when(start, "from"), end=_when(end, "to"), mn=mn, period=period
            )
            if fmt == "csv":
                w = csv.DictWriter(
                    out, fieldnames=service.EXPORT_KEYS, extrasaction="ignore", lineterminator="\n"
                )
                w.writeheader()
                for row in rows:
                    w.writerow({k: ("" if v is None else v) for k, v in row.items()})
                    n += 1
            else:
                for row in rows:
                    row.pop("_cursor", None)
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                    n += 1
    finally:
        if output:
            out.close()
    err_console.print(f"{n} rows", highlight=False)


@readings_app.command("purge-raw")
@handle_errors
def purge_raw(
    years: int | None = typer.Option(None, help="Keep this many years (default: setting)."),
) -> None:
    """Delete raw frames older than the retention period (readings are kept)."""
    rt = runtime()
    _, ctx = operator()
    keep = years if years is not None else rt.settings.ingest_raw_retention_years
    before = retention_cutoff(keep)
    with rt.tx(ctx) as tx:
        n = service.purge_raw(tx, before)
    console.print(f"deleted {n} raw frames received before {before.isoformat()}", highlight=False)


@readings_app.command("pack")
@handle_errors
def pack(
    max_days: int = typer.Option(MAX_DAYS, "--max-days", min=1, help="Sweep at most this many days."),
    repack_from: str | None = typer.Option(
        None, "--repack-from", help="Also rebuild packed days from this CST day (YYYY-MM-DD)…"
    ),
    repack_to: str | None = typer.Option(None, "--repack-to", help="…to this one (default: --repack-from)."),
) -> None:
    """Pack settled days of minute readings into day packs; repack days with late data.

    --repack-from/--repack-to rebuild days whose readings changed outside the gateway and
    `huanjian ingest` (restored or imported directly into the database)."""
    rt = runtime()
    _, ctx = operator()
    repack = None
    if repack_from is not None or repack_to is not None:
        repack = (
            _day(repack_from or repack_to, "--repack-from"),
            _day(repack_to or repack_from, "--repack-to"),
        )
    with rt.tx(ctx) as tx:
        report = service.pack_days(tx, max_days=max_days, repack=repack)
    swept = report.swept_days
    console.print(
        f"swept {len(swept)} days"
        + (f" ({swept[0]}..{swept[-1]})" if swept else "")
        + f", repacked {report.stale_days} logger-days with late data, {report.packs} packs written"
        + (f"; packed through {report.through}" if report.through else "; no minute readings yet"),
        highlight=False,
    )


def _day(text: str | None, option: str) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise ValidationError(f"{option}: {text!r} is not a date (YYYY-MM-DD)", field=option) from None


@simulate_app.command("loggers")
@handle_errors
def simulate_loggers(
    count: int = typer.Option(10, "--count", help="Number of loggers."),
    rate: float = typer.Option(1.0, "--rate", help="Frames per second per logger."),
    frames: int = typer.Option(60, "--frames", help="Frames per logger."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(9212, "--port"),
    duration: float = typer.Option(600.0, "--duration", help="Give up after this many seconds."),
    quirks: bool = typer.Option(False, "--quirks", help="Occasional field quirks (lower-case CRC, no CRLF)."),
    start: str | None = typer.Option(
        None, "--start", help="DataTime of the first frame (default: now − frames)."
    ),
) -> None:
    """Run simulated loggers against a gateway and report acknowledgements and latency."""
    from huanjian.ingest.simulate import percentile, run_loggers

    _use_uvloop()
    first = _when(start, "start") if start else utcnow() - timedelta(minutes=frames)
    t0 = time.monotonic()
    stats, _ = asyncio.run(
        run_loggers(
            host,
            port,
            count=count,
            rate=rate,
            frames_per_logger=frames,
            start=first,
            duration=duration,
            quirks=quirks,
        )
    )
    elapsed = time.monotonic() - t0
    p50, p99 = percentile(stats.latencies, 50), percentile(stats.latencies, 99)
    print_json(
        {
            "loggers": count,
            "sent": stats.sent,
            "resent": stats.resent,
            "acked": stats.acked,
            "gave_up": stats.gave_up,
            "connects": stats.connects,
            "seconds": round(elapsed, 2),
            "acked_per_second": round(stats.acked / elapsed, 1) if elapsed else None,
            "p50_ms": None if p50 is None else round(p50 * 1000, 1),
            "p99_ms": None if p99 is None else round(p99 * 1000, 1),
        }
    )
    if stats.acked < count * frames:
        raise typer.Exit(1)


@loggers_app.command("command")
@handle_errors
def logger_command(
    mn: str = typer.Argument(..., help="The logger's MN."),
    kind: str = typer.Argument(..., help="set-time | request | set-interval | query-3020"),
    cn: str | None = typer.Option(
        None, "--cn", help="request: 2011|2051|2061|2031 (default 2051); set-interval: 1062|1064."
    ),
    start: str | None = typer.Option(None, "--from", help="request: start, ISO; CST when no zone."),
    end: str | None = typer.Option(None, "--to", help="request: end, ISO; CST when no zone."),
    interval: int | None = typer.Option(
        None, "--interval", help="set-interval: seconds (1062) or minutes (1064)."
    ),
    pol_id: str | None = typer.Option(None, "--pol-id", help="set-time/query-3020: one instrument (PolId)."),
    info_id: str | None = typer.Option(None, "--info-id", help="query-3020: one information code (InfoId)."),
    as_json: bool = typer.Option(False, "--json", help="Print the queued command as JSON."),
) -> None:
    """Queue a command for a logger; the gateway sends it when the logger is connected."""
    from huanjian.ingest import commands

    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        cmd = commands.queue(
            tx,
            principal,
            mn,
            kind,
            source="cli",
            by=ctx.actor_name,
            cn=cn,
            begin=_when(start, "from") if start else None,
            end=_when(end, "to") if end else None,
            interval=interval,
            pol_id=pol_id,
            info_id=info_id,
        )
        out = {"id": cmd.id, "mn": cmd.mn, "cn": cmd.cn, "kind": cmd.kind, "qn": cmd.qn,
               "params": cmd.params, "status": cmd.status}  # fmt: skip
    if as_json:
        print_json(out)
    else:
        console.print(f"queued command {out['id']}: CN {out['cn']} QN {out['qn']} for {mn}", highlight=False)


def _command_row(c: Any) -> dict[str, Any]:
    keys = ("id", "cn", "kind", "qn", "status", "source", "qn_rtn", "exe_rtn", "params")
    return {**{k: getattr(c, k) for k in keys}, "created_at": c.created_at.isoformat()}


@loggers_app.command("commands")
@handle_errors
def logger_commands(
    mn: str = typer.Argument(..., help="The logger's MN."),
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table."),
) -> None:
    """Command history of a logger: status, and the 9011 (QnRtn) / 9012 (ExeRtn) replies."""
    from huanjian.ingest import commands

    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        rows = [_command_row(c) for c in commands.commands_for(tx.session, principal, mn)]
    for row in rows:
        if as_json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            console.print(
                f"{row['id']:>6} {row['cn']} {row['kind']:<12} {row['status']:<9} QN {row['qn']} "
                f"QnRtn={row['qn_rtn']} ExeRtn={row['exe_rtn']} {row['source']}",
                highlight=False,
            )
