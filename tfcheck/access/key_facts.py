"""KeyFacts: what tfcheck knows about the KMS key behind one `kms_key_id`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum

from tfcheck.iam import Policy
from tfcheck.model.resource import Resource

SYMMETRIC_SPEC = "SYMMETRIC_DEFAULT"
ENCRYPT_DECRYPT = "ENCRYPT_DECRYPT"


class KeyKind(str, Enum):
    """What kind of key encrypts a secret, as far as the input proves."""

    AWS_MANAGED = "aws-managed"
    CUSTOMER = "customer"
    """A customer-managed key whose resource is in this configuration."""
    EXTERNAL = "external"
    """A key outside this configuration (another account, a data source): its policy is not visible."""
    UNKNOWN = "unknown"


class PolicyState(str, Enum):
    SET = "set"
    DEFAULT = "default"
    """No policy set: AWS's default key policy, which lets only the key's own account in."""
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class KeyFacts:
    """The key behind one `kms_key_id`, with its policy and grants when it is in the graph."""

    kind: KeyKind
    key: Resource | None = None
    via: tuple[Resource, ...] = ()
    """Aliases and data sources followed to reach the key."""
    policy: Policy | None = None
    policy_state: PolicyState = PolicyState.UNKNOWN
    policy_holder: Resource | None = None
    """The aws_kms_key or aws_kms_key_policy whose `policy` applies."""
    conflicting_policy: bool = False
    """Both aws_kms_key.policy and an aws_kms_key_policy are set (the provider warns they conflict)."""
    grants: tuple[Resource, ...] = ()
    reason: str = ""
    """For external and unknown keys: what could not be verified."""
    region: str | None = None
    """Where the key is, when known (its provider's region or its ARN)."""
    spec: str | None = None
    """customer_master_key_spec / key_spec when known (None: unknown or the default)."""
    usage: str | None = None
    enabled: bool | None = None
    source: Resource | None = None
    """The resource whose values describe the key: the key itself or a data source."""

    @property
    def related(self) -> tuple[Resource, ...]:
        chain = [*self.via, *([self.key] if self.key else [])]
        if self.policy_holder is not None and self.policy_holder not in chain:
            chain.append(self.policy_holder)
        return tuple(chain) + self.grants

    @property
    def asymmetric(self) -> bool:
        """Proven not to be a symmetric encryption key (Secrets Manager needs one)."""
        return (self.spec not in (None, SYMMETRIC_SPEC)) or (self.usage not in (None, ENCRYPT_DECRYPT))

    def replace(self, **changes: object) -> KeyFacts:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def key_properties(values: dict[str, object]) -> tuple[str | None, str | None, bool | None]:
    """(spec, usage, enabled) from a key's or data source's known values."""
    spec = values.get("customer_master_key_spec") or values.get("key_spec")
    usage = values.get("key_usage")
    enabled = values.get("is_enabled", values.get("enabled"))
    return (spec if isinstance(spec, str) else None, usage if isinstance(usage, str) else None,
            enabled if isinstance(enabled, bool) else None)
