"""Reading a plan for the rules' resource types only (plan_stream) gives the Graph of the full read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tfcheck.access import READ_TYPES
from tfcheck.errors import InputError
from tfcheck.terraform.plan.read import build_graph, read_plan
from tfcheck.terraform.plan.stream import Fallback, read_slim

PLANS = sorted(FIXTURES.rglob("plan.json"))
FIELDS = ("mode", "type", "name", "module", "index", "values", "unknown", "sensitive", "configured",
          "constants", "links", "action", "region")


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: str(p.parent.relative_to(FIXTURES)))
def test_same_graph_as_the_full_read(plan: Path) -> None:
    full = build_graph(read_plan(str(plan)), str(plan))
    slim = build_graph(read_plan(str(plan), READ_TYPES), str(plan), READ_TYPES)
    wanted = {a: r for a, r in full.resources.items() if r.type in READ_TYPES}
    assert list(slim.resources) == list(wanted)
    for address, res in wanted.items():
        for name in FIELDS:
            assert getattr(slim.resources[address], name) == getattr(res, name), (address, name)
    assert (slim.owner_accounts, slim.owner_sources, slim.caller_identity) == (
        full.owner_accounts, full.owner_sources, full.caller_identity)


def test_unread_types_are_refused() -> None:
    plan = str(FIXTURES / "plans" / "platform-stack-large" / "plan.json")
    graph = build_graph(read_plan(plan, READ_TYPES), plan, READ_TYPES)
    assert graph.of_type("aws_secretsmanager_secret")
    with pytest.raises(RuntimeError, match="aws_s3_bucket"):
        graph.of_type("aws_s3_bucket")


def _plan(**sections: Any) -> dict[str, Any]:
    return {"format_version": "1.2", **sections}


CHANGE = {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b",
          "change": {"actions": ["create"], "after": {"bucket": "x"}}}
BAD = {
    "syntax error in a skipped section": '{"format_version": "1.2", "planned_values": {"root_module": '
                                         '{"resources": [{"a": 1,}]}}, "resource_changes": []}',
    "extra data": json.dumps(_plan()) + " []",
    "not an object": "[1, 2]",
    "a state file": json.dumps({"version": 4, "resources": []}),
    "changes not a list": json.dumps(_plan(resource_changes={})),
    "change not an object": json.dumps(_plan(resource_changes=[CHANGE, 3])),
    "actions not strings": json.dumps(_plan(resource_changes=[
        {**CHANGE, "change": {"actions": [1]}}])),
    "after not an object": json.dumps(_plan(resource_changes=[
        {**CHANGE, "change": {"actions": ["create"], "after": [1]}}])),
    "no format_version": json.dumps({"resource_changes": []}),
    "prior_state not an object": json.dumps(_plan(prior_state=[])),
    "deeply nested": '{"format_version": "1.2", "planned_values": ' + "[" * 100000 + "]" * 100000 + "}",
    "bad unicode escape": '{"format_version": "1.2", "variables": {"x": "\\ud800"}, "a": "\\x"}',
}


@pytest.mark.parametrize("text", BAD.values(), ids=list(BAD))
def test_errors_are_those_of_the_full_read(text: str, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text)

    def outcome(keep: frozenset[str] | None) -> tuple[str, int | None, int | None] | str:
        try:
            build_graph(read_plan(str(path), keep), str(path), keep)
        except InputError as err:
            return (err.message, err.line, err.column)
        return "ok"

    assert outcome(READ_TYPES) == outcome(None)
    assert outcome(None) != "ok"


def test_fallback_on_anything_unexpected() -> None:
    with pytest.raises(Fallback):
        read_slim('{"format_version": "1.2", "resource_changes": [1]}', READ_TYPES.__contains__)


def test_unread_sections_and_values_are_dropped() -> None:
    doc = read_slim(json.dumps(_plan(
        planned_values={"root_module": {"resources": [{"address": "x", "values": {"big": 1}}]}},
        resource_changes=[{**CHANGE, "change": {"actions": ["create"], "after": {
            "bucket": "x", "arn": "arn:aws:s3:::x"}, "after_unknown": {"id": True}}}],
        prior_state={"values": {"root_module": {"resources": [
            {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket"},
            {"address": "data.aws_caller_identity.c", "mode": "data", "type": "aws_caller_identity",
             "name": "c", "values": {"account_id": "111111111111"}}]}}})), READ_TYPES.__contains__)
    assert doc["planned_values"] == {}
    change = doc["resource_changes"][0]["change"]
    assert change == {"actions": ["create"], "before": None, "after": {"arn": "arn:aws:s3:::x"}}
    assert [r["address"] for r in doc["prior_state"]["values"]["root_module"]["resources"]] == [
        "data.aws_caller_identity.c"]
