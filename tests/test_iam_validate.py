"""Tests for tfcheck.iam.validate and tfcheck.iam.catalog: policy grammar checked offline."""

from __future__ import annotations

from typing import Any

import pytest

from tfcheck.iam import parse_policy
from tfcheck.iam.catalog import (
    GRANT_OPERATIONS,
    OPERATORS,
    catalog,
    key_template,
    supports,
)
from tfcheck.iam.validate import Problem, validate, validate_grant_operations
from tfcheck.model.resource import UnknownLeaf

ROOT = "arn:aws:iam::222222222222:root"


def _statement(**fields: Any) -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": ROOT},
                          "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    st.update(fields)
    return {k: v for k, v in st.items() if v is not None}


def _problems(*statements: dict[str, Any], version: str | None = "2012-10-17") -> list[Problem]:
    doc: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        doc["Version"] = version
    return validate(parse_policy(doc))


def _one(*statements: dict[str, Any]) -> Problem:
    found = _problems(*statements)
    assert len(found) == 1, [p.detail for p in found]
    return found[0]


# --- the catalogue -----------------------------------------------------------------------

def test_catalogue_knows_the_services_tfcheck_reads() -> None:
    cat = catalog()
    assert {"secretsmanager", "kms", "iam", "sts"} <= cat.services()
    assert "getsecretvalue" in cat.actions("secretsmanager")
    assert cat.actions("SecretsManager") is cat.actions("secretsmanager")
    assert cat.actions("nosuchservice") == {}
    assert cat.version.startswith("0.")


def test_catalogue_loads_only_the_services_asked_for() -> None:
    cat = type(catalog())()
    cat.actions("kms")
    cat.condition_keys("kms")
    assert set(cat._actions) == {"kms"} and set(cat._keys) == {"kms"}


def test_every_grant_operation_is_a_kms_action() -> None:
    kms = catalog().actions("kms")
    assert all(op.lower() in kms for op in GRANT_OPERATIONS)


@pytest.mark.parametrize(("written", "expected"), [
    ("kms:encryptioncontext:secretarn", "kms:encryptioncontext:${encryptioncontextkey}"),
    ("kms:encryptioncontext:aws:secretsmanager:arn", "kms:encryptioncontext:${encryptioncontextkey}"),
    ("kms:viaservice", "kms:viaservice"),
    ("kms:encryptioncontext:", None),
    ("kms:viaservices", None),
])
def test_key_templates_match_placeholders(written: str, expected: str | None) -> None:
    assert key_template(written, catalog().condition_keys("kms")) == expected


def test_supports_matches_tag_key_placeholders() -> None:
    keys = frozenset({"secretsmanager:resourcetag/tag-key", "aws:resourcetag/${tagkey}"})
    assert supports(keys, "secretsmanager:resourcetag/env")
    assert supports(keys, "aws:resourcetag/team")
    assert not supports(keys, "secretsmanager:resourcetag/")
    assert not supports(keys, "secretsmanager:versionstage")


# --- actions -----------------------------------------------------------------------------

@pytest.mark.parametrize("action", [
    "secretsmanager:GetSecretValue",
    "SecretsManager:getsecretvalue",          # actions are case-insensitive
    "secretsmanager:GetSecretValu*",          # a wildcard that matches an action
    "secretsmanager:Get?ecretValue",
    "secretsmanager:*",
    "kms:Describe*",
    "*",
    "s?cretsmanager:GetSecretValue",          # a wildcard service prefix that matches one
])
def test_known_actions_pass(action: str) -> None:
    assert _problems(_statement(Action=action)) == []


def test_unknown_service_prefix_suggests_the_near_miss() -> None:
    p = _one(_statement(Sid="Read", Action=["secretmanager:GetSecretValue"]))
    assert (p.code, p.invalid, p.text) == ("unknown-service", True, "secretmanager:GetSecretValue")
    assert p.suggestion == "secretsmanager:GetSecretValue"
    assert p.where(False) == 'statement "Read"'
    assert "this Allow grants nothing" in p.consequence


def test_unknown_service_wildcard_is_reported_without_a_guess() -> None:
    p = _one(_statement(Action="secretmanager:*"))
    assert p.code == "unknown-service"
    assert p.suggestion == "secretsmanager:*"


def test_unknown_action_suggests_the_action_as_spelled_by_aws() -> None:
    p = _one(_statement(Action="secretsmanager:getsecretvalu"))
    assert p.code == "unknown-action"
    assert p.suggestion == "secretsmanager:GetSecretValue"


