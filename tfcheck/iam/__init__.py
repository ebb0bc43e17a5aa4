"""IAM policy documents: parse them, classify principals, match actions."""

from __future__ import annotations

from tfcheck.iam.actions import (
    KMS_FOR_READ,
    KMS_FOR_WRITE,
    READ_ACTIONS,
    WRITE_ACTIONS,
    action_matches,
    glob_match,
    kms_actions_for,
)
from tfcheck.iam.policy import (
    Condition,
    Leaf,
    Policy,
    Statement,
    parse_policy,
    to_dict,
)
from tfcheck.iam.principals import (
    Principal,
    PrincipalKind,
    classify,
    is_specific_identity,
    same_account,
)

__all__ = [
    "KMS_FOR_READ",
    "KMS_FOR_WRITE",
    "READ_ACTIONS",
    "WRITE_ACTIONS",
    "Condition",
    "Leaf",
    "Policy",
    "Principal",
    "PrincipalKind",
    "Statement",
    "action_matches",
    "classify",
    "glob_match",
    "is_specific_identity",
    "kms_actions_for",
    "parse_policy",
    "same_account",
    "to_dict",
]
