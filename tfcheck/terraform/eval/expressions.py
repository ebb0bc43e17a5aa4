"""Evaluates python-hcl2 expression trees to plain values and the references they read, as Terraform would."""

from __future__ import annotations

import contextvars
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from hcl2.rules.base import AttributeRule
from hcl2.rules.containers import ObjectRule, TupleRule
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
from hcl2.rules.strings import HeredocTemplateRule, HeredocTrimTemplateRule, StringRule, TemplateStringRule
from hcl2.utils import process_escape_sequences

from tfcheck.terraform.eval.budget import BudgetExceeded, tick
from tfcheck.terraform.eval.functions import call_function
from tfcheck.terraform.eval.operators import Operators
from tfcheck.terraform.eval.templates import Templates, compile_template, parse_expression, source_text
from tfcheck.terraform.eval.values import (
    ConvertError,
    EvalError,
    InstanceRef,
    Unknown,
    Value,
    as_unknown,
    has_error,
    is_list,
    normalize,
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


class Scope(Protocol):
    """Where references start; root() raises KeyError (or returns an Unknown) for a name it lacks."""

    def root(self, name: str) -> Value | Mapping[str, Any]: ...


class _Abort(Exception):
    """Nesting or work beyond the limits: the whole expression becomes Unknown."""


MAX_NESTED_EVALUATIONS = 24  # a reference chain (local -> local -> module output ...) this long
_NESTING: contextvars.ContextVar[int] = contextvars.ContextVar("hcl_eval_nesting", default=0)
_ACTIVE: contextvars.ContextVar[_Evaluator | None] = contextvars.ContextVar("hcl_eval_active", default=None)


def evaluate(node: Any, scope: Scope) -> Value:
    """The value of one expression (a python-hcl2 expression rule, or an AttributeRule)."""
    return evaluate_with_refs(node, scope)[0]


def evaluate_with_refs(node: Any, scope: Scope) -> tuple[Value, list[Reference]]:
    """The value of one expression and the references it read, in order and without duplicates."""
    depth = _NESTING.get()
    if depth >= MAX_NESTED_EVALUATIONS:
        # A local that reads a local that reads … (or itself): stop well before Python's own
        # recursion limit, which third-party code (lark) would not report cleanly.
        return Unknown("references nested too deeply (a cycle?)"), []
    evaluator = _Evaluator(scope)
    token = _ACTIVE.set(evaluator)
    nesting = _NESTING.set(depth + 1)
    try:
        value = evaluator.eval(node)
    except (_Abort, RecursionError):
        value = Unknown(f"{source_text(node)[:200]} (too deep or too large to evaluate)")
    except BudgetExceeded as exc:
        raise exc.at(None, None, " ".join(source_text(node).split())[:160]) from None
    finally:
        _NESTING.reset(nesting)
        _ACTIVE.reset(token)
    return value, list(evaluator.refs)


def note_references(refs: Iterable[Reference]) -> None:
    """Adds references to the evaluation in progress: a lazy Scope replays what a cached local read."""
    evaluator = _ACTIVE.get()
    if evaluator is not None:
        for ref in refs:
            evaluator.refs.setdefault(ref)


class _VarsScope:
    """templatefile() sees only its variables."""

    def __init__(self, variables: Mapping[str, Value]) -> None:
        self.variables = variables

    def root(self, name: str) -> Value:
        return self.variables[name]


class _Evaluator(Operators, Templates):
    def __init__(self, scope: Scope) -> None:
        self.scope: Scope = scope
        self.outer_scope = scope
        self.refs: dict[Reference, None] = {}
        self.noted: dict[int, Value] = {}
        self.frames: list[dict[str, Value]] = []  # for-expression and template-for variables
        self.depth = 0
        self.steps = 0
        self.in_templatefile = False

    def eval(self, node: Any) -> Value:
        self.steps += 1
        if self.depth >= MAX_DEPTH or self.steps > MAX_STEPS:
            raise _Abort
        if not self.steps & 1023:
            tick()
        handler = _HANDLERS.get(type(node))
        if handler is None:
            return Unknown(source_text(node))
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

    def root_dir(self) -> str | None:
        try:
            paths = self.outer_scope.root("path")
        except LookupError:
            return None
        for key in ("root", "cwd", "module") if isinstance(paths, Mapping) else ():
            if isinstance(paths.get(key), str):
                return str(paths[key])
        return None

    def render_template(self, text: str, variables: Mapping[str, Value]) -> Value:
        items = compile_template(text, False)
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
            # A collection read again (a local in a for expression, shared by reference) is
            # walked once: [for i in range(1000) : local.big] must not walk local.big 1000 times.
            # The collection is kept, so that its id is not reused while this evaluation runs.
            if id(value) in self.noted:
                return value
            self.noted[id(value)] = value
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
            return Unknown(source_text(node), error=unknown.error)
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
            if name in value.values:
                return value.values[name]
            # Terraform plans a managed resource's unknown `id` as not null.
            managed_id = name == "id" and not value.address.startswith("data.") \
                and ".data." not in value.address
            return Unknown(f"{value.address}.{name}", not_null=managed_id)
        if isinstance(value, Mapping):
            try:
                return value[name]
            except KeyError:  # a plain dict is fully known, so its missing key is an error in Terraform too
                return Unknown(
                    source_text(node), error=f"no key {name!r}" if isinstance(value, dict) else None
                )
        return self._fail(value, node, f"no attribute {name!r}")

    def _fail(self, value: Value, node: Any, error: str) -> Unknown:
        unknown = as_unknown(value)
        return Unknown(source_text(node), error=unknown.error if unknown is not None else error)

    def _splat(self, source: Value, steps: list[Any], attr_only: bool, node: Any) -> Value:
        if isinstance(source, Unknown):
            return Unknown(source_text(node), error=source.error)
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

    # --- function calls ------------------------------------------------------------------------------
    def _call(self, node: Any) -> Value:
        name = "::".join(str(i.token.value) for i in node.identifiers)
        arg_nodes = node.arguments.arguments if node.arguments is not None else []
        if name == "try":  # lazily: only what is tried is read
            for arg in arg_nodes:
                value = self.eval(arg)
                if not has_error(value):
                    return Unknown(source_text(node)) if isinstance(value, Unknown) else value
            return Unknown(source_text(node), error="no argument of try() could be evaluated")
        args = [self.eval(a) for a in arg_nodes]
        if args and node.arguments.has_ellipsis:
            last = args.pop()
            if not is_list(last):
                return self._fail(last, node, "... needs a list")
            args.extend(last)
        return call_function(name, args, self, lambda: source_text(node))


def _int(node: Any) -> Value:
    try:
        return int(str(node.token.value))
    except ValueError:  # more digits than Python converts (4300): no configuration needs that
        return Unknown(f"{str(node.token.value)[:20]}... (a number too long to read)")


def _float(node: Any) -> Value:
    value = float(str(node.token.value))
    return normalize(value) if math.isfinite(value) else Unknown(str(node.token.value))


_HANDLERS: dict[type, Callable[[_Evaluator, Any], Value]] = {
    AttributeRule: lambda ev, n: ev.eval(n.expression),
    ExprTermRule: lambda ev, n: ev.eval(n.expression),
    LiteralValueRule: lambda ev, n: {"true": True, "false": False}.get(str(n.token.value)),
    IntLitRule: lambda ev, n: _int(n),
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
