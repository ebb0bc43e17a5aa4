"""Properties of the access decision over generated (secret policy, key policy) pairs."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tfcheck.access.evaluate import key_allows, policy_allows
from tfcheck.access.key_facts import KeyFacts, KeyKind, PolicyState
from tfcheck.access.match import Vague
from tfcheck.access.request import Target, secret_request
from tfcheck.access.sharing import refusals
from tfcheck.access.witness import Witness
from tfcheck.iam import parse_policy
from tfcheck.model.resource import UnknownLeaf

OWNER = "111111111111"
OWNERS = frozenset({OWNER})
SECRETS = f"arn:aws:secretsmanager:us-east-1:{OWNER}:secret:"
TARGET = Target("us-east-1", Vague(f"arn:aws:secretsmanager:us-east-1:{OWNER}:secret:billing/db-??????",
                                   "the secret's ARN"))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PRINCIPALS = ["arn:aws:iam::222222222222:root", "333333333333", "arn:aws:iam::222222222222:role/app-reader",
              "arn:aws:iam::222222222222:user/ci", "*"]
SECRET_ACTIONS = ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:*",
                  "secretsmanager:DescribeSecret", "secretsmanager:get*"]
KMS_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*", "kms:*", "KMS:decrypt", "kms:DescribeKey"]
CONDITIONS = [
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::222222222222:role/app-*"),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::222222222222:role/batch-*"),
    ("StringEquals", "aws:PrincipalAccount", "222222222222"),
    ("StringNotEquals", "aws:PrincipalAccount", OWNER),
    ("StringEquals", "aws:PrincipalOrgID", "o-abc123"),
    ("StringEquals", "aws:PrincipalType", "AssumedRole"),
]
KEY_CONDITIONS = CONDITIONS + [
    ("StringEquals", "kms:ViaService", "secretsmanager.us-east-1.amazonaws.com"),
    ("StringEquals", "kms:ViaService", "secretsmanager.us-west-2.amazonaws.com"),
    ("StringLike", "kms:EncryptionContext:SecretARN", f"{SECRETS}billing/*"),
    ("StringLike", "kms:EncryptionContext:SecretARN", f"{SECRETS}partner/*"),
    ("StringEquals", "kms:CallerAccount", "222222222222"),
]


def _statement(effect: str, principals: list[str], actions: list[str], conditions: list[tuple[str, str, str]],
               sid: str) -> dict[str, Any]:
    out: dict[str, Any] = {"Sid": sid, "Effect": effect, "Principal": {"AWS": principals},
                           "Action": actions, "Resource": "*"}
    block: dict[str, dict[str, str]] = {}
    for op, key, value in conditions:
        block.setdefault(op, {})[key] = value
    if block:
        out["Condition"] = block
    return out


def statements(actions: list[str], conditions: list[tuple[str, str, str]]
               ) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        _statement,
        st.sampled_from(["Allow", "Allow", "Allow", "Deny"]),
        st.lists(st.sampled_from(PRINCIPALS), min_size=1, max_size=2, unique=True),
        st.lists(st.sampled_from(actions), min_size=1, max_size=2, unique=True),
        st.lists(st.sampled_from(conditions), max_size=2, unique_by=lambda c: (c[0], c[1])),
        st.sampled_from(["A", "B", "C"]),
    )


def documents(actions: list[str], conditions: list[tuple[str, str, str]], owner_admin: bool
              ) -> st.SearchStrategy[dict[str, Any]]:
    def build(items: list[dict[str, Any]]) -> dict[str, Any]:
        body = [dict(s, Sid=f"S{i}") for i, s in enumerate(items)]
        if owner_admin:
            body.insert(0, _statement("Allow", [f"arn:aws:iam::{OWNER}:root"], ["kms:*"], [], "Admin"))
        return {"Version": "2012-10-17", "Statement": body}
    return st.lists(statements(actions, conditions), min_size=1, max_size=3).map(build)


SECRET_DOCS = documents(SECRET_ACTIONS, CONDITIONS, owner_admin=False)
KEY_DOCS = documents(KMS_ACTIONS, KEY_CONDITIONS, owner_admin=True)


def key_of(doc: dict[str, Any]) -> KeyFacts:
    return KeyFacts(KeyKind.CUSTOMER, policy=parse_policy(doc), policy_state=PolicyState.SET,
                    region="us-east-1")


def found(secret_doc: dict[str, Any], key_doc: dict[str, Any]) -> dict[str, Witness]:
    return refusals(parse_policy(secret_doc), key_of(key_doc), OWNERS, TARGET)


@SETTINGS
@given(SECRET_DOCS, KEY_DOCS, st.data())
def test_narrowing_the_secret_policy_never_adds_a_finding(secret: dict[str, Any], key: dict[str, Any],
                                                          data: st.DataObject) -> None:
    before = found(secret, key)
    narrowed = copy.deepcopy(secret)
    how = data.draw(st.sampled_from(["condition", "deny", "principal"]))
    allows = [s for s in narrowed["Statement"] if s["Effect"] == "Allow"]
    assume(allows)
    target = data.draw(st.sampled_from(allows))
    if how == "condition":
        op, k, v = data.draw(st.sampled_from(CONDITIONS))
        target.setdefault("Condition", {}).setdefault(op, {})
        assume(k not in target["Condition"][op])
        target["Condition"][op][k] = v
    elif how == "deny":
        narrowed["Statement"].append(data.draw(statements(SECRET_ACTIONS, CONDITIONS)) | {"Effect": "Deny"})
    else:
        assume(len(target["Principal"]["AWS"]) > 1)
        target["Principal"]["AWS"] = target["Principal"]["AWS"][1:]
    assert set(found(narrowed, key)) <= set(before)


@SETTINGS
@given(SECRET_DOCS, KEY_DOCS, st.data())
def test_widening_the_key_policy_never_adds_a_finding(secret: dict[str, Any], key: dict[str, Any],
                                                      data: st.DataObject) -> None:
    before = found(secret, key)
    widened = copy.deepcopy(key)
    how = data.draw(st.sampled_from(["allow", "drop-condition", "drop-deny"]))
    if how == "allow":
        widened["Statement"].append(data.draw(statements(KMS_ACTIONS, KEY_CONDITIONS)) | {"Effect": "Allow"})
    elif how == "drop-condition":
        conditioned = [s for s in widened["Statement"] if s["Effect"] == "Allow" and "Condition" in s]
        assume(conditioned)
        del data.draw(st.sampled_from(conditioned))["Condition"]
    else:
        denies = [s for s in widened["Statement"] if s["Effect"] == "Deny"]
        assume(denies)
        widened["Statement"].remove(data.draw(st.sampled_from(denies)))
    assert set(found(secret, widened)) <= set(before)


@SETTINGS
@given(SECRET_DOCS, KEY_DOCS)
def test_every_witness_replays(secret: dict[str, Any], key: dict[str, Any]) -> None:
    """A certain witness is allowed by the secret policy and refused by the key, as such."""
    for witness in found(secret, key).values():
        if not witness.certain:
            continue
        assert witness.kms is not None
        request = secret_request(witness.caller, witness.action, TARGET)
        assert policy_allows(parse_policy(secret), request).value is True
        assert key_allows(key_of(key), witness.kms).value is False


@SETTINGS
@given(SECRET_DOCS, KEY_DOCS)
def test_a_deny_of_everything_leaves_nothing(secret: dict[str, Any], key: dict[str, Any]) -> None:
    guarded = copy.deepcopy(secret)
    guarded["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*",
                                 "Resource": "*", "Condition": {"StringNotEquals": {
                                     "aws:PrincipalAccount": OWNER}}})
    assert found(guarded, key) == {}


READER = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
     "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}


def _key_with(op: str, k: str, value: Any, sid: Any = "Consumer") -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        _statement("Allow", [f"arn:aws:iam::{OWNER}:root"], ["kms:*"], [], "Admin"),
        {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
         "Action": ["kms:Decrypt"], "Resource": "*", "Condition": {op: {k: value}}}]}


@SETTINGS
@given(st.sampled_from(KEY_CONDITIONS))
def test_an_unknown_deciding_value_makes_an_advisory(condition: tuple[str, str, str]) -> None:
    """The key's one condition decides: refused for certain -> an unknown value makes it depend
    on that value (an advisory naming it): never silence, never still certain."""
    op, k, value = condition
    before = found(READER, _key_with(op, k, value))
    after = found(READER, _key_with(op, k, UnknownLeaf("var.consumer_condition")))
    principal = "arn:aws:iam::222222222222:root"
    if principal in before and before[principal].certain:
        assert principal in after
        assert not after[principal].certain
        assert "var.consumer_condition" in after[principal].unknown


@SETTINGS
@given(SECRET_DOCS, KEY_DOCS)
def test_an_unknown_that_decides_nothing_changes_nothing(secret: dict[str, Any], key: dict[str, Any]) -> None:
    """Unknown Sids, Resources and an own-account role created here decide nothing."""
    before = found(secret, key)
    vague = copy.deepcopy(secret)
    for s in vague["Statement"]:
        s["Sid"] = UnknownLeaf("var.sid")
        s["Resource"] = [UnknownLeaf("aws_secretsmanager_secret.db.arn")]
    rotation = UnknownLeaf("aws_iam_role.rotation.arn")
    vague["Statement"].append({"Effect": "Allow", "Principal": {"AWS": [rotation]},
                               "Action": "secretsmanager:PutSecretValue", "Resource": "*"})
    after = found(vague, key)
    assert {p: w.certain for p, w in after.items()} == {p: w.certain for p, w in before.items()}
