"""Answer the questions rules ask of a policy: who may act, is it public, does a key allow it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tfcheck.iam.actions import glob_match
from tfcheck.iam.conditions import (
    RESTRICTING_KEYS,
    Restriction,
    Tri,
    arn_account,
    covers_principal,
    covers_restriction,
    restriction_of,
    tri_all,
    tri_any,
)
from tfcheck.iam.policy import Policy, Statement, statement_matches_action
from tfcheck.iam.principals import Principal, PrincipalKind, same_account

__all__ = ["RESTRICTING_KEYS", "Grantee", "Tri", "allows", "grantees", "is_public", "kms_allows_all"]

EVERYONE = Principal(PrincipalKind.WILDCARD, "*")
"""The principal a NotPrincipal statement stands for: everyone (but a few)."""


@dataclass(frozen=True)
class Grantee:
    """One principal an Allow statement lets in, with what its conditions narrow it to.

    The restriction fields describe the statement's conditions (see conditions.Restriction);
    they matter for a wildcard principal, the only kind they narrow.
    """

    principal: Principal
    statement: Statement
    accounts: frozenset[str] | None = None
    org_ids: frozenset[str] | None = None
    arn_patterns: tuple[str, ...] | None = None
    restricted: bool = False

    @property
    def restriction(self) -> Restriction:
        return Restriction(self.accounts, self.org_ids, self.arn_patterns)


def _matching(policy: Policy, effect: str, action: str) -> Iterator[Statement]:
    for st in policy.statements:
        if st.effect == effect and statement_matches_action(st, action):
            yield st


def _named(st: Statement) -> tuple[Principal, ...]:
    # AWS advises against NotPrincipal with Allow; it admits everyone but a few, so a wildcard.
    if st.not_principals is not None:
        return (EVERYONE,)
    return st.principals or ()


def grantees(policy: Policy, action: str) -> list[Grantee]:
    """Every principal an Allow statement lets perform `action`, in statement order.

    A statement without Principal or NotPrincipal (identity-policy style) lets no one in.
    NotPrincipal with Allow gives one wildcard grantee, narrowed by the statement's conditions.
    A grantee is dropped only when an unconditional Deny covers all of it (its ARN, its account,
    or `*`). A Deny with conditions is kept out: tfcheck cannot prove the condition holds, and
    dropping the grantee would hide a finding.
    """
    denies = list(_matching(policy, "Deny", action))
    found: list[Grantee] = []
    for st in _matching(policy, "Allow", action):
        r = restriction_of(st.conditions)
        for p in _named(st):
            grantee = Grantee(p, st, r.accounts, r.org_ids, r.arn_patterns, r.restricted)
            who, inner = _target(grantee)
            if not any(_deny_applies(d, who, inner) is True for d in denies):
                found.append(grantee)
    return found


def is_public(policy: Policy) -> list[Statement]:
    """Allow statements (any action) to `*` or NotPrincipal that no restricting condition narrows.

    Only aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalArn and kms:CallerAccount
    narrow; aws:SourceAccount and the like leave the statement public.
    """
    return [
        st
        for st in policy.statements
        if st.effect == "Allow"
        and any(p.kind is PrincipalKind.WILDCARD for p in _named(st))
        and not restriction_of(st.conditions).restricted
    ]


def allows(policy: Policy, who: Principal | Grantee, action: str) -> Tri:
    """Does the policy (usually a KMS key policy) let all of `who` perform `action`?

    An Allow statement covers a specific principal when it names the same ARN, the principal's
    account (bare id or :root; an account covers its roles, users and sessions), a role whose
    session `who` is, or `*` whose restricting conditions admit `who` (aws:PrincipalAccount or
    kms:CallerAccount listing its account, aws:PrincipalArn patterns matching its ARN).
    Choices, where AWS alone cannot be asked:
    - An account principal (root) is not covered by a statement naming one of its roles.
    - A `*` statement restricted by aws:PrincipalOrgID covers a specific principal: None (the
      configuration does not say which accounts the org holds).
    - A wildcard grantee is covered by an unrestricted `*`, or by a statement whose conditions
      admit all it admits: an org-restricted grantee only by the same org id(s); an
      account-restricted grantee by those accounts, named or in conditions.
    - Conditions that do not restrict principals (kms:ViaService, encryption context) are taken
      as met: they narrow how the key is used, not who uses it.
    - NotPrincipal with Allow covers everyone it does not list.
    - An unconditional Deny covering `who` gives False; a Deny with conditions, or one that may
      cover only part of a wildcard grantee, gives None when the principal is otherwise allowed.
    - A named-principal grantee is judged by its principal alone; its conditions are ignored.
    """
    principal, inner = _target(who)
    allowed = tri_any(_allow_covers(st, principal, inner) for st in _matching(policy, "Allow", action))
    if allowed is False:
        return False
    denied = tri_any(_deny_applies(st, principal, inner) for st in _matching(policy, "Deny", action))
    if denied is True:
        return False
    return None if denied is None else allowed


def kms_allows_all(policy: Policy, who: Principal | Grantee, actions: tuple[str, ...]) -> Tri:
    """allows() for every action: False if any is False, else None if any is None, else True."""
    return tri_all(allows(policy, who, action) for action in actions)


def _target(who: Principal | Grantee) -> tuple[Principal, Restriction]:
    # Only a wildcard is narrowed by its conditions; a named principal is what it names.
    if isinstance(who, Grantee):
        if who.principal.kind is PrincipalKind.WILDCARD:
            return who.principal, who.restriction
        return who.principal, Restriction()
    return who, Restriction()


def _is_wildcard(p: Principal) -> bool:
    return p.kind is PrincipalKind.WILDCARD


def _covers(p: Principal, who: Principal, inner: Restriction) -> Tri:
    """Whether the named principal `p` takes in all of `who` (a wildcard narrowed by `inner`)."""
    if _is_wildcard(p):
        return True
    if _is_wildcard(who):
        if p.kind is PrincipalKind.ACCOUNT and p.account is not None:
            return covers_restriction(Restriction(accounts=frozenset({p.account})), inner)
        if p.kind in (PrincipalKind.ROLE, PrincipalKind.USER):
            return covers_restriction(Restriction(arn_patterns=(p.value,)), inner)
        return False
    if p.value == who.value:
        return True
    if p.kind is PrincipalKind.ACCOUNT:
        return same_account(p, who)
    if p.kind is PrincipalKind.ROLE and who.kind is PrincipalKind.ASSUMED_ROLE:
        return same_account(p, who) and p.name == who.name
    return False


def _overlaps(p: Principal, inner: Restriction) -> Tri:
    """Whether the named principal `p` may be among the callers a wildcard narrowed by `inner`
    admits: False only when the narrowing pins other accounts, else None (or True for `*`)."""
    if _is_wildcard(p) or not inner.restricted:
        return True
    account = p.account
    if account is not None:
        if inner.accounts is not None and not any(glob_match(a, account) for a in inner.accounts):
            return False
        if inner.arn_patterns is not None and all(arn_account(q) != account for q in inner.arn_patterns):
            return False
    return None


def _allow_covers(st: Statement, who: Principal, inner: Restriction) -> Tri:
    outer = restriction_of(st.conditions)
    fits = covers_restriction(outer, inner) if _is_wildcard(who) else covers_principal(outer, who)
    if st.not_principals is None:
        return tri_all([tri_any(_covers(p, who, inner) for p in st.principals or ()), fits])
    if _is_wildcard(who):
        exempt = tri_any(_overlaps(np, inner) for np in st.not_principals)
    else:
        exempt = tri_any(_covers(np, who, inner) for np in st.not_principals)
    return tri_all([_negate(exempt), fits])


def _deny_applies(st: Statement, who: Principal, inner: Restriction) -> Tri:
    """True: the Deny covers all of `who`, unconditionally. None: it may cover some or all."""
    if not _is_wildcard(who):
        if st.not_principals is None:
            hit = tri_any(_covers(p, who, inner) for p in st.principals or ())
        else:
            hit = _negate(tri_any(_covers(np, who, inner) for np in st.not_principals))
    elif st.not_principals is not None:
        if tri_any(_covers(np, who, inner) for np in st.not_principals) is True:
            hit = False  # every caller of the grantee is listed, so exempt
        elif all(_overlaps(np, inner) is False for np in st.not_principals):
            hit = True  # no listed principal is among the grantee's callers
        else:
            hit = None
    elif any(_covers(p, who, inner) is True for p in st.principals or ()):
        hit = True
    else:
        # A named principal inside the grantee's callers denies part of them: cannot tell.
        overlap = tri_any(_overlaps(p, inner) for p in st.principals or ())
        hit = False if overlap is False else None
    if st.conditions and hit is not False:
        return None
    return hit


def _negate(answer: Tri) -> Tri:
    return None if answer is None else not answer
