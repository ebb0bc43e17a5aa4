"""Who outside the owner's accounts may read or write each secret (and replica), with which key,
and whether KMS lets them: read off the access facts and the Asker the rules use (one
computation, two uses), never evaluated a second way."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tfcheck.access import Access, Facts, SecretFacts
from tfcheck.access.key_facts import KeyFacts, KeyKind
from tfcheck.access.request import READ, WRITES, Target
from tfcheck.access.witness import HIDDEN, spelled
from tfcheck.findings import Location
from tfcheck.iam import Principal, PrincipalKind
from tfcheck.model.resource import UnknownLeaf

YES, NO, UNKNOWN = "yes", "no", "unknown"
AWS_MANAGED_NAME = "aws/secretsmanager"


@dataclass(frozen=True)
class KeyView:
    """The key of a secret or replica, as a report names it."""

    kind: str
    """aws-managed, customer, external or unknown (KeyKind)."""
    name: str
    """`aws/secretsmanager`, the key's address, or what is not known about it."""
    address: str | None = None
    policy: str | None = None
    """The resource whose `policy` is the key policy (the key or an aws_kms_key_policy)."""
    reason: str = ""


@dataclass(frozen=True)
class Grantee:
    """One principal of another account (or anyone) that a secret policy lets in."""

    principal: str
    """As the policy writes it (HIDDEN when marked sensitive)."""
    account: str | None
    """Its account; "*" for anyone; None when known only after apply."""
    identity: str
    """Which identities of that account: "account" (any, as its administrator delegates),
    "role/app", the aws:PrincipalArn pattern that narrows it ("role/app-*"), "anyone"."""
    foreign: str
    """yes, or unknown when the owner account is not known."""
    reads: str
    writes: str
    conditions: tuple[str, ...]
    """The conditions of the statements that let it in (key, operator, values)."""
    decrypts: str
    """Whether the key lets it do (via Secrets Manager) what the secret policy allows: yes, no,
    unknown. Exactly what cmk-missing-cross-account-grant and cross-account-secret-without-cmk
    ask."""
    why: str = ""
    """When decrypts is not yes: the request the key refuses (the rules' witness)."""

    @property
    def who(self) -> str:
        if self.account == "*":
            return "anyone"
        if self.identity == HIDDEN:
            return HIDDEN
        account = self.account if self.account is not None else "an account known after apply"
        return f"{account} ({self.identity})"

    @property
    def may_read(self) -> bool:
        """May read the value, as far as the input tells (the key does not prove it cannot)."""
        return self.reads != NO and self.decrypts != NO


@dataclass(frozen=True)
class SecretAccess:
    """One secret, or one replica of it, with everyone outside the owner's accounts it lets in."""

    address: str
    replica: str | None
    """The replica's region; None for the primary."""
    region: str | None
    key: KeyView
    policies: tuple[str, ...]
    """The resources holding its resource policy (an aws_secretsmanager_secret_policy, or the
    secret itself for the inline argument)."""
    grantees: tuple[Grantee, ...]
    unknown: tuple[str, ...] = ()
    """What could not be told (a policy known only after apply): who else may read is unknown."""

    @property
    def label(self) -> str:
        return f"{self.address} (replica in {self.replica})" if self.replica else self.address

    @property
    def code_label(self) -> str:
        """The label with the address as code: "`aws_secretsmanager_secret.x` (replica in us-west-2)"."""
        return f"`{self.address}` (replica in {self.replica})" if self.replica else f"`{self.address}`"


@dataclass(frozen=True)
class Summary:
    secrets: tuple[SecretAccess, ...]
    owners: tuple[str, ...]
    locations: dict[str, Location | None]
    """Where each resource a summary names is written (key policies for the diff's lines)."""


_LAST: list[tuple[Facts, Summary]] = []
"""The summaries of the last facts asked about: the rule new-cross-account-access and the access
changes of the comment ask about the same facts (before and after) in one run."""


def summarize(facts: Facts) -> Summary:
    """Every secret and replica of the facts, with its grantees, in address order (of the state
    before a plan, whose facts hold only what the plan changes: summarize_before)."""
    for seen, summary in _LAST:
        if seen is facts:
            return summary
    if facts.unchanged:
        raise ValueError("the facts before a plan hold only what it changes: use summarize_before")
    summary = _summarize(facts)
    _LAST[:] = [*_LAST[-1:], (facts, summary)]
    return summary


def summarize_before(facts: Facts) -> Summary | None:
    """The summary of the state before the plan of `facts` (None without one): the entries of
    the secrets whose chain the plan leaves as it is are the summary's after it."""
    before = facts.before
    if before is None:
        return None
    for seen, summary in _LAST:
        if seen is before:
            return summary
    summary = _summarize(before)
    if before.unchanged:
        same = [s for s in summarize(facts).secrets if s.address in before.unchanged]
        summary = replace(summary, secrets=tuple(sorted((*summary.secrets, *same), key=_order)))
    _LAST[:] = [*_LAST[-1:], (before, summary)]
    return summary


def _summarize(facts: Facts) -> Summary:
    by_secret: dict[str, list[SecretFacts]] = {}
    for sf in facts.secrets:
        by_secret.setdefault(sf.secret.address if sf.secret else sf.holder.address, []).append(sf)
    out: list[SecretAccess] = []
    for sk in facts.keyed:
        sfs = by_secret.pop(sk.secret.address, [])
        out.append(_entry(sk.secret.address, None, sk.secret.region or sk.primary.region, sk.primary, sfs,
                          None))
        for region, key in sk.replicas:
            out.append(_entry(sk.secret.address, region or "an unknown region", region, key, sfs, region))
    for address, sfs in by_secret.items():  # policies on secrets outside this configuration
        out.append(_entry(address, None, None, sfs[0].key, sfs, None))
    out.sort(key=_order)
    locations = {r.address: r.location_of("policy") for r in facts.graph.resources.values()}
    return Summary(tuple(out), tuple(sorted(facts.owners)), locations)


