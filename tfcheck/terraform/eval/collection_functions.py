"""Terraform's collection functions: lists, sets and maps."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from tfcheck.terraform.eval.function_registry import register, to_int, to_list, to_map, to_set
from tfcheck.terraform.eval.values import (
    ConvertError,
    NeedKnown,
    Value,
    equal,
    first_unknown,
    is_list,
    known,
    known_deep,
    normalize,
    to_number,
    to_string,
)

_MAX_RANGE = 1024  # Terraform's own limit for range()


register("concat", args=(0, None))(lambda *lists: [x for lst in lists for x in to_list(lst)])
register("merge", args=(0, None))(
    lambda *ms: {k: v for m in ms if m is not None for k, v in to_map(m).items()}
)
register("keys")(lambda m: sorted(to_map(m)))
register("values")(lambda m: [to_map(m)[k] for k in sorted(to_map(m))])
register("reverse")(lambda lst: to_list(lst)[::-1])
register("alltrue")(lambda lst: all(x is True or x == "true" for x in to_list(lst)))
register("anytrue")(lambda lst: any(x is True or x == "true" for x in to_list(lst)))
@register("index", args=2)
def _index(lst: Value, value: Value) -> int:
    for i, item in enumerate(to_list(lst)):
        if equal(item, value):
            return i
    raise ValueError("item not found")
register("sum")(lambda lst: normalize(sum(to_number(x) for x in to_list(lst))))
# Sensitivity does not change a value; tfcheck never prints policy values anyway.
register("sensitive", "nonsensitive")(lambda v: v)
register("sort")(lambda lst: sorted(to_string(x) for x in to_list(lst)))
register("setunion", args=(1, None))(lambda *sets: to_set([x for s in sets for x in to_list(s)]))
register("compact")(lambda lst: [to_string(x) for x in map(known, to_list(lst)) if x is not None and x != ""])


@register("setintersection", args=(1, None))
def _setintersection(first: Value, *rest: Value) -> Value:
    others = [known_deep(to_list(r)) for r in rest]
    return to_set([x for x in to_list(first) if all(any(equal(x, y) for y in o) for o in others)])


@register("setsubtract", args=2)
def _setsubtract(first: Value, second: Value) -> Value:
    other = known_deep(to_list(second))
    return to_set([x for x in to_list(first) if not any(equal(x, y) for y in other)])


@register("flatten")
def _flatten(lst: Value) -> list[Value]:
    return [y for x in to_list(lst) for y in (_flatten(x) if is_list(known(x)) else [x])]


@register("distinct")
def _distinct(lst: Value) -> list[Value]:
    out: list[Value] = []
    for item in to_list(lst):
        if not any(equal(known_deep(item), seen) for seen in out):
            out.append(item)
    return out


@register("length")
def _length(value: Value) -> int:
    value = known(value)
    if isinstance(value, str):  # Terraform counts grapheme clusters: combining marks add nothing
        return sum(1 for c in value if not unicodedata.combining(c))
    if is_list(value) or isinstance(value, Mapping):
        return len(value)
    raise ConvertError("length needs a string, list or map")


@register("lookup", args=(2, 3))
def _lookup(mapping: Value, key: Value, *default: Value) -> Value:
    mapping, key = to_map(mapping), to_string(key)
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise ConvertError(f"no key {key!r} in the map")


@register("element", args=2)
def _element(lst: Value, index: Value) -> Value:
    items, i = to_list(lst), to_int(index)
    if i < 0 or not items:
        raise ConvertError("element needs a non-empty list and a non-negative index")
    return items[i % len(items)]  # Terraform wraps around


@register("coalesce", "coalescelist", args=(1, None), tolerant=True)
def _coalesce(*args: Value) -> Value:
    for arg in args:
        known(arg)  # an unknown before the first usable value could itself be the answer
        if arg is not None and arg != "" and arg != []:
            return arg
    raise ConvertError("no non-null, non-empty argument")


@register("contains", args=2)
def _contains(lst: Value, value: Value) -> bool:
    known_deep(value)
    pending = None
    for item in to_list(lst):
        pending = pending or first_unknown(item)
        if equal(item, value):
            return True
    if pending is not None:
        raise NeedKnown(pending)
    return False


@register("zipmap", args=2)
def _zipmap(keys: Value, values: Value) -> dict[str, Value]:
    names, items = [to_string(k) for k in to_list(keys)], to_list(values)
    if len(names) != len(items):
        raise ConvertError("zipmap needs lists of the same length")
    return dict(zip(names, items, strict=True))


@register("slice", args=3)
def _slice(lst: Value, start: Value, end: Value) -> list[Value]:
    items, low, high = to_list(lst), to_int(start), to_int(end)
    if not 0 <= low <= high <= len(items):
        raise ConvertError("slice bounds out of range")
    return items[low:high]


@register("one")
def _one(lst: Value) -> Value:
    items = to_list(lst)
    if len(items) > 1:
        raise ConvertError("one needs a list of zero or one elements")
    return items[0] if items else None


@register("range", args=(1, 3))
def _range(*args: Value) -> list[Value]:
    nums = [to_number(a) for a in args]
    start, limit = (0, nums[0]) if len(nums) == 1 else (nums[0], nums[1])
    step = nums[2] if len(nums) == 3 else (1 if start <= limit else -1)
    if step == 0 or (start < limit and step < 0) or (start > limit and step > 0):
        raise ConvertError("range step must move from start towards limit")
    out: list[Value] = []
    while (start < limit) if step > 0 else (start > limit):
        if len(out) == _MAX_RANGE:
            raise ConvertError(f"more than {_MAX_RANGE} values")
        out.append(normalize(start))
        start += step
    return out