def test_wildcard_matching_no_action() -> None:
    p = _one(_statement(Action="secretsmanager:GetSecretValeu*"))
    assert p.code == "unknown-action" and p.suggestion is None


def test_action_in_a_deny_does_not_apply() -> None:
    p = _one(_statement(Effect="Deny", Principal="*", Action="kms:ScheduleKeyDeletes"))
    assert "this Deny does not apply" in p.consequence
    assert p.suggestion == "kms:ScheduleKeyDeletion"


@pytest.mark.parametrize("action", ["GetSecretValue", "secretsmanager:", ":GetSecretValue"])
def test_malformed_action(action: str) -> None:
    assert _one(_statement(Action=action)).code == "malformed-action"


def test_not_action_entries_are_checked_too() -> None:
    p = _one(_statement(Action=None, NotAction=["secretsmanager:DeleteSecrets"]))
    assert p.code == "unknown-action" and p.suggestion == "secretsmanager:DeleteSecret"


def test_empty_action_lists() -> None:
    assert _one(_statement(Action=[])).code == "empty-action"
    p = _one(_statement(Action=None, NotAction=[]))
    assert p.code == "empty-action" and "every action" in p.consequence


# --- conditions --------------------------------------------------------------------------

@pytest.mark.parametrize("operator", ["StringEquals", "StringEqualsIfExists", "ForAnyValue:StringLike",
                                      "ForAllValues:ArnLike", "Null", "Bool", "IpAddress",
                                      "stringequals"])
def test_known_operators_pass(operator: str) -> None:
    assert _problems(_statement(Condition={operator: {"aws:PrincipalOrgID": "o-abc"}})) == []


@pytest.mark.parametrize(("operator", "suggestion"), [
    ("StringEqual", "StringEquals"),
    ("ForAnyValue:StringLik", "ForAnyValue:StringLike"),
    ("ArnLikeIfExist", "ArnLikeIfExists"),
    ("NullIfExists", None),
    ("Matches", None),
])
def test_unknown_operators(operator: str, suggestion: str | None) -> None:
    p = _one(_statement(Condition={operator: {"aws:PrincipalOrgID": "o-abc"}}))
    assert p.code == "unknown-operator" and p.suggestion == suggestion
    assert "refuses the policy" in p.consequence


def test_operator_list_is_the_documented_grammar() -> None:
    assert len(OPERATORS) == len(set(OPERATORS)) == 26 * 2 + 1


@pytest.mark.parametrize(("key", "action"), [
    ("aws:PrincipalArn", "secretsmanager:GetSecretValue"),
    ("AWS:principalorgid", "secretsmanager:GetSecretValue"),
    ("aws:PrincipalTag/team", "secretsmanager:GetSecretValue"),
    ("aws:ResourceTag/env", "secretsmanager:GetSecretValue"),
    ("secretsmanager:VersionStage", "secretsmanager:GetSecretValue"),
    ("secretsmanager:ResourceTag/env", "secretsmanager:GetSecretValue"),
    ("kms:ViaService", "kms:Decrypt"),
    ("kms:EncryptionContext:SecretARN", "kms:Decrypt"),
    ("kms:CallerAccount", ["kms:Decrypt", "kms:DescribeKey"]),
    ("kms:GrantIsForAWSResource", ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]),
    ("kms:ViaService", "kms:*"),
    ("kms:ViaService", "*"),
    ("ec2:SourceInstanceArn", "secretsmanager:GetSecretValue"),   # a cross-service key
    ("saml:aud", "sts:AssumeRoleWithSAML"),
    ("token.actions.githubusercontent.com:sub", "sts:AssumeRoleWithWebIdentity"),
])
def test_known_condition_keys_pass(key: str, action: Any) -> None:
    assert _problems(_statement(Action=action, Condition={"StringEquals": {key: "x"}})) == []


@pytest.mark.parametrize(("key", "suggestion"), [
    ("aws:PrincipleArn", "aws:PrincipalArn"),
    ("aws:PrincipalOrgId2", "aws:PrincipalOrgID"),
    ("aws:Nonsense", None),
    ("secretsmanager:VersionStages", "secretsmanager:VersionStage"),
    ("secretmanager:VersionStage", "secretsmanager:VersionStage"),
    ("PrincipalArn", None),
])
def test_unknown_condition_keys(key: str, suggestion: str | None) -> None:
    p = _one(_statement(Condition={"StringEquals": {key: "x"}}))
    assert p.code == "unknown-condition-key" and p.suggestion == suggestion
    assert p.consequence.endswith("this Allow never applies")


