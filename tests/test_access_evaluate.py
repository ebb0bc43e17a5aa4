"""Known answers of the access evaluator: conditions, statements, policies, keys and grants."""

from __future__ import annotations

from typing import Any

import pytest

from tfcheck.access.conditions import check
from tfcheck.access.evaluate import grant_allows, key_allows, policy_allows
from tfcheck.access.key_facts import KeyFacts, KeyKind, PolicyState
from tfcheck.access.match import Vague, arn_like, intersects, like
from tfcheck.access.request import Caller, Target, direct_kms_request, kms_request, secret_request
from tfcheck.access.sharing import refusals
from tfcheck.iam import Condition, parse_policy
from tfcheck.model.resource import Resource, UnknownLeaf

OWNER = "111111111111"
APP = Caller("222222222222", "arn:aws:iam::222222222222:role/app-x", "AssumedRole")
ORG_APP = Caller("222222222222", "arn:aws:iam::222222222222:role/app-x", "AssumedRole", org_id="o-abc",
                 org_paths=("o-abc/r-ab12/ou-ab12-1111/",))
ROOT = Caller("222222222222", "arn:aws:iam::222222222222:root", "Account")
EAST = Target("us-east-1", Vague(f"arn:aws:secretsmanager:us-east-1:{OWNER}:secret:billing/db-??????", "arn"))
GET = "secretsmanager:GetSecretValue"
APPS = "arn:aws:iam::222222222222:role/app-*"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(principal: Any, action: Any, condition: dict[str, Any] | None = None,
          effect: str = "Allow") -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": effect, "Principal": principal, "Action": action, "Resource": "*"}
    if condition:
        st["Condition"] = condition
    return st


@pytest.mark.parametrize(("operator", "key", "values", "caller", "expected"), [
    ("StringEquals", "aws:PrincipalAccount", ["222222222222"], APP, True),
    ("StringEquals", "aws:PrincipalAccount", ["333333333333", "222222222222"], APP, True),  # values OR
    ("StringNotEquals", "aws:PrincipalAccount", ["333333333333", "222222222222"], APP, False),  # NOR
    ("ArnLike", "aws:PrincipalArn", ["arn:aws:iam::222222222222:role/app-*"], APP, True),
    ("ArnLike", "aws:PrincipalArn", ["arn:aws:iam::*:role/app-*"], APP, True),
    ("ArnLike", "aws:PrincipalArn", ["arn:aws:iam::222222222222:role/batch-*"], APP, False),
    ("ArnLike", "aws:PrincipalArn", ["arn:aws:iam::222222222222:*"], ROOT, True),
    ("StringLike", "aws:PrincipalArn", ["arn:aws:iam::2222*"], APP, True),
    ("StringEqualsIgnoreCase", "aws:PrincipalType", ["assumedrole"], APP, True),
    # A key AWS does not set: false, but true for negated operators, IfExists and ForAllValues.
    ("StringEquals", "aws:PrincipalOrgID", ["o-abc"], APP, False),
    ("StringNotEquals", "aws:PrincipalOrgID", ["o-abc"], APP, True),
    ("StringEqualsIfExists", "aws:PrincipalOrgID", ["o-abc"], APP, True),
    ("ForAllValues:StringLike", "aws:PrincipalOrgPaths", ["o-abc/*"], APP, True),
    ("ForAnyValue:StringLike", "aws:PrincipalOrgPaths", ["o-abc/*"], APP, False),
    ("ForAnyValue:StringLike", "aws:PrincipalOrgPaths", ["o-abc/r-ab12/*"], ORG_APP, True),
    ("ForAnyValue:StringLike", "aws:PrincipalOrgPaths", ["o-xyz/*"], ORG_APP, False),
    ("StringEquals", "aws:SourceAccount", [OWNER], APP, False),  # absent on a direct call
    ("StringEqualsIfExists", "aws:SourceAccount", [OWNER], APP, True),
    ("Null", "aws:PrincipalOrgID", ["true"], APP, True),
    ("Null", "aws:PrincipalOrgID", ["false"], ORG_APP, True),
    ("Bool", "aws:SecureTransport", ["true"], APP, True),
    ("StringEquals", "aws:PrincipalAccount", ["${aws:PrincipalAccount}"], APP, True),  # a policy variable
    # Keys tfcheck cannot know, operators it does not evaluate, unknown values: never "met".
    ("StringEquals", "aws:PrincipalTag/team", ["a"], APP, None),
    ("IpAddress", "aws:SourceIp", ["10.0.0.0/8"], APP, None),
    ("DateGreaterThan", "aws:CurrentTime", ["2020-01-01T00:00:00Z"], APP, None),
    ("StringFancy", "aws:PrincipalAccount", ["222222222222"], APP, None),
])
def test_condition(operator: str, key: str, values: list[str], caller: Caller, expected: bool | None) -> None:
    request = secret_request(caller, GET, EAST)
    assert check(Condition(operator, key.lower(), tuple(values)), request).value is expected


