"""Templates: quoted strings, heredocs and template files taken apart into parts, and rendered."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import hcl2
from hcl2.rules.base import AttributeRule
from hcl2.rules.directives import TemplateForRule, TemplateForStartRule, TemplateIfRule, TemplateIfStartRule
from hcl2.rules.strings import HeredocTrimTemplateRule, InterpolationRule, StringPartRule
from hcl2.utils import SerializationContext, SerializationOptions, process_escape_sequences

from tfcheck.terraform.eval.budget import charge_string
from tfcheck.terraform.eval.values import (
    ConvertError,
    NeedKnown,
    Unknown,
    Value,
    as_unknown,
    pairs,
    pick_unknown,
    to_bool,
    to_string,
)

_TEXT_OPTIONS = SerializationOptions(with_comments=False)


class _BadTemplate(Exception):
    """A template tfcheck cannot take apart (unbalanced directives, unparsable interpolation)."""


def parse_expression(text: str) -> Any:
    """The typed tree of one expression's source text; raises python-hcl2's parse errors."""
    # Parentheses let the expression span lines, as it may inside ${ }.
    body = hcl2.parses(f"x = (\n{text}\n)\n").body
    return next(c for c in body.children if isinstance(c, AttributeRule)).expression.expression


def source_text(node: Any) -> str:
    """A node's source text, for Unknown values and messages."""
    try:
        return str(node.serialize(_TEXT_OPTIONS, SerializationContext(inside_dollar_string=True)))
    except Exception:  # the text is only for messages: never let it fail an evaluation
        return type(node).__name__


class Templates:
    """The evaluator's template rendering; for-loops push their variables on frames."""

    frames: list[dict[str, Value]]

    def eval(self, node: Any) -> Value:
        raise NotImplementedError

    # --- rendering -----------------------------------------------------------------------------------
    def _string(self, node: Any) -> Value:
        # A string is taken apart once, not at each of its evaluations (for_each instances).
        items = node.__dict__.get(COMPILED)
        if items is None:
            try:
                items = _nest(_typed_parts(node.string_parts))
            except _BadTemplate:
                items = _UNBALANCED
            node.__dict__[COMPILED] = items
        if items is _UNBALANCED:
            return Unknown(source_text(node), error="unbalanced template directives")
        return self._template(items, lambda: source_text(node))

    def _heredoc(self, node: Any) -> Value:
        items = compile_template(str(node.heredoc.value), isinstance(node, HeredocTrimTemplateRule), True)
        if items is None:
            return Unknown(source_text(node))
        return self._template(items, lambda: source_text(node))

    def _template(self, items: list[Any], text: Callable[[], str]) -> Value:
        if len(items) == 1 and isinstance(items[0], _Part):  # "${x}" alone is x itself, of any type
            return self.eval(items[0].expr)
        out: list[str] = []
        problem = self._render(items, out)
        charge_string(sum(map(len, out)))
        # A template's result is a string, never null (Terraform refines it so).
        return "".join(out) if problem is None else Unknown(text(), error=problem.error,
                                                             not_null=True)

    def _render(self, items: list[Any], out: list[str]) -> Unknown | None:
        """Appends the template's text; returns what made it unknown, after reading every reference."""
        problem: Unknown | None = None
        for item in items:
            try:
                if isinstance(item, str):
                    out.append(item)
                elif isinstance(item, _Part):
                    out.append(to_string(self.eval(item.expr)))
                    # What each interpolation adds counts to the run's budget: a template that
                    # loops over a large collection stops there (the whole text: _template).
                    charge_string(len(out[-1]))
                elif item.head.kind == "if":
                    condition = self.eval(item.head.expr)
                    if as_unknown(condition) is not None:
                        self._render(item.body + item.alt, [])
                    branch = item.body if to_bool(condition) else item.alt
                    problem = pick_unknown([problem, self._render(branch, out)])
                else:
                    problem = pick_unknown([problem, self._render_for(item, out)])
            except NeedKnown as exc:
                problem = pick_unknown([problem, exc.unknown])
            except ConvertError as exc:
                problem = pick_unknown([problem, Unknown("", error=str(exc))])
        return problem

    def _render_for(self, block: _Block, out: list[str]) -> Unknown | None:
        problem: Unknown | None = None
        frame: dict[str, Value] = {}
        self.frames.append(frame)
        try:
            for pair in pairs(self.eval(block.head.expr)):
                names = block.head.names
                frame.update(zip(names, pair if len(names) == 2 else pair[1:], strict=True))
                problem = pick_unknown([problem, self._render(block.body, out)])
        finally:
            self.frames.pop()
        return problem


