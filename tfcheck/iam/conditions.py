"""Read the conditions that narrow who a statement admits: principal account, org and ARN."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeAlias

from tfcheck.iam.actions import glob_match
from tfcheck.iam.policy import Condition
from tfcheck.iam.principals import PARTITIONS, Principal, PrincipalKind, role_arn_of_session

Tri: TypeAlias = bool | None
"""A three-valued answer: True, False, or None when tfcheck cannot tell."""

_ACCOUNT_KEYS = frozenset({"aws:principalaccount", "kms:calleraccount"})
_ORG_KEY = "aws:principalorgid"
_ARN_KEY = "aws:principalarn"
RESTRICTING_KEYS = _ACCOUNT_KEYS | {_ORG_KEY, _ARN_KEY}
"""Condition keys (lower-cased) that narrow the callers a wildcard principal admits."""

_COUNTING_OPERATORS = frozenset({"StringEquals", "StringLike", "ArnEquals", "ArnLike"})
# Present on every signed request, and Secrets Manager and KMS accept nothing else, so an
# IfExists or ForAllValues operator on them still restricts. aws:PrincipalOrgID is absent for
# a principal outside any organization: there IfExists/ForAllValues let that principal in.
_ALWAYS_PRESENT = frozenset({"aws:principalaccount", "aws:principalarn", "kms:calleraccount"})


@dataclass(frozen=True)
class Restriction:
    """The callers a statement's conditions admit; None means that key does not narrow them."""

    accounts: frozenset[str] | None = None
    org_ids: frozenset[str] | None = None
    arn_patterns: tuple[str, ...] | None = None

    @property
    def restricted(self) -> bool:
        return not (self.accounts is None and self.org_ids is None and self.arn_patterns is None)


def tri_all(answers: Iterable[Tri]) -> Tri:
    """False if any answer is False, else None if any is None, else True."""
    result: Tri = True
    for answer in answers:
        if answer is False:
            return False
        if answer is None:
            result = None
    return result


def tri_any(answers: Iterable[Tri]) -> Tri:
    """True if any answer is True, else None if any is None, else False."""
    result: Tri = False
    for answer in answers:
        if answer is True:
            return True
        if answer is None:
            result = None
    return result


def restriction_of(conditions: tuple[Condition, ...]) -> Restriction:
    """What the restricting conditions among `conditions` admit (all of them must hold).

    Two conditions on the same kind of key are intersected: a value survives when the other
    condition's patterns match it. aws:SourceAccount, aws:SourceArn and the like do not count:
    they are present only on service-to-service requests and never narrow a direct caller.
    """
    accounts: tuple[str, ...] | None = None
    org_ids: tuple[str, ...] | None = None
    arns: tuple[str, ...] | None = None
    for cond in conditions:
        values = _restricting_values(cond)
        if values is None:
            continue
        if cond.key in _ACCOUNT_KEYS:
            accounts = _intersect(accounts, values)
        elif cond.key == _ORG_KEY:
            org_ids = _intersect(org_ids, values)
        else:
            arns = _intersect(arns, values)
    return Restriction(
        None if accounts is None else frozenset(accounts),
        None if org_ids is None else frozenset(org_ids),
        arns,
    )


def _restricting_values(cond: Condition) -> tuple[str, ...] | None:
    if cond.key not in RESTRICTING_KEYS:
        return None
    operator = cond.operator
    # ForAllValues is true when the key is missing, exactly like IfExists; ForAnyValue is false
    # then, like the plain operator. On these single-valued keys nothing else differs.
    lenient = operator.startswith("ForAllValues:") or operator.endswith("IfExists")
    operator = operator.removeprefix("ForAllValues:").removeprefix("ForAnyValue:")
    operator = operator.removesuffix("IfExists")
    if operator not in _COUNTING_OPERATORS or (lenient and cond.key not in _ALWAYS_PRESENT):
        return None
    if operator == "StringEquals":
        # Compared literally: a value holding `*` or `?` matches no real account, org or ARN.
        return tuple(v for v in cond.values if not _has_wildcard(v))
    # One broad value (`*`, `o-*`, an ARN pattern with any account) opens the whole condition.
    if not all(_pins(cond.key, v) for v in cond.values):
        return None
    return cond.values


def _pins(key: str, value: str) -> bool:
    if key != _ARN_KEY:
        return not _has_wildcard(value)
    parts = value.split(":", 5)
    return (
        len(parts) == 6
        and not _has_wildcard(":".join(parts[:5]))
        and len(parts[4]) == 12
        and parts[4].isascii()
        and parts[4].isdigit()
    )


def _has_wildcard(value: str) -> bool:
    return "*" in value or "?" in value


