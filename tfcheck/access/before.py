"""The access facts of the state before a plan, computed only for the secrets it changes."""

# Who may read a secret, and whether its keys let them, follows from its chain alone: the secret,
# its resource policies, the key of the secret and of each replica with that key's policy,
# aliases, grants and data sources (KeyFacts), and the owner accounts. A secret whose chain is the
# same before the plan as after it has the same access, so the facts after the plan stand for it
# (summary.summarize_before takes them); the secrets whose chain the plan changes, or which it
# destroys, are evaluated again on the state before. The chains are compared by what resolving
# them gave on each side, so nothing that could change an answer is left out.

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from tfcheck.access.decide import Asker
from tfcheck.access.facts import Facts, facts_order, owner_sets, policy_pairs, secret_facts
from tfcheck.access.key_facts import KeyFacts
from tfcheck.access.keys import KeyResolver
from tfcheck.access.secret_keys import SecretKeys, key_policies, secret_keys
from tfcheck.model.graph import Graph
from tfcheck.model.resource import Resource

Pairs = Iterable[tuple[Resource, Resource | None]]


def before_facts(prior: Graph, after: Facts, extra_owners: frozenset[str] = frozenset(),
                 trusted: frozenset[str] = frozenset()) -> Facts:
    """The facts of `prior` (the state before the plan whose facts are `after`) for the secrets
    whose chain the plan changes; the others are named in `unchanged`."""
    owners, mine = owner_sets(prior, extra_owners)
    keys = KeyResolver(prior)
    keyed = secret_keys(prior, keys)  # every secret's chain, to compare with the plan's
    pairs = policy_pairs(prior)
    # Other owner accounts change who is foreign to every secret: then all are evaluated again.
    unchanged = _unchanged(after, keyed, pairs) if (owners, mine) == (after.owners, after.mine) else set()
    asker = Asker()
    secrets = sorted((secret_facts(holder, secret, keys, keyed, owners, mine, asker)
                      for holder, secret in pairs if _group(holder, secret) not in unchanged),
                     key=facts_order)
    # A key policy the plan's facts did not read (a key the plan deletes, or changes) is still
    # read, so that a malformed one is reported as it always was.
    policies = key_policies(prior, keys, lambda r: after.graph.resources.get(r.address) is not r)
    # Nothing is deleted in the state before a plan: no key of it is doomed.
    return Facts(prior, owners, tuple(secrets),
                 tuple(sk for address, sk in keyed.items() if address not in unchanged),
                 policies, (), mine, trusted, unchanged=frozenset(unchanged))


def _group(holder: Resource, secret: Resource | None) -> str:
    """The summary entry a resource policy belongs to: its secret's, else its own."""
    return secret.address if secret is not None else holder.address


def _holders(pairs: Pairs) -> dict[str, list[Resource]]:
    out: dict[str, list[Resource]] = {}
    for holder, secret in sorted(pairs, key=lambda p: (p[0].address, p[1].address if p[1] else "")):
        out.setdefault(_group(holder, secret), []).append(holder)
    return out


def _unchanged(after: Facts, keyed: dict[str, SecretKeys], pairs: Pairs) -> set[str]:
    """The entries whose chain resolves to the same on both sides."""
    after_keyed = {sk.secret.address: sk for sk in after.keyed}
    after_holders = _holders((sf.holder, sf.secret) for sf in after.secrets)
    holders = _holders(pairs)
    out: set[str] = set()
    for address, sk in keyed.items():
        other = after_keyed.get(address)
        if other is not None and _same_keys(other, sk) and \
                _same_all(after_holders.get(address, []), holders.get(address, [])):
            out.add(address)
    for group, found in holders.items():
        # A policy of no secret in the configuration (not one of a data source's secret).
        if group not in keyed and found[0].address == group and \
                _same_all(after_holders.get(group, []), found):
            out.add(group)
    return out


def _same_keys(a: SecretKeys, b: SecretKeys) -> bool:
    return (same_state(a.secret, b.secret) and _same_key(a.primary, b.primary)
            and len(a.replicas) == len(b.replicas)
            and all(ra == rb and _same_key(ka, kb)
                    for (ra, ka), (rb, kb) in zip(a.replicas, b.replicas, strict=True)))


def _same_key(a: KeyFacts, b: KeyFacts) -> bool:
    """Every fact about the key the same: its resources (key, aliases, policy holder, grants,
    data source) in the same state, everything else equal."""
    for f in dataclasses.fields(KeyFacts):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, tuple) and isinstance(y, tuple):
            if not _same_all(x, y):
                return False
        elif isinstance(x, Resource) and isinstance(y, Resource):
            if not same_state(x, y):
                return False
        elif x != y:
            return False
    return True


def _same_all(xs: Sequence[Resource], ys: Sequence[Resource]) -> bool:
    return len(xs) == len(ys) and all(same_state(x, y) for x, y in zip(xs, ys, strict=True))


def same_state(after: Resource, before: Resource) -> bool:
    """Whether a resource is the same for the access facts after the plan as before it: the very
    same object (the plan leaves it as it is: terraform.plan.prior), or, when the plan's Graph
    was merged with its source, one that holds the same known values, marks and configuration."""
    if after is before:
        return True
    return (after.address == before.address and after.type == before.type and after.mode == before.mode
            and after.action == before.action and not after.has_unknown and not before.has_unknown
            and after.values == before.values and after.sensitive == before.sensitive
            and after.configured == before.configured and after.region == before.region
            and after.partial == before.partial)