@pytest.mark.parametrize(("effect", "operator", "value", "consequence"), [
    ("Allow", "StringEquals", "x", "false: this Allow never applies"),
    ("Deny", "StringEquals", "x", "false: this Deny never applies"),
    ("Deny", "StringNotEquals", "o-1", "always true and restricts nothing: this Deny applies to every"),
    ("Deny", "ArnNotLike", "arn:*", "always true"),
    ("Deny", "NotIpAddress", "10.0.0.0/8", "always true"),
    ("Allow", "StringEqualsIfExists", "x", "always true and restricts nothing: this Allow applies"),
    ("Allow", "ForAllValues:StringEquals", "x", "always true"),
    ("Allow", "ForAnyValue:StringEquals", "x", "false"),
    ("Allow", "ForAnyValue:StringNotEquals", "x", "false"),
    ("Allow", "Null", "true", "always true"),
    ("Allow", "Null", "false", "false"),
])
def test_what_a_condition_on_an_absent_key_does(effect: str, operator: str, value: str,
                                                consequence: str) -> None:
    p = _one(_statement(Effect=effect, Condition={operator: {"aws:PrincipleOrgID": value}}))
    assert p.code == "unknown-condition-key"
    assert consequence in p.consequence, p.consequence


def test_service_key_no_action_of_the_statement_supports() -> None:
    p = _one(_statement(Action=["kms:Decrypt", "kms:DescribeKey"],
                        Condition={"Bool": {"kms:GrantIsForAWSResource": "true"}}))
    assert p.code == "unsupported-condition-key"
    assert "kms:Decrypt, kms:DescribeKey" in p.detail


