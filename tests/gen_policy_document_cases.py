"""Regenerate tests/data/policy_document_cases.json from what Terraform + hashicorp/aws 5.100 render.

Usage: ``python -m tests.gen_policy_document_cases [--mirror DIR] [--terraform PATH]``

Each case below is the evaluated configuration of one ``data "aws_iam_policy_document"``. The
script writes every case as HCL into a scratch root module, plans it offline (the data source
needs no AWS API), and records the provider's ``json`` attribute, or the error it reported, next
to the input. Without Terraform or the provider mirror it prints why and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "data" / "policy_document_cases.json"
PROVIDER_VERSION = "5.100.0"


def doc(*statements: dict[str, Any], **top: Any) -> str:
    return json.dumps({**top, "Statement": list(statements)})


def stmt(**fields: Any) -> dict[str, Any]:
    return fields


def principal(type_: str, *identifiers: str) -> dict[str, Any]:
    return {"type": type_, "identifiers": list(identifiers)}


def cond(test: str, variable: str, *values: str) -> dict[str, Any]:
    return {"test": test, "variable": variable, "values": list(values)}


SOURCE_A = doc(
    {"Sid": "One", "Effect": "Allow", "Action": ["s3:b", "s3:a", "s3:c"], "Resource": "*",
     "Principal": {"AWS": ["arn:aws:iam::1:root", "arn:aws:iam::3:root", "arn:aws:iam::2:root"]}},
    {"Effect": "Deny", "NotAction": "s3:*", "NotResource": ["b", "a"], "Principal": "*"},
    {"Sid": "Two", "Action": "kms:Decrypt", "Principal": {"AWS": "*"},
     "Condition": {"StringEquals": {"k1": "v", "a0": ["z", "y"]}, "Bool": {"aws:SecureTransport": False}}},
    Version="2008-10-17", Id="source-id",
)
SOURCE_B = doc({"Sid": "Three", "Action": "sqs:*", "NotPrincipal": {"Service": "x.amazonaws.com"}})
OVERRIDE = doc(
    {"Sid": "Two", "Effect": "Deny", "Action": "kms:*", "Resource": "*"},
    {"Sid": "New", "Action": "sns:*"},
    {"Action": "ec2:*"},
    {"Sid": "New", "Action": "sns:Publish"},
    Id="override-id",
)


def shuffled_blocks(seed: int) -> dict[str, Any]:
    """Many principal and condition blocks, to pin down the order the provider merges them in."""
    rng = random.Random(seed)
    pool = ["arn:aws:iam::%d:root" % n for n in range(10, 16)] + ["*", "a", "b", "ab", "B", "&{x}"]
    principals = [principal(rng.choice(["AWS", "Service"]), *rng.sample(pool, rng.randint(1, 4))) for _ in range(8)]
    conditions = [cond(rng.choice(["StringEquals", "StringLike"]), rng.choice(["v", "w"]),
                       *rng.choices(pool, k=rng.randint(1, 3))) for _ in range(8)]
    return {"statement": [{"actions": rng.sample(pool, 5), "resources": rng.sample(pool, 4),
                           "principals": principals, "not_principals": principals[:3], "condition": conditions}]}


LOWERCASE_SOURCE = json.dumps({
    "version": "2012-10-17", "id": "lower",
    "statement": [{"sid": "Lower", "effect": "Allow", "action": ["b", "a"], "Extra": 1, "NOTRESOURCE": "x",
                   "principal": {"AWS": "p"}, "condition": {"StringEquals": {"k": "v"}}}],
})

CASES: list[dict[str, Any]] = [
    {"name": "empty", "args": {}},
    {"name": "empty_statement_list", "args": {"statement": []}},
    {"name": "single_values", "args": {"statement": [{
        "sid": "A", "actions": ["kms:Decrypt"], "resources": ["*"],
        "principals": [principal("AWS", "arn:aws:iam::222222222222:root")],
        "condition": [cond("StringEquals", "kms:ViaService", "secretsmanager.us-east-1.amazonaws.com")]}]}},
    {"name": "sorted_descending_and_deduplicated", "args": {"statement": [{
        "actions": ["s3:GetObject", "s3:PutObject", "s3:GetObject", "S3:ZZ", "s3:*"],
        "resources": ["arn:aws:s3:::b/*", "arn:aws:s3:::b", "*"]}]}},
    {"name": "not_fields_and_deny", "args": {"statement": [{
        "effect": "Deny", "not_actions": ["iam:*", "sts:*"], "not_resources": ["arn:x"],
        "not_principals": [principal("AWS", "arn:aws:iam::1:root", "arn:aws:iam::2:root")]}]}},
    {"name": "statement_without_anything", "args": {"statement": [{}]}},
    {"name": "version_id_sid", "args": {"version": "2008-10-17", "policy_id": "my-id",
                                        "statement": [{"sid": "S1", "actions": ["a:b"]}, {"actions": ["c:d"]}]}},
    {"name": "empty_policy_id", "args": {"policy_id": "", "statement": [{"sid": "", "actions": ["a:b"]}]}},
    {"name": "star_principal_alone", "args": {"statement": [{"actions": ["s3:*"],
                                                             "principals": [principal("*", "*")]}]}},
    {"name": "star_not_principal_alone", "args": {"statement": [{"actions": ["s3:*"],
                                                                 "not_principals": [principal("*", "*")]}]}},
    {"name": "aws_star_principal", "args": {"statement": [{"actions": ["s3:*"],
                                                           "principals": [principal("AWS", "*")]}]}},
    {"name": "star_type_with_two_identifiers", "args": {"statement": [{
        "actions": ["s3:*"], "principals": [principal("*", "*", "x")]}]}},
    {"name": "star_principal_with_other_type", "args": {"statement": [{"actions": ["s3:*"], "principals": [
        principal("*", "*"), principal("Service", "a.amazonaws.com")]}]}},
    {"name": "principals_same_type_merged", "args": {"statement": [{"actions": ["s3:*"], "principals": [
        principal("AWS", "b", "a"), principal("AWS", "d", "c"), principal("AWS", "e"),
        principal("Service", "s.amazonaws.com"), principal("AWS", "f"),
        principal("Federated", "cognito-identity.amazonaws.com")]}]}},
    {"name": "principals_single_then_single", "args": {"statement": [{"actions": ["s3:*"], "principals": [
        principal("AWS", "111111111111"), principal("AWS", "222222222222"),
        principal("AWS", "333333333333")]}]}},
    {"name": "principals_duplicate_blocks", "args": {"statement": [{"actions": ["s3:*"], "principals": [
        principal("AWS", "x", "y"), principal("AWS", "y", "x")]}]}},
    {"name": "principal_overlapping_identifiers", "args": {"statement": [{"actions": ["s3:*"], "principals": [
        principal("AWS", "x", "y"), principal("AWS", "x")]}]}},
    {"name": "conditions_merged", "args": {"statement": [{"actions": ["s3:*"], "condition": [
        cond("StringEquals", "v", "b", "a", "a"), cond("StringEquals", "v", "z"),
        cond("StringEquals", "w", "1"), cond("StringLike", "v", "x*"),
        cond("ArnLike", "aws:PrincipalArn", "arn:aws:iam::1:role/b", "arn:aws:iam::1:role/a")]}]}},
    {"name": "conditions_single_single", "args": {"statement": [{"actions": ["s3:*"], "condition": [
        cond("StringEquals", "v", "one"), cond("StringEquals", "v", "two"),
        cond("StringEquals", "v", "three")]}]}},
    {"name": "conditions_list_list", "args": {"statement": [{"actions": ["s3:*"], "condition": [
        cond("StringEquals", "v", "a", "c"), cond("StringEquals", "v", "b", "d")]}]}},
    {"name": "conditions_duplicate_blocks", "args": {"statement": [{"actions": ["s3:*"], "condition": [
        cond("Bool", "aws:SecureTransport", "false"), cond("Bool", "aws:SecureTransport", "false")]}]}},
    {"name": "condition_values_not_set_like", "args": {"statement": [{"actions": ["s3:*"], "condition": [
        cond("StringEquals", "v", "x", "x")]}]}},
    {"name": "variable_substitution", "args": {"statement": [{
        "actions": ["s3:&{x}"], "resources": ["arn:aws:s3:::b/&{aws:username}/*", "arn:aws:s3:::%{c}"],
        "not_resources": ["&{a}"], "principals": [principal("AWS", "&{p}")],
        "condition": [cond("StringLike", "s3:prefix", "&{aws:username}/", "home/")]}]}},
    {"name": "substitution_sorts_before_replacing", "args": {"statement": [{
        "resources": ["&{b}", "$", "%", "'"]}]}},
    {"name": "json_escaping", "args": {"statement": [{
        "sid": "Esc", "actions": ["a<b>&c"], "resources": ["é\u2028\u2029\t\n\"\\/\u0001\u007f"],
        "condition": [cond("StringEquals", "k<", "v>")]}]}},
    {"name": "sources_then_statements", "args": {"source_policy_documents": [SOURCE_A, SOURCE_B], "statement": [
        {"sid": "Two", "actions": ["kms:Encrypt"]}, {"actions": ["ec2:*"]}, {"sid": "Four", "actions": ["x:y"]}]}},
    {"name": "sources_only", "args": {"source_policy_documents": [SOURCE_A]}},
    {"name": "sources_with_null", "args": {"source_policy_documents": [None, SOURCE_B]}},
    {"name": "overrides", "args": {"override_policy_documents": [OVERRIDE], "policy_id": "mine",
                                   "source_policy_documents": [SOURCE_A],
                                   "statement": [{"sid": "Mine", "actions": ["a:a"]}]}},
    {"name": "overrides_two_documents", "args": {"override_policy_documents": [SOURCE_B, OVERRIDE],
                                                 "statement": [{"sid": "New", "actions": ["a:a"]}]}},
    {"name": "source_json_conflicts_with_documents", "args": {
        "source_json": SOURCE_B, "source_policy_documents": [SOURCE_A],
        "override_json": doc({"Sid": "Three", "Action": "o:j"}),
        "override_policy_documents": [doc({"Sid": "Three", "Action": "o:p"}, {"Sid": "One", "Action": "o:p"})],
        "statement": [{"sid": "Two", "actions": ["s:t"]}]}},
    {"name": "source_version_upgrade", "args": {
        "version": "2008-10-17", "source_policy_documents": [doc({"Action": "a"}, Version="2012-10-17")]}},
    {"name": "source_odd_version", "args": {"source_policy_documents": [doc({"Action": "a"}, Version="2099")]}},
    {"name": "source_null_and_no_statement", "args": {"source_policy_documents": ["null", "{}"]}},
    {"name": "source_lowercase_keys", "args": {"source_policy_documents": [LOWERCASE_SOURCE]}},
    {"name": "source_repeated_keys", "args": {"source_policy_documents": [
        '{"Statement": [{"Action": "a", "action": "b", "Resource": "r"}], "Version": "1", "version": "0"}']}},
    {"name": "source_numbers_in_action", "args": {"source_policy_documents": [doc(
        {"Action": [3, 1e21, 1e-7, 0.5, 123456789.125, -0.0, 1e20, 1.5e-6, 2e-6], "Resource": 7})]}},
    {"name": "source_other_json_in_action", "args": {"source_policy_documents": [doc(
        {"Action": {"b": [True, None], "a": "x"}, "Resource": None, "NotAction": False})]}},
    {"name": "source_condition_number_scalar", "args": {"source_policy_documents": [doc(
        {"Action": "a", "Condition": {"NumericLessThan": {"n": 5}}})]}},
    {"name": "source_condition_number_in_list", "args": {"source_policy_documents": [doc(
        {"Action": "a", "Condition": {"NumericLessThan": {"n": [5, "6"]}}})]}},
    {"name": "source_condition_null_value", "args": {"source_policy_documents": [doc(
        {"Action": "a", "Condition": {"Null": {"n": None}}})]}},
    {"name": "source_principal_aws_star_list", "args": {"source_policy_documents": [doc(
        {"Action": "a", "Principal": {"AWS": ["*"]}}, {"Action": "b", "Principal": {"*": ["*"], "AWS": "x"}},
        {"Action": "c", "Principal": {"*": ["x", "*"]}}, {"Action": "d", "NotPrincipal": "anything"})]}},
    {"name": "source_principal_number", "args": {"source_policy_documents": [doc(
        {"Action": "a", "Principal": {"AWS": 5}})]}},
    {"name": "source_substitution_untouched", "args": {"version": "2008-10-17", "source_policy_documents": [doc(
        {"Action": "a", "Resource": ["&{x}", "a"], "Condition": {"StringLike": {"k": "&{y}"}}})]}},
    {"name": "source_sid_not_string", "args": {"source_policy_documents": [doc({"Sid": 5, "Action": "a"})]}},
    {"name": "source_empty_string_among_others", "args": {"source_policy_documents": ["", SOURCE_B]}},
    {"name": "source_json_with_statements_and_override_json", "args": {
        "source_json": SOURCE_A, "override_json": doc({"Sid": "Three", "Action": "o:j"}, {"Sid": "One"}, Id="oj"),
        "statement": [{"sid": "Two", "actions": ["s:t"]}, {"sid": "Three", "actions": ["t:t"]}]}},
    {"name": "source_json_duplicate_sid", "args": {"source_json": doc({"Sid": "D"}, {"Sid": "D"})}},
    {"name": "source_ids_and_policy_id", "args": {"policy_id": "mine", "source_policy_documents": [
        doc({"Action": "a"}, Id="first"), doc({"Action": "b"}, Id="second")]}},
    {"name": "source_ids_last_wins", "args": {"source_policy_documents": [
        doc({"Action": "a"}, Id="first"), doc({"Action": "b"}, Id="second"), doc({"Action": "c"}, Id="")]}},
    {"name": "shuffled_blocks_1", "args": shuffled_blocks(1)},
    {"name": "shuffled_blocks_2", "args": shuffled_blocks(2)},
    {"name": "shuffled_blocks_3", "args": shuffled_blocks(3)},
    {"name": "principal_set_order", "args": {"statement": [{"principals": [
        principal("AWS", *ids) for ids in (["b", "a"], ["c"], ["a", "c", "b"], ["ba", "ab"], ["z", "y"], ["q"])]}]}},
    {"name": "shuffled_blocks_4", "args": shuffled_blocks(4)},
    {"name": "shuffled_blocks_5", "args": shuffled_blocks(5)},
    {"name": "substitution_then_sorted_again", "args": {"statement": [{
        "principals": [principal("AWS", "&{b}", "%", "'")], "resources": ["&{b}", "%", "'"]}]}},
    {"name": "config_values_not_strings", "args": {"statement": [{
        "sid": "N", "actions": [True, 5], "resources": [1.5],
        "condition": [cond("NumericLessThan", "n", 3600, False)]}]}},
    {"name": "source_condition_single_and_empty_lists", "args": {"source_policy_documents": [doc(
        {"Action": "a", "Condition": {"StringEquals": {"one": ["x"], "none": []}, "Null": None}})]}},
    {"name": "source_principal_null", "args": {"source_policy_documents": [doc({"Action": "a", "Principal": None})]}},
    {"name": "source_principal_list", "args": {"source_policy_documents": [doc({"Action": "a", "Principal": ["x"]})]}},
    {"name": "source_condition_null", "args": {"source_policy_documents": [doc({"Action": "a", "Condition": None})]}},
    {"name": "source_condition_not_object", "args": {"source_policy_documents": [doc(
        {"Action": "a", "Condition": {"StringEquals": "x"}})]}},
    {"name": "source_not_object", "args": {"source_policy_documents": ['["x"]']}},
    {"name": "source_statement_null_entry", "args": {"source_policy_documents": ['{"Statement": [null]}']}},
    {"name": "source_json_alone", "args": {"source_json": SOURCE_B}},
    {"name": "source_json_empty_string", "args": {"source_json": "", "override_json": ""}},
    {"name": "version_2008_substitution_in_condition", "args": {"version": "2008-10-17", "statement": [
        {"condition": [cond("StringLike", "k", "&{x}")]}]}},
    {"name": "version_2008_substitution_in_principal", "args": {"version": "2008-10-17", "statement": [
        {"principals": [principal("AWS", "&{x}")]}]}},
    {"name": "version_2008_ampersand_in_action", "args": {"version": "2008-10-17", "statement": [
        {"actions": ["&{x}"]}]}},
    {"name": "source_html_and_unicode", "args": {"source_policy_documents": [
        doc({"Sid": "H", "Action": "a<b>&c", "Resource": "é\u2028"})]}},
    {"name": "source_condition_bool_and_list", "args": {"source_policy_documents": [doc(
        {"Action": "a", "Condition": {"Bool": {"x": True}, "StringEquals": {"y": ["c", "a", "b"], "z": "q"}}})]}},
    {"name": "source_principal_list_order", "args": {"source_policy_documents": [doc(
        {"Action": "a", "Principal": {"AWS": ["b", "c", "a"], "Service": ["y", "z"]}})]}},
    {"name": "source_principal_star_list", "args": {"source_policy_documents": [doc(
        {"Action": "a", "Principal": {"*": ["*"]}}, {"Action": "b", "Principal": {"*": "*"}})]}},
    {"name": "source_empty_lists", "args": {"source_policy_documents": [doc(
        {"Action": [], "Resource": [], "Principal": {}, "Condition": {}})]}},
    {"name": "source_statement_not_list", "args": {"source_policy_documents": [json.dumps(
        {"Statement": {"Action": "a"}})]}},
    {"name": "source_duplicate_sid", "args": {"source_policy_documents": [SOURCE_B, SOURCE_B]}},
    {"name": "source_duplicate_sid_within_one", "args": {"source_policy_documents": [doc(
        {"Sid": "D", "Action": "a"}, {"Sid": "D", "Action": "b"})]}},
    {"name": "source_invalid_json", "args": {"source_policy_documents": ["{"]}},
    {"name": "source_empty_string", "args": {"source_policy_documents": [""]}},
    {"name": "override_duplicate_sid_allowed", "args": {"override_policy_documents": [SOURCE_B, SOURCE_B]}},
    {"name": "duplicate_sid_in_statements", "args": {"statement": [{"sid": "D", "actions": ["a"]},
                                                                   {"sid": "D", "actions": ["b"]}]}},
    {"name": "duplicate_empty_sid_allowed", "args": {"statement": [{"sid": "", "actions": ["a"]},
                                                                   {"sid": "", "actions": ["b"]}]}},
    {"name": "version_2008_with_substitution", "args": {"version": "2008-10-17",
                                                        "statement": [{"resources": ["&{x}"]}]}},
    {"name": "empty_identifiers_and_values", "args": {"statement": [{
        "principals": [principal("AWS")], "condition": [cond("StringEquals", "v")]}]}},
]


def hcl_string(value: str) -> str:
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ch in "\u2028\u2029\u007f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    # Template sequences would be interpreted; doubling the introducer makes them literal.
    return '"' + "".join(out).replace("${", "$${").replace("%{", "%%{") + '"'


def hcl_value(value: Any) -> str:
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return hcl_string(value)
    return "[" + ", ".join(hcl_value(v) for v in value) + "]"


BLOCKS = ("statement", "principals", "not_principals", "condition")


def hcl_body(args: dict[str, Any], indent: str) -> str:
    lines = []
    for key, value in args.items():
        if key in BLOCKS:
            for block in value:
                lines.append(f"{indent}{key} {{\n{hcl_body(block, indent + '  ')}{indent}}}\n")
        else:
            lines.append(f"{indent}{key} = {hcl_value(value)}\n")
    return "".join(lines)


MAIN = """terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "%s" }
  }
}
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "x"
  secret_key                  = "x"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
