"""Tests for tfcheck.iam.principals: every principal form, in every partition."""

from __future__ import annotations

import pytest

from tfcheck.iam.principals import (
    Principal,
    PrincipalKind,
    classify,
    is_specific_identity,
    role_arn_of_session,
    same_account,
)

K = PrincipalKind
ACCT = "222222222222"
PARTITIONS = ["aws", "aws-cn", "aws-us-gov"]


def test_bare_account_id() -> None:
    assert classify("AWS", ACCT) == Principal(K.ACCOUNT, ACCT, ACCT, None, None)


@pytest.mark.parametrize("partition", PARTITIONS)
@pytest.mark.parametrize(
    ("resource", "kind", "name"),
    [
        ("root", K.ACCOUNT, None),
        ("role/App", K.ROLE, "App"),
        ("role/path/App", K.ROLE, "App"),
        ("role/path/x/App", K.ROLE, "App"),
        ("role/service-role/my+role=,.@_-1", K.ROLE, "my+role=,.@_-1"),
        ("user/alice", K.USER, "alice"),
        ("user/division/team/alice", K.USER, "alice"),
    ],
)
def test_iam_arns(partition: str, resource: str, kind: PrincipalKind, name: str | None) -> None:
    value = f"arn:{partition}:iam::{ACCT}:{resource}"
    assert classify("AWS", value) == Principal(kind, value, ACCT, partition, name)


@pytest.mark.parametrize("partition", PARTITIONS)
def test_assumed_role(partition: str) -> None:
    value = f"arn:{partition}:sts::{ACCT}:assumed-role/App/session@example.com"
    assert classify("AWS", value) == Principal(K.ASSUMED_ROLE, value, ACCT, partition, "App")


@pytest.mark.parametrize(
    ("value", "partition"),
    [
        ("arn:AWS:iam::222222222222:root", "aws"),
        ("arn:Aws-Cn:IAM::222222222222:root", "aws-cn"),
        ("ARN:aws-us-gov:iam::222222222222:root", "aws-us-gov"),
    ],
)
def test_prefix_partition_and_service_are_case_insensitive(value: str, partition: str) -> None:
    assert classify("AWS", value) == Principal(K.ACCOUNT, value, ACCT, partition, None)


@pytest.mark.parametrize(
    "value",
    [
        "AROADBQP57FF2AEXAMPLE",
        "AIDACKCEVSQ6C2EXAMPLE",
        "AROA" + "A" * 16,
        "AIDA" + "0123456789ABCDEFGHIJ",
    ],
)
def test_unique_ids(value: str) -> None:
    assert classify("AWS", value) == Principal(K.UNIQUE_ID, value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        " 222222222222",
        "22222222222",
        "2222222222222",
        "\u0662" * 12,  # Arabic-Indic digits are digits to \d, not to IAM
        "AROA" + "A" * 15,
        "aroadbqp57ff2aexample",
        "AGPACKCEVSQ6C2EXAMPLE",
        "arn:aws:iam::*:root",
        "arn:aws:iam::222222222222:role/*",
        "arn:aws:iam::222222222222:role/App?",
        "arn:aws:sts::222222222222:assumed-role/App/*",
        "arn:aws:iam::22222222222:root",
        "arn:aws:iam:us-east-1:222222222222:root",
        "arn:aws:iam::222222222222:ROOT",
        "arn:aws:iam::222222222222:Role/App",
        "arn:aws:iam::222222222222:role",
        "arn:aws:iam::222222222222:role/",
        "arn:aws:iam::222222222222:role//App",
        "arn:aws:iam::222222222222:role/App Name",
        "arn:aws:iam::222222222222:group/admins",
        "arn:aws:iam::222222222222:assumed-role/App/s",
        "arn:aws:sts::222222222222:role/App",
        "arn:aws:sts::222222222222:assumed-role/App",
        "arn:aws:sts::222222222222:assumed-role/App/s/extra",
        "arn:aws:s3:::bucket",
        "arn:aws-iso:iam::222222222222:root",
        "arn:aws:iam::222222222222",
        "arn:aws::222222222222:root",
        "https://example.com",
    ],
)
def test_invalid_under_aws_keeps_the_value(value: str) -> None:
    assert classify("AWS", value) == Principal(K.INVALID, value)


@pytest.mark.parametrize(
    ("ptype", "value", "kind"),
    [
        ("AWS", "*", K.WILDCARD),
        ("*", "*", K.WILDCARD),
        ("*", ACCT, K.INVALID),
        ("Service", "secretsmanager.amazonaws.com", K.SERVICE),
        ("Service", "*", K.SERVICE),
        ("Federated", "cognito-identity.amazonaws.com", K.FEDERATED),
        ("Federated", "arn:aws:iam::222222222222:saml-provider/okta", K.FEDERATED),
        (
            "CanonicalUser",
            "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
            K.CANONICAL_USER,
        ),
        ("aws", ACCT, K.INVALID),
        ("Other", ACCT, K.INVALID),
    ],
)
def test_principal_types(ptype: str, value: str, kind: PrincipalKind) -> None:
    assert classify(ptype, value) == Principal(kind, value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ACCT, False),
        (f"arn:aws:iam::{ACCT}:root", False),
        (f"arn:aws:iam::{ACCT}:role/App", True),
        (f"arn:aws-cn:iam::{ACCT}:user/p/alice", True),
        (f"arn:aws-us-gov:sts::{ACCT}:assumed-role/App/s", True),
        ("AROADBQP57FF2AEXAMPLE", False),
        ("*", False),
        ("arn:aws:iam::*:root", False),
    ],
)
def test_is_specific_identity(value: str, expected: bool) -> None:
    assert is_specific_identity(classify("AWS", value)) is expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (ACCT, f"arn:aws:iam::{ACCT}:root", True),
        (f"arn:aws-cn:iam::{ACCT}:root", f"arn:aws-cn:iam::{ACCT}:role/App", True),
        (f"arn:aws:iam::{ACCT}:root", f"arn:aws-cn:iam::{ACCT}:root", False),
        (ACCT, "333333333333", False),
        ("AROADBQP57FF2AEXAMPLE", "AROADBQP57FF2AEXAMPLE", False),
        ("*", "*", False),
    ],
)
def test_same_account(a: str, b: str, expected: bool) -> None:
    assert same_account(classify("AWS", a), classify("AWS", b)) is expected


def test_role_arn_of_session_drops_the_session() -> None:
    session = classify("AWS", f"arn:aws-cn:sts::{ACCT}:assumed-role/App/s1")
    assert role_arn_of_session(session) == f"arn:aws-cn:iam::{ACCT}:role/App"


def test_kind_is_a_string_enum() -> None:
    assert K.ASSUMED_ROLE == "assumed-role"
    assert [k.name for k in K] == [
        "ACCOUNT",
        "ROLE",
        "USER",
        "ASSUMED_ROLE",
        "UNIQUE_ID",
        "WILDCARD",
        "SERVICE",
        "FEDERATED",
        "CANONICAL_USER",
        "INVALID",
        "UNKNOWN",
    ]
