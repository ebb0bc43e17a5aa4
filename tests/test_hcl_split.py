"""Top-level blocks set aside unparsed (hcl_split, LazyBlock): the same blocks as a whole parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.test_parse_cache import SOURCES, _same_blocks
from tfcheck.errors import InputError
from tfcheck.terraform.eval import from_plan as hcl_planned
from tfcheck.terraform.eval import modules as hcl_module
from tfcheck.terraform.hcl.cache_format import decode, encode
from tfcheck.terraform.hcl.outline import split_blocks
from tfcheck.terraform.hcl.parse import parse_text
from tfcheck.terraform.hcl.read import LazyBlock, parse_file, parse_kept
from tfcheck.terraform.plan.read import load_plan
from tfcheck.terraform.source import load_directory

NOTHING = frozenset[str]()


def _both(path: Path) -> tuple[list, list] | None:
    try:
        whole = parse_file(path, str(path), path.name)
    except InputError:
        return None  # the syntax-error fixtures
    return whole, parse_file(path, str(path), path.name, NOTHING)


def test_every_fixture_reads_the_same_with_resources_set_aside() -> None:
    lazy = 0
    for path in (p for p in SOURCES if p.suffix == ".tf"):
        pair = _both(path)
        if pair is None:
            continue
        whole, kept = pair
        lazy += sum(isinstance(b, LazyBlock) for b in kept)
        _same_blocks(whole, kept, str(path))  # reading a LazyBlock's attributes parses it
    assert lazy > 300


def test_windows_line_ends_split_the_same() -> None:
    checked = 0
    for path in [p for p in SOURCES if p.suffix == ".tf"][:150]:
        if _both(path) is None:
            continue
        text = path.read_text(encoding="utf-8-sig").replace("\n", "\r\n")
        lf_spans = split_blocks(path.read_text(encoding="utf-8-sig"))
        crlf_spans = split_blocks(text)
        assert [(s.type, s.labels, s.line) for s in crlf_spans or ()] == [
            (s.type, s.labels, s.line) for s in lf_spans or ()], path
        _same_blocks(parse_text(text, "t.tf"), parse_kept(text, "t.tf", NOTHING), str(path))
        checked += crlf_spans is not None  # an unsplit file would compare equal to anything
    assert checked > 100


def test_set_aside_blocks_round_trip_the_cache() -> None:
    for path in [p for p in SOURCES if p.suffix == ".tf"][:200]:
        pair = _both(path)
        if pair is None:
            continue
        whole, kept = pair
        again = decode(encode(kept), path.name, str(path))
        assert [type(b) for b in again] == [type(b) for b in kept]
        _same_blocks(whole, again, str(path))


TRICKY = '''\
# a } in a comment
resource "aws_s3_bucket" "a" {
  bucket = "x-${jsonencode({ a = "}" })}-$${literal}-%%{x}"  // }
  /* } */ tags = { Name = "}" }
  policy = <<-EOT
    { "b": "${var.x}" }
    }
  EOT
}

resource aws_sqs_queue b {
  name = 1 / 2 < 3 ? "a" : "b" # }
} # trailing comment

locals {
  x = 1
}
'''


def test_the_scanner_finds_each_block_whatever_its_braces_hide() -> None:
    spans = split_blocks(TRICKY)
    assert spans is not None
    assert [(s.type, s.labels, s.line) for s in spans] == [
        ("resource", ("aws_s3_bucket", "a"), 2), ("resource", ("aws_sqs_queue", "b"), 11),
        ("locals", (), 15)]
    assert TRICKY[spans[0].start:spans[0].end].endswith("  EOT\n}")
    whole = parse_text(TRICKY, "t.tf")
    kept = parse_file_text(TRICKY)
    assert [type(b) for b in kept] == [LazyBlock, LazyBlock, type(whole[2])]
    _same_blocks(whole, kept, "t.tf")


def parse_file_text(text: str) -> list:
    return parse_kept(text, "t.tf", NOTHING)


@pytest.mark.parametrize("text", [
    'x = 1\n',  # a top-level attribute (tfcheck.hcl, .tfvars)
    'resource "a" "b" {\n',  # unclosed
    'resource "a\\"q" "b" {}\n',  # a label with an escape
    'resource "a" "b" {} locals {}\n',  # two blocks on a line
    'resource "a" "b" {\n  x = "unterminated\n}\n',
    'resource "a" "b" {\n  x = <<EOT\n  never ends\n}\n',
])
def test_the_scanner_gives_up_on_what_it_does_not_know(text: str) -> None:
    assert split_blocks(text) is None


def test_a_syntax_error_in_a_block_set_aside_is_reported_when_it_is_read() -> None:
    text = 'resource "aws_s3_bucket" "a" {\n  bucket = = 1\n}\n'
    block = parse_file_text(text)[0]
    assert isinstance(block, LazyBlock)
    with pytest.raises(InputError) as err:
        _ = block.attrs
    assert (err.value.file, err.value.line) == ("t.tf", 2)


def test_a_syntax_error_elsewhere_is_reported_as_in_the_file() -> None:
    text = 'resource "aws_s3_bucket" "a" {\n}\nlocals {\n  x = = 1\n}\n'
    with pytest.raises(InputError) as err:
        parse_file_text(text)
    assert (err.value.file, err.value.line) == ("t.tf", 4)


def test_a_resource_set_aside_is_parsed_when_a_kept_one_refers_to_it(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''\
resource "aws_iam_role" "reader" {
  name = "reader"
}

resource "aws_secretsmanager_secret" "s" {
  name = aws_iam_role.reader.name
}

resource "aws_s3_bucket" "never" {
  bucket = = 1
}
''')
    graph = load_directory(tmp_path, cache=False, keep=frozenset({"aws_secretsmanager_secret"}))
    (secret,) = graph.resources.values()
    assert secret.values["name"] == "reader"
    with pytest.raises(InputError) as err:  # with every block read, the error is reported
        load_directory(tmp_path, cache=False)
    assert err.value.line == 10


def test_the_source_of_a_plan_evaluates_only_what_the_plan_does_not_know() -> None:
    case = FIXTURES / "plans" / "deferred-data-source-policy"
    plan = load_plan(str(case / "plan.json"))
    only = hcl_planned.unknown_attributes(plan)
    assert only["aws_secretsmanager_secret_policy.billing_db"] == {"id", "policy", "secret_arn"}
    source = load_directory(case, cache=False, plan=plan)
    policy = source.resources["aws_secretsmanager_secret_policy.billing_db"]
    key = source.resources["aws_kms_key.billing"]
    assert "BillingRead" in policy.values["policy"]  # unknown in the plan: evaluated
    assert "policy" not in key.values and "policy" in key.configured  # known: not evaluated
    assert (key.location.file, key.location.line, key.lines["policy"]) == ("main.tf", 5, 8)


def test_the_source_of_a_plan_takes_the_plans_instances(monkeypatch: pytest.MonkeyPatch) -> None:
    case = FIXTURES / "rules" / "cross-account-secret-without-cmk" / "fail" / "for-each-consumer-accounts"
    plan = load_plan(str(case / "plan.json"))
    reads: list[object] = []
    real = hcl_planned.evaluate_with_refs
    monkeypatch.setattr(hcl_planned, "evaluate_with_refs", lambda *a: reads.append(a) or real(*a))
    expanded: list[tuple[str, ...]] = []
    real_expand = hcl_module.expand
    monkeypatch.setattr(hcl_module, "expand", lambda b, s: expanded.append(b.labels) or real_expand(b, s))
    source = load_directory(case, cache=False, plan=plan)
    kept = {a for a, r in plan.resources.items() if r.mode == "managed"}
    assert kept <= set(source.resources) and len(kept) >= 4
    assert ("aws_secretsmanager_secret", "export") not in expanded  # the plan's instances
    assert reads == []  # nothing the plan leaves unknown reads each.value: for_each not evaluated
    policy = next(r for a, r in source.resources.items() if a.startswith("aws_secretsmanager_secret_policy"))
    assert policy.links["secret_arn"][0].target.startswith('aws_secretsmanager_secret.export["')
