"""The roles and users a run's configurations create, each with every identity policy that applies to it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from tfcheck.access.partial import partial_document
from tfcheck.errors import PolicyError
from tfcheck.iam import Policy, parse_policy
from tfcheck.model.graph import Graph
from tfcheck.model.resource import Resource

ROLE, USER, GROUP, POLICY = "aws_iam_role", "aws_iam_user", "aws_iam_group", "aws_iam_policy"
INLINE = {ROLE: "aws_iam_role_policy", USER: "aws_iam_user_policy", GROUP: "aws_iam_group_policy"}
ATTACHMENT = {ROLE: "aws_iam_role_policy_attachment", USER: "aws_iam_user_policy_attachment",
              GROUP: "aws_iam_group_policy_attachment"}
SHARED_ATTACHMENT = "aws_iam_policy_attachment"
MEMBERSHIPS = ("aws_iam_user_group_membership", "aws_iam_group_membership")
IDENTITY_TYPES = frozenset({ROLE, USER, GROUP, POLICY, SHARED_ATTACHMENT, *MEMBERSHIPS,
                            *INLINE.values(), *ATTACHMENT.values()})
"""Every resource type an identity's permissions come from (read from a plan for the rules)."""
# The argument that names the identity, in each attaching resource; and in aws_iam_policy_attachment.
_OWNER_ARG = {ROLE: "role", USER: "user", GROUP: "group"}
_SHARED_ARG = {ROLE: "roles", USER: "users", GROUP: "groups"}


@dataclass(frozen=True)
class Attached:
    """One identity policy document and the resource to change to change it."""

    holder: Resource
    """aws_iam_role_policy, aws_iam_policy (attached), or the role with an `inline_policy` block."""
    attribute: str
    """`policy`, or `inline_policy` for a block of the role or user itself."""
    policy: Policy | None
    """None: not known until apply (or not readable): it may allow anything."""
    via: str = ""
    """How it applies, when not directly: "group developers"."""


@dataclass(frozen=True)
class Identity:
    """A role (its sessions) or user created in the run, in one known account."""

    resource: Resource
    kind: str
    """aws:PrincipalType of its requests: AssumedRole or User."""
    account: str
    arn: str
    """Its ARN (for a name known only by its prefix, one name of that shape)."""
    policies: tuple[Attached, ...]
    unseen: tuple[str, ...] = ()
    """Policies that apply to it but are not in the run (an AWS-managed policy's ARN...)."""
    boundary: Attached | None = None
    boundary_unseen: str | None = None
    """A permissions boundary whose document is not in the run."""
    root: str = ""
    """The root module it is in, as findings name roots."""
    tags: tuple[tuple[str, str], ...] = ()


@dataclass
class Identities:
    """Every identity of a run, by account."""

    by_account: dict[str, list[Identity]] = field(default_factory=dict)

    def add(self, found: Iterable[Identity]) -> None:
        for identity in found:
            self.by_account.setdefault(identity.account, []).append(identity)

    def of(self, account: str) -> list[Identity]:
        return self.by_account.get(account, [])


def identities(graph: Graph, root: str = "") -> list[Identity]:
    """The roles and users of one graph whose account is known, with their policies."""
    if graph.loaded_types is not None and not graph.loaded_types >= IDENTITY_TYPES:
        return []
    finder = _Finder(graph)
    out: list[Identity] = []
    for kind, caller_kind in ((ROLE, "AssumedRole"), (USER, "User")):
        for res in graph.of_type(kind):
            arn = _arn(res, kind)
            if res.account is None or arn is None:
                continue  # which account it is in is not said: nothing to say of it
            policies, unseen = finder.policies(res)
            if kind == USER:
                for group, label in finder.groups(res):
                    if group is None:
                        unseen.append(f"the policies of group {label}")
                        continue
                    more, hidden = finder.policies(group)
                    policies += [Attached(a.holder, a.attribute, a.policy, f"group {label}") for a in more]
                    unseen += hidden
            boundary, boundary_unseen = finder.boundary(res)
            tags = res.get("tags_all") or res.get("tags") or {}
            out.append(Identity(res, caller_kind, res.account, arn, tuple(policies), tuple(unseen), boundary,
                                boundary_unseen, root,
                                tuple((str(k), str(v)) for k, v in tags.items() if isinstance(v, str))))
    return out


