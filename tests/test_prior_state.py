"""The state before a plan built from the plan's own reading (build_states) is the state built alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tfcheck.access import READ_TYPES
from tfcheck.terraform.plan.prior import build_prior, build_states
from tfcheck.terraform.plan.read import read_plan

PLANS = sorted(FIXTURES.rglob("plan.json"))
FIELDS = ("mode", "type", "name", "module", "index", "values", "sensitive", "configured", "action",
          "region")


def _same_states(doc: dict[str, Any], keep: frozenset[str] | None) -> None:
    graph, shared = build_states(doc, "plan.json", keep)
    alone = build_prior(doc, "plan.json", keep)
    assert list(shared.resources) == list(alone.resources)
    for address, res in alone.resources.items():
        assert not shared.resources[address].has_unknown, address
        for name in FIELDS:
            assert getattr(shared.resources[address], name) == getattr(res, name), (address, name)
    assert (shared.owner_accounts, shared.owner_sources, shared.caller_identity) == (
        alone.owner_accounts, alone.owner_sources, alone.caller_identity)
    # What the plan leaves as it is is one object in both Graphs, and never altered for the
    # state before (a secret whose policy counts as inline before the plan is a copy).
    for address, res in shared.resources.items():
        if graph.resources.get(address) is res:
            assert res.action == "no-op" or res.mode == "data"


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: str(p.parent.relative_to(FIXTURES)))
def test_the_shared_state_before_is_the_state_before(plan: Path) -> None:
    _same_states(read_plan(str(plan), READ_TYPES), READ_TYPES)
    _same_states(read_plan(str(plan)), None)  # the full read: both sides of a no-op are kept


def _plan(before: dict[str, Any], after: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    change = {"actions": actions, "before": before, "after": after, "after_unknown": {}}
    return {"format_version": "1.2", "resource_changes": [
        {"address": "aws_secretsmanager_secret.s", "mode": "managed", "type": "aws_secretsmanager_secret",
         "name": "s", "change": change}],
        "configuration": {"root_module": {"resources": [
            {"address": "aws_secretsmanager_secret.s", "mode": "managed",
             "type": "aws_secretsmanager_secret", "name": "s", "expressions": {}}]}}}


def test_a_no_op_is_shared_only_when_both_sides_are_the_same() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:s-AbCdEf"
    same = _plan({"arn": arn, "name": "s"}, {"arn": arn, "name": "s"}, ["no-op"])
    graph, prior = build_states(same, "plan.json")
    assert prior.resources["aws_secretsmanager_secret.s"] is graph.resources["aws_secretsmanager_secret.s"]
    # A no-op whose sides differ (a hand-made plan): the state before is its own `before`.
    odd = _plan({"arn": arn, "name": "old"}, {"arn": arn, "name": "new"}, ["no-op"])
    graph, prior = build_states(odd, "plan.json")
    assert prior.resources["aws_secretsmanager_secret.s"].values["name"] == "old"
    assert graph.resources["aws_secretsmanager_secret.s"].values["name"] == "new"


def test_an_inline_policy_before_the_plan_leaves_the_plans_secret_alone() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:s-AbCdEf"
    values = {"arn": arn, "policy": '{"Version":"2012-10-17","Statement":[]}'}
    graph, prior = build_states(_plan(values, values, ["no-op"]), "plan.json")
    address = "aws_secretsmanager_secret.s"
    before, after = prior.resources[address], graph.resources[address]
    assert "policy" in before.configured and "policy" not in after.configured
    assert before is not after
