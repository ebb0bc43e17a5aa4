"""Tests for the HCL expression evaluator: literals, templates, operators, traversals and references."""

from __future__ import annotations

from typing import Any

import hcl2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hcl_helpers import ERROR, KEY, UNKNOWN, check, expr, make_scope, run
from tfcheck.terraform.eval.expressions import (
    InstanceRef,
    Reference,
    Unknown,
    evaluate,
    evaluate_with_refs,
    note_references,
    parse_expression,
)

LITERALS = [
    ("1", 1),
    ("-1", -1),
    ("1.5", 1.5),
    ("1.0", 1),
    ("1e3", 1000),
    ("2.5e-1", 0.25),
    ("true", True),
    ("false", False),
    ("null", None),
    ('"a"', "a"),
    ('""', ""),
    (r'"a\nb\tc"', "a\nb\tc"),
    (r'"q\"q"', 'q"q'),
    (r'"back\\slash"', "back\\slash"),
    (r'"\u00e9\U0001F600"', "é😀"),
    ('"$${x}"', "${x}"),
    ('"%%{x}"', "%{x}"),
    ('"a$b%c"', "a$b%c"),
    ('"é"', "é"),
    ("[]", []),
    ('[1, "a", true, null]', [1, "a", True, None]),
    ("{}", {}),
    ('{a = 1, "b" = 2, c: 3}', {"a": 1, "b": 2, "c": 3}),
    ('{1 = "x", true = "y"}', {"1": "x", "true": "y"}),
    ("{(var.s) = 1}", {"str": 1}),
    ('{"${var.s}-k" = 1}', {"str-k": 1}),
    ("{a = {b = [1, {c = 2}]}}", {"a": {"b": [1, {"c": 2}]}}),
]


@pytest.mark.parametrize(("text", "expected"), LITERALS)
def test_literals(text: str, expected: Any) -> None:
    check(run(text), expected)


TEMPLATES = [
    ('"a${var.s}b"', "astrb"),
    ('"${var.n}"', 3),  # a lone interpolation keeps its type
    ('"n=${var.n} t=${true} f=${1.5}"', "n=3 t=true f=1.5"),
    ('"${var.s}${var.n}"', "str3"),
    ('"${"nested ${var.s}"}!"', "nested str!"),
    ('"%{ if var.n > 2 }big%{ else }small%{ endif }"', "big"),
    ('"%{ if false }yes%{ endif }"', ""),
    ('"%{ for x in var.l }${x},%{ endfor }"', "1,2,3,"),
    ('"%{ for k, v in var.m }${k}=${v};%{ endfor }"', "b=w;k=v;"),
    ('"%{ for i, x in ["p", "q"] }${i}${x}%{ endfor }"', "0p1q"),
    ('"a %{~ if true ~} b %{~ endif ~} c"', "abc"),
    ('"%{ for x in [1, 2] }%{ if x > 1 }${x}%{ endif }%{ endfor }"', "2"),
    ('"${var.u}-x"', UNKNOWN),
    ('"${var.nul}"', None),  # a lone interpolation is the value itself
    ('"x${var.nul}"', ERROR),
    ('"x${var.l}"', ERROR),
    ('"%{ if var.u }a%{ endif }"', UNKNOWN),
    ('"%{ for x in var.u }a%{ endfor }"', UNKNOWN),
    ('"x${aws_kms_key.k}"', UNKNOWN),
    ("<<EOT\nhello ${var.s}\n  $${x} %%{y}\nEOT", "hello str\n  ${x} %{y}\n"),
    ("<<EOT\nEOT", ""),
    ('<<EOT\nback\\slash "q"\nEOT', 'back\\slash "q"\n'),  # heredocs have no backslash escapes
    ("<<-EOT\n    a\n      b ${var.n}\n\n    c\n    EOT", "a\n  b 3\n\nc\n"),
    ("<<-EOT\n  ${var.s}\n  EOT", "str\n"),
    ("<<EOT\n%{ for x in var.l ~}\n${x}\n%{ endfor ~}\nEOT", "1\n2\n3\n"),
    ("<<EOT\n%{~ if var.n == 3 ~}\n  yes\n%{~ else ~}\n  no\n%{~ endif ~}\nEOT", "yes"),
    ('<<EOT\n${jsonencode({a = "}"})}\nEOT', '{"a":"}"}\n'),
    ("<<EOT\n${upper(\n  var.s\n)}\nEOT", "STR\n"),
    ("<<EOT\n${var.u}\nEOT", UNKNOWN),
    ("<<EOT\n%{ if true }unbalanced\nEOT", UNKNOWN),
    ("<<EOT\n${ not valid ) }\nEOT", UNKNOWN),
]


