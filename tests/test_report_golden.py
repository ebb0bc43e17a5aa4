"""Exact CI-format outputs for two fixtures, byte-identical across runs (UPDATE_GOLDEN=1 refreshes them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import ROOT

GOLDEN = Path(__file__).parent / "golden"
PLANS = {
    "platform-stack-large": "fixtures/plans/platform-stack-large/plan.json",
    "no-owner-source": "fixtures/rules/owner-account-unknown/fail/no-owner-source/plan.json",
}
FORMATS = {"sarif": "sarif.json", "junit": "junit.xml", "markdown": "md", "github": "github.txt",
           "gitlab": "gitlab.json"}
CASES = [(name, fmt) for name in PLANS for fmt in FORMATS]


@pytest.mark.parametrize(("name", "fmt"), CASES, ids=[f"{n}.{f}" for n, f in CASES])
def test_rendered_output(name: str, fmt: str, cli, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    first = cli(PLANS[name], "--format", fmt)
    second = cli(PLANS[name], "--format", fmt)
    assert first.code == (1 if name == "platform-stack-large" else 0), first.err
    assert first.out == second.out, "the same input must give byte-identical output"
    path = GOLDEN / f"{name}.{FORMATS[fmt]}"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(first.out)
    assert first.out == path.read_text()
