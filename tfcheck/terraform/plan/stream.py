"""Read a plan JSON text one resource at a time, keeping only what tfcheck reads.

`json.loads` of a 250 MB plan builds every value of every resource, three times over
(`planned_values`, `resource_changes`, `prior_state`), before tfcheck looks at any of it:
about four times the file in memory. This reader walks the same text with the standard
library's documented decoder (`JSONDecoder.raw_decode` from a position), but decodes the big
lists element by element and drops, as it goes:

- `planned_values`, `resource_drift`, `output_changes`, `relevant_attributes`, `checks`
  (tfcheck reads none of them; they are still scanned, so a syntax error anywhere is found);
- the values of resources whose type no rule reads (`keep` says which types are kept): a
  stub with the address, mode, type, name, key, actions and `arn` (owner accounts come from
  ARNs) takes their place;
- the managed resources of `prior_state` (only the data sources read while planning are used)
  and the configuration blocks of resources of dropped types;
- of a kept resource change, the side of the change the Graph does not read (`before` of a
  no-op is a copy of `after`); and the kept values share their attribute names.

It pays in memory, not time (`python -m bench.tricks`, 2026-12-02): one `json.loads` instead
takes 1.5x the peak memory on a 1,000-unit plan and 1.7x on a 10,000-unit one (1,110 MB against
640 MB), while being 0.7x to 0.8x the time of this reader on a plan alone.

The result has the shape of the plan document, so the same code builds the Graph. Anything
unexpected (invalid JSON, a change that is not an object, …) raises `Fallback`: the caller
then parses the text with `json.loads`, which reports the error exactly as before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
# Top-level sections tfcheck never reads: scanned for validity, not kept.
SKIPPED = frozenset({"planned_values", "resource_drift", "output_changes", "relevant_attributes",
                     "checks"})
_CHANGE_KEYS = ("address", "module_address", "mode", "type", "name", "index", "deposed")

Keep = Callable[[str], bool]


class Fallback(Exception):
    """The text needs the reference parser (to report an error exactly as it does)."""


class _Reader:
    def __init__(self, text: str) -> None:
        self.s = text
        # raw_decode(text, position): the standard library's decoder, one value at a time, from a
        # position in the text (the C scanner behind json.loads).
        self.decode = json.JSONDecoder().raw_decode

    def ws(self, pos: int) -> int:
        return _WS.match(self.s, pos).end()  # type: ignore[union-attr]

    def value(self, pos: int) -> tuple[Any, int]:
        try:
            return self.decode(self.s, pos)
        except (ValueError, RecursionError):
            raise Fallback from None

    def members(self, pos: int, on: Callable[[str, int], tuple[Any, int]]) -> tuple[dict[str, Any], int]:
        """The object at `pos`, each member's value read by `on(key, pos)`."""
        s = self.s
        if s[pos:pos + 1] != "{":
            raise Fallback
        out: dict[str, Any] = {}
        pos = self.ws(pos + 1)
        if s[pos:pos + 1] == "}":
            return out, pos + 1
        while True:
            if s[pos:pos + 1] != '"':
                raise Fallback
            try:
                key, pos = self.decode(s, pos)
            except ValueError:
                raise Fallback from None
            pos = self.ws(pos)
            if s[pos:pos + 1] != ":":
                raise Fallback
            value, pos = on(key, self.ws(pos + 1))
            out[key] = value
            pos = self.ws(pos)
            c = s[pos:pos + 1]
            if c == "}":
                return out, pos + 1
            if c != ",":
                raise Fallback
            pos = self.ws(pos + 1)

    def elements(self, pos: int, on: Callable[[int], tuple[Any, int]]) -> tuple[list[Any], int]:
        """The array at `pos`, each element read by `on(pos)`; `_DROP` results are left out."""
        s = self.s
        if s[pos:pos + 1] != "[":
            raise Fallback
        out: list[Any] = []
        pos = self.ws(pos + 1)
        if s[pos:pos + 1] == "]":
            return out, pos + 1
        while True:
            value, pos = on(pos)
            if value is not _DROP:
                out.append(value)
            pos = self.ws(pos)
            c = s[pos:pos + 1]
            if c == "]":
                return out, pos + 1
            if c != ",":
                raise Fallback
            pos = self.ws(pos + 1)


_DROP = object()


