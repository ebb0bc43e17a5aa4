"""The evaluator's operators, conditionals, and object and for expressions."""

from __future__ import annotations

import math
from typing import Any

from hcl2.rules.containers import ObjectElemKeyExpressionRule
from hcl2.rules.for_expressions import ForObjectExprRule
from hcl2.rules.literal_rules import IdentifierRule

from tfcheck.terraform.eval.templates import source_text
from tfcheck.terraform.eval.values import (
    ConvertError,
    NeedKnown,
    Unknown,
    Value,
    as_unknown,
    equal,
    first_unknown,
    known,
    normalize,
    pairs,
    pick_unknown,
    to_bool,
    to_number,
    to_string,
)


class Operators:
    """Evaluates operators and constructors; traversal (_quiet, _fail) comes from the evaluator."""

    frames: list[dict[str, Value]]

    def eval(self, node: Any) -> Value:
        raise NotImplementedError

    def _quiet(self, node: Any) -> Value:
        raise NotImplementedError

    def _fail(self, value: Value, node: Any, error: str) -> Unknown:
        raise NotImplementedError

    # --- operators -----------------------------------------------------------------------------------
    def _conditional(self, node: Any) -> Value:
        condition = self.eval(node.condition)
        unknown = as_unknown(condition)
        if unknown is None:
            try:
                return self.eval(node.if_true if to_bool(condition) else node.if_false)
            except ConvertError as exc:
                return Unknown(source_text(node), error=str(exc))
        # Either branch may be taken: read both, and agree only when they are the same known value.
        yes, no = self.eval(node.if_true), self.eval(node.if_false)
        if first_unknown(yes) is None and first_unknown(no) is None and equal(yes, no):
            return yes
        return Unknown(source_text(node), error=unknown.error)

    def _unary(self, node: Any) -> Value:
        value = self.eval(node.expr_term)
        try:
            return (not to_bool(value)) if node.operator.strip() == "!" else normalize(-to_number(value))
        except NeedKnown as exc:
            return Unknown(source_text(node), error=exc.unknown.error)
        except ConvertError as exc:
            return Unknown(source_text(node), error=str(exc))

    def _binary(self, node: Any) -> Value:
        op = str(node.binary_term.binary_operator.token.value).strip()
        lhs, rhs = self.eval(node.expr_term), self.eval(node.binary_term.expr_term)
        try:
            return _operate(op, lhs, rhs)
        except NeedKnown as exc:
            return Unknown(source_text(node), error=exc.unknown.error)
        except (ConvertError, ArithmeticError) as exc:
            return Unknown(source_text(node), error=str(exc) or "arithmetic error")

    # --- objects and for expressions -----------------------------------------------------------------
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
        return out if problem is None else Unknown(source_text(node), error=problem.error)

    def _for(self, node: Any) -> Value:
        intro, is_object = node.for_intro, isinstance(node, ForObjectExprRule)
        names = [str(i.token.value) for i in (intro.first_iterator, intro.second_iterator) if i is not None]
        out_list: list[Value] = []
        out_map: dict[str, Value] = {}
        frame: dict[str, Value] = {}
        self.frames.append(frame)
        try:
            for pair in pairs(self._quiet(intro.iterable)):
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
            return Unknown(source_text(node), error=exc.unknown.error)
        except ConvertError as exc:
            return Unknown(source_text(node), error=str(exc))
        finally:
            self.frames.pop()
        return out_map if is_object else out_list


def _operate(op: str, lhs: Value, rhs: Value) -> Value:
    if op in ("&&", "||"):
        # Short-circuit on a known deciding operand even when the other one is unknown.
        decisive = op == "||"
        sides = [as_unknown(v) or to_bool(v) for v in (lhs, rhs)]
        if any(side is decisive for side in sides):
            return decisive
        known(pick_unknown(sides))
        return not decisive
    if op in ("==", "!="):
        refined = [v for v in (lhs, rhs) if isinstance(v, Unknown) and v.not_null and v.error is None]
        if refined and None in (lhs, rhs):  # an unknown known not to be null, against null
            return op == "!="
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
