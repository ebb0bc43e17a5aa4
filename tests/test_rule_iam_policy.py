"""How iam-policy-invalid and iam-policy-style tell a problem: spelling, statements, sensitivity."""

from __future__ import annotations

import json

from tfcheck.iam import parse_policy
from tfcheck.iam.validate import validate
from tfcheck.model.resource import Resource
from tfcheck.rules.iam_policy_invalid import as_written, describe, subject

DOC = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
     "Action": "secretsmanager:GetSecretValue", "Resource": "*",
     "Condition": {"ArnLike": {"aws:PrincipleArn": "arn:aws:iam::222222222222:role/reader"}}}]}


def _holder(sensitive: bool = False) -> Resource:
    return Resource("aws_secretsmanager_secret_policy.db", "managed", "aws_secretsmanager_secret_policy",
                    "db", values={"policy": json.dumps(DOC)},
                    sensitive={"policy": True} if sensitive else None)


def test_condition_keys_are_shown_as_written() -> None:
    holder = _holder()
    (problem,) = validate(parse_policy(DOC))
    assert problem.text == "aws:principlearn"  # the parsed policy lower-cases keys
    assert as_written(problem.text, holder, "policy") == "aws:PrincipleArn"
    message, remediation = describe(problem, holder, "policy", sensitive=False)
    assert message.startswith('The policy of aws_secretsmanager_secret_policy.db (statement "Read"): '
                              'Condition key "aws:PrincipleArn"')
    assert remediation == 'Did you mean "aws:PrincipalArn"?'


def test_a_sensitive_policy_is_described_without_quoting_it() -> None:
    holder = _holder(sensitive=True)
    (problem,) = validate(parse_policy(DOC))
    message, remediation = describe(problem, holder, "policy", sensitive=True)
    assert "statement #0" in message and "marked sensitive" in message
    for secret in ("Read", "Principle", "principle", "222222222222", "reader"):
        assert secret not in message and secret not in remediation


def test_subject_names_the_statement_by_sid_so_moves_keep_the_fingerprint() -> None:
    (problem,) = validate(parse_policy(DOC))
    assert subject(problem) == "unknown-condition-key Read aws:principlearn"
    moved = {**DOC, "Statement": [{**DOC["Statement"][0], "Sid": None}]}
    moved["Statement"][0].pop("Sid")
    (unnamed,) = validate(parse_policy(moved))
    assert subject(unnamed) == "unknown-condition-key #0 aws:principlearn"


def test_huge_values_are_cut_short_in_messages() -> None:
    doc = {"Version": "2012-10-17", "Statement": [
        {"Sid": "S" * 5000, "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
         "Action": "secretsmanager:" + "X" * 5000, "Resource": "*"}]}
    holder = Resource("aws_secretsmanager_secret_policy.db", "managed", "aws_secretsmanager_secret_policy",
                      "db", values={"policy": json.dumps(doc)})
    (problem,) = validate(parse_policy(doc))
    message, remediation = describe(problem, holder, "policy", sensitive=False)
    assert len(message) < 500 and "X" * 90 in message and "..." in message