def _order(s: SecretAccess) -> tuple[str, str]:
    return s.address, s.replica or ""


def key_view(key: KeyFacts) -> KeyView:
    if key.kind is KeyKind.AWS_MANAGED:
        return KeyView(key.kind.value, AWS_MANAGED_NAME)
    if key.key is not None:
        holder = key.policy_holder.address if key.policy_holder is not None else None
        return KeyView(key.kind.value, key.key.address, key.key.address, holder, key.reason)
    if key.source is not None:
        return KeyView(key.kind.value, key.source.address, key.source.address, None, key.reason)
    return KeyView(key.kind.value, f"{key.kind.value} key", None, None, key.reason)


def _entry(address: str, replica: str | None, region: str | None, key: KeyFacts, sfs: list[SecretFacts],
           replica_region: str | None) -> SecretAccess:
    grantees: dict[str, Grantee] = {}
    unknown: list[str] = []
    for sf in sfs:
        if sf.policy is None:
            unknown.append(f"the policy of {sf.holder.address} is known only after apply")
            continue
        target = sf.target if replica is None else _replica_target(sf, replica_region)
        for access in sf.accesses:
            g = _grantee(sf, access, key, target)
            old = grantees.get(g.principal)
            grantees[g.principal] = g if old is None else _merged(old, g)
    return SecretAccess(address, replica, region, key_view(key), tuple(sf.holder.address for sf in sfs),
                        tuple(sorted(grantees.values(), key=lambda g: (g.account or "~", g.identity,
                                                                      g.principal))),
                        tuple(unknown))


def _replica_target(sf: SecretFacts, region: str | None) -> Target:
    return next(t for r, _, t in sf.each_key() if r == region)


def _word(found: object, certain: bool) -> str:
    return NO if found is None else YES if certain else UNKNOWN


def _grantee(sf: SecretFacts, access: Access, key: KeyFacts, target: Target) -> Grantee:
    assert sf.policy is not None
    p = access.principal
    hidden = sf.sensitive or p.sensitive
    read = sf.asker.allowed(sf.policy, access.callers, (READ,), target, sf.sensitive)
    write = sf.asker.allowed(sf.policy, access.callers, WRITES, target, sf.sensitive)
    refused = sf.refusal(access, key, target)
    decrypts = YES if refused is None else NO if refused.certain else UNKNOWN
    account, identity = _who(p, sf, hidden)
    return Grantee(
        principal=HIDDEN if hidden else p.value, account=account, identity=identity,
        foreign=YES if access.foreign else UNKNOWN,
        reads=_word(read, read is not None and read.certain),
        writes=_word(write, write is not None and write.certain),
        conditions=() if hidden else _conditions(sf, p), decrypts=decrypts,
        why="" if refused is None else refused.text())


def _merged(a: Grantee, b: Grantee) -> Grantee:
    """One principal named by two policies of one secret: the wider of each answer."""
    def wider(x: str, y: str) -> str:
        return YES if YES in (x, y) else UNKNOWN if UNKNOWN in (x, y) else NO

    def narrower(x: str, y: str) -> str:
        return NO if NO in (x, y) else UNKNOWN if UNKNOWN in (x, y) else YES

    return Grantee(a.principal, a.account, a.identity, a.foreign, wider(a.reads, b.reads),
                   wider(a.writes, b.writes), tuple(dict.fromkeys(a.conditions + b.conditions)),
                   narrower(a.decrypts, b.decrypts), a.why or b.why)


def _who(p: Principal, sf: SecretFacts, hidden: bool) -> tuple[str | None, str]:
    if hidden:
        return HIDDEN, HIDDEN
    if p.kind is PrincipalKind.WILDCARD:
        return "*", "anyone"
    if p.kind is PrincipalKind.UNKNOWN:
        return None, f"known after apply: {p.value}"
    if p.kind is PrincipalKind.ACCOUNT:
        patterns = _arn_patterns(sf, p)
        return p.account, ", ".join(patterns) if patterns else "account"
    return p.account, p.value.split(":", 5)[5] if p.value.count(":") >= 5 else p.value


def _statements(sf: SecretFacts, p: Principal) -> list[object]:
    assert sf.policy is not None
    return [st for st in sf.policy.statements if st.effect != "Deny" and (
        p in (st.principals or ()) or (st.not_principals is not None and p.kind is PrincipalKind.WILDCARD))]


def _arn_patterns(sf: SecretFacts, p: Principal) -> list[str]:
    """The aws:PrincipalArn patterns of this account that the statements naming it require."""
    out: list[str] = []
    for st in _statements(sf, p):
        for c in st.conditions:  # type: ignore[attr-defined]
            if c.key != "aws:principalarn" or c.operator.lower().startswith(("stringnot", "arnnot")):
                continue
            for v in c.values:
                parts = v.split(":", 5) if isinstance(v, str) else []
                if len(parts) == 6 and parts[4] in (p.account, "*"):
                    out.append(parts[5])
    return list(dict.fromkeys(out))


def _conditions(sf: SecretFacts, p: Principal) -> tuple[str, ...]:
    out: list[str] = []
    for st in _statements(sf, p):
        for c in st.conditions:  # type: ignore[attr-defined]
            values = ", ".join(v if isinstance(v, str) else f"({v.text}, known after apply)"
                               for v in c.values if isinstance(v, (str, UnknownLeaf)))
            out.append(f"{spelled(c.key)} {c.operator} {values}")
    return tuple(dict.fromkeys(out))
