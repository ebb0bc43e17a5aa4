"""Resource: the one shape every rule sees, whatever the input (plan JSON or HCL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tfcheck.findings import Location

# An attribute path inside a resource's values: ("replica", 0, "kms_key_id").
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class UnknownLeaf:
    """A leaf of a partly known value (a policy document with an ARN known only after apply)."""

    text: str
    """What the value is: the expression, or the references, it comes from."""


@dataclass(frozen=True)
class Link:
    """A reference from one attribute to another resource instance (and maybe its attribute)."""

    target: str
    """Full instance address of the referenced resource."""
    attribute: str | None = None


@dataclass
class Resource:
    """One resource or data source instance, with known values and what is unknown or sensitive."""

    address: str
    """Full instance address: `module.a["x"].aws_kms_key.k[0]`."""
    mode: str
    """`managed` or `data`."""
    type: str
    name: str
    module: str = ""
    """The module instance address (`module.a["x"]`), empty at the root."""
    index: int | str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    """Values known at plan time; an unknown attribute is absent, a known null is None."""
    unknown: Any = None
    """Terraform's `after_unknown` shape: True, or nested dicts/lists of it."""
    sensitive: Any = None
    """Terraform's `after_sensitive` shape: True, or nested dicts/lists of it."""
    configured: frozenset[str] = frozenset()
    """Attributes the configuration sets (tells "unset" from "unknown"): top-level names, and
    paths into nested blocks in configuration order ("replica.0.kms_key_id")."""
    constants: dict[str, Any] = field(default_factory=dict)
    """Constant values of nested block attributes by configuration path ("replica.0.region"):
    a plan's values of set-typed blocks come in another order, these say which is which."""
    links: dict[str, tuple[Link, ...]] = field(default_factory=dict)
    """Per attribute path ("kms_key_id", "replica.0.kms_key_id"), what the expression refers to."""
    action: str = "no-op"
    """create, update, replace, no-op, read or delete."""
    region: str | None = None
    """The AWS region its provider configuration manages, when known."""
    account: str | None = None
    """The AWS account it is in: its ARN's, else the one its provider configuration manages
    (allowed_account_ids, assume_role, aws_caller_identity), when that is one account."""
    location: Location | None = None
    """Where the block is written (file relative to the scanned root, line of the block)."""
    lines: dict[str, int] = field(default_factory=dict)
    """Line of each top-level attribute as written, for findings about one attribute."""
    partial: dict[str, Any] = field(default_factory=dict)
    """For an attribute unknown until apply whose structure is partly known (a policy built with
    jsonencode or aws_iam_policy_document): that structure, with UnknownLeaf where it is unknown."""

    def location_of(self, attribute: str | None) -> Location | None:
        """The attribute's line when known, else the block's."""
        if self.location is None or attribute is None or attribute not in self.lines:
            return self.location
        return Location(self.location.file, self.lines[attribute], self.location.root)

    def is_unknown(self, *path: str | int) -> bool:
        """True when Terraform marks the value at `path` (or a parent of it) unknown until apply."""
        return _mark_at(self.unknown, path) is True

    @property
    def has_unknown(self) -> bool:
        """Some value of it is unknown until apply."""
        return _any_true(self.unknown)

    def is_sensitive(self, *path: str | int) -> bool:
        """True when the value at `path` (or a parent or any part of it) is marked sensitive."""
        return _any_true(_mark_at(self.sensitive, path))

    def get(self, *path: str | int) -> Any:
        """The known value at `path`, or None when absent (use is_unknown to tell them apart)."""
        node: Any = self.values
        for part in path:
            node = _child(node, part)
            if node is None:
                return None
        return node

    def links_of(self, attribute: str) -> tuple[Link, ...]:
        return self.links.get(attribute, ())

    @property
    def deleted(self) -> bool:
        return self.action == "delete"


def _child(node: Any, part: str | int) -> Any:
    if isinstance(node, dict) and isinstance(part, str):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _mark_at(node: Any, path: tuple[str | int, ...]) -> Any:
    """The part of an after_unknown/after_sensitive shape at `path`; True if a parent is marked."""
    for part in path:
        if node is True:
            return True
        node = _child(node, part)
        if node is None:
            return None
    return node


def _any_true(node: Any) -> bool:
    if node is True:
        return True
    children: Iterator[Any]
    if isinstance(node, dict):
        children = iter(node.values())
    elif isinstance(node, list):
        children = iter(node)
    else:
        return False
    return any(_any_true(c) for c in children)
