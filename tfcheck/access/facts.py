"""Who can use each secret, with which key: the facts every rule shares (rules never parse JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tfcheck.access.decide import Asker
from tfcheck.access.identities import IDENTITY_TYPES, Identities
from tfcheck.access.key_facts import KeyFacts, KeyKind, PolicyState
from tfcheck.access.keys import ALIAS_TYPES, KEY_TYPES, KeyResolver
from tfcheck.access.match import Tri, Vague
from tfcheck.access.request import READ, WRITES, Target
from tfcheck.access.secret_keys import SecretKeys, doomed_keys, key_policies, secret_keys
from tfcheck.access.sharing import Access, sharing, specific
from tfcheck.access.targets import replica_target, secret_target
from tfcheck.access.witness import Witness
from tfcheck.iam import Policy, Principal
from tfcheck.model.graph import Graph
from tfcheck.model.resource import Resource

SECRET = "aws_secretsmanager_secret"
SECRET_POLICY = "aws_secretsmanager_secret_policy"
READ_TYPES = frozenset({SECRET, SECRET_POLICY, *KEY_TYPES, *ALIAS_TYPES, "aws_kms_key_policy",
                        "aws_kms_grant", "aws_caller_identity", "aws_iam_policy_document", *IDENTITY_TYPES})
"""Every resource type the built-in rules read (the Graph refuses a query for another type when
a plan was read for these only)."""


@dataclass(frozen=True)
class SecretFacts:
    """One resource policy on one secret: who it lets in, and the key they then need."""

    holder: Resource
    """The aws_secretsmanager_secret_policy, or the secret when the policy is its inline `policy`."""
    secret: Resource | None
    """None when the policy's secret is not in this configuration."""
    policy: Policy | None
    """None when the policy document is unknown until apply (beyond a few leaves)."""
    sensitive: bool
    accesses: tuple[Access, ...]
    """Principals outside the owner's accounts allowed (perhaps) to read or write the value."""
    specific: tuple[tuple[Principal, Tri], ...]
    """Roles, users and sessions of other accounts named in Allow statements, with foreign-ness."""
    public: Witness | None
    """A request from an account (and organization) no policy names that the policy allows."""
    key: KeyFacts
    replicas: tuple[tuple[str | None, KeyFacts], ...] = ()
    """Each replica's region and key (replicas share the resource policy)."""
    target: Target = field(default_factory=lambda: Target(Vague("*", "the region"), Vague("*", "the ARN")))
    asker: Asker = field(default_factory=Asker, compare=False, repr=False)

    @property
    def keys(self) -> list[KeyFacts]:
        """The primary's key and every replica's."""
        return [self.key, *(key for _, key in self.replicas)]

    def each_key(self) -> list[tuple[str | None, KeyFacts, Target]]:
        """(replica region or None, key, where Secrets Manager calls KMS) for primary and replicas."""
        out: list[tuple[str | None, KeyFacts, Target]] = [(None, self.key, self.target)]
        for region, key in self.replicas:
            out.append((region, key, replica_target(self.target, region)))
        return out

    def refusal(self, access: Access, key: KeyFacts, target: Target | None = None) -> Witness | None:
        """A request of this access the secret policy allows and the key refuses."""
        if self.policy is None:
            return None
        return self.asker.refusal(self.policy, key, access.callers, target or self.target,
                                  self.sensitive or key_sensitive(key), access.actions)

    def reach(self, access: Access) -> Witness | None:
        """A request of this access to the secret value that the secret policy allows."""
        if self.policy is None:
            return None
        return self.asker.allowed(self.policy, access.callers, (READ, *WRITES), self.target, self.sensitive)

    def decidable(self, key: KeyFacts) -> bool:
        """The key's policy is in the input, at least in part (else cmk-unverifiable says so)."""
        return key.kind is KeyKind.CUSTOMER and key.policy_state is not PolicyState.UNKNOWN


def key_sensitive(key: KeyFacts) -> bool:
    holder = key.policy_holder
    return holder is not None and holder.is_sensitive("policy")