@pytest.mark.parametrize(("text", "expected"), TEMPLATES)
def test_strings_and_templates(text: str, expected: Any) -> None:
    check(run(text), expected)


OPERATORS = [
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("10 - 2 - 3", 5),
    ("7 / 2", 3.5),
    ("8 / 2", 4),
    ("7 % 3", 1),
    ("-7 % 3", -1),
    ("7.5 % 2", 1.5),
    ('"2" + 3', 5),
    ("0.5 + 0.5", 1),
    ("-var.n", -3),
    ("1 < 2", True),
    ("2 <= 2", True),
    ("3 > 4", False),
    ("3 >= 4", False),
    ('"10" > 9', True),
    ("1 == 1.0", True),
    ('1 == "1"', False),
    ('true == "true"', False),
    ("null == null", True),
    ('"a" != "b"', True),
    ("[1, [2]] == [1, [2]]", True),
    ("{a = 1} == {a = 1}", True),
    ("{a = 1} == {a = 2}", False),
    ("!true", False),
    ("true && false", False),
    ("true || false", True),
    ('"true" && true', True),
    ("true && 1 == 1 || false", True),
    ("var.u + 1", UNKNOWN),
    ("-var.u", UNKNOWN),
    ("!var.u", UNKNOWN),
    ("var.u == null", UNKNOWN),
    ("var.lu == null", False),  # null compares as known beside unknown leaves
    ("var.lu == [1]", UNKNOWN),
    ("false && var.u", False),
    ("var.u && false", False),
    ("true || var.u", True),
    ("true && var.u", UNKNOWN),
    ('"a" + 1', ERROR),
    ("1 / 0", ERROR),
    ("1 % 0", ERROR),
    ("!1", ERROR),
    ('-"a"', ERROR),
    ("1 && true", ERROR),
    ("[1] < 2", ERROR),
    ("var.m.missing + 1", ERROR),
]


@pytest.mark.parametrize(("text", "expected"), OPERATORS)
def test_operators(text: str, expected: Any) -> None:
    check(run(text), expected)


CONDITIONALS = [
    ("true ? 1 : 2", 1),
    ("false ? 1 : 2", 2),
    ('var.s == "str" ? "yes" : "no"', "yes"),
    ('"true" ? 1 : 2', 1),
    ("var.n > 1 ? var.n > 2 ? 3 : 2 : 1", 3),
    ("var.u ? 1 : 2", UNKNOWN),
    ('var.u ? "same" : "same"', "same"),
    ("var.u ? [1] : [1]", [1]),
    ("var.u ? var.lu : var.lu", UNKNOWN),
    ("null ? 1 : 2", ERROR),
    ("1 ? 1 : 2", ERROR),
    ("true ? 1 : var.m.missing", 1),  # only the branch taken is evaluated
]


@pytest.mark.parametrize(("text", "expected"), CONDITIONALS)
def test_conditionals(text: str, expected: Any) -> None:
    check(run(text), expected)