def _arn(res: Resource, kind: str) -> str | None:
    known = res.get("arn")
    if isinstance(known, str) and known.startswith("arn:"):
        return known
    name = res.get("name")
    if not isinstance(name, str):
        prefix = res.get("name_prefix")
        if not isinstance(prefix, str):
            return None
        name = prefix + "x"  # one name of the shape AWS will give it
    path = res.get("path") if isinstance(res.get("path"), str) else "/"
    partition = "aws-cn" if (res.region or "").startswith("cn-") else \
        "aws-us-gov" if (res.region or "").startswith("us-gov-") else "aws"
    return f"arn:{partition}:iam::{res.account}:{'role' if kind == ROLE else 'user'}{path}{name}"


class _Finder:
    """What attaches to each identity, found once for the graph: by reference, or by the name or
    ARN written."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        # identity address -> the resources that attach a policy (or a group) to it
        self.attaching: dict[str, list[Resource]] = {}
        for kind, arg in _OWNER_ARG.items():
            for res in graph.of_type(INLINE[kind], ATTACHMENT[kind]):
                self._index(res, arg, kind, [res.get(arg)])
            for res in graph.of_type(SHARED_ATTACHMENT):
                self._index(res, _SHARED_ARG[kind], kind, res.get(_SHARED_ARG[kind]) or [None])
        for res in graph.of_type(MEMBERSHIPS[0]):
            self._index(res, "user", USER, [res.get("user")])
        for res in graph.of_type(MEMBERSHIPS[1]):
            self._index(res, "users", USER, res.get("users") or [None])

    def _index(self, res: Resource, arg: str, kind: str, values: list[object]) -> None:
        found: dict[str, Resource] = {}
        for value in values:
            for target in self.named(res, arg, (kind,), value):
                found[target.address] = target
        for address in found:
            self.attaching.setdefault(address, []).append(res)

    def named(self, res: Resource, attribute: str, types: tuple[str, ...], value: object) -> list[Resource]:
        found = self.graph.targets(res, attribute, types)
        if not found and isinstance(value, str):
            found = self.graph.by_value(value, types)
        # A name means the identity of the same account (two providers may each have a "reader").
        return [t for t in found if t.account is None or res.account is None or t.account == res.account]

    def policies(self, identity: Resource) -> tuple[list[Attached], list[str]]:
        attached: list[Attached] = []
        unseen: list[str] = []
        for block, item in enumerate(identity.get("inline_policy") or []):
            if isinstance(item, dict) and (item.get("policy")
                                           or identity.is_unknown("inline_policy", block, "policy")):
                document = _document(identity, ("inline_policy", block))
                attached.append(Attached(identity, "inline_policy", document))
        self._managed(identity, attached, unseen)
        for res in self.attaching.get(identity.address, ()):
            if res.type in INLINE.values():
                attached.append(Attached(res, "policy", self.document(res)))
            elif res.type not in MEMBERSHIPS:
                self._attach(res, "policy_arn", res.get("policy_arn"), attached, unseen)
        return attached, unseen

    def _managed(self, identity: Resource, attached: list[Attached], unseen: list[str]) -> None:
        """`managed_policy_arns`: policies of the run by reference or ARN, others not in the run."""
        arns = identity.get("managed_policy_arns") or []
        if "managed_policy_arns" not in identity.configured and not arns:
            return  # unset (a plan shows it unknown all the same: optional and computed)
        linked = self.graph.targets(identity, "managed_policy_arns", (POLICY,))
        attached += [Attached(policy, "policy", self.document(policy)) for policy in linked]
        for arn in arns:
            if not any(policy.get("arn") == arn for policy in linked):
                self._attach(identity, "managed_policy_arns", arn, attached, unseen)
        if identity.is_unknown("managed_policy_arns"):
            # The whole list is unknown (a directory read without its plan): besides the policies
            # it refers to, it may name others (an AWS-managed one) that may allow anything.
            unseen.append(f"the managed_policy_arns of {identity.address} (known after apply)")

    def _attach(self, res: Resource, attribute: str, arn: object, attached: list[Attached],
                unseen: list[str]) -> None:
        policies = self.named(res, attribute, (POLICY,), arn)
        if isinstance(arn, str):
            policies = [p for p in policies if p.get("arn") in (None, arn)] or policies
        for policy in policies[:1]:
            attached.append(Attached(policy, "policy", self.document(policy)))
        if not policies:
            unseen.append(arn if isinstance(arn, str) else f"the policy {res.address} attaches")

    def groups(self, user: Resource) -> list[tuple[Resource | None, str]]:
        """The groups a user is a member of (None: a group not in the run), with their names."""
        out: list[tuple[Resource | None, str]] = []
        for res in self.attaching.get(user.address, ()):
            if res.type == MEMBERSHIPS[0]:
                arg, names = "groups", res.get("groups") or []
            elif res.type == MEMBERSHIPS[1]:
                arg, names = "group", [res.get("group")]
            else:
                continue
            for name in names:
                found = self.named(res, arg, (GROUP,), name)
                found = [g for g in found if g.get("name") == name] or found
                label = name if isinstance(name, str) else "(known after apply)"
                out.append((found[0] if found else None, label))
        return out

    def boundary(self, identity: Resource) -> tuple[Attached | None, str | None]:
        arn = identity.get("permissions_boundary")
        if not arn and not identity.is_unknown("permissions_boundary"):
            return None, None
        found = self.named(identity, "permissions_boundary", (POLICY,), arn)
        if not found:
            return None, arn if isinstance(arn, str) else "a boundary known after apply"
        return Attached(found[0], "policy", self.document(found[0])), None

    def document(self, holder: Resource) -> Policy | None:
        if not holder.is_unknown("policy"):
            return _parse(holder.get("policy"), holder.is_sensitive("policy"))
        doc = partial_document(self.graph, holder, "policy")
        return _parse(doc, holder.is_sensitive("policy")) if isinstance(doc, dict) else None


def _document(holder: Resource, path: tuple[str | int, ...]) -> Policy | None:
    if holder.is_unknown(*path) or holder.is_unknown(*path, "policy"):
        # Known in part (jsonencode with an ARN known after apply): the source keeps its structure.
        doc = holder.partial.get(".".join(str(p) for p in (*path, "policy")))
        return _parse(doc, holder.is_sensitive(*path)) if isinstance(doc, dict) else None
    return _parse(holder.get(*path, "policy"), holder.is_sensitive(*path))


def _parse(doc: object, sensitive: bool) -> Policy | None:
    if doc in ("", None):
        return Policy(None, ())  # no document: it allows nothing
    if not isinstance(doc, (str, dict)):
        return None
    try:
        return parse_policy(doc, sensitive)
    except PolicyError:
        return None  # iam-policy-invalid names what is wrong; here it may allow anything


def documents(graph: Graph) -> Iterator[Attached]:
    """Every identity policy document of a graph, once each (for the policy grammar rules)."""
    if graph.loaded_types is not None and not graph.loaded_types >= IDENTITY_TYPES:
        return
    finder = _Finder(graph)
    for res in graph.of_type(*INLINE.values(), POLICY):
        yield Attached(res, "policy", finder.document(res))
    for res in graph.of_type(ROLE, USER):
        for block, item in enumerate(res.get("inline_policy") or []):
            if isinstance(item, dict) and (item.get("policy")
                                           or res.is_unknown("inline_policy", block, "policy")):
                yield Attached(res, "inline_policy", _document(res, ("inline_policy", block)))