def test_an_unknown_condition_value_decides_nothing_for_certain() -> None:
    request = kms_request(APP, "kms:Decrypt", EAST)
    cond = Condition("StringEquals", "kms:viaservice", (UnknownLeaf("var.region"),))
    verdict = check(cond, request)
    assert verdict.value is None and "var.region" in verdict.why


def test_kms_context_as_secrets_manager_sets_it() -> None:
    request = kms_request(APP, "kms:Decrypt", EAST)
    assert request.context["kms:viaservice"] == "secretsmanager.us-east-1.amazonaws.com"
    assert request.context["kms:calleraccount"] == "222222222222"
    china = kms_request(APP, "kms:Decrypt", Target("cn-north-1", "arn:aws-cn:x", "aws-cn"))
    assert china.context["kms:viaservice"] == "secretsmanager.cn-north-1.amazonaws.com.cn"
    assert "kms:viaservice" in direct_kms_request(APP, "kms:Decrypt", "us-east-1").absent


@pytest.mark.parametrize(("value", "pattern", "expected"), [
    (Vague("arn:aws:secretsmanager:us-east-1:1:secret:billing/db-??????", ""),
     "arn:aws:secretsmanager:us-east-1:1:secret:billing/*", True),
    (Vague("arn:aws:secretsmanager:us-east-1:1:secret:billing/db-??????", ""),
     "arn:aws:secretsmanager:us-east-1:1:secret:partner/*", False),
    (Vague("arn:aws:secretsmanager:us-east-1:1:secret:billing/db-??????", ""),
     "arn:aws:secretsmanager:us-east-1:1:secret:billing/db-AbCdEf", None),
])
def test_a_value_known_by_its_shape(value: Vague, pattern: str, expected: bool | None) -> None:
    assert like(value, pattern) is expected
    assert arn_like(value, pattern) is expected


def test_glob_intersection() -> None:
    assert intersects("a*c", "ab*")
    assert not intersects("a*c", "b*")
    assert intersects("role/app-?", "role/*-x")


def test_explicit_deny_wins_and_conditional_deny_applies_when_provable() -> None:
    policy = parse_policy(doc(
        allow({"AWS": "arn:aws:iam::222222222222:root"}, GET),
        allow("*", "secretsmanager:*", {"StringNotEquals": {"aws:PrincipalAccount": OWNER}}, "Deny")))
    decision = policy_allows(policy, secret_request(APP, GET, EAST))
    assert decision.value is False and "denies" in decision.why


def test_not_principal_and_not_action() -> None:
    policy = parse_policy(doc({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::333333333333:root"},
                               "NotAction": "secretsmanager:DeleteSecret", "Resource": "*"}))
    assert policy_allows(policy, secret_request(APP, GET, EAST)).value is True
    assert policy_allows(policy, secret_request(APP, "secretsmanager:DeleteSecret", EAST)).value is False
    other = Caller("333333333333", "arn:aws:iam::333333333333:role/x", "AssumedRole")
    assert policy_allows(policy, secret_request(other, GET, EAST)).value is False


def test_actions_are_case_insensitive_with_wildcards() -> None:
    policy = parse_policy(doc(allow({"AWS": "222222222222"}, "SecretsManager:get*")))
    assert policy_allows(policy, secret_request(APP, GET, EAST)).value is True


def test_a_role_principal_covers_its_sessions_only() -> None:
    policy = parse_policy(doc(allow({"AWS": "arn:aws:iam::222222222222:role/app-x"}, GET)))
    assert policy_allows(policy, secret_request(APP, GET, EAST)).value is True
    assert policy_allows(policy, secret_request(ROOT, GET, EAST)).value is False


def test_an_unknown_principal_may_be_anyone_but_an_own_role_is_not() -> None:
    unknown = parse_policy(doc(allow({"AWS": [UnknownLeaf("var.reader_arn")]}, GET)))
    assert policy_allows(unknown, secret_request(APP, GET, EAST)).value is None
    own = parse_policy(doc(allow({"AWS": [UnknownLeaf("aws_iam_role.rotation.arn")]}, GET)))
    assert policy_allows(own, secret_request(APP, GET, EAST)).value is False


