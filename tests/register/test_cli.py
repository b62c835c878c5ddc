"""`huanjian register …` as an operator uses it: templates, imports, exports, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from huanjian.cli.main import app
from tests.cli.conftest import cli_env, runner  # noqa: F401 — shared CLI fixtures
from tests.factories import credit_code

A, B = credit_code(1, "310115"), credit_code(2, "310112")


def _run(r: CliRunner, *args: str) -> tuple[int, str]:
    result = r.invoke(app, list(args))
    return result.exit_code, result.output


def test_register_cli_round_trip(cli_env: Path, runner: CliRunner) -> None:  # noqa: F811
    assert _run(runner, "db", "upgrade")[0] == 0
    assert _run(runner, "jurisdictions", "load", "31")[0] == 0

    code, out = _run(runner, "register", "template", "enterprises")
    assert code == 0 and out.splitlines()[0].startswith("credit_code,name,")
    assert len(out.splitlines()) == 2
    code, _ = _run(runner, "register", "template", "loggers", "-o", str(cli_env / "loggers.xlsx"))
    assert code == 0 and load_workbook(cli_env / "loggers.xlsx").worksheets[0].cell(1, 1).value == "mn"
    assert _run(runner, "register", "template", "nonsense")[0] == 65

    good = cli_env / "ent.csv"
    good.write_text(
        f"credit_code,name,jurisdiction_code\n{A},上海甲热电有限公司,310115\n{B},上海乙化工有限公司,310112\n",
        encoding="utf-8",
    )
    code, out = _run(runner, "register", "import", "enterprises", str(good), "--format", "json")
    assert code == 0, out
    report = json.loads(out)
    assert (report["created"], report["rejected"]) == (2, 0)
    assert report["rows"][0] == {"row": 2, "status": "created", "key": A, "errors": []}
    code, out = _run(runner, "register", "import", "enterprises", str(good), "--format", "json")
    assert json.loads(out)["unchanged"] == 2

    bad = cli_env / "bad.csv"
    bad.write_text(
        f"credit_code,name,jurisdiction_code\n{credit_code(3)},丙公司,310115\n91350100M000100Y4A,坏,310115\n",
        encoding="utf-8",
    )
    code, out = _run(runner, "register", "import", "enterprises", str(bad), "--strict", "--format", "json")
    assert code == 65 and json.loads(out)["applied"] is False
    code, out = _run(runner, "register", "import", "enterprises", str(bad))
    assert code == 2 and "rejected" in out and "credit_code" in out and "1 created" in out

    code, out = _run(runner, "register", "export", "enterprises", "--format", "json", "--as-of", "2020-01-01")
    assert code == 0 and {json.loads(line)["credit_code"] for line in out.splitlines()} == {
        A,
        B,
        credit_code(3),
    }
    code, out = _run(runner, "register", "export", "enterprises", "--known-at", "2000-01-01T00:00:00+08:00")
    assert code == 0 and out.splitlines()[1:] == []
    assert _run(runner, "register", "export", "enterprises", "--as-of", "soon")[0] == 65
    code, out = _run(runner, "register", "search", "甲")
    assert code == 0 and "1 found" in out
