"""Shared fixtures for the HCL evaluator tests: a fake scope with lazy locals, and result checks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import hcl2

from tfcheck.terraform.eval.expressions import (
    InstanceRef,
    Scope,
    Unknown,
    evaluate,
    evaluate_with_refs,
    note_references,
)

UNKNOWN = object()  # expected: an Unknown that is not an error
ERROR = object()  # expected: an Unknown Terraform would reject too


def expr(text: str) -> Any:
    """The typed expression of `x = <text>`, as the HCL loader hands it to the evaluator."""
    return hcl2.parses(f"x = {text}\n").body.children[0].expression


class Lazy(Mapping[str, Any]):
    """Locals as the real Scope holds them: each evaluated on first read, its references replayed."""

    def __init__(self, sources: dict[str, str], scope: Scope) -> None:
        self.sources, self.scope = sources, scope
        self.reads: list[str] = []

    def __getitem__(self, key: str) -> Any:
        text = self.sources[key]
        self.reads.append(key)
        value, refs = evaluate_with_refs(expr(text), self.scope)
        note_references(refs)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)


class FakeScope:
    def __init__(self, roots: dict[str, Any]) -> None:
        self.roots = roots

    def root(self, name: str) -> Any:
        return self.roots[name]


KEY = InstanceRef("aws_kms_key.k", {"key_id": "1234", "tags": {"Name": "main"}})
COUNTED = [InstanceRef("aws_kms_key.c[0]", {"arn": "arn:0"}), InstanceRef("aws_kms_key.c[1]", {})]
VARS = {
    "s": "str",
    "n": 3,
    "l": [1, 2, 3],
    "m": {"k": "v", "b": "w"},
    "key": "k",
    "u": Unknown("var.u"),
    "nul": None,
    "objs": [{"name": "a", "list": [10, 11]}, {"name": "b", "list": [20]}],
    "obj": {"name": "solo"},
    "lu": ["x", Unknown("var.lu[1]")],
    "mu": {"a": Unknown("var.mu.a")},
}
LOCALS = {
    "a": '"${var.s}-a"',
    "b": "local.a",
    "arn": "aws_kms_key.k.arn",
    "bad": "var.m.missing",
    "loop": "local.loop",
}


def make_scope() -> FakeScope:
    scope = FakeScope({"var": VARS, "aws_kms_key": {"k": KEY, "c": COUNTED}, "path": {"module": "."}})
    scope.roots["local"] = Lazy(LOCALS, scope)
    return scope


def run(text: str) -> Any:
    return evaluate(expr(text), make_scope())


def check(actual: Any, expected: Any) -> None:
    if expected is UNKNOWN or expected is ERROR:
        assert isinstance(actual, Unknown), actual
        assert (actual.error is not None) == (expected is ERROR), actual
    else:
        assert actual == expected and type(actual) is type(expected), actual
