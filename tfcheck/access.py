"""Who can read each secret, with which key: the facts every rule shares (rules never parse JSON)."""

from __future__ import annotations

from dataclasses import dataclass

from tfcheck.iam import (
    KMS_FOR_READ,
    KMS_FOR_WRITE,
    READ_ACTIONS,
    WRITE_ACTIONS,
    Grantee,
    Policy,
    Principal,
    PrincipalKind,
    Statement,
    classify,
    grantees,
    is_public,
    is_specific_identity,
    kms_allows_all,
)
from tfcheck.key_facts import KeyFacts, KeyKind, PolicyState
from tfcheck.keys import ALIAS_TYPES, KEY_TYPES, KeyResolver
from tfcheck.model.graph import Graph
from tfcheck.model.resource import Resource
from tfcheck.secret_keys import SecretKeys, doomed_keys, key_policies, secret_keys

SECRET = "aws_secretsmanager_secret"
SECRET_POLICY = "aws_secretsmanager_secret_policy"
READ_TYPES = frozenset({SECRET, SECRET_POLICY, *KEY_TYPES, *ALIAS_TYPES, "aws_kms_key_policy",
                        "aws_kms_grant", "aws_caller_identity"})
"""Every resource type the built-in rules read (the Graph refuses a query for another type when
a plan was read for these only)."""
_ACCOUNT_KINDS = (PrincipalKind.ACCOUNT, PrincipalKind.ROLE, PrincipalKind.USER,
                  PrincipalKind.ASSUMED_ROLE)
Tri = bool | None


@dataclass(frozen=True)
class Access:
    """One principal outside the owner's accounts (or possibly outside) that may use the secret."""

    grantee: Grantee
    foreign: Tri
    """True: proven foreign; None: foreign unless the owner turns out to be its account."""
    reads: bool
    writes: bool

    @property
    def principal(self) -> Principal:
        return self.grantee.principal

    @property
    def kms_actions(self) -> tuple[str, ...]:
        return KMS_FOR_WRITE if self.writes else KMS_FOR_READ


@dataclass(frozen=True)
class SecretFacts:
    """One resource policy on one secret: who it lets in, and the key they then need."""

    holder: Resource
    """The aws_secretsmanager_secret_policy, or the secret when the policy is its inline `policy`."""
    secret: Resource | None
    """None when the policy's secret is not in this configuration."""
    policy: Policy | None
    """None when the policy document is unknown until apply."""
    sensitive: bool
    accesses: tuple[Access, ...]
    """Principals outside the owner's accounts allowed to read or write the secret value."""
    specific: tuple[tuple[Principal, Tri], ...]
    """Roles, users and sessions of other accounts named in Allow statements, with foreign-ness."""
    public: tuple[Statement, ...]
    key: KeyFacts
    replicas: tuple[tuple[str | None, KeyFacts], ...] = ()
    """Each replica's region and key (replicas share the resource policy)."""

    @property
    def keys(self) -> list[KeyFacts]:
        """The primary's key and every replica's."""
        return [self.key, *(key for _, key in self.replicas)]

    def kms_allows(self, access: Access, key: KeyFacts | None = None) -> Tri:
        """Does the key's policy or a grant let this principal do what its secret access needs?"""
        key = key or self.key
        if key.kind is not KeyKind.CUSTOMER:
            return None
        if key.policy_state is PolicyState.UNKNOWN:
            by_policy: Tri = None
        elif key.policy is None:
            by_policy = False  # the default key policy lets in only the key's own account
        else:
            by_policy = kms_allows_all(key.policy, access.grantee, access.kms_actions)
        if by_policy is True or _granted(key.grants, access):
            return True
        return by_policy


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

    @property
    def owner_known(self) -> bool:
        return bool(self.owners)

    def foreign_identities(self, policy: Policy) -> tuple[tuple[Principal, Tri], ...]:
        """Roles, users and sessions of other accounts that a policy's Allow statements name."""
        return _specific(policy, self.owners, self.mine)


def build_facts(graph: Graph, extra_owners: frozenset[str] = frozenset(),
                trusted: frozenset[str] = frozenset()) -> Facts:
    owners = graph.owner_accounts | extra_owners
    # The stand-in account of data.aws_caller_identity is the owner's, but proves no number:
    # it makes principals built from it non-foreign without making "foreign" decidable.
    mine = owners | ({graph.owner_placeholder} if graph.owner_placeholder else set())
    keys = KeyResolver(graph)
    keyed = secret_keys(graph, keys)
    secrets: list[SecretFacts] = []
    for holder in graph.of_type(SECRET_POLICY):
        targets: list[Resource | None] = [*_secrets_of(graph, holder)]
        for secret in targets or [None]:
            secrets.append(_facts(holder, secret, "policy", keys, keyed, owners, mine))
    for secret in graph.of_type(SECRET):
        # The provider reads a secret's policy back into `policy` even when a separate
        # aws_secretsmanager_secret_policy manages it: only a configured one is inline.
        if "policy" in secret.configured:
            secrets.append(_facts(secret, secret, "policy", keys, keyed, owners, mine))
    secrets.sort(key=lambda f: (f.holder.address, f.secret.address if f.secret else ""))
    return Facts(graph, owners, tuple(secrets), tuple(keyed.values()), key_policies(graph, keys),
                 doomed_keys(graph, keys, keyed), frozenset(mine), trusted)


