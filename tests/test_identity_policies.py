"""Known answers of the identity side: Resource matching, Deny, boundaries, policies not in the run."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tfcheck.access.identities import Attached, Identity
from tfcheck.access.identity_policies import identity_allows, on
from tfcheck.access.match import Vague
from tfcheck.access.request import DECRYPT, READ, Caller, Target, kms_request, secret_request
from tfcheck.iam import parse_policy
from tfcheck.model.resource import Resource, UnknownLeaf

ROLE = "arn:aws:iam::222222222222:role/app-reader"
CALLER = Caller("222222222222", ROLE, "AssumedRole")
SECRET = Vague("arn:aws:secretsmanager:us-east-1:111111111111:secret:shared/payments-??????", "the secret")
KNOWN = "arn:aws:secretsmanager:us-east-1:111111111111:secret:shared/payments-AbCdEf"
KEY = Vague("arn:aws:kms:us-east-1:111111111111:key/*", "the key")
EAST = Target("us-east-1", SECRET, refs=frozenset({"aws_secretsmanager_secret.shared.arn"}))


def holder(name: str = "reader") -> Resource:
    return Resource(f"aws_iam_role_policy.{name}", "managed", "aws_iam_role_policy", name)


def who(*statements: dict[str, Any], boundary: list[dict[str, Any]] | None = None,
        unseen: tuple[str, ...] = (), unknown: bool = False) -> Identity:
    document = parse_policy({"Version": "2012-10-17", "Statement": list(statements)})
    policies = [Attached(holder(), "policy", document)]
    if unknown:
        policies.append(Attached(holder("later"), "policy", None))
    bounded = None if boundary is None else Attached(
        holder("boundary"), "policy", parse_policy({"Version": "2012-10-17", "Statement": boundary}))
    role = Resource("aws_iam_role.reader", "managed", "aws_iam_role", "reader")
    return Identity(role, "AssumedRole", "222222222222", ROLE, tuple(policies), unseen, bounded)


def read(resource: Any = SECRET) -> Any:
    return on(secret_request(CALLER, READ, EAST), resource, EAST.refs)


def decrypt(resource: Any = KEY) -> Any:
    return on(kms_request(CALLER, DECRYPT, EAST), resource, frozenset({"aws_kms_key.shared.arn"}))


def allow(action: Any, resource: Any, condition: dict[str, Any] | None = None, effect: str = "Allow",
          key: str = "Resource") -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": effect, "Action": action, key: resource}
    if condition:
        st["Condition"] = condition
    return st


SUFFIXED = "arn:aws:secretsmanager:us-east-1:111111111111:secret:shared/payments-??????"
VIA_EAST = {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}


@pytest.mark.parametrize(("statement", "request_", "expected"), [
    (allow(READ, "*"), read(), True),
    (allow("secretsmanager:Get*", SUFFIXED), read(), True),
    (allow(READ, "arn:aws:secretsmanager:us-east-1:111111111111:secret:shared/payments-*"), read(), True),
    # Without the suffix AWS appends, the ARN names no secret.
    (allow(READ, "arn:aws:secretsmanager:us-east-1:111111111111:secret:shared/payments"), read(), False),
    (allow(READ, "arn:aws:secretsmanager:us-east-1:111111111111:secret:shared/payment-*"), read(), False),
    (allow(READ, "arn:aws:secretsmanager:*:111111111111:secret:*"), read(), True),
    (allow(READ, "arn:aws:secretsmanager:us-west-2:111111111111:secret:*"), read(), False),
    # A known ARN, and a pattern that may or may not match a suffix AWS has yet to draw.
    (allow(READ, SUFFIXED), read(KNOWN), True),
    (allow(READ, "arn:aws:secretsmanager:us-east-1:111111111111:secret:shared/payments-A*"), read(), None),
    # NotResource: everything but.
    (allow(READ, ["arn:aws:secretsmanager:*:*:secret:admin/*"], key="NotResource"), read(), True),
    (allow(READ, [SUFFIXED], key="NotResource"), read(), False),
    # The secret's own reference (known after apply) is the secret; another unknown may be anything.
    (allow(READ, UnknownLeaf("aws_secretsmanager_secret.shared.arn")), read(), True),
    (allow(READ, UnknownLeaf("data.aws_secretsmanager_secret.other.arn")), read(), None),
    (allow(DECRYPT, UnknownLeaf("aws_kms_key.shared.arn")), decrypt(), True),
    # kms:Decrypt as Secrets Manager asks it, in the secret's region.
    (allow(DECRYPT, "*", VIA_EAST), decrypt(), True),
    (allow(DECRYPT, "*", {"StringEquals": {"kms:ViaService": "secretsmanager.us-west-2.amazonaws.com"}}),
     decrypt(), False),
    (allow(DECRYPT, "arn:aws:kms:us-east-1:111111111111:key/*"), decrypt(), True),
    (allow(DECRYPT, "arn:aws:kms:us-east-1:111111111111:alias/payments"), decrypt(), False),
    (allow(DECRYPT, "*", {"StringLike": {"kms:EncryptionContext:SecretARN": SUFFIXED}}), decrypt(), True),
    (allow(DECRYPT, "*", {"StringEquals": {"kms:CallerAccount": "333333333333"}}), decrypt(), False),
    (allow("kms:Encrypt", "*"), decrypt(), False),
])
def test_one_statement(statement: dict[str, Any], request_: Any, expected: bool | None) -> None:
    assert identity_allows(who(statement), request_).decision.value is expected


def test_deny_wins_and_names_its_policy() -> None:
    guard = allow("kms:*", "*", {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}, effect="Deny")
    answer = identity_allows(who(allow(DECRYPT, "*"), guard), decrypt())
    assert answer.decision.value is False and answer.denied
    assert answer.place is not None and answer.place.holder.address == "aws_iam_role_policy.reader"


def test_statement_without_resource_allows_nothing() -> None:
    assert identity_allows(who({"Effect": "Allow", "Action": READ}), read()).decision.value is False


def test_refusal_names_the_nearest_statement() -> None:
    answer = identity_allows(who(allow(READ, "arn:aws:secretsmanager:us-east-1:111111111111:secret:other-*")),
                             read())
    assert answer.decision.value is False
    assert answer.decision.why == ("statement #0 of aws_iam_role_policy.reader covers "
                                   "secretsmanager:GetSecretValue on other resources only")


@pytest.mark.parametrize(("boundary", "expected"), [
    ([allow("secretsmanager:*", "*")], True),
    ([allow("s3:*", "*")], False),
    ([allow("*", "*"), allow(READ, "*", effect="Deny")], False),
])
def test_permissions_boundary_must_allow_too(boundary: list[dict[str, Any]], expected: bool) -> None:
    assert identity_allows(who(allow(READ, "*"), boundary=boundary), read()).decision.value is expected


def test_a_boundary_never_grants() -> None:
    bounded = who(allow("s3:*", "*"), boundary=[allow("*", "*")])
    assert identity_allows(bounded, read()).decision.value is False


def test_what_is_not_in_the_run_may_allow() -> None:
    managed = ("arn:aws:iam::aws:policy/ReadOnlyAccess",)
    unseen = identity_allows(who(allow("s3:*", "*"), unseen=managed), read())
    assert unseen.decision.value is None and "ReadOnlyAccess" in unseen.decision.why
    later = identity_allows(who(allow("s3:*", "*"), unknown=True), read())
    assert later.decision.value is None and "aws_iam_role_policy.later" in later.decision.why
    # ... but never against an explicit Deny of a policy that is known.
    denied = identity_allows(who(allow(READ, "*", effect="Deny"), unknown=True), read())
    assert denied.decision.value is False


def test_policy_variables_in_resource() -> None:
    own = allow(READ, "arn:aws:secretsmanager:us-east-1:111111111111:secret:${aws:PrincipalAccount}/*")
    assert identity_allows(who(own), read(KNOWN)).decision.value is False
    mine = replace(EAST, arn="arn:aws:secretsmanager:us-east-1:111111111111:secret:222222222222/x-AbCdEf")
    req = on(secret_request(CALLER, READ, mine), mine.arn)
    assert identity_allows(who(own), req).decision.value is True


@pytest.mark.parametrize(("tags", "unknown", "expected"), [
    ({"team": "payments"}, None, True),
    ({"team": "billing"}, None, False),
    ({}, None, False),  # no such tag: the key is absent, StringEquals is false
    (None, {"tags": True, "tags_all": True}, None),  # tags known after apply
])
def test_resource_tags_of_the_secret(tags: dict[str, str] | None, unknown: Any,
                                     expected: bool | None) -> None:
    secret = Resource("aws_secretsmanager_secret.shared", "managed", "aws_secretsmanager_secret", "shared",
                      values={} if tags is None else {"tags": tags, "tags_all": tags}, unknown=unknown)
    abac = allow(READ, "*", {"StringEquals": {"secretsmanager:ResourceTag/team": "payments"}})
    req = on(secret_request(CALLER, READ, EAST), SECRET, EAST.refs, secret, "secretsmanager")
    assert identity_allows(who(abac), req).decision.value is expected