""" % PROVIDER_VERSION


def write_module(workdir: Path, cases: list[dict[str, Any]]) -> None:
    workdir.mkdir(exist_ok=True)
    blocks = [f'data "aws_iam_policy_document" "{c["name"]}" {{\n{hcl_body(c["args"], "  ")}}}\n' for c in cases]
    (workdir / "main.tf").write_text(MAIN + "".join(blocks))


class Terraform:
    def __init__(self, executable: str, workdir: Path, mirror: str) -> None:
        self.executable = executable
        self.workdir = workdir
        (workdir / "cli.tfrc").write_text('provider_installation {\n  filesystem_mirror { path = "%s" }\n}\n' % mirror)
        # One data directory for every module, so the provider is installed only once.
        self.env = {**os.environ, "TF_CLI_CONFIG_FILE": str(workdir / "cli.tfrc"), "TF_IN_AUTOMATION": "1",
                    "TF_DATA_DIR": str(workdir / "data")}
        self.modules = 0

    def run(self, module: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.executable, *args], cwd=module, env=self.env, capture_output=True,
                              text=True, check=False)

    def init(self) -> str | None:
        module = self.workdir / "init"
        write_module(module, [])
        proc = self.run(module, "init", "-input=false", "-no-color")
        return None if proc.returncode == 0 else proc.stdout + proc.stderr

    def plan(self, cases: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
        """Plan the cases in one module: the ``json`` of each, or else the errors by case name."""
        self.modules += 1
        module = self.workdir / f"m{self.modules}"
        write_module(module, cases)
        shutil.copy(self.workdir / "init" / ".terraform.lock.hcl", module)
        proc = self.run(module, "plan", "-input=false", "-json", "-out", "p")
        if proc.returncode == 0:
            show = json.loads(self.run(module, "show", "-json", "p").stdout)
            resources = show["prior_state"]["values"]["root_module"]["resources"]
            return {r["name"]: r["values"]["json"] for r in resources}, {}
        errors = {}
        for line in proc.stdout.splitlines():
            diag = json.loads(line).get("diagnostic") or {}
            if diag.get("severity") == "error" and diag.get("address"):
                errors[diag["address"].rsplit(".", 1)[-1]] = diag.get("summary", "")
        # Some inputs crash the provider (a panic on stderr) rather than fail with a diagnostic.
        panic = re.search(r"^panic: .*$", proc.stderr, re.MULTILINE)
        if panic:
            errors = dict.fromkeys(errors or [c["name"] for c in cases], "provider crashed: " + panic.group(0))
        return {}, errors or dict.fromkeys([c["name"] for c in cases], proc.stderr.strip())


def render_all(terraform: Terraform, cases: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Plan the cases together; keep the errors the provider blames on a case, plan the rest again.

    A provider crash fails every read in flight, so then the cases are split in halves until the
    crashing one is alone.
    """
    rendered, errors = terraform.plan(cases)
    if not errors:
        return {name: {"json": text} for name, text in rendered.items()}
    if len(cases) == 1:
        return {cases[0]["name"]: {"error": errors[cases[0]["name"]]}}
    if any(e.startswith("provider crashed") for e in errors.values()):
        half = len(cases) // 2
        return {**render_all(terraform, cases[:half]), **render_all(terraform, cases[half:])}
    results = {name: {"error": error} for name, error in errors.items()}
    rest = [c for c in cases if c["name"] not in errors]
    return {**results, **(render_all(terraform, rest) if rest else {})}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", default="/opt/tf-plugins")
    parser.add_argument("--terraform", default=shutil.which("terraform"))
    opts = parser.parse_args(argv)
    if not opts.terraform or not Path(opts.mirror, "registry.terraform.io/hashicorp/aws").is_dir():
        print("skipped: terraform or the hashicorp/aws provider mirror is not available", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory(prefix="tfcheck-policy-doc-") as tmp:
        terraform = Terraform(opts.terraform, Path(tmp), opts.mirror)
        failure = terraform.init()
        if failure:
            print(failure, file=sys.stderr)
            return 1
        results = render_all(terraform, CASES)
    records = [{"name": case["name"], "args": case["args"], **results[case["name"]]} for case in CASES]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n")
    errors = sum("error" in r for r in records)
    print(f"wrote {len(records)} cases ({errors} refused by the provider) to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
