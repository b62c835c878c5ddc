"""The CLI as an operator uses it: exit codes scripts can trust."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from huanjian.cli.main import app


def _run(runner: CliRunner, *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.output


def test_help_on_every_command(runner: CliRunner) -> None:
    import typer.main

    group = typer.main.get_command(app)
    stack: list[tuple[list[str], object]] = [([], group)]
    seen = 0
    while stack:
        path, cmd = stack.pop()
        code, out = _run(runner, *path, "--help")
        assert code == 0, (path, out)
        assert "Usage" in out
        seen += 1
        for name, sub in getattr(cmd, "commands", {}).items():
            stack.append(([*path, name], sub))
    assert seen > 15


def test_db_upgrade_and_check(cli_env: Path, runner: CliRunner) -> None:
    code, out = _run(runner, "db", "check")
    assert code == 1 and "huanjian db upgrade" in out
    code, out = _run(runner, "db", "upgrade")
    assert code == 0, out
    code, out = _run(runner, "db", "check")
    assert code == 0 and "up to date" in out


def test_review_and_detect_runs_report_through_the_progress_bar(cli_env: Path, runner: CliRunner) -> None:
    assert _run(runner, "db", "upgrade")[0] == 0
    code, out = _run(runner, "review", "run", "--from", "2026-11-01", "--to", "2026-11-02")
    assert code == 0 and "reviewed 0 outlets, 0 outlet-days" in out, out
    code, out = _run(runner, "detect", "run", "--from", "2026-11-01", "--to", "2026-11-02")
    assert code == 0 and "detected over 0 outlets" in out, out
    code, out = _run(runner, "review", "run", "--from", "2026-11-02", "--to", "2026-11-01")
    assert code != 0 and "--to is before --from" in out


def test_users_lifecycle_and_audit(cli_env: Path, runner: CliRunner, monkeypatch: object) -> None:
    assert _run(runner, "db", "upgrade")[0] == 0
    assert _run(runner, "jurisdictions", "load", "31")[0] == 0
    code, out = _run(
        runner,
        "users",
        "create",
        "wang",
        "--role",
        "bureau",
        "--name",
        "王",
        "--jurisdiction",
        "310115",
        input="a-long-password\na-long-password\n",
    )
    assert code == 0, out
    code, out = _run(
        runner,
        "users",
        "create",
        "wang2",
        "--role",
        "boss",
        "--name",
        "x",
        input="a-long-password\na-long-password\n",
    )
    assert code == 65 and "role 'boss'" in out
    code, out = _run(runner, "users", "grant", "wang", "draw.run", "--reason", "duty roster")
    assert code == 0, out
    code, out = _run(runner, "users", "disable", "wang", "--reason", "transferred")
    assert code == 0, out
    code, out = _run(runner, "users", "disable", "nobody", "--reason", "x")
    assert code == 66 and "not found" in out
    code, out = _run(runner, "users", "list", "--json")
    user = json.loads(out.strip().splitlines()[0])
    assert user["username"] == "wang" and user["active"] is False and user["permissions"] == ["draw.run"]
    code, out = _run(runner, "audit", "show", "--type", "user", "--json")
    actions = [json.loads(line)["action"] for line in out.strip().splitlines()]
    assert actions == ["user.disable", "user.grant", "user.create"]
    assert all(json.loads(line)["actor"].startswith("cli:") for line in out.strip().splitlines())


def test_audit_verify_exit_codes_and_anchor(cli_env: Path, runner: CliRunner) -> None:
    assert _run(runner, "db", "upgrade")[0] == 0
    assert _run(runner, "jurisdictions", "load", "31")[0] == 0
    code, out = _run(runner, "audit", "verify")
    assert code == 0 and "intact" in out
    anchor = cli_env / "anchor.json"
    assert _run(runner, "audit", "anchor", "-o", str(anchor))[0] == 0
    assert json.loads(anchor.read_text())["count"] >= 1
    assert _run(runner, "audit", "verify", "--anchor", str(anchor))[0] == 0
    with sqlite3.connect(cli_env / "var" / "huanjian.db") as conn:
        conn.execute("UPDATE audit_entry SET reason = 'edited' WHERE id = 1")
    code, out = _run(runner, "audit", "verify", "--json")
    assert code == 2
    assert json.loads(out)["first_bad_id"] == 1


def test_demo_seeds_without_serving(cli_env: Path, runner: CliRunner) -> None:
    code, out = _run(runner, "demo", "--no-serve")
    assert code == 0, out
    assert "huanjian-demo" in out and "http://127.0.0.1:8000/" in out
    assert "electricity: 4 meters, 192 readings stored, 0 already there" in out
    code, out = _run(runner, "demo", "--no-serve")  # idempotent
    assert code == 0 and "demo users: 0 new" in out
    assert "electricity: 4 meters, 0 readings stored, 192 already there" in out
    code, out = _run(runner, "power", "meter", "list", "--json")
    assert code == 0 and len(json.loads(out)) == 4
    code, out = _run(runner, "users", "list", "--json")
    assert {json.loads(line)["username"] for line in out.strip().splitlines()} >= {"admin", "city", "pudong"}


def test_demo_tls_certificate(tmp_path: Path) -> None:
    from cryptography import x509

    from huanjian.demo.tls import self_signed

    cert, key = self_signed(tmp_path, ["127.0.0.1", "localhost"])
    parsed = x509.load_pem_x509_certificate(cert.read_bytes())
    names = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert key.stat().st_mode & 0o077 == 0
