"""The keys of every secret (shared or not), every key policy, and keys the plan destroys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tfcheck.access.key_facts import KeyFacts
from tfcheck.access.keys import KEY_TYPES, KeyResolver
from tfcheck.iam import Policy
from tfcheck.model.graph import Graph
from tfcheck.model.resource import Resource

SECRET = "aws_secretsmanager_secret"
KEY_POLICY_HOLDERS = ("aws_kms_key", "aws_kms_replica_key", "aws_kms_key_policy")


@dataclass(frozen=True)
class SecretKeys:
    """A secret with the key of its primary and of each replica."""

    secret: Resource
    primary: KeyFacts
    replicas: tuple[tuple[str | None, KeyFacts], ...]

    def each(self) -> list[tuple[str, KeyFacts]]:
        """(label, key) for the primary ("") and every replica ("replica in us-west-2")."""
        return [("", self.primary), *((f"replica in {region or 'an unknown region'}", key)
                                     for region, key in self.replicas)]


def secret_keys(graph: Graph, keys: KeyResolver) -> dict[str, SecretKeys]:
    return {s.address: SecretKeys(s, keys.resolve(s), tuple(keys.replicas(s)))
            for s in sorted(graph.of_type(SECRET), key=lambda r: r.address)}


def key_policies(graph: Graph, keys: KeyResolver, only: Callable[[Resource], bool] | None = None
                 ) -> tuple[tuple[Resource, Policy], ...]:
    """Every key policy known at plan time (of the holders `only` accepts), with the resource
    that holds it."""
    out = []
    for holder in sorted(graph.of_type(*KEY_POLICY_HOLDERS), key=lambda r: r.address):
        if (only is None or only(holder)) and not holder.is_unknown("policy") and holder.get("policy"):
            out.append((holder, keys.parse(holder, "policy")))
    return tuple(out)


def doomed_keys(graph: Graph, keys: KeyResolver, secrets: dict[str, SecretKeys]
                ) -> tuple[tuple[Resource, Resource], ...]:
    """(secret, key) where the plan deletes a key that a remaining secret or replica names."""
    out: list[tuple[Resource, Resource]] = []
    for sk in secrets.values():
        values = [sk.secret.get("kms_key_id")]
        replicas = sk.secret.get("replica")
        values += [r.get("kms_key_id") for r in replicas if isinstance(r, dict)] \
            if isinstance(replicas, list) else []
        for value in values:
            if isinstance(value, str) and value:
                for key in keys.keys_for_value(value, deleted=True):
                    if key.type in KEY_TYPES and (sk.secret, key) not in out:
                        out.append((sk.secret, key))
    return tuple(out)
