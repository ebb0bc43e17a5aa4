"""Values of evaluated HCL expressions: Unknown, InstanceRef, and Terraform's conversions between them."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# str | int | float | bool | None | list | dict | Mapping | Unknown | InstanceRef
Value = Any

# Floats beyond this are not exact integers, so they keep their float form (and print as Terraform does).
_EXACT_INT = 2**53
# Python will not print an integer of more than 4300 digits; arithmetic stops well before.
_MAX_INT_BITS = 4096
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Unknown:
    """A value tfcheck cannot know: computed at apply time, or an expression it cannot evaluate."""

    text: str
    """The source text (or a short description) of what is unknown."""
    partial: Any = None
    """For jsonencode(...) of a structure with unknown leaves: that structure (Unknown leaves kept)."""
    error: str | None = field(default=None, compare=False)
    """Set when Terraform would reject the expression too (type error, missing key): what is wrong.

    try() and can() tell these apart from values that are merely not known until apply."""
    not_null: bool = field(default=False, compare=False)
    """Terraform's refinement: the value is not known, but it is known not to be null (a
    jsonencode or template result, a function result, a managed resource's `id`): `x != null`
    is then true before apply, as in a real plan."""


@dataclass(frozen=True)
class InstanceRef:
    """A resource instance as an expression sees it; reading one of its attributes records a reference."""

    address: str
    """Full instance address, e.g. 'module.a["x"].aws_kms_key.k[0]'."""
    values: Mapping[str, Any]
    """Known attribute values; an absent attribute is unknown (computed)."""


class EvalError(Exception):
    """An expression that is definitely an error in Terraform too (reserved: evaluation returns Unknown)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.message = message
        self.line = line
        self.column = column


class ConvertError(ValueError):
    """A value does not have, or convert to, the type an operation needs: an error in Terraform too."""


class NeedKnown(Exception):
    """Raised where a leaf that must be inspected is unknown; the operation's result is unknown."""

    def __init__(self, unknown: Unknown) -> None:
        super().__init__(unknown.text)
        self.unknown = unknown


def is_list(value: Value) -> bool:
    return isinstance(value, (list, tuple))


def as_unknown(value: Value) -> Unknown | None:
    """The value as an Unknown if it is one; an instance used as a plain value is not known either."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, InstanceRef):
        return Unknown(value.address)
    return None


def known(value: Value) -> Value:
    unknown = as_unknown(value)
    if unknown is not None:
        raise NeedKnown(unknown)
    return value


def pick_unknown(values: list[Value]) -> Unknown | None:
    """The first unknown among values, preferring one that is an error (so try() can skip it)."""
    unknowns = [u for u in map(as_unknown, values) if u is not None]
    return next((u for u in unknowns if u.error), unknowns[0] if unknowns else None)


def first_unknown(value: Value) -> Unknown | None:
    """The first unknown leaf of a structure (the value itself included)."""
    unknown = as_unknown(value)
    if unknown is not None:
        return unknown
    children = value.values() if isinstance(value, Mapping) else value if is_list(value) else ()
    return pick_unknown([first_unknown(child) for child in children])


def has_error(value: Value) -> bool:
    unknown = first_unknown(value)
    return unknown is not None and unknown.error is not None


def known_deep(value: Value) -> Value:
    unknown = first_unknown(value)
    if unknown is not None:
        raise NeedKnown(unknown)
    return value


def normalize(number: int | float) -> int | float:
    """Terraform numbers have no int/float split: integral values print without '.0'."""
    if isinstance(number, float):
        if not math.isfinite(number):
            raise ConvertError("number is not finite")
        if number.is_integer() and abs(number) < _EXACT_INT:
            return int(number)
    elif number.bit_length() > _MAX_INT_BITS:
        raise ConvertError("number too large")
    return number


def number_text(number: int | float) -> str:
    """A number as Terraform prints it: plain decimal notation, never an exponent."""
    if isinstance(number, int):
        return str(number)
    number = normalize(number)
    if isinstance(number, int):
        return str(number)
    text = format(Decimal(repr(number)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def to_string(value: Value) -> str:
    value = known(value)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    raise ConvertError("null value" if value is None else "a string is required")


def to_number(value: Value) -> int | float:
    value = known(value)
    if isinstance(value, bool) or value is None:
        raise ConvertError("a number is required")
    if isinstance(value, (int, float)):
        return normalize(value)
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        if any(c in value for c in ".eE"):
            return normalize(float(value))
        try:
            return normalize(int(value))
        except ValueError:  # more digits than Python converts
            raise ConvertError("number too large") from None
    raise ConvertError(f"cannot convert {value!r} to a number")


def to_bool(value: Value) -> bool:
    value = known(value)
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ConvertError("a bool is required")


def equal(a: Value, b: Value) -> bool:
    """Terraform's ==: no conversions, so 1 != "1" and true != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, str) or isinstance(b, str) or a is None or b is None:
        return type(a) is type(b) and a == b
    if is_list(a) and is_list(b):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return set(a) == set(b) and all(equal(a[k], b[k]) for k in a)
    return False


def pairs(collection: Value) -> list[tuple[Value, Value]]:
    """What a for iterates: (index, element) of a list, (key, value) of a map in key order."""
    collection = known(collection)
    if isinstance(collection, Mapping):
        return [(k, collection[k]) for k in sorted(collection)]
    if is_list(collection):
        return list(enumerate(collection))
    raise ConvertError("for needs a list, set or map")


def to_partial(value: Value) -> Value:
    """A structure with lazy mappings made plain dicts and instances made Unknown leaves."""
    if isinstance(value, InstanceRef):
        return Unknown(value.address)
    if isinstance(value, Mapping):
        return {k: to_partial(v) for k, v in value.items()}
    if is_list(value):
        return [to_partial(v) for v in value]
    return value


# What Go's JSON encoder escapes that Python's does not (these characters occur only in strings).
_GO_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
               ("\u2029", "\\u2029"))


def json_string(text: str) -> str:
    """A JSON string as Go's encoder writes it: HTML-safe escapes, non-ASCII kept."""
    encoded = json.dumps(text, ensure_ascii=False)
    for char, escape in _GO_ESCAPES:
        encoded = encoded.replace(char, escape)
    return encoded


def _encode(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, str):
        return json_string(value)
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda item: str(item[0]))
        return "{" + ",".join(f"{json_string(str(k))}:{_encode(v)}" for k, v in items) + "}"
    if is_list(value):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    raise ConvertError(f"cannot encode {type(value).__name__} as JSON")


def _plain(value: Value) -> bool:
    """Only dicts with string keys, lists, strings, integers, booleans and nulls: what json.dumps
    writes exactly as Terraform does (with the escapes json_string adds)."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if kind is list:
        return all(_plain(v) for v in value)
    return kind is str or kind is int or kind is bool or value is None


def jsonencode(value: Value) -> Value:
    """Terraform's jsonencode: compact, keys sorted; unknown leaves give Unknown('', partial=structure)."""
    if _plain(value):  # the common case, encoded by the json module in one call
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        for char, escape in _GO_ESCAPES:
            text = text.replace(char, escape)
        return text
    unknown = first_unknown(value)
    if unknown is not None:
        partial = None if as_unknown(value) else to_partial(value)
        return Unknown("", partial=partial, error=unknown.error)
    return _encode(value)


def jsondecode(text: str) -> Value:
    def reject(constant: str) -> Value:
        raise ConvertError(f"invalid JSON value {constant}")

    return json.loads(text, parse_float=lambda s: normalize(float(s)), parse_constant=reject)
