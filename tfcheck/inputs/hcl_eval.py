"""Evaluates python-hcl2 expression trees to plain values and the references they read, as Terraform would."""

from __future__ import annotations

import contextvars
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import hcl2
from hcl2.rules.base import AttributeRule
from hcl2.rules.containers import ObjectElemKeyExpressionRule, ObjectRule, TupleRule
from hcl2.rules.directives import TemplateForRule, TemplateForStartRule, TemplateIfRule, TemplateIfStartRule
from hcl2.rules.expressions import BinaryOpRule, ConditionalRule, ExprTermRule, UnaryOpRule
from hcl2.rules.for_expressions import ForObjectExprRule, ForTupleExprRule
from hcl2.rules.functions import FunctionCallRule
from hcl2.rules.indexing import (
    AttrSplatExprTermRule,
    FullSplatExprTermRule,
    GetAttrExprTermRule,
    GetAttrRule,
    IndexExprTermRule,
    ShortIndexRule,
)
from hcl2.rules.literal_rules import FloatLitRule, IdentifierRule, IntLitRule, LiteralValueRule
from hcl2.rules.strings import (
    HeredocTemplateRule,
    HeredocTrimTemplateRule,
    InterpolationRule,
    StringPartRule,
    StringRule,
    TemplateStringRule,
)
from hcl2.utils import SerializationContext, SerializationOptions, process_escape_sequences

from tfcheck.inputs.hcl_functions import call_function
from tfcheck.inputs.hcl_values import (
    ConvertError,
    EvalError,
    InstanceRef,
    NeedKnown,
    Unknown,
    Value,
    as_unknown,
    equal,
    first_unknown,
    has_error,
    is_list,
    known,
    normalize,
    pick_unknown,
    to_bool,
    to_number,
    to_string,
)

__all__ = [
    "EvalError",
    "InstanceRef",
    "Reference",
    "Scope",
    "Unknown",
    "Value",
    "evaluate",
    "evaluate_with_refs",
    "note_references",
    "parse_expression",
]

Reference = tuple[str, "str | None"]
"""(instance address, attribute read) or (address, None) for an instance used as a whole."""
MAX_DEPTH = 160  # nested expression nodes; deeper is not real configuration
MAX_STEPS = 200_000  # evaluated nodes per expression; more means runaway for-expressions
_CHAIN = (GetAttrExprTermRule, IndexExprTermRule, AttrSplatExprTermRule, FullSplatExprTermRule)
_TEXT_OPTIONS = SerializationOptions(with_comments=False)


class Scope(Protocol):
    """Where references start; root() raises KeyError (or returns an Unknown) for a name it lacks."""

    def root(self, name: str) -> Value | Mapping[str, Any]: ...


class _Abort(Exception):
    """Nesting or work beyond the limits: the whole expression becomes Unknown."""


class _BadTemplate(Exception):
    """A template tfcheck cannot take apart (unbalanced directives, unparsable interpolation)."""


_ACTIVE: contextvars.ContextVar[_Evaluator | None] = contextvars.ContextVar("hcl_eval_active", default=None)


def evaluate(node: Any, scope: Scope) -> Value:
    """The value of one expression (a python-hcl2 expression rule, or an AttributeRule)."""
    return evaluate_with_refs(node, scope)[0]


def evaluate_with_refs(node: Any, scope: Scope) -> tuple[Value, list[Reference]]:
    """The value of one expression and the references it read, in order and without duplicates."""
    evaluator = _Evaluator(scope)
    token = _ACTIVE.set(evaluator)
    try:
        value = evaluator.eval(node)
    except (_Abort, RecursionError):
        value = Unknown(f"{_source(node)[:200]} (too deep or too large to evaluate)")
    finally:
        _ACTIVE.reset(token)
    return value, list(evaluator.refs)


def note_references(refs: Iterable[Reference]) -> None:
    """Adds references to the evaluation in progress: a lazy Scope replays what a cached local read."""
    evaluator = _ACTIVE.get()
    if evaluator is not None:
        for ref in refs:
            evaluator.refs.setdefault(ref)