FOR_EXPRESSIONS = [
    ("[for x in var.l : x * 2]", [2, 4, 6]),
    ("[for x in var.l : x if x > 1]", [2, 3]),
    ('[for i, x in ["a", "b"] : "${i}${x}"]', ["0a", "1b"]),
    ("[for k, v in {b = 1, a = 2} : k]", ["a", "b"]),  # maps iterate in key order
    ("[for v in {b = 1, a = 2} : v]", [2, 1]),
    ("{for k, v in var.m : v => k}", {"v": "k", "w": "b"}),
    ("{for x in var.l : x => x * x if x != 2}", {"1": 1, "3": 9}),
    ('{for s in ["a1", "a2", "b1"] : substr(s, 0, 1) => s...}', {"a": ["a1", "a2"], "b": ["b1"]}),
    ("[for x in [[1, 2], [3]] : [for y in x : y + 1]]", [[2, 3], [4]]),
    ("[for o in var.objs : o.name]", ["a", "b"]),
    ("[for x in var.lu : x]", ["x", Unknown("var.lu[1]")]),
    ("[for x in [] : x]", []),
    ('{for x in ["a", "a"] : x => 1}', ERROR),  # duplicate key without ...
    ("[for x in var.u : x]", UNKNOWN),
    ("[for x in var.l : x if var.u]", UNKNOWN),
    ("{for x in var.l : var.u => x}", UNKNOWN),
    ("[for x in var.l : x if x]", ERROR),
    ("[for x in 5 : x]", ERROR),
    ("[for x in null : x]", ERROR),
]


@pytest.mark.parametrize(("text", "expected"), FOR_EXPRESSIONS)
def test_for_expressions(text: str, expected: Any) -> None:
    value = run(text)
    if isinstance(expected, list) and any(isinstance(x, Unknown) for x in expected):
        assert value == expected
    else:
        check(value, expected)


TRAVERSALS = [
    ("var.s", "str"),
    ("var.m.k", "v"),
    ('var.m["b"]', "w"),
    ("var.m[var.key]", "v"),
    ("var.l[1]", 2),
    ('var.l["1"]', 2),
    ("var.l.1", 2),
    ("var.objs[1].list[0]", 20),
    ("var.objs[*].name", ["a", "b"]),
    ("var.objs.*.name", ["a", "b"]),
    ("var.objs[*].list[0]", [10, 20]),  # a full splat indexes each element
    ("var.objs.*.name[0]", "a"),  # a legacy splat's index applies to the result
    ("var.obj[*].name", ["solo"]),  # a single value splats as a one-element list
    ("var.nul[*].name", []),
    ("[var.l, var.l][*][0]", [1, 1]),
    ("local.b", "str-a"),
    ("local.missing", UNKNOWN),
    ("var.m.missing", ERROR),
    ("var.l[5]", ERROR),
    ("var.l[-1]", ERROR),
    ("var.l.name", ERROR),
    ("var.s[0]", ERROR),
    ("var.nul.x", ERROR),
    ("var.u.x", UNKNOWN),
    ("var.u[*].x", UNKNOWN),
    ("var.m[var.u]", UNKNOWN),
    ("var.mu.a", UNKNOWN),
    ("nosuchroot.x", UNKNOWN),
    ("aws_kms_key.k.key_id", "1234"),
    ("aws_kms_key.k.tags.Name", "main"),
    ('aws_kms_key.k["key_id"]', "1234"),
    ("aws_kms_key.k.arn", UNKNOWN),
    ("aws_kms_key.c[0].arn", "arn:0"),
]


@pytest.mark.parametrize(("text", "expected"), TRAVERSALS)
def test_traversals(text: str, expected: Any) -> None:
    check(run(text), expected)


def test_unknown_text_names_the_traversal() -> None:
    assert run("aws_kms_key.k.arn") == Unknown("aws_kms_key.k.arn")
    assert run("var.u.x").text == "var.u.x"
    assert run("local.missing").text == "local.missing"


def test_lazy_mapping_is_indexed_not_copied() -> None:
    scope = make_scope()
    locals_ = scope.roots["local"]
    assert evaluate(expr('"${local.b}!"'), scope) == "str-a!"
    assert locals_.reads == ["b", "a"]  # only what was read, never the whole mapping


