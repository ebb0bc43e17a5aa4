"""The registry of Terraform's built-in functions, and the argument conversions they share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

from tfcheck.terraform.eval.values import (
    ConvertError,
    Value,
    as_unknown,
    equal,
    is_list,
    known,
    known_deep,
    to_number,
    to_string,
)

_F = TypeVar("_F", bound=Callable[..., Value])


class Caller(Protocol):
    """What file functions need from the evaluation that calls them."""

    def base_dir(self) -> str | None: ...

    def root_dir(self) -> str | None:
        """The root module's directory (path.root); None where no file may be read."""

    def render_template(self, text: str, variables: Mapping[str, Value]) -> Value: ...


class Unsupported(Exception):
    """Terraform could compute this, tfcheck cannot (e.g. a regex feature Python lacks): plain Unknown."""


@dataclass(frozen=True)
class Function:
    impl: Callable[..., Value]
    min_args: int
    max_args: int | None
    tolerant: bool  # receives Unknown arguments itself instead of the call becoming Unknown
    needs_caller: bool


FUNCTIONS: dict[str, Function] = {}


def register(
    *names: str, args: int | tuple[int, int | None] = 1, tolerant: bool = False, caller: bool = False
) -> Callable[[_F], _F]:
    low, high = (args, args) if isinstance(args, int) else args

    def add(impl: _F) -> _F:
        for name in names:
            FUNCTIONS[name] = Function(impl, low, high, tolerant, caller)
        return impl

    return add


def to_int(value: Value) -> int:
    number = to_number(value)
    if isinstance(number, float) and not number.is_integer():
        raise ConvertError("an integer is required")
    return int(number)


def to_list(value: Value) -> list[Value]:
    value = known(value)
    if is_list(value):
        return list(value)
    raise ConvertError("a list is required")


def to_map(value: Value) -> Mapping[str, Value]:
    value = known(value)
    if isinstance(value, Mapping):
        return value
    raise ConvertError("a map is required")


def unify(items: list[Value]) -> list[Value]:
    """A list of mixed primitives becomes a list of strings, as Terraform's tolist/toset convert them."""
    known_items = [x for x in items if as_unknown(x) is None]
    if all(isinstance(x, (str, int, float, bool)) for x in known_items) and any(
        isinstance(x, str) for x in known_items
    ):
        return [x if as_unknown(x) else to_string(x) for x in items]
    return items


def to_set(items: list[Value]) -> list[Value]:
    """Terraform sets: no duplicates; strings and numbers iterate in sorted order."""
    out: list[Value] = []
    for item in unify(items):
        if not any(equal(known_deep(item), seen) for seen in out):
            out.append(item)
    if all(isinstance(x, str) for x in out):
        return sorted(out)
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in out):
        return sorted(out)
    return out