def parse_expression(text: str) -> Any:
    """The typed tree of one expression's source text; raises python-hcl2's parse errors."""
    # Parentheses let the expression span lines, as it may inside ${ }.
    body = hcl2.parses(f"x = (\n{text}\n)\n").body
    return next(c for c in body.children if isinstance(c, AttributeRule)).expression.expression


def _source(node: Any) -> str:
    try:
        return str(node.serialize(_TEXT_OPTIONS, SerializationContext(inside_dollar_string=True)))
    except Exception:  # the text is only for messages: never let it fail an evaluation
        return type(node).__name__


class _VarsScope:
    """templatefile() sees only its variables."""

    def __init__(self, variables: Mapping[str, Value]) -> None:
        self.variables = variables

    def root(self, name: str) -> Value:
        return self.variables[name]


class _Evaluator:
    def __init__(self, scope: Scope) -> None:
        self.scope: Scope = scope
        self.outer_scope = scope
        self.refs: dict[Reference, None] = {}
        self.frames: list[dict[str, Value]] = []  # for-expression and template-for variables
        self.depth = 0
        self.steps = 0
        self.in_templatefile = False

    def eval(self, node: Any) -> Value:
        self.steps += 1
        if self.depth >= MAX_DEPTH or self.steps > MAX_STEPS:
            raise _Abort
        handler = _HANDLERS.get(type(node))
        if handler is None:
            return Unknown(_source(node))
        self.depth += 1
        try:
            return handler(self, node)
        finally:
            self.depth -= 1

    # --- Caller, for file functions ----------------------------------------------------------------
    def base_dir(self) -> str | None:
        """Terraform reads relative paths from its working directory: path.cwd, else path.root/module."""
        try:
            paths = self.outer_scope.root("path")
        except LookupError:
            return None
        if isinstance(paths, Mapping):
            for key in ("cwd", "root", "module"):
                if isinstance(paths.get(key), str):
                    return str(paths[key])
        return None

    def render_template(self, text: str, variables: Mapping[str, Value]) -> Value:
        items = _compile_template(text, False)
        if self.in_templatefile or items is None:  # Terraform forbids templatefile inside templatefile
            return Unknown("", error="templatefile cannot be nested" if self.in_templatefile else None)
        saved = self.scope, self.frames
        self.scope, self.frames, self.in_templatefile = _VarsScope(variables), [], True
        try:
            result = self._template(items, lambda: "")
            return result if isinstance(result, Unknown) else to_string(result)  # always a string
        finally:
            self.scope, self.frames = saved
            self.in_templatefile = False

    # --- references ----------------------------------------------------------------------------------
    def _identifier(self, node: Any) -> Value:
        name = str(node.token.value)
        for frame in reversed(self.frames):
            if name in frame:
                return frame[name]
        try:
            return self.scope.root(name)
        except LookupError:
            return Unknown(name)

    def _noted(self, value: Value, depth: int = 0) -> Value:
        """Records instances a traversal ends on: they are used as a whole, not through an attribute."""
        if isinstance(value, InstanceRef):
            self.refs.setdefault((value.address, None))
        elif depth < 3 and isinstance(value, (list, tuple, dict)):
            for item in value.values() if isinstance(value, dict) else value:
                self._noted(item, depth + 1)
        return value

    def _quiet(self, node: Any) -> Value:
        """Evaluates a traversal whose result is read further, so whole-instance use is not recorded."""
        inner = node.expression if isinstance(node, ExprTermRule) and not node.parentheses else node
        if isinstance(inner, _CHAIN):
            return self._chain(inner)
        return self._identifier(inner) if isinstance(inner, IdentifierRule) else self.eval(node)

    def _chain(self, node: Any) -> Value:
        source, step = self._quiet(node.children[0]), node.children[1]
        if isinstance(node, (AttrSplatExprTermRule, FullSplatExprTermRule)):
            return self._splat(source, step.get_attrs, isinstance(node, AttrSplatExprTermRule), node)
        return self._access(source, step, node)

    def _access(self, value: Value, step: Any, node: Any) -> Value:
        if isinstance(step, GetAttrRule):
            return self._get(value, str(step.identifier.token.value), node)
        if isinstance(step, ShortIndexRule):
            key: Value = int(str(step.index.value))
        else:
            key = self.eval(step.index_expression)
        unknown = as_unknown(key)
        if unknown is not None:
            return Unknown(_source(node), error=unknown.error)
        if isinstance(value, (InstanceRef, Mapping)) and isinstance(key, (str, int, float)):
            return self._get(value, to_string(key), node)
        if is_list(value) and isinstance(key, (int, float, str)) and not isinstance(key, bool):
            try:
                index = to_number(key)
            except ConvertError:
                index = -1
            if isinstance(index, int) and 0 <= index < len(value):
                return value[index]
        return self._fail(value, node, "invalid index")

    def _get(self, value: Value, name: str, node: Any) -> Value:
        if isinstance(value, InstanceRef):
            self.refs.setdefault((value.address, name))
            return value.values[name] if name in value.values else Unknown(f"{value.address}.{name}")
        if isinstance(value, Mapping):
            try:
                return value[name]
            except KeyError:  # a plain dict is fully known, so its missing key is an error in Terraform too
                return Unknown(_source(node), error=f"no key {name!r}" if isinstance(value, dict) else None)
        return self._fail(value, node, f"no attribute {name!r}")

    def _fail(self, value: Value, node: Any, error: str) -> Unknown:
        unknown = as_unknown(value)
        return Unknown(_source(node), error=unknown.error if unknown is not None else error)

    def _splat(self, source: Value, steps: list[Any], attr_only: bool, node: Any) -> Value:
        if isinstance(source, Unknown):
            return Unknown(_source(node), error=source.error)
        items = [] if source is None else list(source) if is_list(source) else [source]
        # A legacy .* splat maps only its attribute steps; a following [i] indexes the result.
        split = len(steps)
        if attr_only:
            split = next((i for i, s in enumerate(steps) if not isinstance(s, GetAttrRule)), split)
        result: Value = []
        for item in items:
            for step in steps[:split]:
                item = self._access(item, step, node)
            result.append(item)
        for step in steps[split:]:
            result = self._access(result, step, node)
        return result

    # --- operators -----------------------------------------------------------------------------------
    def _conditional(self, node: Any) -> Value:
        condition = self.eval(node.condition)
        unknown = as_unknown(condition)
        if unknown is None:
            try:
                return self.eval(node.if_true if to_bool(condition) else node.if_false)
            except ConvertError as exc:
                return Unknown(_source(node), error=str(exc))
        # Either branch may be taken: read both, and agree only when they are the same known value.
        yes, no = self.eval(node.if_true), self.eval(node.if_false)
        if first_unknown(yes) is None and first_unknown(no) is None and equal(yes, no):
            return yes
        return Unknown(_source(node), error=unknown.error)

    def _unary(self, node: Any) -> Value:
        value = self.eval(node.expr_term)
        try:
            return (not to_bool(value)) if node.operator.strip() == "!" else normalize(-to_number(value))
        except NeedKnown as exc:
            return Unknown(_source(node), error=exc.unknown.error)
        except ConvertError as exc:
            return Unknown(_source(node), error=str(exc))

    def _binary(self, node: Any) -> Value:
        op = str(node.binary_term.binary_operator.token.value).strip()
        lhs, rhs = self.eval(node.expr_term), self.eval(node.binary_term.expr_term)
        try:
            return _operate(op, lhs, rhs)
        except NeedKnown as exc:
            return Unknown(_source(node), error=exc.unknown.error)
        except (ConvertError, ArithmeticError) as exc:
            return Unknown(_source(node), error=str(exc) or "arithmetic error")

    # --- collections ---------------------------------------------------------------------------------
    def _object(self, node: Any) -> Value:
        out: dict[str, Value] = {}
        problem: Unknown | None = None
        for elem in node.elements:
            key_rule = elem.key
            if isinstance(key_rule, ObjectElemKeyExpressionRule):
                key = self.eval(key_rule.expression)
            elif isinstance(key_rule.value, IdentifierRule):
                key = str(key_rule.value.token.value)
            else:
                key = self.eval(key_rule.value)
            value = self.eval(elem.expression)
            try:
                out[to_string(key)] = value
            except NeedKnown as exc:  # an unknown key makes the whole object unknown
                problem = pick_unknown([problem, exc.unknown])
            except ConvertError as exc:
                problem = pick_unknown([problem, Unknown("", error=str(exc))])
        return out if problem is None else Unknown(_source(node), error=problem.error)

    def _for(self, node: Any) -> Value:
        intro, is_object = node.for_intro, isinstance(node, ForObjectExprRule)
        names = [str(i.token.value) for i in (intro.first_iterator, intro.second_iterator) if i is not None]
        out_list: list[Value] = []
        out_map: dict[str, Value] = {}
        frame: dict[str, Value] = {}
        self.frames.append(frame)
        try:
            for pair in _pairs(self._quiet(intro.iterable)):
                frame.update(zip(names, pair if len(names) == 2 else pair[1:], strict=True))
                if node.condition is not None and not to_bool(self.eval(node.condition.condition_expr)):
                    continue
                if not is_object:
                    out_list.append(self.eval(node.value_expr))
                    continue
                key, value = self.eval(node.key_expr), self.eval(node.value_expr)
                key = to_string(key)
                if node.ellipsis is not None:
                    out_map.setdefault(key, []).append(value)
                elif key in out_map:
                    raise ConvertError(f"duplicate key {key!r}")
                else:
                    out_map[key] = value
        except NeedKnown as exc:
            return Unknown(_source(node), error=exc.unknown.error)
        except ConvertError as exc:
            return Unknown(_source(node), error=str(exc))
        finally:
            self.frames.pop()
        return out_map if is_object else out_list

    def _call(self, node: Any) -> Value:
        name = "::".join(str(i.token.value) for i in node.identifiers)
        arg_nodes = node.arguments.arguments if node.arguments is not None else []
        if name == "try":  # lazily: only what is tried is read
            for arg in arg_nodes:
                value = self.eval(arg)
                if not has_error(value):
                    return Unknown(_source(node)) if isinstance(value, Unknown) else value
            return Unknown(_source(node), error="no argument of try() could be evaluated")
        args = [self.eval(a) for a in arg_nodes]
        if args and node.arguments.has_ellipsis:
            last = args.pop()
            if not is_list(last):
                return self._fail(last, node, "... needs a list")
            args.extend(last)
        return call_function(name, args, self, lambda: _source(node))

    # --- templates -----------------------------------------------------------------------------------
    def _string(self, node: Any) -> Value:
        try:
            items = _nest(_typed_parts(node.string_parts))
        except _BadTemplate:
            return Unknown(_source(node), error="unbalanced template directives")
        return self._template(items, lambda: _source(node))

    def _heredoc(self, node: Any) -> Value:
        items = _compile_template(str(node.heredoc.value), isinstance(node, HeredocTrimTemplateRule), True)
        return Unknown(_source(node)) if items is None else self._template(items, lambda: _source(node))

    def _template(self, items: list[Any], text: Callable[[], str]) -> Value:
        if len(items) == 1 and isinstance(items[0], _Part):  # "${x}" alone is x itself, of any type
            return self.eval(items[0].expr)
        out: list[str] = []
        problem = self._render(items, out)
        return "".join(out) if problem is None else Unknown(text(), error=problem.error)

    def _render(self, items: list[Any], out: list[str]) -> Unknown | None:
        """Appends the template's text; returns what made it unknown, after reading every reference."""
        problem: Unknown | None = None
        for item in items:
            try:
                if isinstance(item, str):
                    out.append(item)
                elif isinstance(item, _Part):
                    out.append(to_string(self.eval(item.expr)))
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
            for pair in _pairs(self.eval(block.head.expr)):
                names = block.head.names
                frame.update(zip(names, pair if len(names) == 2 else pair[1:], strict=True))
                problem = pick_unknown([problem, self._render(block.body, out)])
        finally:
            self.frames.pop()
        return problem


