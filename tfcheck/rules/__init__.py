"""The built-in rules: ALL_RULES is the one registry (a new rule is one file and one line here)."""

from __future__ import annotations

from tfcheck.rules.base import Rule
from tfcheck.rules.cmk_grant_without_via_service import CmkGrantWithoutViaService
from tfcheck.rules.cmk_missing_cross_account_grant import CmkMissingCrossAccountGrant
from tfcheck.rules.cmk_unverifiable import CmkUnverifiable
from tfcheck.rules.consumer_missing_kms_permission import ConsumerMissingKmsPermission
from tfcheck.rules.consumer_missing_secret_permission import ConsumerMissingSecretPermission
from tfcheck.rules.cross_account_secret_without_cmk import CrossAccountSecretWithoutCmk
from tfcheck.rules.iam_policy_invalid import IamPolicyInvalid
from tfcheck.rules.iam_policy_style import IamPolicyStyle
from tfcheck.rules.new_cross_account_access import NewCrossAccountAccess
from tfcheck.rules.owner_account_unknown import OwnerAccountUnknown
from tfcheck.rules.principal_is_deleted_identity import PrincipalIsDeletedIdentity
from tfcheck.rules.principal_not_account_root import PrincipalNotAccountRoot
from tfcheck.rules.replica_without_cmk import ReplicaWithoutCmk
from tfcheck.rules.resource_not_checked import ResourceNotChecked
from tfcheck.rules.secret_cmk_being_destroyed import SecretCmkBeingDestroyed
from tfcheck.rules.secret_cmk_disabled import SecretCmkDisabled
from tfcheck.rules.secret_cmk_not_symmetric import SecretCmkNotSymmetric
from tfcheck.rules.secret_policy_block_public_disabled import SecretPolicyBlockPublicDisabled
from tfcheck.rules.secret_policy_public import SecretPolicyPublic

ALL_RULES: tuple[type[Rule], ...] = (
    CrossAccountSecretWithoutCmk,
    CmkMissingCrossAccountGrant,
    PrincipalNotAccountRoot,
    SecretPolicyPublic,
    SecretCmkNotSymmetric,
    ReplicaWithoutCmk,
    PrincipalIsDeletedIdentity,
    SecretCmkDisabled,
    SecretCmkBeingDestroyed,
    CmkUnverifiable,
    OwnerAccountUnknown,
    SecretPolicyBlockPublicDisabled,
    CmkGrantWithoutViaService,
    ResourceNotChecked,
    NewCrossAccountAccess,
    IamPolicyInvalid,
    IamPolicyStyle,
    ConsumerMissingSecretPermission,
    ConsumerMissingKmsPermission,
)

RULES_BY_ID: dict[str, type[Rule]] = {rule.id: rule for rule in ALL_RULES}