COMPILED = "_tfcheck_template"
"""The attribute where a string node keeps its parts (the parse cache does not store it)."""
_UNBALANCED: list[Any] = []


# --- template parts: quoted strings come typed, heredoc bodies are one token we take apart ----------
@dataclass
class _Part:
    kind: str  # lit, interp, if, else, endif, for, endfor
    text: str = ""
    expr: Any = None
    names: tuple[str, ...] = ()
    strip: tuple[bool, bool] = (False, False)  # ~ on the left / right of the directive


@dataclass
class _Block:
    head: _Part
    body: list[Any] = field(default_factory=list)
    alt: list[Any] = field(default_factory=list)


def _typed_parts(parts: Iterable[Any]) -> list[_Part]:
    out: list[_Part] = []
    for part in parts:
        content = part.content if isinstance(part, StringPartRule) else part
        if isinstance(content, InterpolationRule):
            out.append(_Part("interp", expr=content.expression))
        elif isinstance(content, (TemplateIfRule, TemplateForRule)):
            out.extend(_typed_parts(content.children))
        elif isinstance(content, TemplateIfStartRule):
            out.append(_Part("if", expr=content.condition, strip=_strips(content)))
        elif isinstance(content, TemplateForStartRule):
            loop = (content.iterator, content.key_iterator)
            names = tuple(str(i.token.value) for i in loop if i is not None)
            out.append(_Part("for", expr=content.collection, names=names, strip=_strips(content)))
        elif hasattr(content, "strip_open"):  # else, endif, endfor
            out.append(_Part(content.lark_name().removeprefix("template_"), strip=_strips(content)))
        elif content.lark_name() == "STRING_CHARS":
            out.append(_Part("lit", text=process_escape_sequences(str(content.value))))
        else:  # $${ or %%{ stands for itself minus the first character
            out.append(_Part("lit", text=str(content.value)[1:]))
    return out


def _strips(directive: Any) -> tuple[bool, bool]:
    return bool(directive.strip_open), bool(directive.strip_close)


def _nest(parts: list[_Part]) -> list[Any]:
    merged: list[_Part] = []
    for part in parts:
        if part.kind == "lit" and merged and merged[-1].kind == "lit":
            merged[-1] = _Part("lit", text=merged[-1].text + part.text)
        else:
            merged.append(part)
    for i, part in enumerate(merged):  # ~ strips the whitespace of the neighbouring literal
        if part.strip[0] and i > 0 and merged[i - 1].kind == "lit":
            merged[i - 1].text = merged[i - 1].text.rstrip()
        if part.strip[1] and i + 1 < len(merged) and merged[i + 1].kind == "lit":
            merged[i + 1].text = merged[i + 1].text.lstrip()
    out: list[Any] = []
    stack: list[tuple[list[Any], _Block]] = []
    for part in merged:
        if part.kind == "lit":
            out.extend([part.text] if part.text else [])
        elif part.kind == "interp":
            out.append(part)
        elif part.kind in ("if", "for"):
            block = _Block(part)
            out.append(block)
            stack.append((out, block))
            out = block.body
        elif part.kind == "else" and stack and stack[-1][1].head.kind == "if" and out is stack[-1][1].body:
            out = stack[-1][1].alt
        elif part.kind in ("endif", "endfor") and stack and stack[-1][1].head.kind == part.kind[3:]:
            out = stack.pop()[0]
        else:
            raise _BadTemplate(part.kind)
    if stack:
        raise _BadTemplate("unterminated directive")
    return out


