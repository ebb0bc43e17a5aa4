"""Exact rendered outputs for a few fixtures (refresh with UPDATE_GOLDEN=1 and review the diff)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import ROOT

GOLDEN = Path(__file__).parent / "golden"
CASES = [
    ("platform-stack-large.txt", ["fixtures/plans/platform-stack-large/plan.json"]),
    ("platform-stack-large.json", ["fixtures/plans/platform-stack-large/plan.json", "--format", "json"]),
    ("no-owner-source.txt", ["fixtures/rules/owner-account-unknown/fail/no-owner-source/plan.json"]),
    ("key-policy-owner-root-only-hcl.txt",
     ["fixtures/rules/cmk-missing-cross-account-grant/fail/key-policy-owner-root-only"]),
    ("waiver-by-module-glob.txt", ["fixtures/policy-tests/waiver-by-module-glob", "--config",
                                   "fixtures/policy-tests/waiver-by-module-glob/tfcheck.hcl"]),
    ("waiver-by-module-glob.sarif.json", ["fixtures/policy-tests/waiver-by-module-glob", "--config",
                                     "fixtures/policy-tests/waiver-by-module-glob/tfcheck.hcl",
                                     "--format", "sarif"]),
    # Two roots (issue 17), end to end in every format: the counts agree (tests/test_roots.py).
    *[(f"roots.{ext}", ["--recursive", "fixtures/roots", "--format", fmt]) for fmt, ext in [
        ("text", "txt"), ("json", "json"), ("sarif", "sarif.json"), ("junit", "junit.xml"),
        ("gitlab", "gitlab.json"), ("github", "github.txt"), ("markdown", "md")]],
]


@pytest.mark.parametrize(("name", "args"), CASES, ids=[c[0] for c in CASES])
def test_rendered_output(name: str, args: list[str], cli, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = cli(*args)
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(result.out)
    assert result.out == path.read_text()