def test_splat_over_unknown_elements() -> None:
    assert run("[{a = 1}, var.u][*].a") == [1, Unknown("[{a = 1}, var.u][*].a")]


REFERENCES: list[tuple[str, list[Reference]]] = [
    ("aws_kms_key.k.arn", [("aws_kms_key.k", "arn")]),
    ("aws_kms_key.k.key_id", [("aws_kms_key.k", "key_id")]),
    (
        '"${aws_kms_key.k.arn}/${aws_kms_key.k.key_id}/${aws_kms_key.k.arn}"',
        [("aws_kms_key.k", "arn"), ("aws_kms_key.k", "key_id")],
    ),
    ("aws_kms_key.c[*].arn", [("aws_kms_key.c[0]", "arn"), ("aws_kms_key.c[1]", "arn")]),
    ("aws_kms_key.c[1].arn", [("aws_kms_key.c[1]", "arn")]),
    ("aws_kms_key.k", [("aws_kms_key.k", None)]),
    ("jsonencode(aws_kms_key.k)", [("aws_kms_key.k", None)]),
    ("[aws_kms_key.k, 1]", [("aws_kms_key.k", None)]),
    ("aws_kms_key.c", [("aws_kms_key.c[0]", None), ("aws_kms_key.c[1]", None)]),
    ("[for k in aws_kms_key.c : k.arn]", [("aws_kms_key.c[0]", "arn"), ("aws_kms_key.c[1]", "arn")]),
    ("[for k in aws_kms_key.c : k]", [("aws_kms_key.c[0]", None), ("aws_kms_key.c[1]", None)]),
    ("local.arn", [("aws_kms_key.k", "arn")]),  # replayed by the lazy local through note_references
    ("true ? aws_kms_key.k.key_id : aws_kms_key.k.arn", [("aws_kms_key.k", "key_id")]),
    (
        "var.u ? aws_kms_key.k.key_id : aws_kms_key.k.arn",
        [("aws_kms_key.k", "key_id"), ("aws_kms_key.k", "arn")],
    ),
    ("try(aws_kms_key.k.key_id, aws_kms_key.k.arn)", [("aws_kms_key.k", "key_id")]),
    ("var.s", []),
]


@pytest.mark.parametrize(("text", "expected"), REFERENCES)
def test_references(text: str, expected: list[Reference]) -> None:
    assert evaluate_with_refs(expr(text), make_scope())[1] == expected


def test_whole_instance_value_is_returned() -> None:
    value, _ = evaluate_with_refs(expr("aws_kms_key.k"), make_scope())
    assert value is KEY
    assert run("try(aws_kms_key.k, null)") is KEY
    encoded = run("jsonencode({key = aws_kms_key.k})")
    assert isinstance(encoded, Unknown) and encoded.partial == {"key": Unknown("aws_kms_key.k")}


def test_note_references_outside_an_evaluation_is_harmless() -> None:
    note_references([("a.b", None)])


TRY_CAN = [
    ('try(var.m.missing, "d")', "d"),
    ('try(var.m.k, "d")', "v"),
    ("try(local.bad, var.s)", "str"),
    ('try(var.l[9], var.m.nope, "last")', "last"),
    ('try({a = var.m.missing}, "d")', "d"),
    ("try(var.lu, 1)", ["x", Unknown("var.lu[1]")]),
    ('try(var.u, "d")', UNKNOWN),
    ("try(var.m.missing)", ERROR),
    ("try()", ERROR),
    ("can(var.m.k)", True),
    ("can(var.m.missing)", False),
    ('can(regex("^z", "abc"))', False),
    ("can(var.u)", UNKNOWN),
    ("can(var.lu)", UNKNOWN),
    ('!can(var.m.missing) ? "fallback" : var.m.missing', "fallback"),
]


@pytest.mark.parametrize(("text", "expected"), TRY_CAN)
def test_try_and_can(text: str, expected: Any) -> None:
    value = run(text)
    if isinstance(expected, list):
        assert value == expected
    else:
        check(value, expected)


