"""Playwright harness: a real `huanjian serve` on demo data, driven by Debian's chromium.

One server per pytest process (so per xdist worker, each on its own free port
and its own SQLite data directory), seeded by `huanjian demo --no-serve` and
stopped gracefully (SIGINT, as Ctrl-C would) when the session ends.

Chromium comes from the distribution (`make chromium`), never from
`playwright install`; when it is missing the tests fail and say so.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("HUANJIAN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "var" / "screenshots"
README_SCREENSHOT = ROOT / "docs" / "screenshots" / "home.png"
DEMO_PASSWORD = "huanjian-demo"
AUDIT_KEY = "browser-test-audit-key-0123456789abcdef"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
START_TIMEOUT = 30.0


@dataclass(frozen=True)
class Server:
    url: str
    data_dir: Path
    log: Path


def _huanjian() -> list[str]:
    script = Path(sys.executable).with_name("huanjian")
    if script.exists():
        return [str(script)]
    found = shutil.which("huanjian")
    if found is None:
        pytest.fail("the `huanjian` command is not installed: run `make setup`")
    return [found]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path) -> dict[str, str]:
    # Hermetic: none of the developer's HUANJIAN_* settings (a PostgreSQL URL,
    # a huanjian.toml) may leak into the server under test.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUANJIAN_")}
    env.update(
        HUANJIAN_DATA_DIR=str(data_dir),
        HUANJIAN_AUDIT_KEY=AUDIT_KEY,
        HUANJIAN_CONFIG=str(data_dir / "huanjian.toml"),
        HUANJIAN_LOG_LEVEL="WARNING",
        # No logger talks to these servers: one writer thread instead of two writer
        # processes keeps them light beside the browsers (the writers have their own tests).
        HUANJIAN_GATEWAY_WRITERS="1",
        COLUMNS="120",  # Rich output (seed report, tracebacks) readable in pytest's report
    )
    return env


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"huanjian serve exited with {proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"huanjian serve did not answer /healthz within {START_TIMEOUT:.0f}s:\n{_tail(log)}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("browser-data")
    env = _env(data_dir)
    cmd = _huanjian()
    seeded = subprocess.run(
        [*cmd, "demo", "--no-serve"],
        cwd=data_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if seeded.returncode != 0:
        output = "\n".join(f"{seeded.stdout}\n{seeded.stderr}".strip().splitlines()[-40:])
        pytest.fail(f"huanjian demo --no-serve failed ({seeded.returncode}), last lines:\n{output}")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = data_dir / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*cmd, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker"],
            cwd=data_dir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(url, proc, log)
        yield Server(url, data_dir, log)
    finally:
        _stop(proc)


# Module scope, not session: Playwright's sync API keeps an event loop running in
# the process while it lives, and async tests that xdist later sends to the same
# worker (the gateway's) cannot start their own loop until it is stopped.
@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"chromium not found at {CHROMIUM}: the browser tests need Debian's chromium. "
            "Run `make chromium` (as root; `make test` does it for you), "
            "or set HUANJIAN_CHROMIUM to a chromium binary."
        )
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# Assertions wait as long as actions do: under load (CI shares two cores with a second
# test process) a server round trip after a click took over the 5 s default once.
expect.set_options(timeout=10_000)


def _context(browser: Browser, server: Server, **options: object) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=server.url, locale="zh-CN", **options)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    """A desktop-sized page in a fresh context (no cookies: not logged in, default language)."""
    for context in _context(browser, server, viewport=DESKTOP):
        yield context.new_page()


@pytest.fixture
def phone(browser: Browser, server: Server) -> Iterator[Page]:
    """A phone-sized page (390×844, touch, mobile viewport)."""
    for context in _context(
        browser, server, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    ):
        yield context.new_page()


def login(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form[action='/login'] button[type=submit]").click()
    if password == DEMO_PASSWORD:
        expect(page.get_by_test_id("current-user")).to_be_visible()


def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under var/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def update_readme_screenshot(page: Page) -> Path | None:
    """Write docs/screenshots/home.png when it is missing or HUANJIAN_UPDATE_SCREENSHOTS=1."""
    if README_SCREENSHOT.exists() and os.environ.get("HUANJIAN_UPDATE_SCREENSHOTS") != "1":
        return None
    README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(README_SCREENSHOT))
    return README_SCREENSHOT
