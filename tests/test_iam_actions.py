"""Tests for tfcheck.iam.actions: IAM wildcard matching of actions and values."""

from __future__ import annotations

import fnmatch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tfcheck.iam.actions import (
    KMS_FOR_READ,
    KMS_FOR_WRITE,
    action_matches,
    glob_match,
    kms_actions_for,
)


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("kms:Decrypt", "kms:Decrypt", True),
        ("KMS:decrypt", "kms:Decrypt", True),
        ("kms:DECRYPT", "KMS:decrypt", True),
        ("kms:De?rypt", "kms:Decrypt", True),
        ("kms:De?rypt", "kms:Deccrypt", False),
        ("kms:*", "kms:Decrypt", True),
        ("*", "kms:Decrypt", True),
        ("*", "", True),
        ("kms:Decrypt*", "kms:Decrypt", True),
        ("kms:Describe*", "kms:Decrypt", False),
        ("kms:GenerateDataKey*", "kms:GenerateDataKey", True),
        ("kms:GenerateDataKey*", "kms:GenerateDataKeyWithoutPlaintext", True),
        ("kms:Decrypt", "kms:DecryptX", False),
        ("kms:Decrypt", "xkms:Decrypt", False),
        ("secretsmanager:Get*", "secretsmanager:GetSecretValue", True),
        ("secretsmanager:*Secret*", "secretsmanager:PutSecretValue", True),
        ("secretsmanager:Describe*", "secretsmanager:GetSecretValue", False),
        ("s?cretsmanager:GetSecretValue", "secretsmanager:GetSecretValue", True),
        ("kms:[D]ecrypt", "kms:Decrypt", False),  # no character classes in IAM
        ("kms:[D]ecrypt", "kms:[d]ecrypt", True),
        ("kms:De.rypt", "kms:Decrypt", False),  # regex characters are literal
        ("kms:?", "kms:\n", True),
        ("", "kms:Decrypt", False),
    ],
)
def test_action_matches(pattern: str, action: str, expected: bool) -> None:
    assert action_matches(pattern, action) is expected


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("arn:aws:iam::222222222222:role/*", "arn:aws:iam::222222222222:role/App", True),
        ("arn:aws:iam::222222222222:role/*", "arn:aws:iam::222222222222:ROLE/App", False),
        ("arn:aws:iam::222222222222:role/app", "arn:aws:iam::222222222222:role/App", False),
        ("2222????????", "222222222222", True),
        ("o-abc*", "o-abcdef", True),
    ],
)
def test_glob_match_is_case_sensitive(pattern: str, text: str, expected: bool) -> None:
    assert glob_match(pattern, text) is expected


@pytest.mark.parametrize(
    ("pattern", "needed"),
    [
        ("secretsmanager:GetSecretValue", KMS_FOR_READ),
        ("secretsmanager:getsecretvalue", KMS_FOR_READ),
        ("secretsmanager:Get*", KMS_FOR_READ),
        ("secretsmanager:PutSecretValue", KMS_FOR_WRITE),
        ("secretsmanager:UpdateSecret", KMS_FOR_WRITE),
        ("secretsmanager:*", KMS_FOR_WRITE),
        ("*", KMS_FOR_WRITE),
        ("secretsmanager:DescribeSecret", ()),
        ("secretsmanager:ListSecretVersionIds", ()),
        ("secretsmanager:UpdateSecretVersionStage", ()),
        ("secretsmanager:TagResource", ()),
    ],
)
def test_kms_actions_for(pattern: str, needed: tuple[str, ...]) -> None:
    assert kms_actions_for(pattern) == needed


def _reference(pattern: str, action: str) -> bool:
    # fnmatch reads `[` as the start of a character class; `[[]` is its literal `[`.
    return fnmatch.fnmatchcase(action.lower(), pattern.lower().replace("[", "[[]"))


# ASCII only: case folding of exotic characters is not what this test is about.
_ALPHABET = st.sampled_from(list("abcAB:*?[]!-.\\^$+(){}|") + ["kms", "Decrypt", "*"])
_PATTERNS = st.lists(_ALPHABET, max_size=12).map("".join)
_ACTIONS = st.lists(st.sampled_from(list("abcAB:[]!-.\\^$+(){}|*?") + ["kms", "decrypt"]), max_size=12)


@given(_PATTERNS, _ACTIONS.map("".join))
def test_action_matches_agrees_with_fnmatch(pattern: str, action: str) -> None:
    assert action_matches(pattern, action) is _reference(pattern, action)


@given(_PATTERNS)
def test_a_pattern_matches_itself_without_wildcards(pattern: str) -> None:
    literal = pattern.replace("*", "").replace("?", "")
    assert action_matches(literal, literal.swapcase())
