"""Variable type constraints, applied as Terraform does: optional object attributes get defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hcl2.rules.containers import ObjectRule
from hcl2.rules.expressions import ExprTermRule
from hcl2.rules.functions import FunctionCallRule
from hcl2.rules.literal_rules import IdentifierRule

from tfcheck.terraform.eval.expressions import Unknown, Value, evaluate
from tfcheck.terraform.eval.scope import ModuleScope

_EMPTY = ModuleScope({})


@dataclass(frozen=True)
class Type:
    """A type constraint: `kind` is object, map, list, set, tuple or a primitive (left as is)."""

    kind: str
    element: Type | None = None
    attributes: dict[str, tuple[Type, bool, Value]] = field(default_factory=dict)
    """For objects: name -> (type, optional, default when optional and absent)."""


ANY = Type("any")


def parse_type(node: Any) -> Type:
    """The Type a `type = …` expression describes; anything unfamiliar is `any`."""
    while isinstance(node, ExprTermRule):
        node = node.expression
    if isinstance(node, IdentifierRule):
        return Type(str(node.token.value))
    if not isinstance(node, FunctionCallRule) or node.arguments is None:
        return ANY
    name = ".".join(str(i.token.value) for i in node.identifiers)
    args = node.arguments.arguments
    if name in ("map", "list", "set") and args:
        return Type(name, element=parse_type(args[0]))
    if name == "object" and args:
        return Type("object", attributes=_attributes(args[0]))
    return Type(name) if name == "tuple" else ANY


def _attributes(node: Any) -> dict[str, tuple[Type, bool, Value]]:
    while isinstance(node, ExprTermRule):
        node = node.expression
    out: dict[str, tuple[Type, bool, Value]] = {}
    if not isinstance(node, ObjectRule):
        return out
    for elem in node.elements:
        key = elem.key.value
        name = str(key.token.value) if isinstance(key, IdentifierRule) else str(
            evaluate(key, _EMPTY)).strip('"')
        expr = elem.expression
        while isinstance(expr, ExprTermRule):
            expr = expr.expression
        if isinstance(expr, FunctionCallRule) and [str(i.token.value) for i in expr.identifiers] == \
                ["optional"] and expr.arguments is not None:
            args = expr.arguments.arguments
            default = evaluate(args[1], _EMPTY) if len(args) > 1 else None
            out[name] = (parse_type(args[0]), True, default)
        else:
            out[name] = (parse_type(expr), False, None)
    return out


def convert(value: Value, type_: Type) -> Value:
    """The value as the constraint shapes it: absent optional attributes filled in."""
    if isinstance(value, Unknown) or value is None:
        return value
    if type_.kind == "object" and isinstance(value, dict):
        out = dict(value)
        for name, (attr_type, optional, default) in type_.attributes.items():
            if name in out:
                out[name] = convert(out[name], attr_type)
            elif optional:
                out[name] = convert(default, attr_type)
        return out
    if type_.kind == "map" and isinstance(value, dict) and type_.element is not None:
        return {k: convert(v, type_.element) for k, v in value.items()}
    if type_.kind in ("list", "set") and isinstance(value, list) and type_.element is not None:
        return [convert(v, type_.element) for v in value]
    return value