_OPEN = re.compile(r"(\$\$\{|%%\{)|[$%]\{")
_DIRECTIVE = re.compile(r"\s*(if|else|endif|for|endfor)\b(.*)", re.S)
_FOR = re.compile(r"\s*([A-Za-z_][\w-]*)\s*(?:,\s*([A-Za-z_][\w-]*)\s*)?in\b(.*)", re.S)


def compile_template(text: str, trim: bool, heredoc: bool = False) -> list[Any] | None:
    """A heredoc token or a template file, taken apart into nested parts; None if we cannot."""
    # Small texts (heredocs, most templates) recur across instances; big files are not worth pinning.
    return (_compile_cached if len(text) <= 65536 else _compile)(text, trim, heredoc)


def _compile(text: str, trim: bool, heredoc: bool) -> list[Any] | None:
    try:
        if heredoc:
            rest = text[text.index("\n") + 1 :].rstrip("\r\n")
            text = rest[: rest.rfind("\n") + 1]  # the closing marker's line is not content
        if trim:
            lines = text.split("\n")
            indent = min((len(x) - len(x.lstrip(" \t")) for x in lines if x.strip()), default=0)
            text = "\n".join(x[indent:] for x in lines)
        return _nest(_scan(text))
    except Exception:  # a parse failure in a sub-expression is ours to absorb, never the caller's
        return None


_compile_cached = lru_cache(maxsize=256)(_compile)


def _scan(text: str) -> list[_Part]:
    parts: list[_Part] = []
    pos = 0
    while (match := _OPEN.search(text, pos)) is not None:
        parts.append(_Part("lit", text=text[pos : match.start()]))
        if match[1]:
            parts.append(_Part("lit", text=match[1][1:]))
            pos = match.end()
            continue
        end = _closing_brace(text, match.end())
        inner = text[match.end() : end]
        strip = (inner.startswith("~"), inner.endswith("~"))
        inner = inner[int(strip[0]) : len(inner) - int(strip[1])]
        parts.append(_directive(match[0][0], inner, strip))
        pos = end + 1
    parts.append(_Part("lit", text=text[pos:]))
    return parts


def _directive(sigil: str, inner: str, strip: tuple[bool, bool]) -> _Part:
    if sigil == "$":
        return _Part("interp", expr=parse_expression(inner), strip=strip)
    match = _DIRECTIVE.fullmatch(inner)
    if match is None:
        raise _BadTemplate(inner)
    word, rest = match[1], match[2]
    if word == "if":
        return _Part("if", expr=parse_expression(rest), strip=strip)
    if word == "for" and (loop := _FOR.fullmatch(rest)) is not None:
        names = (loop[1],) if loop[2] is None else (loop[1], loop[2])
        return _Part("for", expr=parse_expression(loop[3]), names=names, strip=strip)
    if word == "for" or rest.strip():
        raise _BadTemplate(inner)
    return _Part(word, strip=strip)


def _closing_brace(text: str, start: int) -> int:
    """Index of the } closing an interpolation that starts at start, skipping nested strings and braces."""
    stack: list[str] = []
    i = start
    while i < len(text):
        char = text[i]
        if stack and stack[-1] == '"':
            if text.startswith(("$${", "%%{"), i):
                i += 2  # an escaped interpolation opens nothing
            elif text.startswith(("${", "%{"), i):
                stack.append("{")
                i += 1
            elif char == "\\":
                i += 1
            elif char == '"':
                stack.pop()
        elif char == '"':
            stack.append('"')
        elif char in "{[(":
            stack.append("{")
        elif char in "}])":
            if not stack:
                if char == "}":
                    return i
                break
            stack.pop()
        i += 1
    raise _BadTemplate("unterminated interpolation")
