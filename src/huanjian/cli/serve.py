"""`huanjian serve`, `huanjian worker`, `huanjian demo`: long-running processes."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import typer
import uvicorn
from fastapi import FastAPI

from huanjian.cli.common import console, handle_errors, operator, runtime
from huanjian.core import migrate
from huanjian.core.runtime import Runtime
from huanjian.demo import credit_seed, live, power_seed, register_seed, review_seed, seed
from huanjian.field import demo as field_demo
from huanjian.ingest.gateway import for_runtime as ingest_gateway
from huanjian.jobs import builtin  # noqa: F401 — registers the platform's own job kinds
from huanjian.jobs.worker import Worker
from huanjian.web.app import create_app


def _worker(rt: Runtime) -> Worker:
    s = rt.settings
    return Worker(rt.db, rt.audit_key, poll_seconds=s.worker_poll_seconds, lease_seconds=s.job_lease_seconds)


def build_app(rt: Runtime, with_worker: bool, live_devices: int = 0) -> FastAPI:
    """``live_devices``: simulated registered loggers reporting to the gateway (the demo)."""
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []

    async def start(_: FastAPI) -> None:
        s = rt.settings
        if with_worker:
            tasks.append(asyncio.create_task(_worker(rt).run_forever(stop)))
        if s.gateway_enabled:  # the HJ 212 gateway, stopped gracefully with the rest
            tasks.append(asyncio.create_task(ingest_gateway(rt).serve(stop)))
            if live_devices:
                with rt.db.unit_of_work(readonly=True) as session:
                    found = live.devices(session, live_devices)
                host = "127.0.0.1" if s.gateway_host in ("", "0.0.0.0", "::") else s.gateway_host  # noqa: S104
                tasks.append(asyncio.create_task(live.run(host, s.gateway_port, found, stop)))

    async def finish(_: FastAPI) -> None:
        # Graceful: let the worker finish the job in hand before the process exits.
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)

    return create_app(rt, on_startup=[start], on_shutdown=[finish])


def _serve(
    rt: Runtime,
    host: str,
    port: int,
    with_worker: bool,
    certfile: Path | None = None,
    keyfile: Path | None = None,
    live_devices: int = 0,
) -> None:
    app = build_app(rt, with_worker, live_devices)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=rt.settings.log_level.lower(),
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run()


def _ensure_schema(rt: Runtime) -> None:
    if migrate.current_revision(rt.db.engine) != migrate.head_revision():
        with console.status("migrating the database…"):
            migrate.upgrade(rt.db.engine)


def serve(
    host: str | None = typer.Option(None, help="Listen address (default: setting `host`)."),
    port: int | None = typer.Option(None, help="Port (default: setting `port`)."),
    worker: bool | None = typer.Option(None, "--worker/--no-worker", help="Run the worker in-process."),
) -> None:
    """Start the web server and API (and, by default, the background worker)."""
    rt = runtime()
    s = rt.settings
    logging.basicConfig(level=s.log_level)
    _ensure_schema(rt)
    with_worker = s.worker_in_process if worker is None else worker
    _serve(rt, host or s.host, port or s.port, with_worker, s.tls_certfile, s.tls_keyfile)


def worker(once: bool = typer.Option(False, "--once", help="Run due jobs, then exit.")) -> None:
    """Run the background worker (scheduled and queued jobs)."""
    rt = runtime()
    logging.basicConfig(level=rt.settings.log_level)
    _ensure_schema(rt)
    w = _worker(rt)
    if once:
        console.print(f"ran {w.drain()} jobs")
        return
    stop = asyncio.Event()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await w.run_forever(stop)

    asyncio.run(main())


@handle_errors
def demo(
    host: str = typer.Option("127.0.0.1", help="Listen address."),
    port: int = typer.Option(8000, help="Port."),
    tls: bool = typer.Option(False, "--tls", help="Serve HTTPS with a self-signed certificate."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Only migrate and seed, then exit."),
    history: int = typer.Option(
        0, "--history", min=0, help="Days of simulated minute data with falsification tricks, then detection."
    ),
    devices: int = typer.Option(
        8, "--devices", min=0, help="Live simulated loggers of the demo register reporting to the gateway."
    ),
) -> None:
    """Migrate, seed demo data and users, then start server and worker and print the address."""
    rt = runtime()
    logging.basicConfig(level=rt.settings.log_level)
    _ensure_schema(rt)
    _, ctx = operator()
    with rt.tx(ctx) as tx:
        report = seed.seed_jurisdictions(tx, "31", rt.settings.divisions_dir)
        with console.status("seeding the demo register…"):
            register_report = register_seed.seed_register(tx)
        created = seed.seed_users(tx)
    with rt.tx(ctx) as tx:
        field_report = field_demo.seed_field(tx)
    with rt.tx(ctx) as tx, console.status("backfilling and reviewing demo readings…"):
        review_report = review_seed.seed_review(tx)
    with rt.tx(ctx) as tx:
        power_report = power_seed.seed_power(tx)
    with rt.tx(ctx) as tx:
        credit_report = credit_seed.seed_credit(tx)
    from huanjian.demo import info_seed

    info_report = info_seed.seed_info(rt)
    from huanjian.ingest import service as ingest_service

    # The settled demo days into day packs while seeding, so that the worker's first
    # ingest.pack job (enqueued at start) finds nothing to do while the first requests come.
    with rt.tx(ctx) as tx:
        pack_report = ingest_service.pack_days(tx)
    console.print(
        f"jurisdictions: {report.created} new, {report.unchanged} unchanged; demo users: {len(created)} new"
    )
    console.print(f"register (created+changed): {register_report.summary()}")
    console.print(f"field: {field_report}")
    console.print(f"review: {review_report.summary()}")
    console.print(f"electricity: {power_report.summary()}")
    console.print(f"field-side parameters: {info_report.summary()}")
    console.print(f"credit inputs: {credit_report.summary()}")
    console.print(f"day packs: {pack_report.packs} of {len(pack_report.swept_days)} days")
    if history:
        from huanjian.demo import detect_seed

        with console.status(f"simulating {history} days of minute data with tricks, then detecting…"):
            hist = detect_seed.inject(rt, history)
        console.print(
            f"history: {hist.frames} frames from {hist.loggers} loggers in {hist.seconds_write:.0f} s, "
            f"detection {hist.seconds_detect:.0f} s; falsification clues by trick {hist.found}"
            + (f"; not found: {', '.join(hist.missing())}" if hist.missing() else "")
        )
    certfile = keyfile = None
    if tls:
        from huanjian.demo.tls import self_signed

        certfile, keyfile = self_signed(rt.settings.data_dir / "tls", [host, "localhost", "127.0.0.1"])
    scheme = "https" if tls else "http"
    console.rule("huanjian demo")
    console.print(
        f"address: [bold]{scheme}://{host}:{port}/[/bold]   API docs: {scheme}://{host}:{port}/api/docs"
    )
    console.print(f"logins (password [bold]{seed.DEMO_PASSWORD}[/bold]):")
    for u in seed.DEMO_USERS:
        console.print(
            f"  {u.username:<11} {u.role:<12} {u.jurisdiction or u.organisation or ''}  {u.full_name}"
        )
    if no_serve:
        return
    if rt.settings.gateway_enabled and devices:
        console.print(
            f"live devices: {devices} simulated loggers report to the HJ 212 gateway on port "
            f"{rt.settings.gateway_port} (minute and hourly data, as a healthy site sends)"
        )
    _serve(rt, host, port, True, certfile, keyfile, devices)
