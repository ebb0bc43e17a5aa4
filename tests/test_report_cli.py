"""--format and --output: every reporter reachable, several files in one run, the exit code kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_cli_errors import assert_one_line_error
from tfcheck.cli import Format
from tfcheck.report import REPORTERS

PLAN = "fixtures/plans/platform-stack-large/plan.json"
PASSING = "fixtures/rules/owner-account-unknown/fail/no-owner-source/plan.json"


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NO_COLOR", raising=False)


def test_every_reporter_is_a_format() -> None:
    assert [f.value for f in Format] == list(REPORTERS)


@pytest.mark.parametrize("fmt", list(REPORTERS))
def test_each_format_on_stdout(fmt: str, cli) -> None:
    result = cli(PLAN, "--format", fmt)
    assert result.code == 1 and result.err == ""
    assert result.out.strip()


def test_several_outputs_in_one_run(cli, tmp_path: Path) -> None:
    paths = {fmt: tmp_path / "reports" / f"tfcheck.{fmt}" for fmt in ("sarif", "junit", "json", "text")}
    args = [arg for fmt, path in paths.items() for arg in ("--output", f"{fmt}={path}")]
    result = cli(PLAN, "--format", "github", *args)
    assert result.code == 1, "writing files never changes the check's exit code"
    assert result.out == cli(PLAN, "--format", "github").out, "stdout still gets --format"
    for fmt, path in paths.items():
        assert path.read_text() == cli(PLAN, "--format", fmt).out
    assert "\033[" not in paths["text"].read_text()


def test_outputs_keep_a_passing_exit_code(cli, tmp_path: Path) -> None:
    result = cli(PASSING, "-o", f"sarif={tmp_path / 'x.sarif'}")
    assert result.code == 0
    assert json.loads((tmp_path / "x.sarif").read_text())["version"] == "2.1.0"


@pytest.mark.parametrize(("spec", "fragment"), [
    ("sarif", "expected FORMAT=PATH"),
    ("sarif=", "expected FORMAT=PATH"),
    ("yaml=out.yaml", "no format 'yaml'"),
])
def test_bad_output_spec(cli, spec: str, fragment: str) -> None:
    assert_one_line_error(cli(PLAN, "--output", spec), "--output", fragment)


def test_the_same_path_twice(cli, tmp_path: Path) -> None:
    path = tmp_path / "x"
    assert_one_line_error(cli(PLAN, "-o", f"json={path}", "-o", f"sarif={path}"), "already written")


def test_an_unwritable_path_is_exit_2_with_one_line(cli, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = cli(PLAN, "-o", f"sarif={blocker / 'x.sarif'}")
    assert result.code == 2
    assert result.out.startswith("tfcheck 0.1.0"), "the report was printed before the write failed"
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"tfcheck: error: {blocker / 'x.sarif'}: cannot write")


def test_bad_input_writes_no_file(cli, tmp_path: Path) -> None:
    target = tmp_path / "x.sarif"
    result = cli(str(tmp_path / "missing.json"), "-o", f"sarif={target}")
    assert result.code == 2 and not target.exists()
