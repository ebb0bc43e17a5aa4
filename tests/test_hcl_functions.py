"""Tests for Terraform's built-in functions as tfcheck evaluates them, jsonencode byte for byte."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.hcl_helpers import ERROR, UNKNOWN, FakeScope, check, expr, make_scope, run
from tfcheck.terraform.eval import functions as hcl_functions
from tfcheck.terraform.eval import values as hcl_values
from tfcheck.terraform.eval.expressions import Unknown, evaluate, evaluate_with_refs
from tfcheck.terraform.eval.functions import FUNCTIONS

JSONENCODE = [
    ('jsonencode({b = 1, a = "x"})', '{"a":"x","b":1}'),
    ("jsonencode({b = {d = 1, c = 2}, a = []})", '{"a":[],"b":{"c":2,"d":1}}'),
    ("jsonencode([1, 2.5, -0.5, 1e3, 1.0, 0.1])", "[1,2.5,-0.5,1000,1,0.1]"),
    ("jsonencode(123456789012)", "123456789012"),
    ("jsonencode(1e21)", "1000000000000000000000"),
    ('jsonencode("<a & b>")', r'"\u003ca \u0026 b\u003e"'),
    ('jsonencode("é ü 日本")', '"é ü 日本"'),
    (r'jsonencode("line\nquote\"back\\tab\t")', r'"line\nquote\"back\\tab\t"'),
    (r'jsonencode("\u2028\u0001")', r'"\u2028\u0001"'),
    ("jsonencode(null)", "null"),
    ("jsonencode(true)", "true"),
    ("jsonencode({})", "{}"),
    ("jsonencode([])", "[]"),
    ("jsonencode(var.m)", '{"b":"w","k":"v"}'),
    (
        'jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", '
        'Principal = {AWS = "arn:aws:iam::111122223333:root"}, Action = ["kms:*"], Resource = "*"}]})',
        '{"Statement":[{"Action":["kms:*"],"Effect":"Allow",'
        '"Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Resource":"*"}],"Version":"2012-10-17"}',
    ),
]


@pytest.mark.parametrize(("text", "expected"), JSONENCODE)
def test_jsonencode_is_byte_exact(text: str, expected: str) -> None:
    assert run(text) == expected


def test_jsonencode_with_unknown_leaves_keeps_the_structure() -> None:
    value = run("jsonencode({a = var.u, b = [1, aws_kms_key.k.arn]})")
    assert isinstance(value, Unknown) and value.error is None
    assert value.text == "jsonencode({a = var.u, b = [1, aws_kms_key.k.arn]})"
    assert value.partial == {"a": Unknown("var.u"), "b": [1, Unknown("aws_kms_key.k.arn")]}
    whole = run("jsonencode(var.u)")
    assert isinstance(whole, Unknown) and whole.partial is None


CALLS = [
    # encoding and conversion
    ('jsondecode("{\\"a\\": [1, 2.5, true, null]}")', {"a": [1, 2.5, True, None]}),
    ('jsondecode("1.0")', 1),
    ("jsondecode(jsonencode({a = [1]}))", {"a": [1]}),
    ('jsondecode("{")', ERROR),
    ('jsondecode("NaN")', ERROR),
    ("tostring(1.5)", "1.5"),
    ("tostring(true)", "true"),
    ("tostring(123456789012)", "123456789012"),
    ("tostring(null)", None),
    ("tostring([1])", ERROR),
    ('tonumber("42")', 42),
    ('tonumber("1.5")', 1.5),
    ("tonumber(null)", None),
    ('tonumber("0x10")', ERROR),
    ("tonumber(true)", ERROR),
    ('tobool("true")', True),
    ("tobool(null)", None),
    ('tobool("yes")', ERROR),
    ("tobool(1)", ERROR),
    ('tolist(["a", 1, true])', ["a", "1", "true"]),
    ("tolist([1, 2])", [1, 2]),
    ("tolist(null)", None),
    ("tolist({a = 1})", ERROR),
    ('toset(["b", "a", "b"])', ["a", "b"]),
    ("toset([3, 1, 3])", [1, 3]),
    ('toset(["a", 1])', ["1", "a"]),
    ("toset([{a = 1}, {a = 1}])", [{"a": 1}]),
    ("toset(var.lu)", UNKNOWN),
    ("tomap({a = 1})", {"a": 1}),
    ("tomap([1])", ERROR),
    ('base64encode("Hello World")', "SGVsbG8gV29ybGQ="),
    ('base64decode("SGVsbG8gV29ybGQ=")', "Hello World"),
    ('base64decode("not base64!")', ERROR),
    ('base64decode("/w==")', ERROR),  # decodes to bytes that are not UTF-8
    ('sha256("hello")', "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"),
    ('sha1("hello")', "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"),
    ('md5("hello")', "5d41402abc4b2a76b9719d911017c592"),
    ('base64sha256("hello")', "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="),
    ("uuid()", UNKNOWN),
    ("timestamp()", UNKNOWN),
    # collections
    ("merge({a = 1, b = 2}, {b = 3}, null, {c = 4})", {"a": 1, "b": 3, "c": 4}),
    ("merge()", {}),
    ("merge({a = 1}, [1])", ERROR),
    ("concat([1], [2, 3], [])", [1, 2, 3]),
    ('concat([1], "a")', ERROR),
    ('flatten([[1, [2]], [], 3, [[["x"]]]])', [1, 2, 3, "x"]),
    ("flatten([{a = 1}, [[{b = 2}]]])", [{"a": 1}, {"b": 2}]),
    ("flatten([var.u])", UNKNOWN),
    ('flatten("a")', ERROR),
    ('distinct([1, "1", 1, [1], [1]])', [1, "1", [1]]),
    ('distinct(["b", "a", "b"])', ["b", "a"]),
    ("distinct(var.lu)", UNKNOWN),
    ('compact(["a", "", null, "b"])', ["a", "b"]),
    ("compact(var.lu)", UNKNOWN),
    ('lookup({a = 1}, "a")', 1),
    ('lookup({a = 1}, "b", 0)', 0),
    ('lookup(var.m, "k", "d")', "v"),
    ('lookup({a = 1}, "b")', ERROR),
    ('lookup([1], "a")', ERROR),
    ('lookup(var.mu, "a", 1)', UNKNOWN),
    ('element(["a", "b", "c"], 4)', "b"),
    ("element([1], 0)", 1),
    ("element([], 0)", ERROR),
    ("element([1], -1)", ERROR),
    ("element([1, 2], 1.5)", ERROR),
    ('coalesce(null, "", "a", "b")', "a"),
    ("coalesce(1, 2)", 1),
    ('coalesce("a", var.u)', "a"),
    ('coalesce(null, var.u, "a")', UNKNOWN),
    ("coalesce(null, null)", ERROR),
    ("coalescelist([], [1, 2])", [1, 2]),
    ("coalescelist(var.u, [1])", UNKNOWN),
    ("coalescelist([], [])", ERROR),
    ("length([1, 2])", 2),
    ("length({a = 1})", 1),
    ('length("héllo")', 5),
    (r'length("e\u0301")', 1),  # one grapheme cluster
    ("length(var.lu)", 2),
    ("length(aws_kms_key.c)", 2),
    ("length(aws_kms_key.k)", UNKNOWN),
    ("length(5)", ERROR),
    ("keys({b = 1, a = 2})", ["a", "b"]),
    ("values({b = 1, a = 2})", [2, 1]),
    ("keys([1])", ERROR),
    ('contains(["a", "b"], "b")', True),
    ('contains([1], "1")', False),
    ('contains(var.lu, "x")', True),
    ('contains(var.lu, "y")', UNKNOWN),
    ('contains("a", "a")', ERROR),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    ('zipmap(["a"], [])', ERROR),
    ('setunion(["b", "a"], ["c", "a"])', ["a", "b", "c"]),
    ('setintersection(["a", "b", "c"], ["b", "c", "d"], ["c", "b"])', ["b", "c"]),
    ('setsubtract(["a", "b"], ["a"])', ["b"]),
    ('slice(["a", "b", "c"], 1, 3)', ["b", "c"]),
    ("slice([1, 2], 1, 1)", []),
    ("slice([1], 0, 2)", ERROR),
    ("range(3)", [0, 1, 2]),
    ("range(1, 4)", [1, 2, 3]),
    ("range(0, 10, 3)", [0, 3, 6, 9]),
    ("range(5, 0, -2)", [5, 3, 1]),
    ("range(3, 0)", [3, 2, 1]),
    ("range(0, 1, 0.25)", [0, 0.25, 0.5, 0.75]),
    ("range(0)", []),
    ("range(0, 3, -1)", ERROR),
    ("range(0, 1, 0)", ERROR),
    ("range(1025)", ERROR),
    ("one([])", None),
    ('one(["a"])', "a"),
    ("one([1, 2])", ERROR),
    ('sort(["b", "a", "C"])', ["C", "a", "b"]),
    ("sort([10, 9])", ["10", "9"]),
    ("sort(var.lu)", UNKNOWN),
    ("reverse([1, 2, 3])", [3, 2, 1]),
    # numbers
    ("abs(-3.5)", 3.5),
    ("max(1, 5, 3)", 5),
    ("max([1, 7]...)", 7),
    ('min(2, "1")', 1),
    ("ceil(1.2)", 2),
    ("floor(-1.2)", -2),
    ("signum(-5)", -1),
    ("pow(2, 10)", 1024),
    ("pow(4, 0.5)", 2),
    ('parseint("ff", 16)', 255),
    ('parseint("zz", 10)', ERROR),
    ("max()", ERROR),
    ('abs("x")', ERROR),
    # strings
    ('format("%s-%d", "a", 7)', "a-7"),
    ('format("%03d|%-4s|%4s|", 7, "ab", "cd")', "007|ab  |  cd|"),
    (r'format("%q", "a\"b")', r'"a\"b"'),
    ('format("%v %v %v %v", "s", 1.5, true, null)', "s 1.5 true null"),
    ('format("%v", [1, "a"])', '[1,"a"]'),
    ('format("%#v", "a")', '"a"'),
    ('format("%t", true)', "true"),
    ('format("%.2f|%5.1f|%-6.2f|", 3.14159, 3.14159, 2.5)', "3.14|  3.1|2.50  |"),
    ('format("%x %X %o %b", 255, 255, 8, 5)', "ff FF 10 101"),
    ('format("%e", 1500)', "1.500000e+03"),
    ('format("%+d", 5)', "+5"),
    ('format("%d", "12")', "12"),
    ('format("100%%")', "100%"),
    ('format("%s", [1])', ERROR),
    ('format("%d", 1.5)', ERROR),
    ('format("%s", null)', ERROR),
    ('format("%s")', ERROR),
    ('format("x", 1)', ERROR),
    ('format("%s", var.u)', UNKNOWN),
    ('format("%[1]s", "a")', UNKNOWN),  # argument indexes are Terraform's, not ours
    ('formatlist("%s=%s", ["a", "b"], "x")', ["a=x", "b=x"]),
    ('formatlist("%s-%s", ["a", "b"], [1, 2])', ["a-1", "b-2"]),
    ('formatlist("%s%s", ["a"], ["b", "c"])', ERROR),
    ('formatlist("%s", ["a", var.u])', UNKNOWN),
    ('join(",", ["a", "b"])', "a,b"),
    ('join("-", ["a"], ["b", 1])', "a-b-1"),
    ('join(",", [])', ""),
    ('join(",", ["a", null])', ERROR),
    ('join(",", [["a"]])', ERROR),
    ('join(",", var.lu)', UNKNOWN),
    ('split(",", "a,b,,c")', ["a", "b", "", "c"]),
    ('split(",", "")', [""]),
    ('split("", "abc")', ["a", "b", "c"]),
    ('split(",", 1)', ["1"]),
    ('replace("a-b-c", "-", "_")', "a_b_c"),
    ('replace("a1b22", "/[0-9]+/", "#")', "a#b#"),
    (r'replace("key=val", "/(\\w+)=(\\w+)/", "$2=$1")', "val=key"),
    ('replace("ab", "/(?P<x>a)/", "$${x}$${x}")', "aab"),
    ('replace("ab", "/(a)/", "$1_")', "b"),  # Go reads $1_ as a group named "1_", which is empty
    ('replace("a", "/a/", "$$")', "$"),
    ('replace("a", "/(/", "x")', UNKNOWN),
    ('lower("ÀB")', "àb"),
    ('upper("ab")', "AB"),
    ('trimspace("  a b \\n")', "a b"),
    ('trimprefix("foobar", "foo")', "bar"),
    ('trimprefix("foobar", "x")', "foobar"),
    ('trimsuffix("foobar", "bar")', "foo"),
    ('trim("?!hello?!", "!?")', "hello"),
    ('chomp("a\\n\\n")', "a"),
    ('strrev("abc")', "cba"),
    ('substr("hello world", 1, 4)', "ello"),
    ('substr("hello", -3, -1)', "llo"),
    ('substr("hello", 0, 10)', "hello"),
    ('substr("héllo", 1, 1)', "é"),
    ('substr("hi", 5, 1)', ""),
    ('startswith("hello", "he")', True),
    ('endswith("hello", "lo")', True),
    ('startswith(12, "1")', True),
    ('upper(["a"])', ERROR),
    ('regex("[a-z]+", "534.345aaabbbccc23454")', "aaabbbccc"),
    (r'regex("(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)", "2019-02-01")', ["2019", "02", "01"]),
    (
        'regex("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://terraform.io/docs/")',
        {"scheme": "https", "authority": "terraform.io"},
    ),
    (r'regex("(?<y>\\d+)", "x12")', {"y": "12"}),
    ('regex("(a)(b)?", "a")', ["a", None]),
    ('regex("z", "abc")', ERROR),
    ('regexall("[a-z]+", "1234abcd5678efgh9")', ["abcd", "efgh"]),
    ('regexall("z", "abc")', []),
    # the AWS provider
    (
        'provider::aws::arn_parse("arn:aws:iam::123456789012:role/a:b")',
        {
            "partition": "aws",
            "service": "iam",
            "region": "",
            "account_id": "123456789012",
            "resource": "role/a:b",
        },
    ),
    ('provider::aws::arn_parse("nope")', ERROR),
    ('provider::aws::arn_build("aws", "s3", "", "", "bucket")', "arn:aws:s3:::bucket"),
    # names and arity
    ("nosuch(1)", UNKNOWN),
    ('provider::other::thing("a")', UNKNOWN),
    ("upper()", ERROR),
    ('upper("a", "b")', ERROR),
    ("concat([1], var.u...)", UNKNOWN),
    ('concat([["a"], ["b"]]...)', ["a", "b"]),
    ('concat(["a"]...)', ERROR),  # expands to concat("a")
    ('upper("a"...)', ERROR),
]


@pytest.mark.parametrize(("text", "expected"), CALLS)
def test_functions(text: str, expected: Any) -> None:
    check(run(text), expected)


def test_results_with_unknown_leaves_are_kept() -> None:
    assert run("merge({a = var.u}, {b = 1})") == {"a": Unknown("var.u"), "b": 1}
    assert run("concat(var.lu, [1])") == ["x", Unknown("var.lu[1]"), 1]
    assert run("tolist(var.lu)") == ["x", Unknown("var.lu[1]")]
    assert run('lookup(var.mu, "a")') == Unknown("var.mu.a")


def _unknown_calls() -> list[str]:
    calls = []
    for name, func in sorted(FUNCTIONS.items()):
        if func.tolerant or func.max_args == 0:
            continue
        count = max(func.min_args, 1)
        calls.append(f"{name}({', '.join(['var.u'] * count)})")
    return calls


@pytest.mark.parametrize("text", _unknown_calls())
def test_unknown_arguments_give_unknown(text: str) -> None:
    check(run(text), UNKNOWN)


@pytest.mark.parametrize(
    "text", ["jsonencode(var.u)", "can(var.u)", "coalesce(var.u)", "coalescelist(var.u)"]
)
def test_tolerant_functions_with_unknown_arguments(text: str) -> None:
    check(run(text), UNKNOWN)


def test_every_listed_function_is_registered() -> None:
    listed = re.findall(
        r"\S+",
        """jsonencode jsondecode merge concat format formatlist join split flatten distinct compact lookup
        element can coalesce coalescelist tolist toset tomap tostring tonumber tobool replace lower upper
        trimspace trimprefix trimsuffix length keys values contains zipmap setunion setintersection slice
        range substr startswith endswith one sort reverse abs max min ceil floor regex regexall base64encode
        base64decode sha256 md5 uuid timestamp file templatefile provider::aws::arn_parse
        provider::aws::arn_build""",
    )
    assert not [name for name in listed if name not in FUNCTIONS]


def test_keys_of_a_lazy_mapping_reads_no_value() -> None:
    scope = make_scope()
    assert evaluate(expr("keys(local)"), scope) == ["a", "arn", "b", "bad", "loop"]
    assert scope.roots["local"].reads == []


# --- files ---------------------------------------------------------------------------------------
def file_scope(tmp_path: Path, **paths: str) -> FakeScope:
    scope = make_scope()
    scope.roots["path"] = paths or {"module": str(tmp_path)}
    scope.roots["var"] = {**scope.roots["var"], "dir": str(tmp_path)}
    return scope


def test_file_reads_relative_to_the_scope_path(tmp_path: Path) -> None:
    (tmp_path / "policy.json").write_bytes(b'{"a": 1}\r\n')
    scope = file_scope(tmp_path)
    assert evaluate(expr('file("policy.json")'), scope) == '{"a": 1}\r\n'  # bytes as they are
    assert evaluate(expr('file("${var.dir}/policy.json")'), scope) == '{"a": 1}\r\n'
    assert evaluate(expr('jsondecode(file("policy.json")).a'), scope) == 1
    assert evaluate(expr('fileexists("policy.json")'), scope) is True
    assert evaluate(expr('fileexists("nope.json")'), scope) is False


def test_file_prefers_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "f.txt").write_text("from root")
    scope = file_scope(tmp_path, cwd=str(tmp_path / "root"), module=str(tmp_path / "mod"))
    assert evaluate(expr('file("f.txt")'), scope) == "from root"


def test_file_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9")
    (tmp_path / "big.txt").write_text("x" * 100)
    scope = file_scope(tmp_path)
    check(evaluate(expr('file("missing.txt")'), scope), UNKNOWN)
    check(evaluate(expr('file("latin1.txt")'), scope), ERROR)
    monkeypatch.setattr(hcl_functions, "MAX_FILE_BYTES", 10)
    check(evaluate(expr('file("big.txt")'), scope), UNKNOWN)
    assert evaluate(expr('file("missing.txt")'), scope).text == 'file("missing.txt")'


def test_templatefile(tmp_path: Path) -> None:
    (tmp_path / "p.tpl").write_text(
        '{"Principal": "${principal}", "Ids": [%{ for i in ids ~}"${i}",%{ endfor ~}]}\n'
    )
    scope = file_scope(tmp_path)
    value = evaluate(expr('templatefile("p.tpl", {principal = "arn:aws:iam::1:root", ids = [1, 2]})'), scope)
    assert value == '{"Principal": "arn:aws:iam::1:root", "Ids": ["1","2",]}\n'


def test_templatefile_problems(tmp_path: Path) -> None:
    (tmp_path / "t.tpl").write_text("${who} $${literal}")
    (tmp_path / "outer.tpl").write_text('${templatefile("t.tpl", {who = "x"})}')
    (tmp_path / "broken.tpl").write_text("%{ if true }")
    scope = file_scope(tmp_path)
    assert evaluate(expr('templatefile("t.tpl", {who = "me"})'), scope) == "me ${literal}"
    check(evaluate(expr('templatefile("t.tpl", {who = var.u})'), scope), UNKNOWN)
    check(evaluate(expr('templatefile("t.tpl", {})'), scope), UNKNOWN)  # var.* is not visible either
    check(evaluate(expr('templatefile("t.tpl", var.u)'), scope), UNKNOWN)
    check(evaluate(expr('templatefile("t.tpl", "who")'), scope), ERROR)
    check(evaluate(expr('templatefile("outer.tpl", {})'), scope), ERROR)  # Terraform forbids nesting
    check(evaluate(expr('templatefile("broken.tpl", {})'), scope), UNKNOWN)
    check(evaluate(expr('templatefile("none.tpl", {})'), scope), UNKNOWN)


def test_templatefile_records_references(tmp_path: Path) -> None:
    (tmp_path / "k.tpl").write_text("${k.arn}/${k.key_id}")
    _, refs = evaluate_with_refs(expr('templatefile("k.tpl", {k = aws_kms_key.k})'), file_scope(tmp_path))
    assert refs == [("aws_kms_key.k", None), ("aws_kms_key.k", "arn"), ("aws_kms_key.k", "key_id")]


_JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.text()
_JSON_VALUES = st.recursive(_JSON_LEAVES, lambda inner: st.lists(inner, max_size=4)
                            | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=20)


@given(_JSON_VALUES)
def test_jsonencode_in_one_call_writes_what_the_encoder_does_node_by_node(value: Any) -> None:
    assert hcl_values.jsonencode(value) == hcl_values._encode(value)
