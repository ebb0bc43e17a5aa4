"""Tests for tfcheck.iam.evaluate: grantees, public statements, what a key policy allows."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_iam_policy import POLICY_DICTS
from tfcheck.errors import PolicyError
from tfcheck.iam.actions import KMS_FOR_READ, KMS_FOR_WRITE
from tfcheck.iam.conditions import Restriction, restriction_of
from tfcheck.iam.evaluate import Grantee, allows, grantees, is_public, kms_allows_all
from tfcheck.iam.policy import Condition, Policy, parse_policy
from tfcheck.iam.principals import Principal, PrincipalKind, classify

OWNER = "arn:aws:iam::111111111111:root"
ROOT_2 = "arn:aws:iam::222222222222:root"
ROLE_2 = "arn:aws:iam::222222222222:role/App"
ROLE_2_PATH = "arn:aws:iam::222222222222:role/team/App"
OTHER_ROLE_2 = "arn:aws:iam::222222222222:role/Other"
SESSION_2 = "arn:aws:sts::222222222222:assumed-role/App/s1"
ROOT_3 = "arn:aws:iam::333333333333:root"
GET = "secretsmanager:GetSecretValue"
DECRYPT = "kms:Decrypt"


def aws(value: str) -> Principal:
    return classify("AWS", value)


def stmt(principal: Any = "*", action: Any = "*", effect: str = "Allow", **extra: Any) -> dict[str, Any]:
    key = "NotPrincipal" if extra.pop("not_principal", False) else "Principal"
    if isinstance(principal, str) and principal != "*":
        principal = {"AWS": principal}
    out = {"Effect": effect, key: principal, "Action": action, "Resource": "*"}
    if "condition" in extra:
        out["Condition"] = extra.pop("condition")
    out.update(extra)
    return out


def policy(*statements: dict[str, Any]) -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)})


def caller(account: str, operator: str = "StringEquals") -> dict[str, Any]:
    return {operator: {"kms:CallerAccount": account}}


def org(*ids: str, operator: str = "StringEquals") -> dict[str, Any]:
    return {operator: {"aws:PrincipalOrgID": list(ids)}}


def caller_and_org(account: str) -> dict[str, Any]:
    return {"StringEquals": {"kms:CallerAccount": account, "aws:PrincipalOrgID": "o-abc"}}


def wildcard_grantee(condition: dict[str, Any] | None = None) -> Grantee:
    statement = stmt("*", GET) if condition is None else stmt("*", GET, condition=condition)
    found = grantees(policy(statement), GET)
    assert len(found) == 1
    return found[0]


# ---- grantees ---------------------------------------------------------------------------------


def test_grantees_lists_every_allowed_principal_in_order() -> None:
    p = policy(
        stmt({"AWS": [ROOT_2, ROLE_2]}, GET),
        stmt({"AWS": "*"}, "secretsmanager:*", condition=org("o-abc")),
        stmt(ROOT_3, "secretsmanager:DescribeSecret"),
        stmt({"Service": "lambda.amazonaws.com"}, "secretsmanager:Get*"),
        stmt("*", GET, effect="Deny", condition={"Bool": {"aws:SecureTransport": "false"}}),
    )
    found = grantees(p, GET)
    assert [(g.principal.value, g.statement.index) for g in found] == [
        (ROOT_2, 0),
        (ROLE_2, 0),
        ("*", 1),
        ("lambda.amazonaws.com", 3),
    ]
    assert found[2] == Grantee(
        Principal(PrincipalKind.WILDCARD, "*"),
        p.statements[1],
        accounts=None,
        org_ids=frozenset({"o-abc"}),
        arn_patterns=None,
        restricted=True,
    )
    assert (found[0].restricted, found[0].accounts, found[0].org_ids) == (False, None, None)


def test_grantees_match_not_action_and_skip_statements_without_principal() -> None:
    p = parse_policy(
        {
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": ROOT_2}, "NotAction": "secretsmanager:Delete*"},
                {"Effect": "Allow", "Principal": {"AWS": ROOT_3}, "NotAction": "secretsmanager:Get*"},
                {"Effect": "Allow", "Action": GET, "Resource": "*"},
            ]
        }
    )
    assert [g.principal.value for g in grantees(p, GET)] == [ROOT_2]


def test_not_principal_allow_is_a_wildcard_grantee() -> None:
    p = policy(
        stmt({"AWS": ROOT_2}, GET, not_principal=True),
        stmt({"AWS": ROOT_2}, GET, not_principal=True, condition=caller("333333333333")),
    )
    first, second = grantees(p, GET)
    assert first.principal == Principal(PrincipalKind.WILDCARD, "*")
    assert (first.restricted, first.accounts) == (False, None)
    assert (second.restricted, second.accounts) == (True, frozenset({"333333333333"}))


@pytest.mark.parametrize(
    ("deny", "left"),
    [
        (stmt(ROLE_2, GET, effect="Deny"), [ROOT_2, "222222222222", "*", ROOT_3]),
        (stmt("222222222222", GET, effect="Deny"), ["*", ROOT_3]),
        (stmt(ROOT_2, "secretsmanager:*", effect="Deny"), ["*", ROOT_3]),
        (stmt("*", "*", effect="Deny"), []),
        (stmt({"AWS": ["*"]}, GET, effect="Deny"), []),
        (stmt(ROOT_3, "secretsmanager:PutSecretValue", effect="Deny"), None),
        (stmt(ROOT_2, "secretsmanager:Get*", effect="Deny", condition=org("o-abc")), None),
        (stmt("*", GET, effect="Deny", condition={"StringNotEquals": {"aws:PrincipalAccount": "x"}}), None),
        (
            stmt({"AWS": ROOT_2}, GET, effect="Deny", not_principal=True),
            [ROLE_2, ROOT_2, "222222222222", "*"],
        ),
        ({"Effect": "Deny", "Principal": {"AWS": ROOT_2}, "NotAction": GET}, None),
    ],
)
def test_unconditional_deny_subtracts(deny: dict[str, Any], left: list[str] | None) -> None:
    allow = stmt({"AWS": [ROLE_2, ROOT_2, "222222222222", "*", ROOT_3]}, GET)
    expected = [ROLE_2, ROOT_2, "222222222222", "*", ROOT_3] if left is None else left
    assert [g.principal.value for g in grantees(policy(allow, deny), GET)] == expected


def test_deny_removes_a_session_with_its_role() -> None:
    p = policy(stmt(SESSION_2, GET), stmt(ROLE_2_PATH, GET, effect="Deny"))
    assert grantees(p, GET) == []


def test_named_deny_does_not_remove_a_wildcard_grantee() -> None:
    p = policy(stmt("*", GET, condition=caller("222222222222")), stmt(ROOT_3, GET, effect="Deny"))
    assert [g.principal.value for g in grantees(p, GET)] == ["*"]
    p = policy(stmt("*", GET, condition=caller("222222222222")), stmt(ROOT_2, GET, effect="Deny"))
    assert grantees(p, GET) == []


# ---- is_public --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "public"),
    [
        (stmt("*"), True),
        (stmt({"AWS": "*"}), True),
        (stmt({"AWS": ["*"]}), True),
        (stmt({"AWS": [ROOT_2, "*"]}), True),
        (stmt({"AWS": ROOT_2}, not_principal=True), True),
        (stmt("*", condition={"StringEquals": {"aws:SourceAccount": "222222222222"}}), True),
        (stmt("*", condition={"ArnLike": {"aws:SourceArn": "arn:aws:s3:::b"}}), True),
        (stmt("*", condition={"StringEquals": {"kms:ViaService": "secretsmanager.x"}}), True),
        (stmt("*", condition={"StringNotEquals": {"aws:PrincipalAccount": "222222222222"}}), True),
        (stmt("*", condition=org("o-abc")), False),
        (stmt("*", condition=org("o-abc", operator="StringLike")), False),
        (stmt("*", condition=org("o-*", operator="StringLike")), True),
        (stmt("*", condition=org("o-abc", operator="StringEqualsIfExists")), True),
        (stmt("*", condition=org("o-abc", operator="ForAllValues:StringEquals")), True),
        (stmt("*", condition=org("o-abc", operator="ForAnyValue:StringEquals")), False),
        (stmt("*", condition=org("o-abc", operator="StringEqualsIgnoreCase")), True),
        (stmt("*", condition={"StringEquals": {"aws:PrincipalAccount": "222222222222"}}), False),
        (stmt("*", condition={"StringEqualsIfExists": {"aws:principalaccount": "222222222222"}}), False),
        (stmt("*", condition={"StringLike": {"aws:PrincipalAccount": "*"}}), True),
        (stmt("*", condition={"StringLike": {"aws:PrincipalAccount": ["2", "3*"]}}), True),
        (stmt("*", condition={"StringEquals": {"aws:PrincipalAccount": "*"}}), False),
        (stmt("*", condition=caller("222222222222")), False),
        (stmt("*", condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/*"}}), False),
        (stmt("*", condition={"ArnEquals": {"aws:PrincipalArn": ROLE_2}}), False),
        (stmt("*", condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/App"}}), True),
        (stmt("*", condition={"StringLike": {"aws:PrincipalArn": "*:role/App"}}), True),
        (stmt("*", effect="Deny"), False),
        (stmt(ROOT_2), False),
        (stmt({"Service": "*"}), False),
    ],
)
def test_is_public(statement: dict[str, Any], public: bool) -> None:
    p = policy(stmt(OWNER), statement)
    assert is_public(p) == ([p.statements[1]] if public else [])


def test_restriction_intersects_conditions_on_one_key() -> None:
    conditions = (
        Condition("StringEquals", "aws:principalaccount", ("222222222222", "333333333333")),
        Condition("StringEquals", "kms:calleraccount", ("333333333333",)),
        Condition("StringLike", "aws:principalarn", ("arn:aws:iam::333333333333:role/*",)),
    )
    assert restriction_of(conditions) == Restriction(
        accounts=frozenset({"333333333333"}),
        org_ids=None,
        arn_patterns=("arn:aws:iam::333333333333:role/*",),
    )


# ---- allows -----------------------------------------------------------------------------------

OWNER_STATEMENT = stmt(OWNER, "kms:*", Sid="Enable IAM policies")


@pytest.mark.parametrize(
    ("key_principal", "who", "expected"),
    [
        (ROOT_2, ROOT_2, True),
        (ROOT_2, "222222222222", True),
        ("222222222222", ROOT_2, True),
        (ROOT_2, ROLE_2, True),
        (ROOT_2, SESSION_2, True),
        (ROOT_2, ROOT_3, False),
        (ROLE_2, ROOT_2, False),
        (ROLE_2, "222222222222", False),
        (ROLE_2, ROLE_2, True),
        (ROLE_2, OTHER_ROLE_2, False),
        (ROLE_2, SESSION_2, True),
        (ROLE_2_PATH, SESSION_2, True),
        (SESSION_2, ROLE_2, False),
        (SESSION_2, SESSION_2, True),
        ("arn:aws-cn:iam::222222222222:root", ROLE_2, False),
        ("arn:aws-cn:iam::222222222222:root", "arn:aws-cn:iam::222222222222:user/u", True),
        ("AROADBQP57FF2AEXAMPLE", "AROADBQP57FF2AEXAMPLE", True),
        ("AROADBQP57FF2AEXAMPLE", ROLE_2, False),
        ("*", ROLE_2, True),
        ("*", "*", True),
        (ROOT_2, "*", False),
    ],
)
def test_allows_named_principals(key_principal: str, who: str, expected: bool) -> None:
    key = policy(OWNER_STATEMENT, stmt({"AWS": key_principal}, ["kms:Decrypt", "kms:DescribeKey"]))
    assert allows(key, aws(who), DECRYPT) is expected


def test_allows_needs_the_action() -> None:
    key = policy(OWNER_STATEMENT, stmt(ROOT_2, ["kms:Describe*", "kms:Encrypt"]))
    assert allows(key, aws(ROOT_2), DECRYPT) is False
    key = policy(OWNER_STATEMENT, stmt(ROOT_2, ["kms:De?rypt"]))
    assert allows(key, aws(ROOT_2), "KMS:decrypt") is True


# The statement AWS puts in the policy of aws/secretsmanager, and the cross-account copy of it.
def managed_pattern(account: str) -> dict[str, Any]:
    return stmt(
        "*",
        ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        condition={
            "StringEquals": {
                "kms:CallerAccount": account,
                "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com",
            }
        },
    )


@pytest.mark.parametrize(
    ("statement", "who", "expected"),
    [
        (managed_pattern("111111111111"), ROOT_2, False),
        (managed_pattern("111111111111"), "arn:aws:iam::111111111111:role/x", True),
        (managed_pattern("222222222222"), ROOT_2, True),
        (managed_pattern("222222222222"), "222222222222", True),
        (managed_pattern("222222222222"), SESSION_2, True),
        (managed_pattern("222222222222"), "AROADBQP57FF2AEXAMPLE", None),
        (managed_pattern("222222222222"), "*", False),
        (
            stmt("*", condition={"StringEquals": {"aws:PrincipalAccount": ["3", "222222222222"]}}),
            ROLE_2,
            True,
        ),
        (
            stmt("*", condition={"StringEqualsIfExists": {"aws:PrincipalAccount": "222222222222"}}),
            ROLE_2,
            True,
        ),
        (
            stmt("*", condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/A*"}}),
            ROLE_2,
            True,
        ),
        (
            stmt("*", condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/A*"}}),
            OTHER_ROLE_2,
            False,
        ),
        (
            stmt("*", condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/A*"}}),
            ROOT_2,
            False,
        ),
        (
            stmt("*", condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/A*"}}),
            SESSION_2,
            True,
        ),
        (stmt("*", condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:*"}}), ROOT_2, True),
        (
            stmt("*", condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:*"}}),
            "222222222222",
            True,
        ),
        (stmt("*", condition=org("o-abc")), ROOT_2, None),
        (stmt("*", condition=org("o-abc")), ROLE_2, None),
        (stmt("*", condition=caller_and_org("333333333333")), ROLE_2, False),
        (stmt("*", condition={"StringEquals": {"aws:SourceAccount": "333333333333"}}), ROLE_2, True),
        (stmt(ROOT_2, condition={"ArnEquals": {"aws:PrincipalArn": ROLE_2}}), ROLE_2, True),
        (stmt(ROOT_2, condition={"ArnEquals": {"aws:PrincipalArn": ROLE_2}}), ROOT_2, False),
    ],
)
def test_allows_wildcard_statements(statement: dict[str, Any], who: str, expected: bool | None) -> None:
    statement["Action"] = statement["Action"] if statement["Action"] != "*" else DECRYPT
    assert allows(policy(OWNER_STATEMENT, statement), aws(who), DECRYPT) is expected


@pytest.mark.parametrize(
    ("statement", "grantee_condition", "expected"),
    [
        (stmt("*", condition=org("o-abc")), org("o-abc"), True),
        (stmt("*", condition=org("o-abc", "o-xyz")), org("o-abc"), True),
        (stmt("*", condition=org("o-abc")), org("o-abc", "o-xyz"), False),
        (stmt("*", condition=org("o-xyz")), org("o-abc"), False),
        (stmt("*", condition=org("o-abc")), None, False),
        (stmt("*"), org("o-abc"), True),
        (stmt("*"), None, True),
        (stmt(ROOT_2), org("o-abc"), False),
        (stmt("*", condition=caller("222222222222")), org("o-abc"), False),
        (stmt(ROOT_2), caller("222222222222"), True),
        (stmt("222222222222"), {"StringEquals": {"aws:PrincipalAccount": ["222222222222", "3"]}}, False),
        (stmt("*", condition=caller("222222222222")), caller("222222222222"), True),
        (stmt("*", condition=org("o-abc")), caller("222222222222"), None),
        (stmt("*", condition=org("o-abc")), caller_and_org("222222222222"), True),
        (stmt(ROOT_2), {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/*"}}, True),
        (stmt(ROLE_2), {"ArnEquals": {"aws:PrincipalArn": ROLE_2}}, True),
        (stmt(ROLE_2), {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/*"}}, False),
        (
            stmt("*", condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:*"}}),
            caller("222222222222"),
            True,
        ),
    ],
)
def test_allows_wildcard_grantees(
    statement: dict[str, Any], grantee_condition: dict[str, Any] | None, expected: bool | None
) -> None:
    statement["Action"] = DECRYPT
    key = policy(OWNER_STATEMENT, statement)
    assert allows(key, wildcard_grantee(grantee_condition), DECRYPT) is expected


def test_named_grantee_is_judged_by_its_principal() -> None:
    (grantee,) = grantees(policy(stmt(ROLE_2, GET)), GET)
    assert allows(policy(stmt(ROOT_2, DECRYPT)), grantee, DECRYPT) is True
    assert allows(policy(stmt(ROOT_3, DECRYPT)), grantee, DECRYPT) is False


@pytest.mark.parametrize(
    ("deny", "expected"),
    [
        (stmt("*", DECRYPT, effect="Deny"), False),
        (stmt(ROOT_2, "kms:*", effect="Deny"), False),
        (stmt(ROLE_2, DECRYPT, effect="Deny"), True),
        (stmt(ROOT_3, DECRYPT, effect="Deny"), True),
        (stmt("*", "kms:GenerateDataKey", effect="Deny"), True),
        (stmt("*", DECRYPT, effect="Deny", condition={"Bool": {"aws:SecureTransport": "false"}}), None),
        (stmt(ROOT_2, DECRYPT, effect="Deny", condition=org("o-abc")), None),
        (stmt(ROOT_3, DECRYPT, effect="Deny", condition=org("o-abc")), True),
        (stmt({"AWS": OWNER}, DECRYPT, effect="Deny", not_principal=True), False),
        (stmt({"AWS": [OWNER, ROOT_2]}, DECRYPT, effect="Deny", not_principal=True), True),
    ],
)
def test_allows_with_deny(deny: dict[str, Any], expected: bool | None) -> None:
    key = policy(OWNER_STATEMENT, stmt(ROOT_2, DECRYPT), deny)
    assert allows(key, aws(ROOT_2), DECRYPT) is expected


@pytest.mark.parametrize(
    ("deny", "expected"),
    [
        (stmt("*", DECRYPT, effect="Deny"), False),
        (stmt(ROOT_2, DECRYPT, effect="Deny"), False),
        (stmt(ROOT_3, DECRYPT, effect="Deny"), True),
        (stmt("*", DECRYPT, effect="Deny", condition=org("o-abc")), None),
        (stmt({"AWS": ROOT_2}, DECRYPT, effect="Deny", not_principal=True), True),
        (stmt({"AWS": ROOT_3}, DECRYPT, effect="Deny", not_principal=True), False),
    ],
)
def test_allows_wildcard_grantee_with_deny(deny: dict[str, Any], expected: bool | None) -> None:
    key = policy(stmt("*", DECRYPT), deny)
    assert allows(key, wildcard_grantee(caller("222222222222")), DECRYPT) is expected


def test_deny_may_cover_part_of_an_org_grantee() -> None:
    key = policy(stmt("*", DECRYPT), stmt(ROOT_3, DECRYPT, effect="Deny"))
    assert allows(key, wildcard_grantee(org("o-abc")), DECRYPT) is None


@pytest.mark.parametrize(
    ("who", "expected"),
    [(ROOT_2, False), ("222222222222", False), (ROLE_2, False), (ROOT_3, True), ("*", False)],
)
def test_not_principal_allow_in_a_key_policy(who: str, expected: bool) -> None:
    key = policy(stmt({"AWS": ROOT_2}, DECRYPT, not_principal=True))
    assert allows(key, aws(who), DECRYPT) is expected


def test_empty_policy_allows_nothing() -> None:
    assert allows(policy(), aws(ROOT_2), DECRYPT) is False


@pytest.mark.parametrize(
    ("statements", "actions", "expected"),
    [
        ([stmt(ROOT_2, ["kms:Decrypt", "kms:GenerateDataKey*"])], KMS_FOR_WRITE, True),
        ([stmt(ROOT_2, "kms:Decrypt")], KMS_FOR_READ, True),
        ([stmt(ROOT_2, "kms:Decrypt")], KMS_FOR_WRITE, False),
        ([stmt("*", "kms:*", condition=org("o-abc"))], KMS_FOR_WRITE, None),
        (
            [stmt("*", "kms:Decrypt", condition=org("o-abc")), stmt(ROOT_3, "kms:GenerateDataKey")],
            KMS_FOR_WRITE,
            False,
        ),
        ([stmt(ROOT_2, "kms:*")], (), True),
    ],
)
def test_kms_allows_all(
    statements: list[dict[str, Any]], actions: tuple[str, ...], expected: bool | None
) -> None:
    assert kms_allows_all(policy(*statements), aws(ROLE_2), actions) is expected


# ---- properties -------------------------------------------------------------------------------

_WHO = st.sampled_from([ROOT_2, "222222222222", ROLE_2, SESSION_2, "AROADBQP57FF2AEXAMPLE", "*"])
_ACTION = st.sampled_from([GET, DECRYPT, "kms:GenerateDataKey", "secretsmanager:DescribeSecret"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(POLICY_DICTS, _WHO, _ACTION)
def test_evaluation_is_total_and_a_blanket_deny_wins(doc: dict[str, Any], who: str, action: str) -> None:
    try:
        p = parse_policy(doc)
    except PolicyError:
        return
    principal = aws(who)
    answer = allows(p, principal, action)
    assert answer in (True, False, None)
    assert kms_allows_all(p, principal, (action,)) is answer
    found = grantees(p, action)
    assert all(g.statement.effect == "Allow" for g in found)
    assert all(allows(p, g, action) in (True, False, None) for g in found)
    assert all(s.effect == "Allow" for s in is_public(p))
    denied = Policy(p.version, (*p.statements, policy(stmt("*", action, effect="Deny")).statements[0]))
    assert allows(denied, principal, action) is False
    assert grantees(denied, action) == []