def test_service_key_of_another_service() -> None:
    via = {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
    p = _one(_statement(Condition={"StringEquals": via}))
    assert p.code == "unsupported-condition-key"


def test_support_is_not_judged_when_the_actions_are_open() -> None:
    cond = {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    assert _problems(_statement(Action=None, NotAction="kms:Decrypt", Condition=cond)) == []
    assert _problems(_statement(Action=["kms:Decrypt", UnknownLeaf("var.action")], Condition=cond)) == []


# --- principals and resources ------------------------------------------------------------

@pytest.mark.parametrize("principal", [
    ROOT, "222222222222", "arn:aws:iam::222222222222:role/team/reader",
    "arn:aws:iam::222222222222:user/alice", "arn:aws:sts::222222222222:assumed-role/reader/s1",
    "arn:aws-cn:iam::222222222222:root",
    "arn:aws:sts::222222222222:federated-user/bob",       # AWS accepts forms tfcheck does not classify
    "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1",
    "AROAEXAMPLEID1234567X",                              # principal-is-deleted-identity's
])
def test_valid_principals_pass(principal: str) -> None:
    assert _problems(_statement(Principal={"AWS": principal})) == []


@pytest.mark.parametrize(("principal", "fault", "suggestion"), [
    ("arn:aws:iam:222222222222:root", "lacks a colon", ROOT),
    ("22222222222", "has 11 digits", None),
    ("arn:aws:iam::22222222222:root", "account id of 11 digits", None),
    ("arn:aws:iam::222222222222:role/team-*", "holds a wildcard", None),
    ("arn:aws:iam:us-east-1:222222222222:root", "has a region", ROOT),
    ("arn:amazon:iam::222222222222:root", "partition", None),
    ("arn:aws:s3:::bucket", "of iam or sts", None),
    ("reader-role", "neither an account id nor an ARN", None),
])
def test_malformed_principals(principal: str, fault: str, suggestion: str | None) -> None:
    p = _one(_statement(Principal={"AWS": [ROOT, principal]}))
    assert p.code == "malformed-principal" and fault in p.detail and p.suggestion == suggestion
    assert principal not in p.generic


def test_not_principal_is_checked_too() -> None:
    p = _one(_statement(Effect="Deny", Principal=None, NotPrincipal={"AWS": "2222222222222"}))
    assert p.code == "malformed-principal"


@pytest.mark.parametrize("resource", [
    "*", "arn:aws:secretsmanager:us-east-1:111111111111:secret:db-AbCdEf",
    "arn:aws:secretsmanager:*:111111111111:secret:db-*", "arn:aws:s3:::bucket/*",
    "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:kms:*",
    "arn:aws:secretsmanager:us-east-1:${aws:PrincipalAccount}:secret:*",
])
def test_valid_resources_pass(resource: str) -> None:
    assert _problems(_statement(Resource=resource)) == []


@pytest.mark.parametrize(("resource", "fault"), [
    ("arn:aws:secretsmanager:us-east-1:11111111111:secret:db", "11 digits"),
    ("db-password", 'neither "*" nor an ARN'),
    ("arn:aws:secretsmanager:us-east-1", "is not an ARN"),
    ("arn:awz:kms:us-east-1:111111111111:key/k", "partition"),
    ("arn:aws:secretsmanager:us-east-1:111111111111secret:db-*", "a colon missing"),
])
def test_malformed_resources(resource: str, fault: str) -> None:
    p = _one(_statement(Resource=resource))
    assert p.code == "malformed-resource" and fault in p.detail


# --- the document ------------------------------------------------------------------------

def test_version_is_style_unless_aws_refuses_it() -> None:
    st = _statement()
    assert [(p.code, p.invalid) for p in _problems(st, version=None)] == [("missing-version", False)]
    assert [(p.code, p.invalid) for p in _problems(st, version="2008-10-17")] == [("old-version", False)]
    assert [(p.code, p.invalid) for p in _problems(st, version="2012-10-18")] == [("invalid-version", True)]


def test_style_and_invalid_can_be_asked_for_apart() -> None:
    policy = parse_policy({"Statement": [_statement(Action="secretmanager:GetSecretValue")]})
    assert [p.code for p in validate(policy, style=False)] == ["unknown-service"]
    assert [p.code for p in validate(policy, invalid=False)] == ["missing-version"]


def test_empty_statement_list() -> None:
    assert [p.code for p in _problems()] == ["no-statements"]


def test_statement_is_named_by_index_without_sid_or_when_sensitive() -> None:
    p = _problems(_statement(), _statement(Sid="Bad", Action="kms:Decrypts"))[0]
    assert p.where(False) == 'statement "Bad"'
    assert p.where(True) == "statement #1"
    q = _problems(_statement(), _statement(Action="kms:Decrypts"))[0]
    assert q.where(False) == "statement #1"


def test_generic_text_quotes_nothing_from_the_policy() -> None:
    found = _problems(_statement(
        Action=["secretmanager:GetSecretValue", "kms:Decrypts"],
        Principal={"AWS": ["arn:aws:iam:222222222222:root"]},
        Resource="arn:aws:secretsmanager:us-east-1:11111111111:secret:db",
        Condition={"StringEqual": {"aws:PrincipleArn": "x"}}))
    assert len(found) == 6
    for p in found:
        assert p.text and p.text not in p.generic and p.text not in p.consequence


# --- unknown values ----------------------------------------------------------------------

def test_unknown_leaves_are_never_judged() -> None:
    leaf = UnknownLeaf("aws_secretsmanager_secret.db.arn")
    doc = {"Version": "2012-10-17", "Statement": [
        {"Sid": UnknownLeaf("var.sid"), "Effect": UnknownLeaf("var.effect"),
         "Principal": {"AWS": [UnknownLeaf("var.reader"), ROOT]},
         "Action": [UnknownLeaf("var.action"), "secretsmanager:GetSecretValue"],
         "Resource": [leaf],
         "Condition": {"StringEquals": {"aws:PrincipalArn": UnknownLeaf("var.arn")},
                       "ArnLike": UnknownLeaf("local.conditions")}},
        UnknownLeaf("local.statement"),
    ]}
    assert validate(parse_policy(doc)) == []


def test_unknown_leaves_leave_the_known_parts_checked() -> None:
    doc = {"Version": "2012-10-17", "Statement": [
        {"Sid": UnknownLeaf("var.sid"), "Effect": "Allow", "Principal": {"AWS": ROOT},
         "Action": [UnknownLeaf("var.action"), "secretmanager:GetSecretValue"],
         "Resource": UnknownLeaf("aws_secretsmanager_secret.db.arn")}]}
    p = validate(parse_policy(doc))
    assert [(x.code, x.where(False)) for x in p] == [("unknown-service", "statement #0")]


# --- grants ------------------------------------------------------------------------------

def test_grant_operations() -> None:
    found = validate_grant_operations(["Decrypt", "kms:Decrypt", "decrypt", "GenerateDataKeys",
                                       "Frobnicate", None])
    assert [(p.text, p.suggestion) for p in found] == [
        ("kms:Decrypt", "Decrypt"), ("decrypt", "Decrypt"), ("GenerateDataKeys", "GenerateDataKey"),
        ("Frobnicate", None)]
    assert all(p.invalid and p.statement is None for p in found)
    assert validate_grant_operations(list(GRANT_OPERATIONS)) == []
