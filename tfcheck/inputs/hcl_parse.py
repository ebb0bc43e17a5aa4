"""Parse `.tf` and `.tf.json` files into Blocks with attributes, nested blocks and line numbers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from hcl2.rules.base import AttributeRule, BlockRule, BodyRule
from hcl2.utils import SerializationOptions
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from tfcheck.errors import InputError
from tfcheck.inputs.files import max_file_size, read_limited
from tfcheck.inputs.hcl_split import alone, blank, split_blocks

_LABEL_OPTIONS = SerializationOptions(strip_string_quotes=True)
# In .tf.json a nested block looks like an attribute; these are the nested block types tfcheck
# reads (everything else is taken as an attribute, which is what it is for these resources).
JSON_NESTED_BLOCKS = frozenset({"replica", "statement", "principals", "not_principals", "condition",
                                "lifecycle", "rotation_rules", "timeouts", "assume_role"})


class Attr:
    """One `name = expression` with where it is written.

    `expr` is the python-hcl2 expression rule (for .tf.json, parsed from an equivalent HCL
    text). From the parse cache it is built on first use: attributes nothing evaluates (of
    resources no rule reads) never are."""

    __slots__ = ("name", "line", "_expr", "_build")

    def __init__(self, name: str, expr: Any, line: int) -> None:
        self.name = name
        self.line = line
        self._expr = expr
        self._build: Callable[[], Any] | None = None

    @classmethod
    def lazy(cls, name: str, build: Callable[[], Any], line: int) -> Attr:
        attr = cls(name, None, line)
        attr._build = build
        return attr

    @property
    def expr(self) -> Any:
        if self._build is not None:
            self._expr, self._build = self._build(), None
        return self._expr

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Attr):
            return NotImplemented
        return (self.name, self.expr, self.line) == (other.name, other.expr, other.line)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Attr(name={self.name!r}, expr={self.expr!r}, line={self.line!r})"


@dataclass
class Block:
    """A block (`resource "t" "n" { … }`) with its attributes, nested blocks and location."""

    type: str
    labels: tuple[str, ...]
    file: str
    line: int
    attrs: dict[str, Attr] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def nested(self, block_type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == block_type]


class LazyBlock(Block):
    """A top-level block kept as its text and parsed when first read (see hcl_split): a
    resource no rule reads, unless something refers to it, costs a scan and no parse.

    A syntax error in it is reported when it is read, with its file and line."""

    def __init__(self, type: str, labels: tuple[str, ...], file: str, line: int, source: str,
                 display: str) -> None:
        self.type, self.labels, self.file, self.line = type, labels, file, line
        self.source = source
        self.display = display
        self._parsed: Block | None = None

    def parsed(self) -> Block:
        if self._parsed is None:
            blocks = parse_text(alone(self.source, self.line), self.display)
            if len(blocks) != 1 or (blocks[0].type, blocks[0].labels) != (self.type, self.labels):
                raise InputError("this block could not be read on its own", self.display, self.line)
            _relocate(blocks, self.file)
            self._parsed = blocks[0]
        return self._parsed

    @property
    def attrs(self) -> dict[str, Attr]:  # type: ignore[override]
        return self.parsed().attrs

    @property
    def blocks(self) -> list[Block]:  # type: ignore[override]
        return self.parsed().blocks


def parse_file(path: Path, display: str, rel: str | None = None,
               keep: frozenset[str] | None = None) -> list[Block]:
    """The top-level blocks of one file; `display` names it in errors, `rel` in locations.

    `keep`: the resource types rules read; other resource blocks of a .tf file are LazyBlocks
    (None: every block is parsed)."""
    try:
        text = read_limited(str(path), max_file_size(), display).decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text (byte {err.start})", display) from None
    if path.name.endswith(".json"):
        blocks = _parse_json(text, display)
    elif keep is None:
        blocks = parse_text(text, display)
    else:
        blocks = _parse_kept(text, display, keep)
    if rel is not None:
        _relocate(blocks, rel)
    return blocks


def _parse_kept(text: str, display: str, keep: frozenset[str]) -> list[Block]:
    skipped = [s for s in split_blocks(text) or () if s.type == "resource"
               and len(s.labels) == 2 and s.labels[0] not in keep]
    if not skipped:
        return parse_text(text, display)
    try:
        blocks = parse_text(blank(text, skipped), display)
    except InputError:
        return parse_text(text, display)  # which reports the error as it is in the file
    lazy = [LazyBlock(s.type, s.labels, display, s.line, text[s.start:s.end], display)
            for s in skipped]
    return sorted([*blocks, *lazy], key=lambda b: b.line)


def _relocate(blocks: list[Block], rel: str) -> None:
    for block in blocks:
        block.file = rel
        if not isinstance(block, LazyBlock):  # which relocates its blocks when it parses them
            _relocate(block.blocks, rel)


def parse_text(text: str, display: str) -> list[Block]:
    return parse_document(text, display)[1]


def parse_document(text: str, display: str) -> tuple[dict[str, Attr], list[Block]]:
    """Top-level attributes and blocks of an HCL file (tfcheck.hcl has both)."""
    body = _parse_body(text, display)
    return (_body_attrs(body, display),
            [_block(child, display) for child in body.children if isinstance(child, BlockRule)])


def parse_expression(text: str, display: str = "<expression>") -> Any:
    """A single expression (from `--var`, `.tfvars`, `.tf.json`) as a python-hcl2 rule."""
    blocks_and_attrs = _body_attrs(_parse_body(f"x = {text}\n", display), display)
    return blocks_and_attrs["x"].expr


def parse_attributes(text: str, display: str) -> dict[str, Attr]:
    """The top-level attributes of a `.tfvars` file."""
    return _body_attrs(_parse_body(text, display), display)


def _parse_body(text: str, display: str) -> BodyRule:
    try:
        return hcl2.parses(text).body
    except UnexpectedInput as err:
        raise InputError(f"syntax error: {_describe(err)}", display, err.line, err.column) from None
    except RecursionError:
        raise InputError("nested too deeply", display) from None
    except VisitError as err:  # lark wraps what its tree transformer raised
        if isinstance(err.orig_exc, RecursionError):
            raise InputError("nested too deeply", display) from None
        raise


def _body_attrs(body: BodyRule, display: str) -> dict[str, Attr]:
    out: dict[str, Attr] = {}
    for child in body.children:
        if isinstance(child, AttributeRule):
            name = str(child.identifier.serialize(_LABEL_OPTIONS))
            out[name] = Attr(name, child.expression, _line(child))
    return out


def _block(rule: BlockRule, display: str) -> Block:
    labels = [str(label.serialize(_LABEL_OPTIONS)) for label in rule.labels]
    block = Block(labels[0], tuple(labels[1:]), display, _line(rule))
    for child in rule.body.children:
        if isinstance(child, AttributeRule):
            name = str(child.identifier.serialize(_LABEL_OPTIONS))
            block.attrs[name] = Attr(name, child.expression, _line(child))
        elif isinstance(child, BlockRule):
            block.blocks.append(_block(child, display))
    return block


def _line(rule: Any) -> int:
    # with_meta is a no-op in python-hcl2 8.1.4; the parser keeps lark's positions in _meta.
    meta = getattr(rule, "_meta", None)
    return int(getattr(meta, "line", 0) or 0)


def _describe(err: UnexpectedInput) -> str:
    if isinstance(err, UnexpectedToken):
        token = err.token
        if token.type == "$END":
            return "unexpected end of file"
        shown = str(token.value).splitlines()[0][:40] if str(token.value).strip() else token.type
        return f"unexpected {shown!r}"
    if isinstance(err, UnexpectedCharacters):
        return f"unexpected character {err.char!r}"
    return "invalid syntax"


def _parse_json(text: str, display: str) -> list[Block]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON: {err.msg}", display, err.lineno, err.colno) from None
    except RecursionError:
        raise InputError("nested too deeply", display) from None
    except ValueError:  # an integer of more digits than Python converts
        raise InputError("invalid JSON: a number has too many digits", display) from None
    if not isinstance(doc, dict):
        raise InputError("a .tf.json file must hold an object", display)
    lines = text.splitlines()
    out: list[Block] = []
    for block_type, content in doc.items():
        depth = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1,
                 "provider": 1}.get(block_type, 0)
        for labels, body in _labelled(content, depth):
            line = _find_line(lines, [block_type, *labels])
            out.append(_json_block(block_type, tuple(labels), body, display, line))
    return out


def _labelled(content: Any, depth: int) -> list[tuple[list[str], Any]]:
    if depth == 0:
        return [([], item) for item in (content if isinstance(content, list) else [content])]
    if not isinstance(content, dict):
        return []
    return [([key, *rest], body) for key, value in content.items()
            for rest, body in _labelled(value, depth - 1)]


def _json_block(block_type: str, labels: tuple[str, ...], body: Any, display: str, line: int) -> Block:
    block = Block(block_type, labels, display, line)
    for name, value in (body.items() if isinstance(body, dict) else ()):
        if name in JSON_NESTED_BLOCKS and isinstance(value, (dict, list)):
            for item in value if isinstance(value, list) else [value]:
                block.blocks.append(_json_block(name, (), item, display, line))
        else:
            block.attrs[name] = Attr(name, parse_expression(_json_to_hcl(value), display), line)
    return block


def _json_to_hcl(value: Any) -> str:
    """A JSON value as HCL source: strings stay templates, as Terraform reads .tf.json."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_json_to_hcl(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json_to_hcl(v) for v in value) + "]"
    if isinstance(value, str):
        return _template_to_hcl(value)
    return json.dumps(value)


def _template_to_hcl(text: str) -> str:
    """A .tf.json string as an HCL quoted template: literal parts escaped, `${…}` kept verbatim
    (the expression inside is native syntax, with its own quotes)."""
    out = ['"']
    i = 0
    while i < len(text):
        if text.startswith("${", i) or text.startswith("%{", i):
            end = _interpolation_end(text, i + 2)
            if end is not None:
                out.append(text[i:end + 1])
                i = end + 1
                continue
        out.append(json.dumps(text[i])[1:-1])
        i += 1
    return "".join(out) + '"'


def _interpolation_end(text: str, start: int) -> int | None:
    """Index of the `}` closing an interpolation, skipping nested braces and quoted strings."""
    depth, i, quote = 1, start, False
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == '"':
                quote = False
        elif c == '"':
            quote = True
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _find_line(lines: list[str], labels: list[str]) -> int:
    """The line of a block's last label, found label by label (JSON keeps no positions)."""
    at = 0
    for label in labels:
        needle = json.dumps(label)
        at = next((i for i in range(at, len(lines)) if needle in lines[i]), at)
    return at + 1
