"""The built-in rules: ALL_RULES is the one registry (a new rule is one file and one line here)."""

from __future__ import annotations

from tfcheck.rules.base import Rule
from tfcheck.rules.cmk_missing_cross_account_grant import CmkMissingCrossAccountGrant
from tfcheck.rules.cmk_unverifiable import CmkUnverifiable
from tfcheck.rules.cross_account_secret_without_cmk import CrossAccountSecretWithoutCmk
from tfcheck.rules.owner_account_unknown import OwnerAccountUnknown
from tfcheck.rules.principal_not_account_root import PrincipalNotAccountRoot
from tfcheck.rules.secret_policy_public import SecretPolicyPublic

ALL_RULES: tuple[type[Rule], ...] = (
    CrossAccountSecretWithoutCmk,
    CmkMissingCrossAccountGrant,
    PrincipalNotAccountRoot,
    SecretPolicyPublic,
    CmkUnverifiable,
    OwnerAccountUnknown,
)

RULES_BY_ID: dict[str, type[Rule]] = {rule.id: rule for rule in ALL_RULES}
