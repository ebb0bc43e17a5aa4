"""The callers worth asking about: every identity a policy distinguishes, and one it does not name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from tfcheck.access.evaluate import own_identity
from tfcheck.access.request import Caller, is_chosen
from tfcheck.iam.policy import Policy
from tfcheck.iam.principals import Principal, PrincipalKind, classify
from tfcheck.model.resource import UnknownLeaf

_ACCOUNT_KEYS = ("aws:principalaccount", "kms:calleraccount")
_ARN_KEY = "aws:principalarn"
_ORG_KEY = "aws:principalorgid"
_IDENTITY_KEYS = frozenset({_ARN_KEY, "aws:principaltype", "aws:userid", "aws:username", "aws:principaltag",
                            "aws:sourceidentity", "aws:principalservicename"})
_PATHS_KEY = "aws:principalorgpaths"
# A filler for each wildcard of a pattern: "x" reads well in a witness; "" and a longer one find
# the strings a pattern admits and another refuses.
FILLERS = ("x", "", "tfcheck-x")
FRESH_ORG = "o-tfcheckother"


@dataclass(frozen=True)
class Vocabulary:
    """What the policies on both sides name: accounts, principal ARN patterns, organizations."""

    accounts: tuple[str, ...]
    arns: tuple[str, ...]
    orgs: tuple[str, ...]
    paths: tuple[str, ...]
    kinds: bool = False
    """Some condition tells identities of one account apart (aws:PrincipalArn, aws:PrincipalType,
    aws:userid...): else one caller stands for all of an account's identities."""
    chosen: tuple[tuple[str, str], ...] = ()
    """Keys a caller chooses to send (its tags, a VPC endpoint, MFA) that some condition reads,
    with each value the conditions name."""

    def fresh_account(self) -> str:
        """An account no policy names: "anyone else"."""
        n = 999999999999
        while str(n) in self.accounts:
            n -= 1
        return str(n)


def vocabulary(policies: Iterable[Policy], extra: Iterable[Principal] = ()) -> Vocabulary:
    accounts: dict[str, None] = {}
    arns: dict[str, None] = {}
    orgs: dict[str, None] = {}
    paths: dict[str, None] = {}
    kinds = False
    chosen: dict[tuple[str, str], None] = {}
    for policy in policies:
        for st in policy.statements:
            for p in (*(st.principals or ()), *(st.not_principals or ())):
                _principal(p, accounts, arns)
            for c in st.conditions:
                kinds = kinds or c.key in _IDENTITY_KEYS or c.key.startswith("aws:principaltag/") \
                    or c.operator == "?"
                values = [v for v in c.values if isinstance(v, str)]
                if is_chosen(c.key):
                    chosen.update(dict.fromkeys((c.key, _instances(v)[0]) for v in values))
                if c.key in _ACCOUNT_KEYS:
                    accounts.update(dict.fromkeys(_instances(v)[0] for v in values))
                elif c.key == _ARN_KEY:
                    arns.update(dict.fromkeys(values))
                elif c.key == _ORG_KEY:
                    orgs.update(dict.fromkeys(_instances(v)[0] for v in values))
                elif c.key == _PATHS_KEY:
                    paths.update(dict.fromkeys(values))
    for p in extra:
        _principal(p, accounts, arns)
    for arn in arns:
        parts = arn.split(":")
        if len(parts) > 4 and parts[4].isdigit() and len(parts[4]) == 12:
            accounts.setdefault(parts[4])
    return Vocabulary(tuple(accounts), tuple(arns), tuple(orgs), tuple(paths), kinds, tuple(chosen))


def _principal(p: Principal, accounts: dict[str, None], arns: dict[str, None]) -> None:
    if p.account:
        accounts.setdefault(p.account)
    if p.kind in (PrincipalKind.ROLE, PrincipalKind.USER):
        arns.setdefault(p.value)


def _instances(pattern: str) -> list[str]:
    """The pattern with its wildcards filled in each way."""
    return list(dict.fromkeys("".join(f if c == "*" else (f[:1] or "x") if c == "?" else c for c in pattern)
                              for f in FILLERS))