def _key(*statements: dict[str, Any], grants: tuple[Resource, ...] = ()) -> KeyFacts:
    return KeyFacts(KeyKind.CUSTOMER, policy=parse_policy(doc(*statements)), policy_state=PolicyState.SET,
                    grants=grants)


def _grant(grantee: str, operations: list[str], constraints: list[dict[str, Any]] | None = None) -> Resource:
    return Resource("aws_kms_grant.g", "managed", "aws_kms_grant", "g",
                    values={"grantee_principal": grantee, "operations": operations,
                            "constraints": constraints or []})


def test_key_refuses_via_service_of_another_region() -> None:
    key = _key(allow({"AWS": "arn:aws:iam::222222222222:root"}, "kms:Decrypt",
                     {"StringEquals": {"kms:ViaService": "secretsmanager.us-west-2.amazonaws.com"}}))
    decision = key_allows(key, kms_request(APP, "kms:Decrypt", EAST))
    assert decision.value is False and "kms:viaservice" in decision.why


def test_grants_with_encryption_context_constraints() -> None:
    arn = f"arn:aws:secretsmanager:us-east-1:{OWNER}:secret:billing/db-AbCdEf"
    target = Target("us-east-1", arn)
    request = kms_request(APP, "kms:Decrypt", target)
    subset = _grant(APP.arn, ["Decrypt"], [{"encryption_context_subset": {"SecretARN": arn}}])
    assert grant_allows(subset, request).value is True
    other = _grant(APP.arn, ["Decrypt"], [{"encryption_context_subset": {"SecretARN": arn + "x"}}])
    assert grant_allows(other, request).value is False
    # Secrets Manager sends SecretVersionId too: an exact context of SecretARN alone never fits.
    exact = _grant(APP.arn, ["Decrypt"], [{"encryption_context_equals": {"SecretARN": arn}}])
    assert grant_allows(exact, request).value is False
    assert grant_allows(_grant(APP.arn, ["Encrypt"]), request).value is False
    assert grant_allows(_grant("arn:aws:iam::222222222222:root", ["Decrypt"]), request).value is True


def test_a_key_deny_overrides_a_grant() -> None:
    key = _key(allow({"AWS": "222222222222"}, "kms:*", effect="Deny"), grants=(_grant(APP.arn, ["Decrypt"]),))
    assert key_allows(key, kms_request(APP, "kms:Decrypt", EAST)).value is False


def test_aws_managed_and_default_keys_refuse_other_accounts() -> None:
    assert key_allows(KeyFacts(KeyKind.AWS_MANAGED), kms_request(APP, "kms:Decrypt", EAST)).value is False
    default = KeyFacts(KeyKind.CUSTOMER, policy_state=PolicyState.DEFAULT)
    assert key_allows(default, kms_request(APP, "kms:Decrypt", EAST)).value is False
    unknown = KeyFacts(KeyKind.CUSTOMER, policy_state=PolicyState.UNKNOWN, reason="r")
    assert key_allows(unknown, kms_request(APP, "kms:Decrypt", EAST)).value is None


