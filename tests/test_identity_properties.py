"""Properties of the identity side over generated reader policies: Deny, Allow, boundaries, unknowns."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfcheck.access.identities import Attached, Identity
from tfcheck.access.identity_policies import identity_allows, on
from tfcheck.access.match import Vague
from tfcheck.access.request import DECRYPT, READ, Caller, Target, kms_request, secret_request
from tfcheck.iam import parse_policy
from tfcheck.model.resource import Resource, UnknownLeaf

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CALLER = Caller("222222222222", "arn:aws:iam::222222222222:role/app-reader", "AssumedRole")
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:111111111111:secret:shared/payments-AbCdEf"
SHAPE = "arn:aws:secretsmanager:us-east-1:111111111111:secret:shared/payments-??????"
TARGET = Target("us-east-1", Vague(SHAPE, "the secret"))
LEAF = UnknownLeaf("data.aws_secretsmanager_secret.payments.arn")
RESOURCES: list[Any] = [
    "*", "arn:aws:secretsmanager:us-east-1:111111111111:secret:shared/payments-??????",
    "arn:aws:secretsmanager:*:111111111111:secret:shared/*", "arn:aws:secretsmanager:us-west-2:*:secret:*",
    "arn:aws:kms:us-east-1:111111111111:key/*", "arn:aws:kms:*:333333333333:key/*", LEAF,
]
ACTIONS = [READ, "secretsmanager:*", "secretsmanager:Describe*", DECRYPT, "kms:*", "kms:Encrypt", "*"]
CONDITIONS = [
    ("StringEquals", "kms:ViaService", "secretsmanager.us-east-1.amazonaws.com"),
    ("StringEquals", "kms:ViaService", "secretsmanager.us-west-2.amazonaws.com"),
    ("StringEquals", "aws:RequestedRegion", "us-east-1"),
    ("StringNotEquals", "aws:RequestedRegion", "eu-west-1"),
    ("StringLike", "kms:EncryptionContext:SecretARN", "arn:aws:secretsmanager:*:*:secret:shared/*"),
    ("Bool", "aws:SecureTransport", "false"),
    ("IpAddress", "aws:SourceIp", "10.0.0.0/8"),
]


def _statement(effect: str, actions: list[str], resources: list[Any], conditions: list[tuple[str, str, str]]
               ) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": effect, "Action": actions, "Resource": resources}
    block: dict[str, dict[str, str]] = {}
    for op, key, value in conditions:
        block.setdefault(op, {})[key] = value
    if block:
        out["Condition"] = block
    return out


def statements(effect: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(_statement, effect,
                     st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True),
                     st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2, unique=True),
                     st.lists(st.sampled_from(CONDITIONS), max_size=2, unique_by=lambda c: (c[0], c[1])))


POLICIES = st.lists(statements(st.sampled_from(["Allow", "Allow", "Deny"])), min_size=1, max_size=3)


def identity(body: list[dict[str, Any]], boundary: list[dict[str, Any]] | None = None) -> Identity:
    holder = Resource("aws_iam_role_policy.reader", "managed", "aws_iam_role_policy", "reader")
    policy = parse_policy({"Version": "2012-10-17", "Statement": body})
    bounded = None if boundary is None else Attached(
        holder, "policy", parse_policy({"Version": "2012-10-17", "Statement": boundary}))
    role = Resource("aws_iam_role.reader", "managed", "aws_iam_role", "reader")
    return Identity(role, "AssumedRole", "222222222222", CALLER.arn, (Attached(holder, "policy", policy),),
                    boundary=bounded)


REQUESTS = [on(secret_request(CALLER, READ, TARGET), TARGET.arn),
            on(kms_request(CALLER, DECRYPT, TARGET),
               Vague("arn:aws:kms:us-east-1:111111111111:key/*", "key"))]


def answers(who: Identity) -> list[bool | None]:
    return [identity_allows(who, r).decision.value for r in REQUESTS]


@SETTINGS
@given(POLICIES, statements(st.just("Deny")))
def test_a_deny_never_grants(body: list[dict[str, Any]], deny: dict[str, Any]) -> None:
    for before, after in zip(answers(identity(body)), answers(identity([*body, deny])), strict=True):
        assert not (after is True and before is not True)


@SETTINGS
@given(POLICIES, statements(st.just("Allow")))
def test_an_allow_never_refuses(body: list[dict[str, Any]], allow: dict[str, Any]) -> None:
    for before, after in zip(answers(identity(body)), answers(identity([*body, allow])), strict=True):
        assert not (before is True and after is not True)
        assert not (before is not False and after is False)


@SETTINGS
@given(POLICIES, POLICIES)
def test_a_boundary_only_narrows(body: list[dict[str, Any]], boundary: list[dict[str, Any]]) -> None:
    for free, bounded in zip(answers(identity(body)), answers(identity(body, boundary)), strict=True):
        assert not (bounded is True and free is not True)
        assert not (free is False and bounded is not False)


VALUES = [SECRET_ARN, "arn:aws:secretsmanager:us-west-2:444444444444:secret:x-AbCdEf",
          "arn:aws:kms:us-east-1:111111111111:key/1234", "*", "arn:aws:kms:*:111111111111:key/*",
          "arn:aws:secretsmanager:us-east-1:111111111111:secret:shared/payments-*"]


def _concrete(body: list[dict[str, Any]], value: str) -> list[dict[str, Any]]:
    return [{**st_, "Resource": [value if r == LEAF else r for r in st_["Resource"]]} for st_ in body]


@SETTINGS
@given(POLICIES, st.one_of(st.none(), POLICIES), st.sampled_from(VALUES))
def test_an_unknown_resource_is_a_variable(body: list[dict[str, Any]], boundary: list[dict[str, Any]] | None,
                                           value: str) -> None:
    """A definite answer with a value known after apply holds for every value it may take (in
    the identity's policies and in its permissions boundary)."""
    concrete = identity(_concrete(body, value), None if boundary is None else _concrete(boundary, value))
    for unknown, known in zip(answers(identity(body, boundary)), answers(concrete), strict=True):
        assert unknown is None or known is None or unknown == known
