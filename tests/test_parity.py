"""HCL, plan + HCL, and plan alone agree on every blocking finding of every dual fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, fixture_cases

OWNER = ["--account-id", "111111111111"]  # the same owner knowledge for all three modes


def _blocking(cli, *args: str) -> list[tuple[str, str]]:
    result = cli(*args, "--format", "json", *OWNER)
    assert result.code in (0, 1), result.err
    return sorted((f["rule"], f["address"]) for f in result.json()["findings"]
                  if f["outcome"] == "blocking")


@pytest.mark.parametrize("case", fixture_cases(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_hcl_and_plan_agree(case: Path, cli) -> None:
    expected = json.loads((case / "expected.json").read_text())
    from_hcl = _blocking(cli, str(case))
    from_plan = _blocking(cli, str(case / "plan.json"))
    plan_only = _blocking(cli, str(case / "plan.json"), "--no-source")
    differs = expected.get("parity_exception")
    if differs:
        assert from_hcl != from_plan or from_plan != plan_only, "stale parity_exception: " + differs
    else:
        assert from_hcl == from_plan == plan_only