def _secrets_of(graph: Graph, holder: Resource) -> list[Resource]:
    if holder.is_unknown("secret_arn"):
        return graph.targets(holder, "secret_arn", (SECRET,))
    value = holder.get("secret_arn")
    return graph.by_value(value, (SECRET,)) if isinstance(value, str) else []


def _facts(holder: Resource, secret: Resource | None, attribute: str, keys: KeyResolver,
           keyed: dict[str, SecretKeys], owners: frozenset[str], mine: frozenset[str]) -> SecretFacts:
    if secret is None:
        key = KeyFacts(KeyKind.UNKNOWN, reason="the secret is not managed in this configuration")
        replicas: tuple[tuple[str | None, KeyFacts], ...] = ()
    else:
        key, replicas = keyed[secret.address].primary, keyed[secret.address].replicas
    sensitive = holder.is_sensitive(attribute)
    if holder.is_unknown(attribute) or not holder.get(attribute):
        return SecretFacts(holder, secret, None, sensitive, (), (), (), key, replicas)
    policy = keys.parse(holder, attribute)
    return SecretFacts(holder, secret, policy, sensitive, _accesses(policy, owners, mine),
                       _specific(policy, owners, mine), tuple(is_public(policy)), key, replicas)


def _accesses(policy: Policy, owners: frozenset[str], mine: frozenset[str]) -> tuple[Access, ...]:
    reads = _grantees(policy, READ_ACTIONS)
    writes = _grantees(policy, WRITE_ACTIONS)
    out: list[Access] = []
    for ident, grantee in {**reads, **writes}.items():
        foreign = _foreign(grantee, owners, mine)
        if foreign is not False:
            out.append(Access(grantee, foreign, ident in reads, ident in writes))
    return tuple(out)


def _grantees(policy: Policy, actions: tuple[str, ...]) -> dict[tuple[object, ...], Grantee]:
    found: dict[tuple[object, ...], Grantee] = {}
    for action in actions:
        for g in grantees(policy, action):
            found.setdefault(_identity(g), g)
    return found


def _identity(g: Grantee) -> tuple[object, ...]:
    return (g.principal.kind, g.principal.value, g.accounts, g.org_ids, g.arn_patterns)


def _foreign(grantee: Grantee, owners: frozenset[str], mine: frozenset[str]) -> Tri:
    p = grantee.principal
    if p.kind is PrincipalKind.WILDCARD:
        if grantee.accounts is not None and grantee.accounts <= mine:
            return False
        return True if owners or grantee.accounts is None else None
    if p.kind not in _ACCOUNT_KINDS or p.account is None:
        return False  # services, federated users and unique ids are not accounts to share with
    return _account_foreign(p.account, owners, mine)


def _account_foreign(account: str, owners: frozenset[str], mine: frozenset[str]) -> Tri:
    if account in mine:
        return False
    return True if owners else None


def _specific(policy: Policy, owners: frozenset[str], mine: frozenset[str]
              ) -> tuple[tuple[Principal, Tri], ...]:
    out: dict[str, tuple[Principal, Tri]] = {}
    for st in policy.statements:
        if st.effect != "Allow" or not st.principals:
            continue
        for p in st.principals:
            if not is_specific_identity(p) or p.value in out:
                continue
            foreign = _account_foreign(p.account or "", owners, mine)
            if foreign is not False:
                out[p.value] = (p, foreign)
    return tuple(out.values())


def _granted(grants: tuple[Resource, ...], access: Access) -> bool:
    """An aws_kms_grant to the same principal (or its account) with every needed operation."""
    wanted = {a.split(":", 1)[1] for a in access.kms_actions}
    p = access.principal
    for grant in grants:
        grantee = grant.get("grantee_principal")
        operations = grant.get("operations")
        if not isinstance(grantee, str) or not isinstance(operations, list):
            continue
        g = classify("AWS", grantee)
        covers = g.value == p.value or (g.kind is PrincipalKind.ACCOUNT and g.account == p.account
                                        and p.kind is not PrincipalKind.WILDCARD)
        if covers and wanted <= set(operations):
            return True
    return False
