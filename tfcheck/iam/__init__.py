"""IAM policy documents: parse them, classify principals, match actions, answer who may act."""

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
from tfcheck.iam.conditions import RESTRICTING_KEYS, Restriction, Tri, restriction_of
from tfcheck.iam.evaluate import Grantee, allows, grantees, is_public, kms_allows_all
from tfcheck.iam.policy import (
    Condition,
    Policy,
    Statement,
    parse_policy,
    statement_matches_action,
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
    "RESTRICTING_KEYS",
    "WRITE_ACTIONS",
    "Condition",
    "Grantee",
    "Policy",
    "Principal",
    "PrincipalKind",
    "Restriction",
    "Statement",
    "Tri",
    "action_matches",
    "allows",
    "classify",
    "glob_match",
    "grantees",
    "is_public",
    "is_specific_identity",
    "kms_actions_for",
    "kms_allows_all",
    "parse_policy",
    "restriction_of",
    "same_account",
    "statement_matches_action",
    "to_dict",
]
