"""Tests for tfcheck.iam.policy: shorthand normalisation, errors, canonical form."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfcheck.access.evaluate import statement_applies
from tfcheck.access.request import Caller, Request
from tfcheck.errors import PolicyError
from tfcheck.iam.policy import (
    Condition,
    Policy,
    Statement,
    parse_policy,
    to_dict,
)
from tfcheck.iam.principals import Principal, PrincipalKind, classify

ROOT = "arn:aws:iam::222222222222:root"
WILDCARD = Principal(PrincipalKind.WILDCARD, "*")


def _one(statement: dict[str, Any]) -> Statement:
    return parse_policy({"Version": "2012-10-17", "Statement": [statement]}).statements[0]


def test_full_statement() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Principal": {"AWS": [ROOT, "arn:aws:iam::333333333333:role/App"]},
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}},
            }
        ],
    }
    assert parse_policy(json.dumps(doc)) == Policy(
        "2012-10-17",
        (
            Statement(
                sid="Read",
                effect="Allow",
                principals=(
                    Principal(PrincipalKind.ACCOUNT, ROOT, "222222222222", "aws"),
                    Principal(
                        PrincipalKind.ROLE,
                        "arn:aws:iam::333333333333:role/App",
                        "333333333333",
                        "aws",
                        "App",
                    ),
                ),
                not_principals=None,
                actions=("secretsmanager:GetSecretValue",),
                not_actions=None,
                resources=("*",),
                not_resources=None,
                conditions=(Condition("StringEquals", "aws:principalorgid", ("o-abc",)),),
                index=0,
            ),
        ),
    )


def test_string_and_dict_inputs_agree() -> None:
    doc = {"Statement": {"Effect": "Deny", "Principal": "*", "NotAction": "kms:*"}}
    assert parse_policy(json.dumps(doc)) == parse_policy(doc)


def test_statement_as_object_or_list() -> None:
    st = {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt"}
    assert parse_policy({"Statement": st}) == parse_policy({"Statement": [st]})


def test_empty_statement_list() -> None:
    assert parse_policy({"Version": "2012-10-17", "Statement": []}) == Policy("2012-10-17", ())


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
def test_principal_star_shorthands(principal: Any) -> None:
    statement = _one({"Effect": "Allow", "Principal": principal, "Action": "a"})
    assert statement.principals == (WILDCARD,)
    assert statement.not_principals is None


@pytest.mark.parametrize(
    ("field", "attribute"),
    [
        ("Action", "actions"),
        ("NotAction", "not_actions"),
        ("Resource", "resources"),
        ("NotResource", "not_resources"),
    ],
)
@pytest.mark.parametrize(
    ("value", "expected"), [("x", ("x",)), (["x"], ("x",)), (["x", "y"], ("x", "y")), ([], ())]
)
def test_string_or_list_fields(field: str, attribute: str, value: Any, expected: Any) -> None:
    base = {"Effect": "Allow", "Principal": "*"}
    if field not in ("Action", "NotAction"):
        base["Action"] = "a"
    assert getattr(_one({**base, field: value}), attribute) == expected


def test_absent_fields_are_none() -> None:
    statement = _one({"Effect": "Deny", "Action": "a"})
    assert (statement.sid, statement.principals, statement.not_principals) == (None, None, None)
    assert (statement.not_actions, statement.resources, statement.not_resources) == (None,) * 3
    assert statement.conditions == ()
    assert parse_policy({"Statement": []}).version is None


def test_principal_map_with_every_type_keeps_order() -> None:
    statement = _one(
        {
            "Effect": "Allow",
            "NotPrincipal": {
                "Service": "secretsmanager.amazonaws.com",
                "AWS": ["222222222222", ROOT],
                "Federated": "cognito-identity.amazonaws.com",
                "CanonicalUser": "abc",
            },
            "Action": "a",
        }
    )
    assert statement.principals is None
    assert statement.not_principals == (
        classify("Service", "secretsmanager.amazonaws.com"),
        classify("AWS", "222222222222"),
        classify("AWS", ROOT),
        classify("Federated", "cognito-identity.amazonaws.com"),
        classify("CanonicalUser", "abc"),
    )


def test_empty_principal_map() -> None:
    assert _one({"Effect": "Allow", "Principal": {}, "Action": "a"}).principals == ()


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ({"StringEquals": {"aws:PrincipalAccount": "1"}}, ("StringEquals", "aws:principalaccount", ("1",))),
        ({"StringLike": {"AWS:PrincipalArn": ["a", "b"]}}, ("StringLike", "aws:principalarn", ("a", "b"))),
        ({"Bool": {"aws:SecureTransport": True}}, ("Bool", "aws:securetransport", ("true",))),
        ({"Bool": {"aws:SecureTransport": [False]}}, ("Bool", "aws:securetransport", ("false",))),
        ({"NumericLessThan": {"s3:max-keys": 10}}, ("NumericLessThan", "s3:max-keys", ("10",))),
        ({"NumericLessThan": {"s3:max-keys": 1.5}}, ("NumericLessThan", "s3:max-keys", ("1.5",))),
        ({"ForAnyValue:StringLike": {"k": []}}, ("ForAnyValue:StringLike", "k", ())),
        ({"StringEqualsIfExists": {"K": "v"}}, ("StringEqualsIfExists", "k", ("v",))),
    ],
)
def test_condition_normalisation(block: dict[str, Any], expected: tuple[Any, ...]) -> None:
    statement = _one({"Effect": "Allow", "Action": "a", "Condition": block})
    assert statement.conditions == (Condition(*expected),)


def test_conditions_keep_document_order() -> None:
    block = {"StringEquals": {"b": "1", "a": "2"}, "Null": {"c": "true"}}
    assert _one({"Effect": "Allow", "Action": "a", "Condition": block}).conditions == (
        Condition("StringEquals", "b", ("1",)),
        Condition("StringEquals", "a", ("2",)),
        Condition("Null", "c", ("true",)),
    )


def test_statement_index() -> None:
    statements = [{"Effect": "Allow", "Action": str(i)} for i in range(3)]
    policy = parse_policy({"Statement": statements})
    assert [s.index for s in policy.statements] == [0, 1, 2]


def test_to_dict_is_canonical() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": {
            "Sid": "",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "kms:Decrypt",
            "NotResource": "x",
            "Condition": {"StringEquals": {"kms:CallerAccount": 222222222222}},
        },
    }
    assert to_dict(parse_policy(doc)) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "",
                "Effect": "Allow",
                "Principal": {"AWS": ["*"]},
                "Action": ["kms:Decrypt"],
                "NotResource": ["x"],
                "Condition": {"StringEquals": {"kms:calleraccount": ["222222222222"]}},
            }
        ],
    }


def test_to_dict_groups_principals_by_type() -> None:
    doc = {
        "Statement": [
            {
                "Effect": "Deny",
                "NotPrincipal": {"AWS": [ROOT, "arn:aws:iam::*:root"], "Service": "s.amazonaws.com"},
                "NotAction": "a",
            }
        ]
    }
    assert to_dict(parse_policy(doc)) == {
        "Statement": [
            {
                "Effect": "Deny",
                "NotPrincipal": {
                    "AWS": [ROOT, "arn:aws:iam::*:root"],
                    "Service": ["s.amazonaws.com"],
                },
                "NotAction": ["a"],
            }
        ]
    }


BAD_JSON = '{"Statement": [\n  {"Effect": "Allow"\n    "Action": "x"}]}'
LONG = "X" * 100


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (BAD_JSON, "policy is not valid JSON: Expecting ',' delimiter at line 3 column 5"),
        ("", "policy is not valid JSON: Expecting value at line 1 column 1"),
        ("[" * 100_000, "policy is not valid JSON: nested too deeply"),
        ("1" * 5000, "policy is not valid JSON: a number has too many digits"),
        ("[]", "policy must be a JSON object"),
        ('"x"', "policy must be a JSON object"),
        (5, "policy must be a JSON object"),
        (None, "policy must be a JSON object"),
        ({"Version": 1, "Statement": []}, "Version must be a string"),
        ({}, "policy has no Statement"),
        ({"Statement": "x"}, "Statement must be an object or a list of objects"),
        ({"Statement": None}, "Statement must be an object or a list of objects"),
        ({"Statement": [1]}, "Statement[0] must be an object"),
    ],
)
def test_document_errors(doc: Any, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(doc)
    assert str(caught.value) == message


GOOD = {"Effect": "Allow", "Principal": "*", "Action": "a"}
DROP = object()  # a change that removes the key


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"Sid": 1}, "Statement[1].Sid must be a string"),
        ({"Effect": DROP}, "Statement[1] has no Effect"),
        ({"Effect": "allow"}, 'Statement[1].Effect must be "Allow" or "Deny"'),
        ({"Effect": ["Allow"]}, 'Statement[1].Effect must be "Allow" or "Deny"'),
        ({"NotPrincipal": "*"}, "Statement[1] has both Principal and NotPrincipal"),
        ({"NotAction": "b"}, "Statement[1] has both Action and NotAction"),
        ({"Resource": "*", "NotResource": "x"}, "Statement[1] has both Resource and NotResource"),
        ({"Action": DROP}, "Statement[1] has neither Action nor NotAction"),
        ({"Action": 5}, "Statement[1].Action must be a string or a list of strings"),
        ({"Action": ["a", 1]}, "Statement[1].Action must be a string or a list of strings"),
        ({"Resource": {}}, "Statement[1].Resource must be a string or a list of strings"),
        ({"Principal": ["*"]}, "Statement[1].Principal must be a string or an object"),
        ({"Principal": None}, "Statement[1].Principal must be a string or an object"),
        ({"Principal": ROOT}, 'Statement[1].Principal must be "*" when it is a string'),
        ({"Principal": {"Foo": "x"}}, 'Statement[1].Principal has an unknown key "Foo"'),
        ({"Principal": {"aws": "*"}}, 'Statement[1].Principal has an unknown key "aws"'),
        (
            {"Principal": {LONG: "x"}},
            f'Statement[1].Principal has an unknown key "{"X" * 57}..."',
        ),
        ({"Principal": {"AWS": 5}}, "Statement[1].Principal.AWS must be a string or a list of strings"),
        (
            {"Principal": None, "NotPrincipal": {"Service": [None]}},
            "Statement[1] has both Principal and NotPrincipal",
        ),
        ({"Condition": []}, "Statement[1].Condition must be an object"),
        ({"Condition": {"StringEquals": "x"}}, "Statement[1].Condition.StringEquals must be an object"),
        (
            {"Condition": {"StringEquals": {"aws:PrincipalAccount": None}}},
            "Statement[1].Condition.StringEquals.aws:PrincipalAccount"
            " must be a string, number, boolean or a list of them",
        ),
        (
            {"Condition": {"StringEquals": {"k": [["nested"]]}}},
            "Statement[1].Condition.StringEquals.k must be a string, number, boolean or a list of them",
        ),
        (
            {"Condition": {"StringEquals": {"aws:PrincipalAccount": "1", "AWS:PrincipalAccount": "2"}}},
            'Statement[1].Condition.StringEquals has the key "AWS:PrincipalAccount" twice',
        ),
        (
            {"Condition": {"NumericEquals": {"n": 10**5000}}},
            "Statement[1].Condition.NumericEquals.n holds a number too large to read",
        ),
        ({"Condition": {1: {}}}, "Statement[1].Condition operators must be strings"),
        (
            {"Condition": {"StringEquals": {1: "x"}}},
            "Statement[1].Condition.StringEquals keys must be strings",
        ),
    ],
)
def test_statement_errors(changes: dict[Any, Any], message: str) -> None:
    bad = {k: v for k, v in {**GOOD, **changes}.items() if v is not DROP}
    with pytest.raises(PolicyError) as caught:
        parse_policy({"Statement": [GOOD, bad]})
    assert str(caught.value) == message


def test_nested_principal_value() -> None:
    doc = {"Statement": {"Effect": "Allow", "NotPrincipal": {"Service": [None]}, "Action": "a"}}
    with pytest.raises(PolicyError, match=r"^Statement\[0\]\.NotPrincipal\.Service must be a string"):
        parse_policy(doc)


def test_deep_and_huge_values_do_not_crash() -> None:
    deep: Any = "x"
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(PolicyError):
        parse_policy({"Statement": {"Effect": "Allow", "Action": "a", "Condition": {"S": {"k": deep}}}})
    huge = "a" * 1_000_000
    assert _one({"Effect": "Allow", "Action": huge}).actions == (huge,)


@pytest.mark.parametrize(
    ("statement", "action", "expected"),
    [
        ({"Action": "kms:Decrypt"}, "kms:Decrypt", True),
        ({"Action": ["kms:Describe*", "kms:De?rypt"]}, "KMS:DECRYPT", True),
        ({"Action": "kms:Describe*"}, "kms:Decrypt", False),
        ({"Action": []}, "kms:Decrypt", False),
        ({"NotAction": "kms:Encrypt"}, "kms:Decrypt", True),
        ({"NotAction": "kms:*"}, "kms:Decrypt", False),
        ({"NotAction": "KMS:decrypt"}, "kms:Decrypt", False),
        ({"NotAction": []}, "kms:Decrypt", True),
    ],
)
def test_statement_matches_action(statement: dict[str, Any], action: str, expected: bool) -> None:
    caller = Caller("222222222222", ROOT, "Account")
    st = _one({"Effect": "Allow", "Principal": "*", **statement})
    assert statement_applies(st, Request(caller, action)).value is expected


# ---- properties -------------------------------------------------------------------------------

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)
_WORDS = st.sampled_from(
    ["*", "222222222222", ROOT, "arn:aws:iam::222222222222:role/p/App", "AROADBQP57FF2AEXAMPLE",
     "arn:aws:iam::*:root", "kms:Decrypt", "secretsmanager:*", "o-abc", ""]
)  # fmt: skip
_STRINGS = _WORDS | st.lists(_WORDS, max_size=3)
_PRINCIPAL = (
    st.just("*")
    | _WORDS
    | st.dictionaries(
        st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser", "Other"]), _STRINGS | _JSON
    )
    | _JSON
)
_CONDITION = st.dictionaries(
    st.sampled_from(["StringEquals", "StringLike", "ForAnyValue:StringLike", "Bool", "NumericLessThan"]),
    st.dictionaries(
        st.sampled_from(["aws:PrincipalAccount", "AWS:principalaccount", "kms:CallerAccount", "k"]),
        _STRINGS | st.booleans() | st.integers() | st.lists(st.booleans() | st.integers() | _WORDS),
        max_size=3,
    ),
    max_size=3,
)
_ANY_STATEMENT = st.fixed_dictionaries(
    {},
    optional={
        "Sid": st.text(max_size=4) | _JSON,
        "Effect": st.sampled_from(["Allow", "Deny"]) | _JSON,
        "Principal": _PRINCIPAL,
        "NotPrincipal": _PRINCIPAL,
        "Action": _STRINGS | _JSON,
        "NotAction": _STRINGS,
        "Resource": _STRINGS,
        "NotResource": _STRINGS,
        "Condition": _CONDITION | _JSON,
        "Extra": _JSON,
    },
)


def _merge(*parts: dict[str, Any]) -> dict[str, Any]:
    return {k: v for part in parts for k, v in part.items()}


def _either(name: str, other: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.just({}) | st.fixed_dictionaries({name: values}) | st.fixed_dictionaries({other: values})


_VALID_PRINCIPAL = st.just("*") | st.dictionaries(
    st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser"]), _STRINGS, max_size=3
)
_VALID_STATEMENT = st.builds(
    _merge,
    st.fixed_dictionaries(
        {"Effect": st.sampled_from(["Allow", "Deny"])},
        optional={"Sid": st.text(max_size=4), "Condition": _CONDITION},
    ),
    st.fixed_dictionaries({"Action": _STRINGS}) | st.fixed_dictionaries({"NotAction": _STRINGS}),
    _either("Principal", "NotPrincipal", _VALID_PRINCIPAL),
    _either("Resource", "NotResource", _STRINGS),
)
_STATEMENT = _VALID_STATEMENT | _ANY_STATEMENT
POLICY_DICTS = st.fixed_dictionaries(
    {"Statement": _STATEMENT | st.lists(_STATEMENT, max_size=3) | _JSON},
    optional={"Version": st.just("2012-10-17") | _JSON, "Id": _JSON},
)


@given(_JSON)
def test_random_json_values_raise_only_policy_errors(value: Any) -> None:
    for doc in (value, json.dumps(value)):
        with contextlib.suppress(PolicyError):
            parse_policy(doc)


@given(st.text())
def test_random_text_raises_only_policy_errors(text: str) -> None:
    with contextlib.suppress(PolicyError):
        parse_policy(text)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(POLICY_DICTS)
def test_policy_shaped_dicts_raise_only_policy_errors_and_normalise_idempotently(
    doc: dict[str, Any],
) -> None:
    try:
        policy = parse_policy(doc)
    except PolicyError:
        return
    canonical = to_dict(policy)
    assert parse_policy(canonical) == policy
    assert parse_policy(json.dumps(canonical)) == policy
    assert to_dict(parse_policy(canonical)) == canonical