def read_slim(text: str, keep: Keep) -> dict[str, Any]:
    """The plan document of `text` without what tfcheck does not read (see the module doc)."""
    r = _Reader(text)
    shared: dict[str, str] = {}

    def change(pos: int) -> tuple[Any, int]:
        rc, end = r.value(pos)
        return share(slim_change(rc, keep), shared), end

    def state_resource(pos: int) -> tuple[Any, int]:
        res, end = r.value(pos)
        if not isinstance(res, dict):
            return res, end
        if res.get("mode") != "data":
            return _DROP, end  # managed resources: their values are in resource_changes
        if isinstance(res.get("type"), str) and not keep(res["type"]):
            return {k: res[k] for k in ("address", "mode", "type", "name", "index") if k in res}, end
        return res, end

    def config_resource(pos: int) -> tuple[Any, int]:
        res, end = r.value(pos)
        if isinstance(res, dict) and isinstance(res.get("type"), str) and not keep(res["type"]):
            return _DROP, end
        return share(res, shared), end

    def dropped(pos: int) -> tuple[Any, int]:
        return _DROP, r.value(pos)[1]

    def module_tree(on_resource: Callable[[int], tuple[Any, int]]) -> Callable[[str, int], tuple[Any, int]]:
        """prior_state/planned_values modules: resources and child_modules, nested."""
        def member(key: str, pos: int) -> tuple[Any, int]:
            if key == "resources" and r.s[pos:pos + 1] == "[":
                return r.elements(pos, on_resource)
            if key == "child_modules" and r.s[pos:pos + 1] == "[":
                return r.elements(pos, lambda p: r.members(p, member) if r.s[p:p + 1] == "{"
                                  else r.value(p))
            return r.value(pos)
        return member

    def config_module(key: str, pos: int) -> tuple[Any, int]:
        """configuration modules: resources and module_calls, each call with its module."""
        if key == "resources" and r.s[pos:pos + 1] == "[":
            return r.elements(pos, config_resource)
        if key == "module_calls" and r.s[pos:pos + 1] == "{":
            return r.members(pos, lambda _name, p: r.members(p, call) if r.s[p:p + 1] == "{"
                             else r.value(p))
        return r.value(pos)

    def call(key: str, pos: int) -> tuple[Any, int]:
        if key == "module" and r.s[pos:pos + 1] == "{":
            return r.members(pos, config_module)
        return r.value(pos)

    def nested(path: tuple[str, ...], inner: Callable[[str, int], tuple[Any, int]]
               ) -> Callable[[str, int], tuple[Any, int]]:
        """Descend through objects along `path`, then read members with `inner`."""
        def member(key: str, pos: int) -> tuple[Any, int]:
            if r.s[pos:pos + 1] != "{" or not path or key != path[0]:
                return r.value(pos)
            return r.members(pos, nested(path[1:], inner) if len(path) > 1 else inner)
        return member

    def top(key: str, pos: int) -> tuple[Any, int]:
        c = r.s[pos:pos + 1]
        if key == "resource_changes" and c == "[":
            return r.elements(pos, change)
        if key in SKIPPED and c == "{":
            # Scanned (a syntax error must still be found) but not kept; an empty container
            # of the same kind keeps the shape checks as they were.
            return {}, r.members(pos, nested(("root_module",), module_tree(dropped)))[1]
        if key in SKIPPED and c == "[":
            return [], r.elements(pos, dropped)[1]
        if key == "prior_state" and c == "{":
            return r.members(pos, nested(("values", "root_module"), module_tree(state_resource)))
        if key == "configuration" and c == "{":
            return r.members(pos, nested(("root_module",), config_module))
        return r.value(pos)

    start = r.ws(0)
    doc, end = r.members(start, top)
    if r.ws(end) != len(text):
        raise Fallback  # "Extra data": the reference parser words it
    return doc


def share(value: Any, memo: dict[str, str], depth: int = 3) -> Any:
    """`value` with the object keys of its first `depth` levels shared with every other value.

    Each resource is decoded on its own, so its keys are its own copies ("after_unknown", every
    attribute name, once per resource): sharing them takes a third off what is kept. Deeper
    levels (tags, policy statements) are few and left as they are (walking them costs more)."""
    if not isinstance(value, dict):
        return value
    if depth <= 1:
        return {memo.setdefault(k, k): v for k, v in value.items()}
    return {memo.setdefault(k, k): share(v, memo, depth - 1) for k, v in value.items()}


def slim_change(rc: Any, keep: Keep) -> Any:
    """A resource change reduced to what the Graph needs of it: of a kept type, the side of the
    change it reads; of another type, a stub (address, mode, type, name, key, actions, ARN)."""
    if not isinstance(rc, dict):
        raise Fallback
    rtype = rc.get("type")
    if not isinstance(rtype, str):
        raise Fallback
    change = rc.get("change")
    if not isinstance(change, dict):
        raise Fallback
    actions = change.get("actions")
    if keep(rtype):
        # The Graph reads `before` (and its sensitive marks) of a deleted resource, `after` and
        # its marks otherwise: the other side (a copy, for a no-op) is not kept.
        if not isinstance(actions, list):
            raise Fallback
        side = "before" if actions == ["delete"] else "after"
        rc["change"] = {k: v for k, v in change.items()
                        if k == "actions" or k.startswith(side)}
        return rc
    stub: dict[str, Any] = {k: rc[k] for k in _CHANGE_KEYS if k in rc}
    values: dict[str, Any] = {}
    for side in ("before", "after"):
        side_values = change.get(side)
        if side_values is not None and not isinstance(side_values, dict):
            raise Fallback  # the reference path names the problem
        if isinstance(side_values, dict) and "arn" in side_values:
            values[side] = {"arn": side_values["arn"]}
    stub["change"] = {"actions": actions, "before": values.get("before"), "after": values.get("after")}
    return stub
