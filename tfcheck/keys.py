"""Which KMS key encrypts a secret, and what that key's policy and grants say: resolved in the graph."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from enum import Enum

from tfcheck.errors import InputError, PolicyError
from tfcheck.iam import Policy, parse_policy
from tfcheck.inputs.addresses import arn_account
from tfcheck.model.graph import Graph
from tfcheck.model.resource import Resource

KEY_TYPES = ("aws_kms_key", "aws_kms_replica_key", "aws_kms_external_key")
ALIAS_TYPES = ("aws_kms_alias",)
# `alias/aws/…` names are reserved for AWS-managed keys; Secrets Manager's own is aws/secretsmanager.
_AWS_ALIAS = re.compile(r"^(?:arn:[\w-]+:kms:[\w-]*:\d*:)?alias/aws/")


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

    @property
    def related(self) -> tuple[Resource, ...]:
        chain = [*self.via, *([self.key] if self.key else [])]
        if self.policy_holder is not None and self.policy_holder not in chain:
            chain.append(self.policy_holder)
        return tuple(chain) + self.grants


class KeyResolver:
    """Resolves `kms_key_id` values and references; indexes key policies and grants once."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._policies: dict[str, list[Resource]] = defaultdict(list)
        self._grants: dict[str, list[Resource]] = defaultdict(list)
        self._parsed: dict[tuple[str, str], Policy] = {}
        for res in graph.of_type("aws_kms_key_policy"):
            for key in self._keys_named(res, "key_id"):
                self._policies[key.address].append(res)
        for res in graph.of_type("aws_kms_grant"):
            for key in self._keys_named(res, "key_id"):
                self._grants[key.address].append(res)

    def resolve(self, res: Resource, *path: str | int) -> KeyFacts:
        """The key that `res` names at `path` (e.g. ("kms_key_id",) or ("replica", 0, "kms_key_id"))."""
        top = str(path[0])
        if not res.is_unknown(*path):
            return self._from_value(res.get(*path), ())
        if top not in res.configured:
            # Optional+computed attributes are unknown in a plan even when never set: unset
            # means the AWS-managed key.
            return KeyFacts(KeyKind.AWS_MANAGED)
        link_name = ".".join(str(p) for p in path)
        targets = self.graph.targets(res, link_name, KEY_TYPES + ALIAS_TYPES)
        if not targets:
            return KeyFacts(KeyKind.UNKNOWN, reason=f"{link_name} is unknown until apply and "
                            "does not refer to a key in this configuration")
        return self._from_resource(targets[0], ())

    def _from_value(self, value: object, via: tuple[Resource, ...]) -> KeyFacts:
        if value is None or value == "":
            return KeyFacts(KeyKind.AWS_MANAGED, via=via)
        if not isinstance(value, str):
            return KeyFacts(KeyKind.UNKNOWN, via=via, reason="kms_key_id is not a string")
        if _AWS_ALIAS.match(value):
            return KeyFacts(KeyKind.AWS_MANAGED, via=via)
        found = self.graph.by_value(value, KEY_TYPES + ALIAS_TYPES)
        if found:
            return self._from_resource(found[0], via)
        account = arn_account(value)
        owners = self.graph.owner_accounts
        if account and owners and account not in owners:
            return KeyFacts(KeyKind.EXTERNAL, via=via,
                            reason=f"the key is in account {account}, outside this configuration")
        return KeyFacts(KeyKind.UNKNOWN, via=via,
                        reason=f"the key {value} is not managed in this configuration")

    def _from_resource(self, target: Resource, via: tuple[Resource, ...]) -> KeyFacts:
        if target in via or len(via) > 8:
            return KeyFacts(KeyKind.UNKNOWN, via=via, reason="alias chain does not end at a key")
        if target.type in ALIAS_TYPES:
            chain = via + (target,)
            if target.mode == "data" or not target.is_unknown("target_key_id"):
                name = target.get("name")
                if isinstance(name, str) and _AWS_ALIAS.match(name):
                    return KeyFacts(KeyKind.AWS_MANAGED, via=chain)
                value = target.get("target_key_arn") or target.get("target_key_id")
                return self._from_value(value, chain)
            keys = self.graph.targets(target, "target_key_id", KEY_TYPES + ALIAS_TYPES)
            if keys:
                return self._from_resource(keys[0], chain)
            return KeyFacts(KeyKind.UNKNOWN, via=chain,
                            reason=f"the target of {target.address} is unknown until apply")
        if target.mode == "data":
            if target.get("key_manager") == "AWS":
                return KeyFacts(KeyKind.AWS_MANAGED, via=via + (target,))
            return KeyFacts(KeyKind.EXTERNAL, via=via + (target,),
                            reason=f"the key comes from {target.address}; its policy is not "
                                   "in this configuration")
        return self._customer_key(target, via)

    def _customer_key(self, key: Resource, via: tuple[Resource, ...]) -> KeyFacts:
        grants = tuple(self._grants.get(key.address, ()))
        attached = self._policies.get(key.address, [])
        holder = attached[0] if attached else key
        conflicting = bool(attached) and "policy" in key.configured
        if holder.is_unknown("policy"):
            if holder is key and "policy" not in key.configured:
                return KeyFacts(KeyKind.CUSTOMER, key, via, None, PolicyState.DEFAULT, key,
                                conflicting, grants)
            return KeyFacts(KeyKind.CUSTOMER, key, via, None, PolicyState.UNKNOWN, holder,
                            conflicting, grants, reason=f"the policy of {holder.address} is "
                                                        "unknown until apply")
        text = holder.get("policy")
        if not text:
            return KeyFacts(KeyKind.CUSTOMER, key, via, None, PolicyState.DEFAULT, holder,
                            conflicting, grants)
        policy = self.parse(holder, "policy")
        return KeyFacts(KeyKind.CUSTOMER, key, via, policy, PolicyState.SET, holder, conflicting,
                        grants)

    def parse(self, holder: Resource, attribute: str) -> Policy:
        """Parse a policy attribute once, turning a malformed document into a clear InputError."""
        cache_key = (holder.address, attribute)
        if cache_key not in self._parsed:
            try:
                self._parsed[cache_key] = parse_policy(holder.get(attribute))
            except PolicyError as err:
                raise InputError(f"{holder.address}.{attribute}: {err}", self.graph.source) from None
        return self._parsed[cache_key]

    def _keys_named(self, res: Resource, attribute: str) -> list[Resource]:
        if res.is_unknown(attribute):
            return self.graph.targets(res, attribute, KEY_TYPES)
        value = res.get(attribute)
        if not isinstance(value, str):
            return []
        found = self.graph.by_value(value, KEY_TYPES)
        return [r for r in found if r.mode == "managed"]
