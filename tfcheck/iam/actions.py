"""Match IAM action names and values against IAM wildcard patterns (`*` and `?`)."""

from __future__ import annotations

import re
from functools import lru_cache

READ_ACTIONS = ("secretsmanager:GetSecretValue",)
"""Secret actions that return the secret value, so need kms:Decrypt on its key."""

WRITE_ACTIONS = ("secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret")
"""Secret actions that store a new value, so need kms:GenerateDataKey (and Decrypt)."""

KMS_FOR_READ = ("kms:Decrypt",)
"""What the key policy must allow a principal that may read the secret."""

KMS_FOR_WRITE = ("kms:Decrypt", "kms:GenerateDataKey")
"""What the key policy must allow a principal that may write the secret."""


@lru_cache(maxsize=4096)
def _compile(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    # Every other character is literal: IAM has no character classes and no escapes.
    # DOTALL so that `?` and `*` also match a newline, as they match any character in IAM.
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(parts), flags)


def glob_match(pattern: str, text: str, ignore_case: bool = False) -> bool:
    """Whether `text` matches the IAM glob `pattern` in full (`*` any run, `?` one character).

    Case-sensitive by default, as StringLike and ArnLike conditions compare.
    """
    return _compile(pattern, ignore_case).fullmatch(text) is not None


def action_matches(pattern: str, action: str) -> bool:
    """Whether the Action entry `pattern` covers `action`.

    "The prefix and the action name are case insensitive", and both may hold wildcards:
    `kms:De?rypt`, `KMS:decrypt`, `kms:*` and `*` all cover kms:Decrypt; `kms:Describe*` does not.
    """
    return glob_match(pattern, action, ignore_case=True)


def matches_any(patterns: tuple[str, ...], action: str) -> bool:
    """Whether any of the Action entries `patterns` covers `action`."""
    return any(action_matches(p, action) for p in patterns)


def kms_actions_for(pattern: str) -> tuple[str, ...]:
    """The KMS actions a principal needs on the secret's key when allowed the action `pattern`.

    Reading needs Decrypt; writing needs Decrypt and GenerateDataKey; every other secret action
    (DescribeSecret, ListSecretVersionIds, tagging, resource policies) never touches the key.
    A pattern such as `secretsmanager:*` covers both, so it needs what writing needs.
    """
    if any(action_matches(pattern, a) for a in WRITE_ACTIONS):
        return KMS_FOR_WRITE
    if any(action_matches(pattern, a) for a in READ_ACTIONS):
        return KMS_FOR_READ
    return ()