def nested(template: str, depth: int, seed: str = "1") -> str:
    text = seed
    for _ in range(depth):
        text = template.format(text)
    return text


@pytest.mark.parametrize(
    "text",
    [
        nested("abs({})", 150),
        nested("[{}]", 150),
        nested("({})", 300),
        nested("{{a = {}}}", 150),
        "[for i in range(1024) : [for j in range(1024) : i * j]]",
        "range(1e9)",
        "range(0, 100000, 0.5)",
        'format("%9999999d", 1)',
    ],
)
def test_deep_or_huge_expressions_are_unknown(text: str) -> None:
    value, _ = evaluate_with_refs(expr(text), make_scope())
    assert isinstance(value, Unknown)


def test_a_local_that_reads_itself_is_unknown() -> None:
    assert isinstance(run("local.loop"), Unknown)


def test_moderate_nesting_still_evaluates() -> None:
    assert run(nested("abs({})", 30)) == 1
    assert run(nested("[{}]", 30)) == eval(nested("[{}]", 30))  # noqa: S307 - a Python list literal we built


def test_parse_expression_spans_lines() -> None:
    assert evaluate(parse_expression("upper(\n  var.s\n)"), make_scope()) == "STR"


def test_evaluate_accepts_an_attribute_rule() -> None:
    attribute = hcl2.parses("x = 1 + 1\n").body.children[0]
    assert evaluate(attribute, make_scope()) == 2


def test_unknown_error_is_not_part_of_equality() -> None:
    assert Unknown("x", error="bad") == Unknown("x")


# --- property: random expressions never raise ----------------------------------------------------
ATOMS = st.sampled_from(
    [
        "1",
        "-2",
        "0.5",
        "1e3",
        "true",
        "false",
        "null",
        '"s"',
        '"${var.s}"',
        "var.l",
        "var.m",
        "var.u",
        "var.lu",
        "var.nul",
        "aws_kms_key.k",
        "aws_kms_key.k.arn",
        "local.a",
        "[]",
        "{}",
    ]
)
FUNCTIONS = [
    "jsonencode",
    "length",
    "tostring",
    "upper",
    "keys",
    "flatten",
    "tolist",
    "toset",
    "one",
    "abs",
    "sort",
    "distinct",
    "compact",
    "can",
    "jsondecode",
    "base64decode",
    "reverse",
]
FUNCTIONS2 = [
    "concat",
    "merge",
    "join",
    "split",
    "lookup",
    "element",
    "coalesce",
    "format",
    "contains",
    "setunion",
    "zipmap",
    "try",
    "max",
    "range",
    "regexall",
    "startswith",
    "formatlist",
    "nosuch",
]
OPS = ["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||"]


def compose(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(OPS), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(FUNCTIONS), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(FUNCTIONS2), children, children).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.lists(children, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.tuples(children, children).map(lambda t: f"{{a = {t[0]}, b = {t[1]}}}"),
        children.map(lambda c: f"[for x in {c} : x]"),
        children.map(lambda c: f"{{for k, v in {c} : k => v...}}"),
        children.map(lambda c: f'"pre-${{{c}}}-%{{ if {c} }}y%{{ endif }}"'),
        children.map(lambda c: f"({c})[*].a"),
        children.map(lambda c: f"({c})[0]"),
        children.map(lambda c: f"!{c}"),
    )


EXPRESSIONS = st.recursive(ATOMS, compose, max_leaves=12)
VALUE_TYPES = (str, int, float, bool, type(None), list, dict, Unknown, InstanceRef)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_random_expressions_never_raise(text: str) -> None:
    try:
        node = expr(text)
    except Exception:  # the generator can build text python-hcl2 rejects; only evaluation is under test
        return
    value, refs = evaluate_with_refs(node, make_scope())
    assert isinstance(value, VALUE_TYPES)
    assert len(refs) == len(set(refs))