def _float(node: Any) -> Value:
    value = float(str(node.token.value))
    return normalize(value) if math.isfinite(value) else Unknown(str(node.token.value))


_HANDLERS: dict[type, Callable[[_Evaluator, Any], Value]] = {
    AttributeRule: lambda ev, n: ev.eval(n.expression),
    ExprTermRule: lambda ev, n: ev.eval(n.expression),
    LiteralValueRule: lambda ev, n: {"true": True, "false": False}.get(str(n.token.value)),
    IntLitRule: lambda ev, n: int(str(n.token.value)),
    FloatLitRule: lambda ev, n: _float(n),
    IdentifierRule: lambda ev, n: ev._noted(ev._identifier(n)),
    StringRule: _Evaluator._string,
    HeredocTemplateRule: _Evaluator._heredoc,
    HeredocTrimTemplateRule: _Evaluator._heredoc,
    TemplateStringRule: lambda ev, n: process_escape_sequences(n.inner_value),
    TupleRule: lambda ev, n: [ev.eval(e) for e in n.elements],
    ObjectRule: _Evaluator._object,
    FunctionCallRule: _Evaluator._call,
    ConditionalRule: _Evaluator._conditional,
    UnaryOpRule: _Evaluator._unary,
    BinaryOpRule: _Evaluator._binary,
    ForTupleExprRule: _Evaluator._for,
    ForObjectExprRule: _Evaluator._for,
    **{kind: lambda ev, n: ev._noted(ev._chain(n)) for kind in _CHAIN},
}


