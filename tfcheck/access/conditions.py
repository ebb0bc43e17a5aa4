"""Evaluate one IAM condition (operator, key, values) on a request, three-valued, with the reason."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tfcheck.access.match import Known, Tri, Vague, arn_like, equals, like, tri_all, tri_any, tri_not
from tfcheck.access.request import ENCRYPTION_CONTEXT, Request, is_chosen
from tfcheck.iam.policy import Condition, Leaf
from tfcheck.model.resource import UnknownLeaf

Matcher = Callable[[Known, str], Tri]


@dataclass(frozen=True)
class Verdict:
    """An answer with what decided it: for False, the unmet condition; for None, the unknown."""

    value: Tri
    why: str = ""


def _num(op: Callable[[float, float], bool]) -> Matcher:
    def match(value: Known, wanted: str) -> Tri:
        if isinstance(value, Vague):
            return None
        try:
            return op(float(value), float(wanted))
        except ValueError:
            return False
    return match


# Positive matchers; a "Not" operator negates the match over all values (NOR).
_MATCHERS: dict[str, tuple[Matcher, bool]] = {
    "stringequals": (lambda v, p: equals(v, p), False),
    "stringnotequals": (lambda v, p: equals(v, p), True),
    "stringequalsignorecase": (lambda v, p: equals(v, p, True), False),
    "stringnotequalsignorecase": (lambda v, p: equals(v, p, True), True),
    "stringlike": (lambda v, p: like(v, p), False),
    "stringnotlike": (lambda v, p: like(v, p), True),
    "arnequals": (arn_like, False),
    "arnlike": (arn_like, False),
    "arnnotequals": (arn_like, True),
    "arnnotlike": (arn_like, True),
    "bool": (lambda v, p: equals(v, p.lower(), True), False),
    "binaryequals": (lambda v, p: equals(v, p), False),
    "numericequals": (_num(lambda a, b: a == b), False),
    "numericnotequals": (_num(lambda a, b: a == b), True),
    "numericlessthan": (_num(lambda a, b: a < b), False),
    "numericlessthanequals": (_num(lambda a, b: a <= b), False),
    "numericgreaterthan": (_num(lambda a, b: a > b), False),
    "numericgreaterthanequals": (_num(lambda a, b: a >= b), False),
}
# Date keys (aws:CurrentTime, aws:TokenIssueTime...) and addresses are never known at plan time.
_UNDECIDABLE = ("date", "ipaddress", "notipaddress")
_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def check(cond: Condition, req: Request) -> Verdict:
    """Does the request meet this condition? Keys a request does not carry for tfcheck's sake
    (tags, source IPs, times) and operators it does not know give None: never met-and-silent."""
    if cond.operator == "?":
        return Verdict(None, _unknown(cond.values))
    name = cond.operator.lower()
    any_value, all_values = name.startswith("foranyvalue:"), name.startswith("forallvalues:")
    name = name.split(":", 1)[1] if any_value or all_values else name
    if_exists = name.endswith("ifexists") and name != "ifexists"
    name = name.removesuffix("ifexists") if if_exists else name
    value = req.context.get(cond.key)
    absent = value is None and (cond.key in req.absent or req.caller.bare and is_chosen(cond.key)
                                or bool(req.absent_prefixes) and cond.key.startswith(req.absent_prefixes))
    if name == "null":
        return _null(cond, value, absent)
    if name.startswith(_UNDECIDABLE) or name not in _MATCHERS:
        why = (f"{cond.key} is not known before the request is made" if name.startswith(_UNDECIDABLE)
               else f"the operator {cond.operator} is not one tfcheck evaluates")
        return Verdict(None, why)
    matcher, negated = _MATCHERS[name]
    if absent or (isinstance(value, tuple) and not value):
        lenient = bool(if_exists or all_values or negated and not any_value)
        return Verdict(lenient, "" if lenient else f"{_show(cond)}, and AWS does not set {cond.key} for it")
    if value is None:
        return Verdict(None, f"{cond.key} is not a key tfcheck knows for this request")
    values = value if isinstance(value, tuple) else (value,)
    per_value = [_one(matcher, negated, v, cond.values, req) for v in values]
    met = tri_all(per_value) if all_values or (negated and not any_value) else tri_any(per_value)
    if met is None:
        return Verdict(None, _unknown(cond.values) or next(v.text for v in values if isinstance(v, Vague)))
    return Verdict(met, "" if met else _show(cond))


def _one(matcher: Matcher, negated: bool, value: Known, wanted: tuple[Leaf, ...], req: Request) -> Tri:
    answers: list[Tri] = []
    for w in wanted:
        if isinstance(w, UnknownLeaf):
            # The secret's own ARN, compared with the ARN Secrets Manager sends: the same value.
            same = w.text in req.same and value == req.context.get(ENCRYPTION_CONTEXT + "secretarn")
            answers.append(True if same else None)
            continue
        expanded = substitute(w, req)
        answers.append(None if expanded is None else matcher(value, expanded))
    hit = tri_any(answers)
    return tri_not(hit) if negated else hit


def substitute(value: str, req: Request) -> str | None:
    """Policy variables (${aws:PrincipalAccount}...) in a value; None when one is not known."""
    if "${" not in value:
        return value
    out: list[str] = []
    last = 0
    for m in _VARIABLE.finditer(value):
        out.append(value[last:m.start()])
        name = m.group(1)
        if name in ("*", "?", "$"):
            out.append(name)  # escapes: ${*} is a literal star... which stays a wildcard only in *Like
        else:
            key, _, default = name.partition(",")
            found = req.context.get(key.strip().lower())
            if isinstance(found, str):
                out.append(found)
            elif default.strip().startswith("'") and key.strip().lower() in req.absent:
                out.append(default.strip().strip("'"))
            else:
                return None
        last = m.end()
    out.append(value[last:])
    return "".join(out)


def _null(cond: Condition, value: Known | tuple[str, ...] | None, absent: bool) -> Verdict:
    if value is None and not absent:
        return Verdict(None, f"whether AWS sets {cond.key} is not known")
    answers: list[Tri] = []
    for w in cond.values:
        if isinstance(w, UnknownLeaf):
            answers.append(None)
        else:
            answers.append(absent if w.lower() == "true" else not absent)
    met = tri_any(answers)
    return Verdict(met, _unknown(cond.values) if met is None else "" if met else _show(cond))


def _unknown(values: tuple[Leaf, ...]) -> str:
    leaf = next((v for v in values if isinstance(v, UnknownLeaf)), None)
    return f"{leaf.text or 'a value'} (known only after apply)" if leaf else ""


def _show(cond: Condition) -> str:
    shown = ", ".join(v if isinstance(v, str) else "(known after apply)" for v in cond.values)
    return f"requires {cond.operator} {cond.key} {shown}"
