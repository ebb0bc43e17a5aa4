"""Who can use each secret, with which key: the facts every rule shares (rules never parse JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tfcheck.access.candidates import Vocabulary, callers_of, everyone, vocabulary, with_orgs
from tfcheck.access.decide import PROBED, Asker
from tfcheck.access.evaluate import own_identity
from tfcheck.access.key_facts import KeyFacts, KeyKind, PolicyState
from tfcheck.access.keys import ALIAS_TYPES, KEY_TYPES, KeyResolver
from tfcheck.access.match import Tri, Vague
from tfcheck.access.request import READ, WRITES, Caller, Target
from tfcheck.access.secret_keys import SecretKeys, doomed_keys, key_policies, secret_keys
from tfcheck.access.witness import Witness
from tfcheck.iam import KMS_FOR_READ, KMS_FOR_WRITE, Policy, Principal, PrincipalKind, is_specific_identity
from tfcheck.iam.actions import action_matches
from tfcheck.iam.principals import classify
from tfcheck.model.graph import Graph
from tfcheck.model.resource import Resource, UnknownLeaf

SECRET = "aws_secretsmanager_secret"
SECRET_POLICY = "aws_secretsmanager_secret_policy"
READ_TYPES = frozenset({SECRET, SECRET_POLICY, *KEY_TYPES, *ALIAS_TYPES, "aws_kms_key_policy",
                        "aws_kms_grant", "aws_caller_identity", "aws_iam_policy_document"})
"""Every resource type the built-in rules read (the Graph refuses a query for another type when
a plan was read for these only)."""
_ACCOUNT_KINDS = (PrincipalKind.ACCOUNT, PrincipalKind.ROLE, PrincipalKind.USER,
                  PrincipalKind.ASSUMED_ROLE)


@dataclass(frozen=True)
class Access:
    """One principal of a secret policy's Allow statements that may be outside the owner's
    accounts, with the callers it stands for."""

    principal: Principal
    foreign: Tri
    """True: proven foreign; None: foreign unless the owner turns out to be its account."""
    reads: bool
    writes: bool
    callers: tuple[Caller, ...] = ()

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
                                  self.sensitive or key_sensitive(key))

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
    mine = frozenset(owners | ({graph.owner_placeholder} if graph.owner_placeholder else set()))
    keys = KeyResolver(graph)
    keyed = secret_keys(graph, keys)
    asker = Asker()
    secrets: list[SecretFacts] = []
    for holder in graph.of_type(SECRET_POLICY):
        targets: list[Resource | None] = [*_secrets_of(graph, holder)]
        for secret in targets or [None]:
            secrets.append(_facts(holder, secret, keys, keyed, owners, mine, asker))
    for secret in graph.of_type(SECRET):
        # The provider reads a secret's policy back into `policy` even when a separate
        # aws_secretsmanager_secret_policy manages it: only a configured one is inline.
        if "policy" in secret.configured:
            secrets.append(_facts(secret, secret, keys, keyed, owners, mine, asker))
    secrets.sort(key=lambda f: (f.holder.address, f.secret.address if f.secret else ""))
    return Facts(graph, owners, tuple(secrets), tuple(keyed.values()), key_policies(graph, keys),
                 doomed_keys(graph, keys, keyed), mine, trusted)


def _secrets_of(graph: Graph, holder: Resource) -> list[Resource]:
    if holder.is_unknown("secret_arn"):
        return graph.targets(holder, "secret_arn", (SECRET,))
    value = holder.get("secret_arn")
    return graph.by_value(value, (SECRET,)) if isinstance(value, str) else []


def _facts(holder: Resource, secret: Resource | None, keys: KeyResolver, keyed: dict[str, SecretKeys],
           owners: frozenset[str], mine: frozenset[str], asker: Asker) -> SecretFacts:
    if secret is None:
        key = KeyFacts(KeyKind.UNKNOWN, reason="the secret is not managed in this configuration")
        replicas: tuple[tuple[str | None, KeyFacts], ...] = ()
    else:
        key, replicas = keyed[secret.address].primary, keyed[secret.address].replicas
    sensitive = holder.is_sensitive("policy")
    target = secret_target(secret, owners)
    policy = keys.document(holder, "policy")
    if policy is None:
        return SecretFacts(holder, secret, None, sensitive, (), (), None, key, replicas, target, asker)
    all_keys = [key, *(k for _, k in replicas)]
    vocab = vocabulary([policy, *(k.policy for k in all_keys if k.policy is not None)],
                       [classify("AWS", g.get("grantee_principal")) for k in all_keys for g in k.grants
                        if isinstance(g.get("grantee_principal"), str)])
    # Only principals some request of which the policy may allow: `*` narrowed to the owner's
    # account, or to service calls on its behalf (aws:SourceAccount), lets no other account in.
    accesses = tuple(a for a in _accesses(policy, owners, mine, vocab)
                     if asker.allowed(policy, a.callers, (READ, *WRITES), target, sensitive) is not None)
    public = asker.allowed(policy, with_orgs(everyone(vocab, mine)[-3:], vocab), _probed(policy), target,
                           sensitive) if _names_everyone(policy) else None
    return SecretFacts(holder, secret, policy, sensitive, accesses, _specific(policy, owners, mine),
                       public, key, replicas, target, asker)


def _names_everyone(policy: Policy) -> bool:
    return any(st.effect != "Deny" and (st.not_principals is not None or any(
        p.kind in (PrincipalKind.WILDCARD, PrincipalKind.UNKNOWN) and not own_identity(p)
        for p in st.principals or ())) for st in policy.statements)


def _probed(policy: Policy) -> tuple[str, ...]:
    named = [a.replace("*", "x").replace("?", "x") for st in policy.statements for a in st.actions or ()
             if isinstance(a, str) and a.lower().startswith("secretsmanager:")]
    return tuple(dict.fromkeys([*PROBED, *named]))


def _accesses(policy: Policy, owners: frozenset[str], mine: frozenset[str], vocab: Vocabulary
              ) -> tuple[Access, ...]:
    found: dict[str, tuple[Principal, bool, bool]] = {}
    for st in policy.statements:
        if st.effect == "Deny":
            continue
        reads, writes = _may(st.actions, st.not_actions, (READ,)), _may(st.actions, st.not_actions, WRITES)
        if not (reads or writes):
            continue
        named = st.principals or ()
        if st.not_principals is not None:
            named = (Principal(PrincipalKind.WILDCARD, "*"),)
        for p in named:
            old = found.get(p.value)
            found[p.value] = (p, reads or bool(old and old[1]), writes or bool(old and old[2]))
    out: list[Access] = []
    for p, reads, writes in found.values():
        foreign = _foreign(p, owners, mine)
        if foreign is False:
            continue
        callers = with_orgs(callers_of(p, vocab, mine), vocab)
        if callers:
            out.append(Access(p, foreign, reads, writes, tuple(callers)))
    return tuple(out)


def _may(actions: tuple[object, ...] | None, not_actions: tuple[object, ...] | None,
         wanted: tuple[str, ...]) -> bool:
    """Whether the Action (or NotAction) may cover one of `wanted` (an unknown entry may)."""
    if actions is not None:
        return any(isinstance(a, UnknownLeaf) or (isinstance(a, str) and action_matches(a, w))
                   for a in actions for w in wanted)
    return any(not any(isinstance(a, str) and action_matches(a, w) for a in not_actions or ())
               for w in wanted)


def _foreign(p: Principal, owners: frozenset[str], mine: frozenset[str]) -> Tri:
    if p.kind in (PrincipalKind.WILDCARD, PrincipalKind.UNKNOWN):
        return False if own_identity(p) else True if owners else None
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


def _partition(region: str | None) -> str:
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def secret_target(secret: Resource | None, owners: frozenset[str]) -> Target:
    """Where the secret lives and its ARN (its shape, when AWS has not named it yet)."""
    region = secret.region if secret is not None else None
    partition = _partition(region)
    where: str | Vague = region if region else Vague("*", "the secret's region (not known)")
    arn = secret.get("arn") if secret is not None else None
    if isinstance(arn, str) and arn:
        return Target(where, arn, partition)
    name = secret.get("name") if secret is not None else None
    account = next(iter(owners)) if len(owners) == 1 else "*"
    shape = (f"arn:{partition}:secretsmanager:{region or '*'}:{account}:secret:"
             f"{name + '-??????' if isinstance(name, str) else '*'}")
    what = secret.address if secret is not None else "the secret"
    return Target(where, Vague(shape, f"the ARN of {what} (known after apply)"), partition)


def replica_target(primary: Target, region: str | None) -> Target:
    """A replica's: the same name in another region."""
    partition = _partition(region) if region else primary.partition
    where: str | Vague = region if region else Vague("*", "the replica's region (not known)")
    arn = primary.arn
    if isinstance(arn, str):
        parts = arn.split(":")
        if len(parts) > 3 and region:
            parts[3] = region
            return Target(where, ":".join(parts), partition)
        return Target(where, Vague("*", "the replica's ARN"), partition)
    parts = arn.shape.split(":")
    if len(parts) > 3:
        parts[3] = region or "*"
    return Target(where, Vague(":".join(parts), arn.text.replace("ARN of", "replica ARN of")), partition)
