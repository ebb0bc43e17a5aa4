"""What a plan already says, so that reading its source does not work it out again.

The source of a plan gives locations, and the values the plan leaves unknown: only those
attributes are evaluated (unknown_attributes). And expanding a block's `count`/`for_each`
evaluates the collection, often a large local, while the plan already lists the instances by
key: a block the plan lists gets the plan's instances, and its collection is evaluated only if
an expression reads `each.value`. A block the plan does not list (a type it was not read for,
or instances not known before apply) is expanded from the HCL as usual.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from tfcheck.model.graph import Graph
from tfcheck.terraform.addresses import Key
from tfcheck.terraform.eval.expressions import Reference, Unknown, Value, evaluate_with_refs
from tfcheck.terraform.eval.modules import Each, Instance, ModuleInstance
from tfcheck.terraform.hcl.parse import Block

PlanKeys = Mapping[tuple[str, str, str, str], list[Key]]
"""(module instance address, mode, type, name) -> the instance keys the plan lists."""


def plan_keys(plan: Graph) -> dict[tuple[str, str, str, str], list[Key]]:
    out: dict[tuple[str, str, str, str], list[Key]] = {}
    for res in plan.resources.values():
        out.setdefault((res.module, res.mode, res.type, res.name), []).append(res.index)
    return out


def unknown_attributes(plan: Graph) -> dict[str, frozenset[str] | None]:
    """Per instance address, the top-level attributes the plan does not know (None: the whole
    object): all merge can take from the source's values, so all the source needs to evaluate."""
    out: dict[str, frozenset[str] | None] = {}
    for res in plan.resources.values():
        marks = res.unknown
        out[res.address] = None if marks is True else frozenset(
            name for name, mark in (marks.items() if isinstance(marks, dict) else ()) if mark)
    return out


def planned_instances(keys: PlanKeys, module: ModuleInstance, block: Block) -> list[Instance] | None:
    """The block's instances with the plan's keys, or None when the plan does not list them
    (or lists keys of another kind than the block's count/for_each makes)."""
    mode = "data" if block.type == "data" else "managed"
    found = keys.get((module.address, mode, block.labels[0], block.labels[1]))
    if not found:
        return None
    if "for_each" in block.attrs:
        if not all(isinstance(k, str) for k in found):
            return None
        collection = _Collection(block, module)
        return [Instance(k, each=_PlannedEach(str(k), collection)) for k in sorted(found, key=str)]
    if "count" in block.attrs:
        if not all(isinstance(k, int) and not isinstance(k, bool) for k in found):
            return None
        return [Instance(k, count={"index": k}) for k in sorted(found, key=int)]  # type: ignore[arg-type]
    return [Instance(None)] if found == [None] else None


class _Collection:
    """A block's for_each collection, evaluated when an instance first reads each.value."""

    def __init__(self, block: Block, module: ModuleInstance) -> None:
        self._block, self._module = block, module
        self._done: tuple[Value, list[Reference]] | None = None

    def each(self, key: str) -> Each:
        if self._done is None:
            self._done = evaluate_with_refs(self._block.attrs["for_each"].expr, self._module.scope)
        items, refs = self._done
        if isinstance(items, Mapping):
            value = items[key] if key in items else Unknown(f"each.value ({key!r} not in for_each)")
        elif isinstance(items, list):
            value = key  # a set of strings: each.value is each.key
        else:
            value = items if isinstance(items, Unknown) else Unknown("each.value")
        return Each(key, value, refs)


class _PlannedEach(Mapping[str, Any]):
    """`each` of one planned instance: each.key at once, each.value from the collection."""

    def __init__(self, key: str, collection: _Collection) -> None:
        self._key = key
        self._collection = collection
        self._each: Each | None = None

    def __getitem__(self, name: str) -> Value:
        if name == "key":
            return self._key
        if self._each is None:
            self._each = self._collection.each(self._key)
        return self._each[name]

    def __iter__(self) -> Iterator[str]:
        return iter(("key", "value"))

    def __len__(self) -> int:
        return 2
