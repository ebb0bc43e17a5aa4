"""Shared helpers: run the CLI in-process and find fixture cases."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tfcheck.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run `tfcheck ARGS…` in-process; returns exit code, stdout and stderr."""

    def run(*args: str) -> CliResult:
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def fixture_cases(plans_only: bool = True) -> list[Path]:
    """Every fixture directory that states its expected findings (with a real plan, by default)."""
    cases = sorted(p.parent for p in FIXTURES.rglob("expected.json")
                   if "before" not in p.relative_to(FIXTURES).parts)
    if plans_only:
        cases = [c for c in cases if json.loads((c / "expected.json").read_text()).get("plan") is not False]
    return cases


def finding_set(findings: list[dict[str, Any]]) -> Counter[tuple[str, str | None, str]]:
    return Counter((f["rule"], f["address"], f["outcome"]) for f in findings)
