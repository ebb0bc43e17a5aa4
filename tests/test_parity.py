"""HCL, plan + HCL, and plan alone agree on every blocking finding of every dual fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, fixture_cases, fixture_roots, root_name

OWNER = ["--account-id", "111111111111"]  # the same owner knowledge for all three modes


def _blocking(cli, *args: str, owner: list[str] = OWNER) -> list[tuple[str | None, str, str]]:
    result = cli(*args, "--format", "json", *owner)
    assert result.code in (0, 1), result.err
    return sorted((root_name(f["root"]), f["rule"], f["address"]) for f in result.json()["findings"]
                  if f["outcome"] == "blocking")


@pytest.mark.parametrize("case", fixture_cases(multi_root=True),
                         ids=lambda p: str(p.relative_to(FIXTURES)))
def test_hcl_and_plan_agree(case: Path, cli) -> None:
    expected = json.loads((case / "expected.json").read_text())
    roots = fixture_roots(case)
    if roots:
        # Several roots, each with its own owner account (the consumer's is not 111111111111),
        # which each input names itself: no --account-id, which would apply to every root.
        folders = [str(case / root) for root in roots]
        plans = [str(case / root / "plan.json") for root in roots]
        from_hcl = _blocking(cli, *folders, owner=[])
        from_plan = _blocking(cli, *plans, owner=[])
        plan_only = _blocking(cli, *plans, "--no-source", owner=[])
    else:
        from_hcl = _blocking(cli, str(case))
        from_plan = _blocking(cli, str(case / "plan.json"))
        plan_only = _blocking(cli, str(case / "plan.json"), "--no-source")
    differs = expected.get("parity_exception")
    if differs:
        assert from_hcl != from_plan or from_plan != plan_only, "stale parity_exception: " + differs
    else:
        assert from_hcl == from_plan == plan_only
