"""Decide one request against the identity policies of a role or user: Allow, Deny, permissions boundary."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from tfcheck.access.evaluate import Decision, combine, sid, split, statement_applies
from tfcheck.access.identities import Attached, Identity
from tfcheck.access.match import Known, Vague, tri_all
from tfcheck.access.request import Request
from tfcheck.access.witness import Witness, spelled
from tfcheck.model.resource import Resource


@dataclass(frozen=True)
class Answer:
    """What the identity's policies say of one request, and the policy that says it."""

    decision: Decision
    place: Attached | None = None
    """The policy whose statement allows, refuses by a condition, or covers other resources."""
    denied: bool = False
    """An explicit Deny of its policies refuses it."""


def on(req: Request, resource: Known, refs: frozenset[str] = frozenset(), tagged: Resource | None = None,
       service: str = "") -> Request:
    """The request as an identity policy sees it: acting on `resource`, with that resource's tags
    (`aws:ResourceTag/...` and the service's own `<service>:ResourceTag/...`) when they are known."""
    tags = None if tagged is None else next(
        (t for t in (tagged.get("tags_all"), tagged.get("tags")) if isinstance(t, dict)), None)
    if tagged is None or tags is None and (tagged.is_unknown("tags_all") or tagged.is_unknown("tags")):
        return replace(req, resource=resource, resource_refs=refs)
    context = dict(req.context)
    prefixes = ["aws:resourcetag/"] + ([f"{service}:resourcetag/"] if service else [])
    for key, value in (tags or {}).items():
        if isinstance(value, str):
            for prefix in prefixes:
                context[f"{prefix}{str(key).lower()}"] = value
    return replace(req, resource=resource, resource_refs=refs, context=context,
                   absent_prefixes=tuple(prefixes))


def identity_allows(identity: Identity, req: Request) -> Answer:
    """Allowed when an identity policy allows it, none denies it, and the permissions boundary
    (when set) allows it too. A policy not in the run, or not known until apply, may do either."""
    allow = Decision(False, f"no statement of its policies allows {req.action}")
    deny = Decision(False)
    place: Attached | None = None
    denying: Attached | None = None
    near: tuple[int, Attached, str, str | None] | None = None
    for attached in identity.policies:
        if attached.policy is None:
            unknown = Decision(None, f"the policy of {_where(attached)} (known only after apply)")
            if allow.value is False:
                allow, place = unknown, attached
            if deny.value is False:
                deny = unknown
            continue
        s = split(attached.policy, req)
        if (s.allow.value is True and allow.value is not True) or (s.allow.value is None
                                                                     and allow.value is False):
            allow, place = s.allow, attached
        if (s.deny.value is True and deny.value is not True) or (s.deny.value is None
                                                                   and deny.value is False):
            deny = replace(s.deny, why=f"in {_where(attached)}")
            denying = attached
        for st in attached.policy.statements:
            if st.effect != "Allow":
                continue
            why = statement_applies(st, req).why
            rank = 0 if why.startswith("requires") else 1 if why.startswith("covers") else 2
            if rank < 2 and (near is None or rank < near[0]):
                near = (rank, attached, why, sid(st))
    if allow.value is False and identity.unseen:
        allow = Decision(None, f"{identity.unseen[0]}, attached to it but not in this run")
    if allow.value is False and near is not None:
        _, place, why, statement = near
        allow = Decision(False, f"statement {statement} of {_where(place)} {why}", statement)
    allowed = combine(allow, deny)
    if deny.value is True:
        return Answer(allowed, denying, True)
    return Answer(_bounded(identity, req, allowed), place)


def _bounded(identity: Identity, req: Request, allowed: Decision) -> Decision:
    if allowed.value is False:
        return allowed
    if identity.boundary_unseen is not None:
        return Decision(tri_all([allowed.value, None]),
                        f"its permissions boundary {identity.boundary_unseen}, not in this run")
    boundary = identity.boundary
    if boundary is None:
        return allowed
    if boundary.policy is None:
        return Decision(tri_all([allowed.value, None]), "its permissions boundary (known only after apply)")
    s = split(boundary.policy, req)
    bounded = combine(s.allow, s.deny)
    if bounded.value is True:
        return allowed
    why = bounded.why or f"it does not allow {req.action}"
    return Decision(tri_all([allowed.value, bounded.value]),
                    f"its permissions boundary {boundary.holder.address}: {why}", bounded.statement)


def _where(attached: Attached) -> str:
    where = attached.holder.address
    return f"{where} ({attached.via})" if attached.via else where


@dataclass(frozen=True)
class IdentityWitness(Witness):
    """A request of a reader that its own account's identity policies refuse."""

    resource: Known = ""

    def text(self) -> str:
        on_what = _shown(self.resource)
        allowed = f" ({spelled(self.allowed_by)})" if self.allowed_by and not self.sensitive else ""
        asked = self.kms.action if self.kms is not None else self.action
        via = " (as Secrets Manager asks it for the read)" if asked != self.action else ""
        if not self.certain:
            return (f"{self.who()} may be allowed {self.action} by the secret policy{allowed}, and "
                    f"whether its own policies allow {asked} on {on_what}{via} depends on "
                    f"{self.unknown or 'a value known only after apply'}")
        return (f"the secret policy allows {self.who()} {self.action}{allowed}, but its own policies "
                f"do not allow {asked} on {on_what}{via}: {spelled(self.refused)}")

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        resource = self.resource
        out["resource"] = None if self.sensitive else resource if isinstance(resource, str) else {
            "unknown": resource.text, "shape": resource.shape}
        if self.kms is not None and self.kms.action == self.action:
            out["kms_action"] = None  # the secret call itself, as the identity policy sees it
        return out


def _shown(value: Known) -> str:
    return value.text if isinstance(value, Vague) else value