def test_the_recommended_pattern_on_both_sides_passes() -> None:
    condition = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/app-*"}}
    secret = parse_policy(doc(allow({"AWS": "arn:aws:iam::222222222222:root"}, GET, condition)))
    key = _key(allow({"AWS": "arn:aws:iam::222222222222:root"}, "kms:Decrypt", {
        **condition, "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}))
    assert refusals(secret, key, frozenset({OWNER}), EAST) == {}


def test_a_key_for_other_roles_gives_a_witness_of_an_allowed_role() -> None:
    root = {"AWS": "arn:aws:iam::222222222222:root"}
    secret = parse_policy(doc(allow(root, GET, {"ArnLike": {"aws:PrincipalArn": APPS}})))
    key = _key(allow(root, "kms:Decrypt", {"ArnLike": {"aws:PrincipalArn": APPS.replace("app-", "batch-")}}))
    found = refusals(secret, key, frozenset({OWNER}), EAST)
    witness = found["arn:aws:iam::222222222222:root"]
    assert witness.certain and witness.caller.arn == "arn:aws:iam::222222222222:role/app-x"
    assert "role/batch-*" in witness.text() and "kms:Decrypt" in witness.text()


def test_writers_need_generate_data_key_and_decrypt_only_advises() -> None:
    secret = parse_policy(doc(allow({"AWS": "222222222222"}, "secretsmanager:PutSecretValue")))
    only_decrypt = _key(allow({"AWS": "222222222222"}, "kms:Decrypt"))
    assert refusals(secret, only_decrypt, frozenset({OWNER}), EAST)["222222222222"].certain
    only_generate = _key(allow({"AWS": "222222222222"}, "kms:GenerateDataKey"))
    witness = refusals(secret, only_generate, frozenset({OWNER}), EAST)["222222222222"]
    assert not witness.certain and "AWS documents" in witness.unknown


def _public(*statements: dict[str, Any]) -> Any:
    from tfcheck.access.decide import Asker
    from tfcheck.access.sharing import sharing

    _, witness = sharing(parse_policy(doc(*statements)), [], frozenset({OWNER}), frozenset({OWNER}), EAST,
                         False, Asker())
    return None if witness is None else witness.certain


@pytest.mark.parametrize(("condition", "expected"), [
    (None, True),
    ({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}, None),
    ({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc/*"}}, None),
    ({"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": "o-abc/*"}}, True),  # absent: met
    ({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"}}, True),
    ({"StringEquals": {"aws:PrincipalAccount": OWNER}}, None),
    ({"StringLike": {"aws:PrincipalAccount": "*"}}, True),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deploy"}}, True),
    ({"StringEquals": {"aws:SourceAccount": OWNER}}, None),
    ({"StringEqualsIfExists": {"aws:SourceAccount": OWNER}}, True),
    ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, True),  # any account's user can have MFA
])
def test_who_else_a_wildcard_lets_in(condition: dict[str, Any] | None, expected: bool | None) -> None:
    """True: public for certain; None: no account the policies do not name is let in."""
    assert _public(allow("*", GET, condition)) is expected


def test_a_deny_on_a_key_the_caller_chooses_does_not_hide_a_finding() -> None:
    """A Deny that needs a principal tag misses a caller without tags: still certain."""
    secret = parse_policy(doc(allow({"AWS": "222222222222"}, GET),
                              allow("*", "secretsmanager:*", {"StringEquals": {"aws:PrincipalTag/x": "y"}},
                                    "Deny")))
    found = refusals(secret, KeyFacts(KeyKind.AWS_MANAGED), frozenset({OWNER}), EAST)
    assert found["222222222222"].certain


def test_org_membership_of_a_named_account_is_not_assumed() -> None:
    secret = parse_policy(doc(allow({"AWS": "222222222222"}, GET)))
    key = _key(allow("*", "kms:Decrypt", {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}))
    witness = refusals(secret, key, frozenset({OWNER}), EAST)["222222222222"]
    assert not witness.certain and "o-abc" in witness.unknown or "organization" in witness.unknown


def test_a_principal_carries_the_sensitivity_of_its_document() -> None:
    from tfcheck.rules.base import HIDDEN, show

    hidden = parse_policy(doc(allow({"AWS": "arn:aws:iam::222222222222:role/app-x"}, GET)), sensitive=True)
    shown = parse_policy(doc(allow({"AWS": "arn:aws:iam::222222222222:role/app-x"}, GET)))
    assert show(hidden.statements[0].principals[0]) == HIDDEN  # type: ignore[index]
    assert show(shown.statements[0].principals[0]) == "arn:aws:iam::222222222222:role/app-x"  # type: ignore[index]


def test_a_replica_is_asked_in_its_own_region() -> None:
    from tfcheck.access.targets import replica_target

    west = replica_target(Target("us-east-1", f"arn:aws:secretsmanager:us-east-1:{OWNER}:secret:db-AbCdEf"),
                          "us-west-2")
    assert west.arn == f"arn:aws:secretsmanager:us-west-2:{OWNER}:secret:db-AbCdEf"
    assert kms_request(APP, "kms:Decrypt", west).context["kms:viaservice"] == \
        "secretsmanager.us-west-2.amazonaws.com"
    secret = parse_policy(doc(allow({"AWS": "222222222222"}, GET)))
    east_only = _key(allow({"AWS": "222222222222"}, "kms:Decrypt",
                           {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}))
    assert refusals(secret, east_only, frozenset({OWNER}), EAST) == {}
    assert refusals(secret, east_only, frozenset({OWNER}), west)["222222222222"].certain
