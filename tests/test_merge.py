"""Merging a plan with its source builds new resources; the plan's Graph stays as it was read."""

from __future__ import annotations

import copy
from pathlib import Path

from tests.conftest import ROOT
from tfcheck.terraform.merge import merge
from tfcheck.terraform.plan.read import build_graph, read_plan
from tfcheck.terraform.source import load_directory

FIXTURE = ROOT / "fixtures/plans/deferred-data-source-policy"
POLICY = "aws_secretsmanager_secret_policy.billing_db"


def test_merge_fills_a_new_resource_and_leaves_the_plan_alone() -> None:
    plan_path = str(FIXTURE / "plan.json")
    plan = build_graph(read_plan(plan_path), plan_path)
    before = {a: copy.deepcopy(vars(r)) for a, r in plan.resources.items()}
    source = load_directory(Path(FIXTURE), display=str(FIXTURE), plan=plan, cache=False)

    merged = merge(plan, source)

    assert plan.resources[POLICY].is_unknown("policy"), "the plan does not know the policy"
    assert not merged.resources[POLICY].is_unknown("policy"), "the source fills it"
    assert merged.resources[POLICY].location is not None
    assert {a: vars(r) for a, r in plan.resources.items()} == before
