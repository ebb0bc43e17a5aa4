"""What an HCL expression can see in one module instance: variables, locals, resources, modules."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from tfcheck.terraform.eval.expressions import Reference, Unknown, Value, evaluate_with_refs, note_references

# (value, references, touched-sensitive) of one evaluated expression.
Evaluated = tuple[Value, list[Reference], bool]


class SensitiveTracker:
    """Which evaluations read a sensitive variable: their results must never be printed."""

    def __init__(self) -> None:
        self.stack: list[bool] = []

    def touch(self) -> None:
        if self.stack:
            self.stack[-1] = True

    def evaluate(self, node: Any, scope: Any) -> Evaluated:
        self.stack.append(False)
        try:
            value, refs = evaluate_with_refs(node, scope)
        finally:
            touched = self.stack.pop()
        if touched:
            self.touch()  # a local built from a secret is a secret for whoever reads it
        return value, refs, touched


class Lazy(Mapping[str, Any]):
    """A mapping whose entries are computed on first read, with cycles turned into Unknown.

    Every read replays the entry's references into the evaluation in progress, so a secret
    policy built from a local still links to the resources that local reads.
    """

    def __init__(self, names: Callable[[], list[str]], compute: Callable[[str], Evaluated],
                 tracker: SensitiveTracker, what: str) -> None:
        self._names = names
        self._compute = compute
        self._tracker = tracker
        self._what = what
        self._cache: dict[str, Evaluated] = {}
        self._busy: set[str] = set()

    def __getitem__(self, name: str) -> Value:
        if name not in self._cache:
            if name not in self._names():
                raise KeyError(name)
            if name in self._busy:
                return Unknown(f"{self._what}.{name} (refers to itself)")
            self._busy.add(name)
            try:
                self._cache[name] = self._compute(name)
            finally:
                self._busy.discard(name)
        value, refs, sensitive = self._cache[name]
        note_references(refs)
        if sensitive:
            self._tracker.touch()
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


class Attributes(Mapping[str, Any]):
    """A resource instance's attributes as other expressions read them: configured ones only.

    An attribute the configuration does not set is computed by the provider (arn, key_id):
    absent here, so the evaluator makes it Unknown and records the reference.
    """

    def __init__(self, names: list[str], compute: Callable[[str], Evaluated],
                 extra: Mapping[str, Callable[[], Value]] | None = None) -> None:
        self._names = names
        self._compute = compute
        self._extra = extra or {}
        self._cache: dict[str, Evaluated] = {}
        self._busy: set[str] = set()

    def __getitem__(self, name: str) -> Value:
        if name in self._extra:
            return self._extra[name]()
        if name not in self._names:
            raise KeyError(name)
        return self.full(name)[0]

    def full(self, name: str) -> Evaluated:
        """The attribute's value with the references it read and whether it is sensitive."""
        if name not in self._cache:
            if name in self._busy:
                return Unknown(f"{name} (refers to itself)"), [], False
            self._busy.add(name)
            try:
                self._cache[name] = self._compute(name)
            finally:
                self._busy.discard(name)
        return self._cache[name]

    def __iter__(self) -> Iterator[str]:
        return iter([*self._names, *self._extra])

    def __len__(self) -> int:
        return len(self._names) + len(self._extra)


class ModuleScope:
    """The Scope protocol for one module instance (and, with each/count, one resource instance)."""

    def __init__(self, roots: Mapping[str, Any], each: Mapping[str, Any] | None = None,
                 count: Mapping[str, Any] | None = None) -> None:
        self._roots = roots
        self._each = each
        self._count = count

    def with_instance(self, each: Mapping[str, Any] | None, count: Mapping[str, Any] | None
                      ) -> ModuleScope:
        return ModuleScope(self._roots, each, count)

    def with_root(self, name: str, value: Value) -> ModuleScope:
        """A scope with one more name, e.g. a dynamic block's iterator."""
        return ModuleScope({**self._roots, name: value}, self._each, self._count)

    def root(self, name: str) -> Value | Mapping[str, Any]:
        if name == "each":
            return self._each if self._each is not None else Unknown("each (outside for_each)")
        if name == "count":
            return self._count if self._count is not None else Unknown("count (outside count)")
        value = self._roots.get(name)
        if value is None:
            raise KeyError(name)
        return value