def callers_of_account(account: str, partition: str, vocab: Vocabulary, fresh: bool = False) -> list[Caller]:
    """The identities of one account that the policies tell apart: roles and users their ARN
    patterns admit, one role and one user they do not name, and the account's root user."""
    out: list[Caller] = []
    for pattern in vocab.arns:
        parts = pattern.split(":", 5)
        if len(parts) != 6 or not _fits(parts[4], account):
            continue
        for text in _instances(parts[5]):
            arn = f"arn:{partition}:iam::{account}:{text}"
            p = classify("AWS", arn)
            if p.kind is PrincipalKind.ROLE:
                out.append(role_caller(p, fresh))
            elif p.kind is PrincipalKind.USER:
                out.append(Caller(account, arn, "User", partition, fresh=fresh))
    out.append(role_caller(classify("AWS", f"arn:{partition}:iam::{account}:role/any-role"), fresh))
    if not out[:-1] and not vocab.kinds:
        return out  # nothing tells this account's identities apart: one stands for all
    user = f"arn:{partition}:iam::{account}:user/any-user"
    out.append(Caller(account, user, "User", partition, fresh=fresh))
    out.append(Caller(account, f"arn:{partition}:iam::{account}:root", "Account", partition, fresh=fresh))
    return list(dict.fromkeys(out))


def _fits(field: str, account: str) -> bool:
    from tfcheck.iam.actions import glob_match

    return glob_match(field, account)


def role_caller(p: Principal, fresh: bool = False) -> Caller:
    """A session of the role (any session: a policy naming one session does not cover it)."""
    return Caller(p.account or "", p.value, "AssumedRole", p.partition or "aws", fresh=fresh)


def callers_of(p: Principal, vocab: Vocabulary, mine: frozenset[str]) -> list[Caller]:
    """The callers of other accounts a principal entry of a secret policy stands for."""
    partition = p.partition or "aws"
    if p.kind is PrincipalKind.ACCOUNT and p.account:
        return callers_of_account(p.account, partition, vocab)
    if p.kind is PrincipalKind.ROLE:
        return [role_caller(p)]
    if p.kind is PrincipalKind.USER and p.account:
        return [Caller(p.account, p.value, "User", partition)]
    if p.kind is PrincipalKind.ASSUMED_ROLE and p.account:
        role = f"arn:{partition}:iam::{p.account}:role/{p.name}"
        return [Caller(p.account, role, "AssumedRole", partition, p.value)]
    if p.kind is PrincipalKind.WILDCARD or (p.kind is PrincipalKind.UNKNOWN and not own_identity(p)):
        return everyone(vocab, mine)
    return []


def everyone(vocab: Vocabulary, mine: frozenset[str]) -> list[Caller]:
    """Callers of every account the policies name but the owner's, and of one they do not."""
    out: list[Caller] = []
    for account in vocab.accounts:
        if account not in mine:
            out += callers_of_account(account, "aws", vocab)
    return out + callers_of_account(vocab.fresh_account(), "aws", vocab, fresh=True)


def bare(callers: list[Caller], vocab: Vocabulary) -> list[Caller]:
    """Each caller also as one that sends none of the keys a caller chooses (no tags, no VPC
    endpoint, no MFA) or just one of them with a value a condition names: requests anyone can
    make, so a Deny that needs such a key can miss them and an Allow that needs one can match."""
    if not vocab.chosen:
        return callers
    variants: list[tuple[tuple[str, str], ...]] = [(), *((pair,) for pair in vocab.chosen)]
    return [*callers, *(replace(c, chosen=v) for c in callers for v in variants)]


def with_orgs(callers: list[Caller], vocab: Vocabulary, outside: bool = False) -> list[Caller]:
    """Each caller outside any organization, and in each organization the policies name (or one
    they do not): which organization another account is in is not in the configuration.
    `outside`: "anyone else" only outside the organizations named (the public question)."""
    if not vocab.orgs and not vocab.paths:
        return callers
    variants: list[tuple[str | None, tuple[str, ...] | None]] = [(None, None)]
    for org in vocab.orgs:
        variants.append((org, (f"{org}/r-x/",)))  # a path always starts with the org id
    for pattern in vocab.paths:
        for path in _instances(pattern):
            variants.append((path.split("/", 1)[0], (path,)))
    variants.append((FRESH_ORG, (f"{FRESH_ORG}/r-x/",)))
    out = []
    for caller in callers:
        for org_id, paths in dict.fromkeys(variants):
            if outside and caller.fresh and org_id not in (None, FRESH_ORG):
                continue  # "anyone else" is outside the organizations the policies name
            out.append(replace(caller, org_id=org_id, org_paths=paths))
    return out


def leaf_principals(policy: Policy) -> list[UnknownLeaf]:
    return [UnknownLeaf(p.value) for st in policy.statements for p in st.principals or ()
            if p.kind is PrincipalKind.UNKNOWN]
