"""The compact form of parsed files: Blocks and python-hcl2 trees as JSON data, and back.

The trees are stored as nested lists (JSON, one string per attribute; nothing is pickled or
marshalled, so reading them makes no code object and runs no code): no lark metadata, no parent
links (they are rebuilt),
node classes by name (python-hcl2's only), the token classes python-hcl2 makes at run time by
token name. An attribute's tree is built when it is first evaluated: decoding a file is ~50
times faster than parsing it, and what nothing evaluates costs nothing. A block set aside
unparsed (LazyBlock) stays text. Worker processes send their results in this form too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from importlib import import_module
from typing import Any, cast

from hcl2.rules.abstract import LarkElement, LarkRule
from hcl2.rules.tokens import StaticStringToken, StringToken
from lark.tree import Meta

from tfcheck.terraform.eval.templates import COMPILED
from tfcheck.terraform.hcl.parse import Attr, Block
from tfcheck.terraform.hcl.read import LazyBlock

FORMAT = 5
# Deeper expression trees are not stored: they are built when first evaluated, deep in the
# evaluator's own recursion.
MAX_DEPTH = 120


class Unsupported(Exception):
    """A tree holds something the compact form does not know: that file is not cached."""


_RULE_KEYS = frozenset({"_index", "_parent", "_children", "_meta"})
_TOKEN_KEYS = frozenset({"_index", "_parent", "_value"})
_REBUILT = frozenset({"_parent", "_children", "_meta", "_value", "_index"})
_PRIMITIVES = (str, int, float, bool, type(None))


class _Detached:
    """The parent of a cached expression's root (an attribute that is not cached): python-hcl2
    only asks whether a parent is an expression, which it is not."""

    parent = None


_DETACHED = _Detached()
_META = Meta()


class _Encoder:
    """A node -> (class number, children or token value[, other attributes]).

    `_index` is the node's position among its parent's children (python-hcl2 sets it so):
    written only when it is not; `_parent` and `_meta` are rebuilt, not written."""

    def __init__(self) -> None:
        self.classes: list[tuple[str, ...]] = []
        self._ids: dict[type, tuple[int, bool]] = {}

    def _register(self, cls: type) -> tuple[int, bool]:
        if not issubclass(cls, LarkElement):
            raise Unsupported(cls.__name__)
        entry = self._ids[cls] = (len(self.classes), issubclass(cls, LarkRule))
        self.classes.append(_class_key(cls))
        return entry

    def node(self, obj: Any, pos: int, depth: int) -> Any:
        cls = obj.__class__
        ci, is_rule = self._ids.get(cls) or self._register(cls)
        if depth > MAX_DEPTH:
            raise Unsupported("nested too deeply")
        state = obj.__dict__
        if COMPILED in state:  # what evaluating the node added, not part of the parse
            state = {k: v for k, v in state.items() if k != COMPILED}
        if is_rule:
            payload: Any = [None if c is None else self.node(c, i, depth + 1)
                            for i, c in enumerate(state["_children"])]
            plain = state.keys() == _RULE_KEYS
        else:
            payload = state["_value"]
            if not isinstance(payload, _PRIMITIVES):
                raise Unsupported(cls.__name__)
            plain = state.keys() == _TOKEN_KEYS
        if plain and state["_index"] == pos:
            return (ci, payload)
        extras = [(k, v) for k, v in state.items() if k not in _REBUILT]
        if state.get("_index", pos) != pos:
            extras.append(("_index", state["_index"]))
        if any(not isinstance(v, _PRIMITIVES) for _, v in extras):
            raise Unsupported(cls.__name__)
        return (ci, payload, [list(extra) for extra in extras])

    def block(self, block: Block) -> Any:
        if isinstance(block, LazyBlock):  # kept as text, as it was
            return (block.type, block.labels, block.line, block.source)
        return (block.type, block.labels, block.line,
                tuple((a.name, a.line, _dumps(self.node(a.expr, -1, 0)))
                      for a in block.attrs.values()),
                tuple(self.block(b) for b in block.blocks))


def _class_key(cls: type) -> tuple[str, ...]:
    """How to find a node class again: by module and name, or by token name for the token
    classes python-hcl2 makes at run time (StringToken["NAME"])."""
    if issubclass(cls, StringToken) and "lark_name" in vars(cls) and cls not in (
            StringToken, StaticStringToken):
        if issubclass(cls, StaticStringToken):
            default = getattr(cls, "_default_value", None)
            if not isinstance(default, str):
                raise Unsupported(cls.__name__)
            return ("static", cls.lark_name(), default)
        return ("token", cls.lark_name())
    return ("class", cls.__module__, cls.__qualname__)


def _find_class(key: Sequence[str]) -> type:
    # StringToken[...] makes (or finds) python-hcl2's class for that token name.
    if key[0] == "token":
        return cast(Any, StringToken)[key[1]]
    if key[0] == "static":
        return cast(Any, StaticStringToken)[(key[1], key[2])]
    if key[0] == "class" and key[1].startswith("hcl2."):
        obj: Any = import_module(key[1])
        for part in key[2].split("."):
            obj = getattr(obj, part)
        if isinstance(obj, type) and issubclass(obj, LarkElement):
            return obj
    raise ValueError(f"not a node class: {key!r}")


def encode(blocks: list[Block]) -> bytes:
    """The compact form of a file's blocks (raises Unsupported)."""
    enc = _Encoder()
    try:
        body = tuple(enc.block(b) for b in blocks)
    except RecursionError:
        raise Unsupported("nested too deeply") from None
    return _dumps((FORMAT, tuple(enc.classes), body)).encode()


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def decode(data: bytes, file: str, display: str) -> list[Block]:
    """The blocks of a compact form, every block's `file` set to `file` and errors naming
    `display` (raises on bad data).

    Expression trees are built when first used (Attr.lazy)."""
    fmt, class_keys, body = json.loads(data)
    if fmt != FORMAT:
        raise ValueError("another format")
    classes = tuple(_find_class(k) for k in class_keys)
    rules = tuple(issubclass(c, LarkRule) for c in classes)

    def block(item: Any) -> Block:
        if len(item) == 4:
            btype, labels, line, source = item
            if not isinstance(source, str):
                raise ValueError("not a block's text")
            return LazyBlock(btype, tuple(labels), file, line, source, display)
        btype, labels, line, attrs, nested = item
        out = Block(btype, tuple(labels), file, line)
        for name, aline, blob in attrs:
            if not isinstance(blob, str):
                raise ValueError("not a packed expression")
            out.attrs[name] = Attr.lazy(name, partial(_build, blob, classes, rules), aline)
        out.blocks = [block(b) for b in nested]
        return out

    return [block(b) for b in body]


def _build(blob: str, classes: tuple[type, ...], rules: tuple[bool, ...]) -> Any:
    """The python-hcl2 tree of one packed expression (parent links rebuilt)."""
    new = object.__new__
    meta = _META

    def node(item: Any, parent: Any, pos: int) -> Any:
        ci = item[0]
        obj = new(classes[ci])
        if rules[ci]:  # a rule: its children point back at it
            children: list[Any] = []
            obj.__dict__ = state = {"_index": pos, "_parent": parent, "_meta": meta,
                                    "_children": children}
            for i, c in enumerate(item[1]):
                children.append(None if c is None else node(c, obj, i))
        else:
            obj.__dict__ = state = {"_index": pos, "_parent": parent, "_value": item[1]}
        if len(item) > 2:
            state.update(item[2])
        return obj

    return node(json.loads(blob), _DETACHED, -1)
