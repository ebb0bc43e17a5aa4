"""Decide one request against a policy, or against a KMS key (policy and grants), as AWS does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tfcheck.access.conditions import Verdict, check, substitute
from tfcheck.access.key_facts import KeyFacts, KeyKind, PolicyState
from tfcheck.access.match import Tri, arn_like, equals, like, tri_all, tri_any, tri_not
from tfcheck.access.request import ENCRYPTION_CONTEXT, Caller, Request
from tfcheck.iam.actions import action_matches
from tfcheck.iam.policy import Leaf, Policy, Statement
from tfcheck.iam.principals import Principal, PrincipalKind, classify
from tfcheck.model.resource import Resource, UnknownLeaf

# A role or user this configuration creates lives in the account of its provider: the owner's.
_OWN_IDENTITY = re.compile(r"^(?:module\.[^ ]*\.)?(?:data\.)?aws_iam_(?:role|user)\.[\w-]+(?:\[[^\]]*\])?"
                           r"\.(?:arn|unique_id)$")


@dataclass(frozen=True)
class Decision:
    """Is a request allowed: the answer, the statement that decides it, and why (for a witness)."""

    value: Tri
    why: str = ""
    statement: str | None = None
    """The Sid (or #index) of the statement that allows, denies, or would have to allow."""


def own_identity(p: Principal) -> bool:
    """An unknown principal that is a role or user created (or read) in this configuration
    (every reference it may come from is one)."""
    return p.kind is PrincipalKind.UNKNOWN and all(_OWN_IDENTITY.search(part)
                                                   for part in p.value.split(", "))


def principal_matches(p: Principal, caller: Caller) -> Tri:
    kind = p.kind
    if kind is PrincipalKind.WILDCARD:
        return True
    if kind is PrincipalKind.ACCOUNT:
        return p.account == caller.account and p.partition in (None, caller.partition)
    if kind is PrincipalKind.ROLE:
        return caller.kind == "AssumedRole" and p.value == caller.arn
    if kind is PrincipalKind.USER:
        return caller.kind == "User" and p.value == caller.arn
    if kind is PrincipalKind.ASSUMED_ROLE:
        return caller.session == p.value
    if kind is PrincipalKind.UNKNOWN:
        return False if own_identity(p) else None
    return False  # services, federated users, deleted identities and invalid values


def _action(values: tuple[Leaf, ...], action: str) -> Tri:
    return tri_any([None if isinstance(v, UnknownLeaf) else action_matches(v, action) for v in values])


def statement_applies(st: Statement, req: Request) -> Verdict:
    """Does the statement cover this request (principal, action, conditions)? For a resource
    policy (req.resource None) Resource is not read: a secret policy and a key policy apply only
    to their own secret or key. For an identity policy the principal is the identity it is
    attached to, and Resource decides."""
    what = _covers(st, req.action)
    if req.resource is not None:
        if what is False:
            return Verdict(False, f"does not cover {req.action}")
        who = _resource_matches(st, req)
        if who is False:
            return Verdict(False, f"covers {req.action} on other resources only")
    elif st.principals is not None:
        who = tri_any([principal_matches(p, req.caller) for p in st.principals])
    elif st.not_principals is not None:
        who = tri_not(tri_any([principal_matches(p, req.caller) for p in st.not_principals]))
    else:
        who = False  # a resource policy statement without a principal lets no one in
    if who is False:
        return Verdict(False, "does not name the caller")
    if what is False:
        return Verdict(False, f"does not cover {req.action}")
    verdicts = [check(c, req) for c in st.conditions]
    failed = next((v for v in verdicts if v.value is False), None)
    if failed is not None:
        return failed
    unknown = next((v for v in verdicts if v.value is None), None)
    if who is None:
        return Verdict(None, _principal_unknown(st) if req.resource is None else _resource_unknown(st))
    if what is None:
        return Verdict(None, "an action known only after apply")
    return unknown or Verdict(True, _met(st, verdicts))


def _covers(st: Statement, action: str) -> Tri:
    if st.actions is not None:
        return _action(st.actions, action)
    return tri_not(_action(st.not_actions or (), action))


def _resource_matches(st: Statement, req: Request) -> Tri:
    """Resource or NotResource against the request's ARN ("*" and globs; policy variables)."""
    def one(pattern: Leaf) -> Tri:
        if isinstance(pattern, UnknownLeaf):
            return True if pattern.text in req.resource_refs else False if req.unrelated else None
        expanded = substitute(pattern, req)
        if expanded is None:
            return None
        assert req.resource is not None
        # An ARN pattern is matched part by part (ArnLike); "*" or a pattern of fewer parts whole.
        return arn_like(req.resource, expanded) if expanded.count(":") >= 5 else like(req.resource, expanded)
    if st.resources is not None:
        return tri_any([one(p) for p in st.resources])
    if st.not_resources is not None:
        return tri_not(tri_any([one(p) for p in st.not_resources]))
    return False  # an identity policy statement without Resource is refused by IAM


def _resource_unknown(st: Statement) -> str:
    leaf = next((p for p in (st.resources or st.not_resources or ()) if isinstance(p, UnknownLeaf)), None)
    return f"a resource known only after apply ({leaf.text})" if leaf else "a resource known only after apply"


def _principal_unknown(st: Statement) -> str:
    p = next(p for p in (st.principals or st.not_principals or ()) if p.kind is PrincipalKind.UNKNOWN)
    return f"a principal known only after apply ({p.value})"


def _met(st: Statement, verdicts: list[Verdict]) -> str:
    shown = [f"{c.key} {c.operator} {', '.join(str(v) for v in c.values)}" for c in st.conditions
             if c.key.startswith(("aws:principal", "kms:calleraccount"))]
    return "; ".join(shown)


def sid(st: Statement) -> str:
    return st.sid if isinstance(st.sid, str) and st.sid else f"#{st.index}"


@dataclass(frozen=True)
class Split:
    """A policy's Allow part and Deny part for one request, each three-valued."""

    allow: Decision
    deny: Decision


def split(policy: Policy, req: Request) -> Split:
    allows: list[tuple[Statement, Verdict]] = []
    denies: list[tuple[Statement, Verdict]] = []
    for st in policy.statements:
        verdict = statement_applies(st, req)
        if st.effect in ("Allow", "?"):
            allows.append((st, verdict if st.effect == "Allow" or verdict.value is False
                           else Verdict(None, "a statement whose effect is known only after apply")))
        if st.effect in ("Deny", "?"):
            denies.append((st, verdict if st.effect == "Deny" or verdict.value is False
                           else Verdict(None, "a statement whose effect is known only after apply")))
    return Split(_any(allows, req, allowing=True), _any(denies, req, allowing=False))


def _any(found: list[tuple[Statement, Verdict]], req: Request, allowing: bool) -> Decision:
    for st, v in found:
        if v.value is True:
            return Decision(True, v.why, sid(st))
    for st, v in found:
        if v.value is None:
            return Decision(None, v.why, sid(st))
    if not allowing:
        return Decision(False)
    # Name the statement that would have to allow: one naming the caller with an unmet condition.
    for st, v in found:
        if v.why.startswith("requires"):
            return Decision(False, f"its only Allow for {req.caller.account} {v.why}", sid(st))
    for st, v in found:
        if v.why.startswith("does not cover"):
            return Decision(False, f"its Allow for {req.caller.account} {v.why}", sid(st))
    return Decision(False, f"no statement allows {req.caller.account} {req.action}")


def combine(allow: Decision, deny: Decision) -> Decision:
    """Allowed when an Allow applies and no Deny does (an explicit Deny always wins)."""
    if deny.value is True:
        detail = f" ({deny.why})" if deny.why else ""
        return Decision(False, f"statement {deny.statement} denies it{detail}", deny.statement)
    if allow.value is False:
        return allow
    if deny.value is None:
        return Decision(None, deny.why or "a Deny that may apply", deny.statement)
    return allow


def policy_allows(policy: Policy, req: Request) -> Decision:
    s = split(policy, req)
    return combine(s.allow, s.deny)


def key_allows(key: KeyFacts, req: Request) -> Decision:
    """Does the key (policy, grants, minus the policy's Denies) let the request through?"""
    if key.kind is KeyKind.AWS_MANAGED:
        return Decision(False, "the AWS-managed key aws/secretsmanager lets in only its own account")
    if key.kind is not KeyKind.CUSTOMER or key.policy_state is PolicyState.UNKNOWN:
        return Decision(None, key.reason or "the key policy is known only after apply")
    if key.policy is None:
        allow = Decision(False, "it has no key policy, and AWS's default lets in only the key's own account")
        deny = Decision(False)
    else:
        s = split(key.policy, req)
        allow, deny = s.allow, s.deny
    if allow.value is not True:
        for grant in key.grants:
            verdict = grant_allows(grant, req)
            if verdict.value is True or (verdict.value is None and allow.value is False):
                allow = Decision(verdict.value, verdict.why, grant.address)
                if verdict.value is True:
                    break
    return combine(allow, deny)


def grant_allows(grant: Resource, req: Request) -> Verdict:
    """An aws_kms_grant: grantee, operations, encryption-context constraints."""
    grantee = grant.get("grantee_principal")
    if grant.is_unknown("grantee_principal") or not isinstance(grantee, str):
        return Verdict(None, f"the grantee of {grant.address} is known only after apply")
    if principal_matches(classify("AWS", grantee), req.caller) is False:
        return Verdict(False, f"{grant.address} is for {grantee}")
    operations = grant.get("operations")
    if grant.is_unknown("operations") or not isinstance(operations, list):
        return Verdict(None, f"the operations of {grant.address} are known only after apply")
    if req.action.split(":", 1)[1] not in operations:
        return Verdict(False, f"{grant.address} does not include {req.action.split(':', 1)[1]}")
    if grant.is_unknown("constraints"):
        return Verdict(None, f"the constraints of {grant.address} are known only after apply")
    constraints = grant.get("constraints") or []
    return tri_verdict([_constraint(c, req) for c in constraints if isinstance(c, dict)],
                       f"{grant.address}'s encryption context constraint does not fit Secrets Manager's")


def _constraint(block: dict[str, Any], req: Request) -> Tri:
    context = {"SecretARN": req.context.get(ENCRYPTION_CONTEXT + "secretarn"), "SecretVersionId": None}
    answers: list[Tri] = []
    for name, exact in (("encryption_context_equals", True), ("encryption_context_subset", False)):
        pairs = block.get(name)
        if not isinstance(pairs, dict):
            continue
        if exact and set(pairs) != set(context):
            answers.append(False)  # Secrets Manager always sends both keys
            continue
        for k, v in pairs.items():
            if k not in context:
                answers.append(False)
            else:
                have = context[k]
                answers.append(None if have is None or isinstance(have, tuple) or not isinstance(v, str)
                               else equals(have, v))
    return tri_all(answers)


def tri_verdict(answers: list[Tri], why_false: str) -> Verdict:
    value = tri_all(answers)
    if value is None:
        return Verdict(None, "a grant constraint on the secret version")
    return Verdict(value, "" if value else why_false)
