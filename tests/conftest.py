"""Shared helpers: run the CLI in-process and find fixture cases."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
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


def fixture_roots(case: Path) -> list[str]:
    """The root folders of a fixture of several root modules (its expected.json's "roots",
    each a folder with its own plan.json), or [] for a fixture that is one root module."""
    return list(json.loads((case / "expected.json").read_text()).get("roots", []))


def fixture_cases(plans_only: bool = True, multi_root: bool = False) -> list[Path]:
    """Every fixture directory that states its expected findings (with a real plan, by default).

    Fixtures of several root modules ("roots" in expected.json) only with `multi_root`: they
    have no `case/plan.json`, and their folder is no Terraform root, which is what most tests
    that iterate fixtures run (test_fixtures and test_parity run them root by root;
    `fixture_plans()` gives the plans of their roots too).
    """
    cases = sorted(p.parent for p in FIXTURES.rglob("expected.json")
                   if "before" not in p.relative_to(FIXTURES).parts)
    if plans_only:
        cases = [c for c in cases if json.loads((c / "expected.json").read_text()).get("plan") is not False]
    if not multi_root:
        cases = [c for c in cases if not fixture_roots(c)]
    return cases


def fixture_plans() -> list[Path]:
    """Every committed plan.json of a fixture: one per plan fixture, one per root of a fixture
    of several roots."""
    return [case / root / "plan.json" if root else case / "plan.json"
            for case in fixture_cases(plans_only=True, multi_root=True)
            for root in (fixture_roots(case) or [""])]


def root_name(root: str | None) -> str | None:
    """How a finding's root compares with expected.json's "root": the last component of the
    root the report names (the folder as given, or as --recursive found it, which depends on
    the working directory and the arguments)."""
    return PurePosixPath(root).name if root else None


def finding_set(findings: list[dict[str, Any]], with_root: bool = False) -> Counter[tuple[Any, ...]]:
    """The multiset of (rule, address, outcome), with the root's name first when asked."""
    if with_root:
        return Counter((root_name(f.get("root")), f["rule"], f["address"], f["outcome"])
                       for f in findings)
    return Counter((f["rule"], f["address"], f["outcome"]) for f in findings)