@dataclass(frozen=True)
class Facts:
    """Everything rules look at."""

    graph: Graph
    owners: frozenset[str]
    secrets: tuple[SecretFacts, ...]
    """One per (resource policy, secret): who may use the secret, and its keys."""
    keyed: tuple[SecretKeys, ...] = ()
    """Every secret, shared or not, with its keys."""
    key_policies: tuple[tuple[Resource, Policy], ...] = ()
    doomed: tuple[tuple[Resource, Resource], ...] = ()
    """(secret, key) pairs where the plan deletes a key a remaining secret still uses."""
    mine: frozenset[str] = frozenset()
    trusted: frozenset[str] = frozenset()
    """Accounts tfcheck.hcl calls trusted: still foreign for KMS, named as trusted in reports."""
    before: Facts | None = None
    """The same facts for the state before the plan; None when there is no before (a directory).
    They hold only what the plan changes (access.before): summary.summarize_before reads them."""
    identities: Identities | None = None
    """The roles and users of every root in the run (the consumer side of a share)."""
    unchanged: frozenset[str] = frozenset()
    """In facts of the state before a plan: the secrets (and policies of secrets outside the
    configuration) whose whole chain the plan leaves as it is, whose facts are the plan's own
    and are not repeated here."""

    @property
    def owner_known(self) -> bool:
        return bool(self.owners)

    def foreign_identities(self, policy: Policy) -> tuple[tuple[Principal, Tri], ...]:
        """Roles, users and sessions of other accounts that a policy's Allow statements name."""
        return specific(policy, self.owners, self.mine)


def build_facts(graph: Graph, extra_owners: frozenset[str] = frozenset(),
                trusted: frozenset[str] = frozenset(), identities: Identities | None = None) -> Facts:
    owners, mine = owner_sets(graph, extra_owners)
    keys = KeyResolver(graph)
    keyed = secret_keys(graph, keys)
    asker = Asker()
    secrets = sorted((secret_facts(holder, secret, keys, keyed, owners, mine, asker)
                      for holder, secret in policy_pairs(graph)), key=facts_order)
    return Facts(graph, owners, tuple(secrets), tuple(keyed.values()), key_policies(graph, keys),
                 doomed_keys(graph, keys, keyed), mine, trusted, identities=identities)


def owner_sets(graph: Graph, extra_owners: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The owner accounts, and the accounts that are the owner's (`mine`)."""
    owners = graph.owner_accounts | extra_owners
    # The stand-in account of data.aws_caller_identity is the owner's, but proves no number:
    # it makes principals built from it non-foreign without making "foreign" decidable.
    mine = frozenset(owners | ({graph.owner_placeholder} if graph.owner_placeholder else set()))
    return owners, mine


def policy_pairs(graph: Graph) -> list[tuple[Resource, Resource | None]]:
    """(resource policy holder, its secret) for every resource policy of the graph."""
    pairs: list[tuple[Resource, Resource | None]] = []
    for holder in graph.of_type(SECRET_POLICY):
        targets: list[Resource | None] = [*_secrets_of(graph, holder)]
        pairs += [(holder, secret) for secret in targets or [None]]
    for secret in graph.of_type(SECRET):
        # The provider reads a secret's policy back into `policy` even when a separate
        # aws_secretsmanager_secret_policy manages it: only a configured one is inline.
        if "policy" in secret.configured:
            pairs.append((secret, secret))
    return pairs


def facts_order(f: SecretFacts) -> tuple[str, str]:
    return f.holder.address, f.secret.address if f.secret else ""


def _secrets_of(graph: Graph, holder: Resource) -> list[Resource]:
    """The managed secrets a policy is on (a `data "aws_secretsmanager_secret"` is a secret of
    another configuration: the policy's secret is then not managed here)."""
    if holder.is_unknown("secret_arn"):
        found = graph.targets(holder, "secret_arn", (SECRET,))
    else:
        value = holder.get("secret_arn")
        found = graph.by_value(value, (SECRET,)) if isinstance(value, str) else []
    return [secret for secret in found if secret.mode == "managed"]


def secret_facts(holder: Resource, secret: Resource | None, keys: KeyResolver,
                 keyed: dict[str, SecretKeys], owners: frozenset[str], mine: frozenset[str],
                 asker: Asker) -> SecretFacts:
    if secret is None:
        key = KeyFacts(KeyKind.UNKNOWN, reason="the secret is not managed in this configuration")
        replicas: tuple[tuple[str | None, KeyFacts], ...] = ()
    else:
        key, replicas = keyed[secret.address].primary, keyed[secret.address].replicas
    sensitive = holder.is_sensitive("policy")
    target = secret_target(secret, owners, mine, key.region)
    policy = keys.document(holder, "policy")
    if policy is None:
        return SecretFacts(holder, secret, None, sensitive, (), (), None, key, replicas, target, asker)
    accesses, public = sharing(policy, [key, *(k for _, k in replicas)], owners, mine, target, sensitive,
                               asker)
    return SecretFacts(holder, secret, policy, sensitive, accesses, specific(policy, owners, mine),
                       public, key, replicas, target, asker)
