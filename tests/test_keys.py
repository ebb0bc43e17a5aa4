"""Key resolution details the fixtures cannot show: every spelling of the AWS-managed key."""

from __future__ import annotations

import pytest

from tfcheck.access.key_facts import KeyKind
from tfcheck.access.keys import KeyResolver
from tfcheck.model.graph import Graph
from tfcheck.model.resource import Resource


def _secret(kms_key_id: object) -> Resource:
    return Resource("aws_secretsmanager_secret.s", "managed", "aws_secretsmanager_secret", "s",
                    values={"name": "s", "kms_key_id": kms_key_id}, configured=frozenset({"kms_key_id"}))


@pytest.mark.parametrize("value", [
    None, "", "alias/aws/secretsmanager",
    "arn:aws:kms:us-east-1:111111111111:alias/aws/secretsmanager",
    "arn:aws-cn:kms:cn-north-1:111111111111:alias/aws/secretsmanager",
    "arn:aws-us-gov:kms:us-gov-west-1:111111111111:alias/aws/secretsmanager",
])
def test_aws_managed_key_in_every_spelling(value: object) -> None:
    secret = _secret(value)
    facts = KeyResolver(Graph.build([secret], owner_accounts=frozenset({"111111111111"}))).resolve(secret)
    assert facts.kind is KeyKind.AWS_MANAGED


@pytest.mark.parametrize(("value", "kind"), [
    ("arn:aws:kms:us-east-1:333333333333:key/0b3c8e0a-1111-2222-3333-444455556666", KeyKind.EXTERNAL),
    ("arn:aws:kms:us-east-1:111111111111:key/0b3c8e0a-1111-2222-3333-444455556666", KeyKind.UNKNOWN),
    ("alias/not-in-this-configuration", KeyKind.UNKNOWN),
    ("alias/awsome-team-key", KeyKind.UNKNOWN),  # only the alias/aws/ prefix is reserved
])
def test_keys_outside_the_configuration_are_never_a_pass(value: str, kind: KeyKind) -> None:
    secret = _secret(value)
    facts = KeyResolver(Graph.build([secret], owner_accounts=frozenset({"111111111111"}))).resolve(secret)
    assert facts.kind is kind and facts.reason