def _intersect(old: tuple[str, ...] | None, new: tuple[str, ...]) -> tuple[str, ...]:
    if old is None:
        return new
    kept = [v for v in old if any(glob_match(p, v) for p in new)]
    kept += [v for v in new if v not in kept and any(glob_match(p, v) for p in old)]
    return tuple(kept)


def arn_account(pattern: str) -> str:
    """The account field of an ARN (or ARN pattern); "" when it has none."""
    parts = pattern.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


def covers_whole_account(pattern: str, account: str, partition: str | None) -> bool:
    """Whether the aws:PrincipalArn `pattern` admits every principal of `account`.

    A pattern ending in `*` that matches the bare prefix `arn:<p>:iam::<account>:` matches every
    extension of it too, so it admits the root, every role and every user of the account.
    """
    partitions = (partition,) if partition else PARTITIONS
    return pattern.endswith("*") and any(glob_match(pattern, f"arn:{p}:iam::{account}:") for p in partitions)


def covers_principal(outer: Restriction, who: Principal) -> Tri:
    """Whether `outer` admits the principal `who` (an account admits all its identities).

    An org id never tells: the configuration does not say which accounts an org holds. A
    session's role path is hidden in its ARN, so an aws:PrincipalArn pattern that does not
    match the path-less role ARN cannot tell either.
    """
    if not outer.restricted:
        return True
    if who.kind is PrincipalKind.WILDCARD:
        return False  # "everyone" is never inside a narrowed set
    checks: list[Tri] = []
    if outer.accounts is not None:
        account = who.account
        checks.append(None if account is None else _matches(outer.accounts, account))
    if outer.org_ids is not None:
        checks.append(None)
    if outer.arn_patterns is not None:
        checks.append(_arn_admits(outer.arn_patterns, who))
    return tri_all(checks)


def _arn_admits(patterns: tuple[str, ...], who: Principal) -> Tri:
    if who.kind in (PrincipalKind.ROLE, PrincipalKind.USER):
        return any(glob_match(p, who.value) for p in patterns)
    if who.kind is PrincipalKind.ASSUMED_ROLE:
        return any(glob_match(p, role_arn_of_session(who)) for p in patterns) or None
    if who.kind is PrincipalKind.ACCOUNT and who.account is not None:
        return any(covers_whole_account(p, who.account, who.partition) for p in patterns)
    return None


def covers_restriction(outer: Restriction, inner: Restriction) -> Tri:
    """Whether every caller `inner` admits is also admitted by `outer`.

    Each of outer's keys must hold, and one of inner's keys suffices to prove it, since inner
    admits only callers meeting all of its keys. Accounts or ARNs inside an org cannot be told
    (None); an org is never inside a list of accounts or ARNs (it may gain accounts the list
    lacks), so only the same org id, or none at all, covers an org.
    """
    if not outer.restricted:
        return True
    if not inner.restricted:
        return False
    answers: list[Tri] = []
    if outer.accounts is not None:
        answers.append(tri_any(_inside_accounts(outer.accounts, inner)))
    if outer.org_ids is not None:
        answers.append(tri_any(_inside_orgs(outer.org_ids, inner)))
    if outer.arn_patterns is not None:
        answers.append(tri_any(_inside_arns(outer.arn_patterns, inner)))
    return tri_all(answers)


def _inside_accounts(allowed: frozenset[str], inner: Restriction) -> Iterator[Tri]:
    if inner.accounts is not None:
        yield all(_matches(allowed, a) for a in inner.accounts)
    if inner.arn_patterns is not None:
        yield all(_matches(allowed, arn_account(q)) for q in inner.arn_patterns)


def _inside_orgs(allowed: frozenset[str], inner: Restriction) -> Iterator[Tri]:
    if inner.org_ids is not None:
        yield all(_matches(allowed, o) for o in inner.org_ids)
    if inner.accounts is not None or inner.arn_patterns is not None:
        yield None


def _inside_arns(allowed: tuple[str, ...], inner: Restriction) -> Iterator[Tri]:
    if inner.accounts is not None:
        yield all(any(covers_whole_account(p, a, None) for p in allowed) for a in inner.accounts)
    if inner.arn_patterns is not None:
        yield all(any(_within(q, p) for p in allowed) for q in inner.arn_patterns)


def _matches(patterns: Iterable[str], value: str) -> bool:
    return any(glob_match(p, value) for p in patterns)


def _within(inner: str, outer: str) -> bool:
    # Glob containment in general is hard; these three cases are the ones policies use.
    if inner == outer or (not _has_wildcard(inner) and glob_match(outer, inner)):
        return True
    return covers_whole_account(outer, arn_account(inner), None)
