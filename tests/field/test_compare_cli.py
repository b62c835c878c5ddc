"""``huanjian compare evaluate`` through typer's CliRunner on the sub-app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from huanjian.field.compare.cli import app

from .conftest import doc

KEYS = {
    "verdict",
    "band",
    "criterion",
    "n_pairs",
    "mean_reference",
    "mean_cems",
    "relative_accuracy",
    "cc",
    "relative_error",
    "absolute_error",
    "reasons",
}
REFS = [300.0, 306.0, 294.0, 303.0, 297.0, 300.0, 309.0, 291.0, 300.0]
CEMS = [294.0, 294.0, 294.0, 294.0, 294.0, 294.0, 294.0, 294.0, 294.0]

runner = CliRunner()


def _write(tmp_path: Path, name: str, body: object) -> Path:
    path = tmp_path / name
    path.write_text(body if isinstance(body, str) else json.dumps(body), encoding="utf-8")
    return path


def test_json_shape_and_pass_exit_code(tmp_path: Path) -> None:
    path = _write(tmp_path, "so2.json", doc("a21026", "umol/mol", REFS, CEMS))
    result = runner.invoke(app, ["evaluate", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == KEYS
    assert out["verdict"] == "pass"
    assert out["n_pairs"] == 9
    assert out["mean_reference"] == 300.0 and out["mean_cems"] == 294.0
    assert out["relative_error"] == -2.0 and out["absolute_error"] == -6.0
    assert out["band"]["id"] == "so2-ge250" and out["band"]["source"] == "HJ 75-2017"
    assert out["criterion"]["kind"] == "relative_accuracy" and out["criterion"]["met"] is True
    assert isinstance(out["cc"], float) and isinstance(out["relative_accuracy"], float)
    assert isinstance(out["reasons"], list) and out["reasons"]


def test_fail_exit_code_and_reasons(tmp_path: Path) -> None:
    path = _write(tmp_path, "pm.json", doc("a34013", "mg/m3", [30.0] * 4, [45.0] * 4))
    result = runner.invoke(app, ["evaluate", str(path), "-f", "json"])
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["verdict"] == "fail"
    assert out["reasons"][0].startswith("too few pairs: 4 < 5 (HJ 75-2017")
    assert any("relative error 50 % fails within ±30 %" in r for r in out["reasons"])


def test_text_output_shows_every_figure(tmp_path: Path) -> None:
    path = _write(tmp_path, "so2.json", doc("a21026", "mg/m3", REFS, CEMS))
    result = runner.invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 0, result.output  # 300 mg/m³: band 143–715, |−6| ≤ 57.2 mg/m³
    assert "× 2.86" in result.stdout and "50 ≤ RM̄ < 250 µmol/mol" in result.stdout
    labels = ["mean reference", "mean CEMS", "S_d", "t(0.95, n−1)", "cc = t·S_d/√n", "relative accuracy"]
    labels += ["relative error", "absolute error", "band", "criterion", "verdict", "reasons:"]
    for label in labels:
        assert label in result.stdout


def test_csv_input_with_options(tmp_path: Path) -> None:
    rows = "\n".join(
        f"2026-03-02T{9 + i:02d}:00:00,2026-03-02T{9 + i:02d}:30:00,{r},{c}"
        for i, (r, c) in enumerate(zip([80, 81, 79], [78, 80, 80], strict=True))
    )
    path = _write(tmp_path, "cod.csv", "start,end,reference,cems\n" + rows + "\n")
    result = runner.invoke(
        app, ["evaluate", str(path), "--parameter", "w01018", "--unit", "mg/L", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["band"]["id"] == "cod-60-100"


def test_stdin(tmp_path: Path) -> None:
    body = json.dumps(doc("a19001", "%", [8.0] * 9, [8.2] * 9))
    result = runner.invoke(app, ["evaluate", "-", "--format", "json"], input=body)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["band"]["id"] == "o2-gt5"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {**doc("a21026", "mg/m3", [1.0, 2.0], [1.0, 2.0]), "unit": "mg/L"},
            "unit: 'mg/L' does not fit a21026",
        ),
        (
            {**doc("a21026", "mg/m3", [1.0], [1.0]), "pairs": [{"start": "2026-03-02T09:00"}]},
            r"pairs[0].end: missing",
        ),
        ("not json and no header", "header lacks column"),
    ],
)
def test_bad_input_exits_65_with_a_clear_message(tmp_path: Path, body: object, message: str) -> None:
    path = _write(tmp_path, "bad.json" if not isinstance(body, str) else "bad.txt", body)
    result = runner.invoke(app, ["evaluate", str(path), "--format", "json"])
    assert result.exit_code == 65
    assert message in result.stderr
    assert result.stdout == ""


def test_missing_file_exits_66(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(tmp_path / "nope.json")])
    assert result.exit_code == 66
    assert "cannot read" in result.stderr


def test_unknown_rules_version_exits_78(tmp_path: Path) -> None:
    path = _write(tmp_path, "so2.json", doc("a21026", "umol/mol", REFS, CEMS))
    result = runner.invoke(app, ["evaluate", str(path), "--rules-version", "1999"])
    assert result.exit_code == 78
    assert "no version '1999'" in result.stderr
