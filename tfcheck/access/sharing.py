"""Who a secret policy lets in from other accounts: its principals, the callers they stand for."""

from __future__ import annotations

from dataclasses import dataclass

from tfcheck.access.candidates import Vocabulary, bare, callers_of, everyone, vocabulary, with_orgs
from tfcheck.access.decide import PROBED, Asker
from tfcheck.access.evaluate import own_identity
from tfcheck.access.key_facts import KeyFacts
from tfcheck.access.match import Tri
from tfcheck.access.request import READ, WRITES, Caller, Target
from tfcheck.access.witness import Witness
from tfcheck.iam import KMS_FOR_READ, KMS_FOR_WRITE, Policy, Principal, PrincipalKind, is_specific_identity
from tfcheck.iam.actions import action_matches
from tfcheck.iam.principals import classify
from tfcheck.model.resource import UnknownLeaf

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

    @property
    def actions(self) -> tuple[str, ...]:
        """The secret actions that need the key, that it may be allowed."""
        return ((READ,) if self.reads else ()) + (WRITES if self.writes else ())


def sharing(policy: Policy, keys: list[KeyFacts], owners: frozenset[str], mine: frozenset[str],
            target: Target, sensitive: bool, asker: Asker) -> tuple[tuple[Access, ...], Witness | None]:
    """The accesses of other accounts to the secret's value that the policy may allow, and a
    request of an account no policy names that it allows (a public secret), if any."""
    vocab = vocabulary([policy, *(k.policy for k in keys if k.policy is not None)],
                       [classify("AWS", g.get("grantee_principal")) for k in keys for g in k.grants
                        if isinstance(g.get("grantee_principal"), str)])
    # Only principals some request of which the policy may allow: `*` narrowed to the owner's
    # account, or to service calls on its behalf (aws:SourceAccount), lets no other account in.
    accesses = tuple(a for a in _accesses(policy, owners, mine, vocab)
                     if asker.allowed(policy, a.callers, (READ, *WRITES), target, sensitive) is not None)
    anyone_else = [c for c in everyone(vocab, mine) if c.fresh]
    public = None
    if _names_everyone(policy):
        callers = with_orgs(bare(anyone_else, vocab), vocab, outside=True)
        public = asker.allowed(policy, callers, _probed(policy), target, sensitive)
    return accesses, public


def refusals(policy: Policy, key: KeyFacts, owners: frozenset[str], target: Target) -> dict[str, Witness]:
    """Each principal of the policy with a request it allows and the key refuses (the question
    behind cmk-missing-cross-account-grant, for one policy and one key)."""
    asker = Asker()
    accesses, _ = sharing(policy, [key], owners, owners, target, False, asker)
    out: dict[str, Witness] = {}
    for access in accesses:
        witness = asker.refusal(policy, key, access.callers, target, False, access.actions)
        if witness is not None:
            out[access.principal.value] = witness
    return out


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
        callers = with_orgs(bare(callers_of(p, vocab, mine), vocab), vocab)
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


def specific(policy: Policy, owners: frozenset[str], mine: frozenset[str]
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