def _pairs(collection: Value) -> list[tuple[Value, Value]]:
    """What a for iterates: (index, element) of a list, (key, value) of a map in key order."""
    collection = known(collection)
    if isinstance(collection, Mapping):
        return [(k, collection[k]) for k in sorted(collection)]
    if is_list(collection):
        return list(enumerate(collection))
    raise ConvertError("for needs a list, set or map")


def _operate(op: str, lhs: Value, rhs: Value) -> Value:
    if op in ("&&", "||"):
        # Short-circuit on a known deciding operand even when the other one is unknown.
        decisive = op == "||"
        sides = [as_unknown(v) or to_bool(v) for v in (lhs, rhs)]
        if any(side is decisive for side in sides):
            return decisive
        known(pick_unknown(sides))
        return not decisive
    known(pick_unknown([lhs, rhs]))
    if op in ("==", "!="):
        if lhs is not None and rhs is not None:  # null compares as known even beside unknown leaves
            known(pick_unknown([first_unknown(lhs), first_unknown(rhs)]))
        return equal(lhs, rhs) == (op == "==")
    a, b = to_number(lhs), to_number(rhs)
    if op in ("<", ">", "<=", ">="):
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    if op in ("/", "%") and b == 0:
        raise ZeroDivisionError("division by zero")
    if op == "/":
        return a // b if isinstance(a, int) and isinstance(b, int) and a % b == 0 else normalize(a / b)
    if op == "%":  # the result takes the dividend's sign, as in Go
        return normalize(math.fmod(a, b)) if isinstance(a, float) or isinstance(b, float) else _int_mod(a, b)
    return normalize({"+": a + b, "-": a - b, "*": a * b}[op])


def _int_mod(a: int, b: int) -> int:
    remainder = abs(a) % abs(b)
    return remainder if a >= 0 else -remainder


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


def _compile_template(text: str, trim: bool, heredoc: bool = False) -> list[Any] | None:
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
