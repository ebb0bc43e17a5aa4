"""HCL text into Blocks with attributes, nested blocks and line numbers (python-hcl2, lark)."""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lark
from hcl2 import parser as hcl2_parser
from hcl2.postlexer import PostLexer
from hcl2.rules.base import AttributeRule, BlockRule, BodyRule
from hcl2.transformer import RuleTransformer
from hcl2.utils import SerializationOptions
from lark import Discard, Lark, Token, Tree
from lark.exceptions import (
    GrammarError,
    UnexpectedCharacters,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from tfcheck.errors import InputError
from tfcheck.terraform.hcl.heredoc import grammar_terminals

_LABEL_OPTIONS = SerializationOptions(strip_string_quotes=True)
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


@functools.cache
def parser() -> Lark:
    """python-hcl2's grammar without lark's position tracking on every node, which takes half of
    lark's parse: only blocks and attributes need a line (_mark_lines)."""
    options: dict[str, Any] = {"propagate_positions": False, "postlex": PostLexer()}
    text = grammar()

    def build(cache: str | bool = False) -> Lark:
        return Lark(text, parser="lalr", cache=cache, **options)

    here = install_cache()
    if here is not None:
        return build(str(here))
    from tfcheck.terraform.hcl.cache import enabled_by_environment
    from tfcheck.terraform.hcl.grammar_cache import load_or_build

    version = sys.version_info
    return load_or_build(text, build, options, f"{hcl2_version()}\0py{version.major}{version.minor}",
                         enabled_by_environment())


def grammar() -> str:
    """python-hcl2's grammar, with heredocs ending where Terraform ends them (heredoc.py): its
    own ending (only spaces and tabs before the marker, nothing after it) read every block after
    `EOT  ` or a form feed before `EOT` as heredoc text, where Terraform reads blocks."""
    text = (Path(hcl2_parser.__file__).parent / "hcl2.lark").read_text(encoding="utf-8")
    for name, definition in grammar_terminals().items():
        text, count = re.subn(rf"(?m)^{name} *:.*$", definition.replace("\\", "\\\\"), text)
        if count != 1:  # a python-hcl2 release that renamed it: better no parser than a wrong one
            raise RuntimeError(f"python-hcl2's grammar has no single {name} terminal")
    return text


def install_cache() -> Path | None:
    """lark's file beside tfcheck's own code, when that folder is writable (as trusted as the code
    itself; lark checks the file against the grammar, options and versions); else None, and the
    grammar is kept by grammar_cache, as data. python-hcl2's own file is not shared: lark's key
    covers the options, so the two would overwrite each other."""
    version = sys.version_info
    name = (f".hcl2-{hcl2_version()}-lark-{lark.__version__}-py{version.major}{version.minor}"
            ".grammar-cache")
    here = Path(__file__).with_name(name)
    return here if here.exists() or os.access(here.parent, os.W_OK) else None


def hcl2_version() -> str:
    try:
        from hcl2.version import version
    except ImportError:  # pragma: no cover - older python-hcl2 layouts
        return "unknown"
    return str(version)


def _mark_lines(body: Tree) -> None:
    """Gives each block and attribute of a body (nested blocks too) the line of its first token."""
    for child in body.children:
        if isinstance(child, Tree) and child.data in ("block", "attribute"):
            first: Any = child
            while isinstance(first, Tree):
                first = first.children[0]
            child.meta.line = first.line
            if child.data == "block":
                for part in child.children:
                    if isinstance(part, Tree) and part.data == "body":
                        _mark_lines(part)


class _Transformer(RuleTransformer):
    """python-hcl2's transformer with each rule's and token's callback looked up once per parse.

    lark looks the callback up on every node, and python-hcl2's callbacks are wrappers that
    lark rebuilds at each lookup (and most token types have none, which costs an exception
    each): a third of the transformation. What is called, and how errors are wrapped, is
    lark's own Transformer's."""

    def __init__(self) -> None:
        super().__init__()
        self._rule_calls: dict[str, Callable[[Tree, list[Any]], Any]] = {}
        self._token_calls: dict[str, Callable[[Token], Any]] = {}

    def _transform_tree(self, tree: Tree) -> Any:
        children = []
        for child in tree.children:
            if isinstance(child, Tree):
                child = self._transform_tree(child)
            elif isinstance(child, Token):
                child = self._call_userfunc_token(child)
            if child is not Discard:
                children.append(child)
        return self._call_userfunc(tree, children)

    def _call_userfunc(self, tree: Tree, new_children: list[Any] | None = None) -> Any:
        call = self._rule_calls.get(tree.data) or self._rule_call(tree.data)
        return call(tree, tree.children if new_children is None else new_children)

    def _rule_call(self, data: str) -> Callable[[Tree, list[Any]], Any]:
        f = getattr(self, data, None)
        if f is None:
            def call(tree: Tree, children: list[Any]) -> Any:
                return self.__default__(data, children, tree.meta)
        else:
            wrapper = getattr(f, "visit_wrapper", None)

            def call(tree: Tree, children: list[Any]) -> Any:
                try:
                    return (f(children) if wrapper is None
                            else f.visit_wrapper(f, data, children, tree.meta))
                except GrammarError:
                    raise
                except Exception as e:
                    raise VisitError(data, tree, e) from e
        self._rule_calls[data] = call
        return call

    def _call_userfunc_token(self, token: Token) -> Any:
        call = self._token_calls.get(token.type)
        if call is None:
            f = getattr(self, token.type, None)
            if f is None:
                call = self.__default_token__
            else:
                def call(token: Token) -> Any:
                    try:
                        return f(token)
                    except GrammarError:
                        raise
                    except Exception as e:
                        raise VisitError(token.type, token, e) from e
            self._token_calls[token.type] = call
        return call(token)


def _parse_body(text: str, display: str) -> BodyRule:
    try:
        # As hcl2.parses: lark has no end-of-file token, so the grammar needs a final newline.
        tree = parser().parse(text + "\n")
        body = tree.children[0]  # start: body
        if isinstance(body, Tree):
            _mark_lines(body)
        return _Transformer().transform(tree).body
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
    # with_meta is a no-op in python-hcl2 8.1.4; _mark_lines puts the line in lark's _meta.
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
