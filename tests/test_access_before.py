"""The access summary before a plan, computed only for what the plan changes (access.before), is the
summary of the whole state before it: on every fixture, and on a plan of several chains where each
resource in turn is updated, replaced, deleted or created."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tfcheck.access import READ_TYPES, Facts, build_facts
from tfcheck.access.before import before_facts
from tfcheck.access.summary import Summary, summarize, summarize_before
from tfcheck.model.graph import Graph
from tfcheck.terraform.plan.prior import build_prior, build_states
from tfcheck.terraform.plan.read import read_plan

OWNER, PARTNER, OTHER = "111111111111", "222222222222", "333333333333"
KMS, SM = f"arn:aws:kms:us-east-1:{OWNER}", f"arn:aws:secretsmanager:us-east-1:{OWNER}:secret"


def _policy(account: str, action: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OWNER}:root"},
         "Action": "*", "Resource": "*"},
        {"Sid": "Share", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
         "Action": action, "Resource": "*"}]})


def _key(name: str, account: str) -> dict[str, Any]:
    return {"arn": f"{KMS}:key/{name}", "key_id": name, "policy": _policy(account, "kms:Decrypt"),
            "customer_master_key_spec": "SYMMETRIC_DEFAULT", "key_usage": "ENCRYPT_DECRYPT",
            "is_enabled": True}


def _secret(name: str, key: str, replica: list[dict[str, Any]] | None = None,
            policy: str | None = None) -> dict[str, Any]:
    return {"arn": f"{SM}:{name}-AbCdEf", "id": f"{SM}:{name}-AbCdEf", "name": name, "kms_key_id": key,
            "replica": replica or [], "policy": policy}


def _secret_policy(name: str, account: str) -> dict[str, Any]:
    return {"secret_arn": f"{SM}:{name}-AbCdEf", "id": f"{SM}:{name}-AbCdEf",
            "policy": _policy(account, "secretsmanager:GetSecretValue")}


# Every chain a summary reads: an alias to a key, a key policy resource and a grant, replicas
# (one on the AWS-managed key), a secret with no policy, a policy the state holds but no
# configuration sets, and a resource of a type no rule reads.
STATE: dict[str, dict[str, Any]] = {
    "aws_kms_key.k1": _key("k1", PARTNER),
    "aws_kms_alias.k1": {"arn": f"{KMS}:alias/k1", "name": "alias/k1", "target_key_id": "k1",
                         "target_key_arn": f"{KMS}:key/k1"},
    "aws_secretsmanager_secret.s1": _secret("s1", "alias/k1"),
    "aws_secretsmanager_secret_policy.s1": _secret_policy("s1", PARTNER),
    "aws_kms_key.k2": _key("k2", OWNER),
    "aws_kms_key_policy.k2": {"key_id": "k2", "policy": _policy(OTHER, "kms:Decrypt")},
    "aws_kms_grant.k2": {"key_id": "k2", "grantee_principal": f"arn:aws:iam::{PARTNER}:root",
                         "operations": ["Decrypt"]},
    "aws_secretsmanager_secret.s2": _secret("s2", f"{KMS}:key/k2", [
        {"region": "us-west-2", "kms_key_id": "alias/aws/secretsmanager"}]),
    "aws_secretsmanager_secret_policy.s2": _secret_policy("s2", OTHER),
    "aws_secretsmanager_secret.s3": _secret("s3", ""),
    "aws_secretsmanager_secret.s4": _secret("s4", f"{KMS}:key/k1",
                                            policy=_policy(PARTNER, "secretsmanager:GetSecretValue")),
    "aws_sqs_queue.q": {"arn": f"arn:aws:sqs:us-east-1:{OWNER}:q"},
}


def _plan(changes: dict[str, tuple[list[str], Any, Any]]) -> dict[str, Any]:
    """The state as a plan that leaves all as it is, but for `changes` (actions, before, after)."""
    rcs, config = [], []
    for address, values in STATE.items():
        rtype, name = address.split(".")
        actions, before, after = changes.get(address, (["no-op"], values, values))
        unknown = {"arn": True} if after is not None and "arn" in values and "arn" not in after else {}
        rcs.append({"address": address, "mode": "managed", "type": rtype, "name": name,
                    "change": {"actions": actions, "before": before, "after": after,
                               "after_unknown": unknown}})
        config.append({"address": address, "mode": "managed", "type": rtype, "name": name,
                       "expressions": {k: {"constant_value": v} for k, v in values.items()
                                       if k not in ("arn", "id", "policy") or rtype != SECRET}})
    return {"format_version": "1.2", "resource_changes": rcs, "configuration": {"root_module": {
        "resources": config}}, "prior_state": {"values": {"root_module": {"resources": [
            {"address": "data.aws_caller_identity.me", "mode": "data", "type": "aws_caller_identity",
             "name": "me", "values": {"account_id": OWNER}}]}}}}


SECRET = "aws_secretsmanager_secret"


def _variants() -> list[tuple[str, dict[str, tuple[list[str], Any, Any]]]]:
    out: list[tuple[str, dict[str, tuple[list[str], Any, Any]]]] = [("all no-op", {})]
    for address, values in STATE.items():
        other = copy.deepcopy(values)
        for attr, changed in (("policy", _policy(OTHER, "*")), ("kms_key_id", ""),
                              ("target_key_id", "k2"), ("key_id", "k1"), ("is_enabled", False),
                              ("grantee_principal", f"arn:aws:iam::{OTHER}:root"),
                              ("replica", [{"region": "us-west-2", "kms_key_id": f"{KMS}:key/k1"}]),
                              ("arn", f"arn:aws:sqs:us-east-1:{OTHER}:q")):
            if attr in other:
                other[attr] = changed
                break
        unknown_arn = {k: v for k, v in values.items() if k != "arn"}
        out += [(f"{address} updated", {address: (["update"], other, values)}),
                (f"{address} replaced", {address: (["delete", "create"], other, unknown_arn)}),
                (f"{address} deleted", {address: (["delete"], values, None)}),
                (f"{address} created", {address: (["create"], None, values)})]
    s2 = STATE[f"{SECRET}.s2"]
    out.append(("a replica added", {f"{SECRET}.s2": (["update"], {**s2, "replica": []}, s2)}))
    return out


def _both(doc: dict[str, Any], keep: frozenset[str] | None = READ_TYPES,
          after_graph: Graph | None = None) -> tuple[Summary | None, Summary, Facts]:
    graph, prior = build_states(doc, "plan.json", keep)
    graph = after_graph or graph
    facts = build_facts(graph)
    facts = replace(facts, before=before_facts(prior, facts, graph.owner_accounts))
    full = build_facts(build_prior(doc, "plan.json", keep), graph.owner_accounts)
    return summarize_before(facts), summarize(full), facts


@pytest.mark.parametrize(("case", "changes"), _variants(), ids=[c for c, _ in _variants()])
def test_a_change_anywhere_in_a_chain(case: str, changes: dict[str, tuple[list[str], Any, Any]]) -> None:
    partial, full, _ = _both(_plan(changes))
    assert partial == full


def test_a_plan_that_changes_nothing_takes_every_secret_from_after() -> None:
    partial, full, facts = _both(_plan({}))
    assert partial == full
    assert facts.before is not None
    # s4's policy counts as its own before the plan only (no configuration sets it): evaluated.
    assert [sf.holder.address for sf in facts.before.secrets] == [f"{SECRET}.s4"]
    assert set(facts.before.unchanged) == {a for a in STATE if a.startswith(f"{SECRET}.")} - {
        f"{SECRET}.s4"}


def test_after_the_source_a_resource_it_tells_more_of_is_evaluated_again() -> None:
    doc = _plan({})
    graph, _ = build_states(doc, "plan.json", READ_TYPES)
    # As a Graph merged with its source: other objects, one of them in another region.
    moved = {a: replace(r, region="eu-west-1" if a == f"{SECRET}.s2" else r.region)
             for a, r in graph.resources.items()}
    merged = Graph.build(moved.values(), source="plan.json", owner_accounts=graph.owner_accounts,
                         loaded_types=READ_TYPES)
    partial, full, facts = _both(doc, after_graph=merged)
    assert partial == full
    assert facts.before is not None and f"{SECRET}.s2" not in facts.before.unchanged
    assert f"{SECRET}.s1" in facts.before.unchanged


PLANS = sorted(FIXTURES.rglob("plan.json"))


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: str(p.parent.relative_to(FIXTURES)))
def test_every_fixture(plan: Path) -> None:
    partial, full, _ = _both(read_plan(str(plan), READ_TYPES))
    assert partial == full


def test_the_partial_facts_are_not_summarized_alone() -> None:
    _, _, facts = _both(_plan({}))
    assert facts.before is not None
    with pytest.raises(ValueError, match="summarize_before"):
        summarize(replace(facts.before))
