"""Regenerate tests/data/policy_document_cases.json from what Terraform + hashicorp/aws 5.100 render.

Usage: ``python -m tests.gen_policy_document_cases [--mirror DIR] [--terraform PATH]``

Each case below is the evaluated configuration of one ``data "aws_iam_policy_document"``. The
script writes the cases as HCL into a scratch root module, plans it offline (the data source needs
no AWS API) and records, next to each input, the provider's ``json`` attribute or the error it
failed the plan with. It takes a few minutes, mostly because inputs that crash the provider are
isolated by planning halves again. Without Terraform or the provider mirror it says so and exits 0.
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
CASES: list[dict[str, Any]] = []


def case(name: str, **args: Any) -> None:
    CASES.append({"name": name, "args": args})


def doc(*statements: dict[str, Any], **top: Any) -> str:
    return json.dumps({**top, "Statement": list(statements)})


def principal(type_: str, *identifiers: str) -> dict[str, Any]:
    return {"type": type_, "identifiers": list(identifiers)}


def cond(test: str, variable: str, *values: Any) -> dict[str, Any]:
    return {"test": test, "variable": variable, "values": list(values)}


def shuffled_blocks(seed: int, blocks: int = 8) -> list[dict[str, Any]]:
    """Many principal and condition blocks, to pin down the order the provider merges them in."""
    rng = random.Random(seed)
    pool = [f"arn:aws:iam::{n}:root" for n in range(10, 16)] + ["*", "a", "b", "ab", "B", "&{x}"]
    principals = [principal(rng.choice(["AWS", "Service"]), *rng.sample(pool, rng.randint(1, 4)))
                  for _ in range(blocks)]
    conditions = [cond(rng.choice(["StringEquals", "StringLike"]), rng.choice(["v", "w"]),
                       *rng.choices(pool, k=rng.randint(1, 3))) for _ in range(blocks)]
    return [{"actions": rng.sample(pool, 5), "resources": rng.sample(pool, 4), "principals": principals,
             "not_principals": principals[:3], "condition": conditions}]


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
LOWERCASE_SOURCE = json.dumps({
    "version": "2012-10-17", "id": "lower",
    "statement": [{"sid": "Lower", "effect": "Allow", "action": ["b", "a"], "Extra": 1, "NOTRESOURCE": "x",
                   "principal": {"AWS": "p"}, "condition": {"StringEquals": {"k": "v"}}}],
})
ALL = ["s3:*"]

# --- statements ---------------------------------------------------------------------------------
case("empty")
case("empty_statement_list", statement=[])
case("single_values", statement=[{
    "sid": "A", "actions": ["kms:Decrypt"], "resources": ["*"],
    "principals": [principal("AWS", "arn:aws:iam::222222222222:root")],
    "condition": [cond("StringEquals", "kms:ViaService", "secretsmanager.us-east-1.amazonaws.com")]}])
case("sorted_descending_and_deduplicated", statement=[{
    "actions": ["s3:GetObject", "s3:PutObject", "s3:GetObject", "S3:ZZ", "s3:*"],
    "resources": ["arn:aws:s3:::b/*", "arn:aws:s3:::b", "*"]}])
case("not_fields_and_deny", statement=[{
    "effect": "Deny", "not_actions": ["iam:*", "sts:*"], "not_resources": ["arn:x"],
    "not_principals": [principal("AWS", "arn:aws:iam::1:root", "arn:aws:iam::2:root")]}])
case("statement_without_anything", statement=[{}])
case("version_id_sid", version="2008-10-17", policy_id="my-id",
     statement=[{"sid": "S1", "actions": ["a:b"]}, {"actions": ["c:d"]}])
case("empty_policy_id", policy_id="", statement=[{"sid": "", "actions": ["a:b"]}])
case("duplicate_sid_in_statements", statement=[{"sid": "D", "actions": ["a"]}, {"sid": "D"}])
case("duplicate_empty_sid_allowed", statement=[{"sid": "", "actions": ["a"]}, {"sid": "", "actions": ["b"]}])
case("config_values_not_strings", statement=[{
    "sid": "N", "actions": [True, 5], "resources": [1.5],
    "condition": [cond("NumericLessThan", "n", 3600, False)]}])
case("json_escaping", statement=[{
    "sid": "Esc", "actions": ["a<b>&c"], "resources": ["é\u2028\u2029\t\n\"\\/\u0001\u007f"],
    "condition": [cond("StringEquals", "k<", "v>")]}])

# --- principals ---------------------------------------------------------------------------------
case("star_principal_alone", statement=[{"actions": ALL, "principals": [principal("*", "*")]}])
case("star_not_principal_alone", statement=[{"actions": ALL, "not_principals": [principal("*", "*")]}])
case("aws_star_principal", statement=[{"actions": ALL, "principals": [principal("AWS", "*")]}])
case("star_type_with_two_identifiers", statement=[{"principals": [principal("*", "x", "*")]}])
case("star_principal_with_other_type", statement=[{"actions": ALL, "principals": [
    principal("*", "*"), principal("Service", "a.amazonaws.com")]}])
case("principals_same_type_merged", statement=[{"actions": ALL, "principals": [
    principal("AWS", "b", "a"), principal("AWS", "d", "c"), principal("AWS", "e"),
    principal("Service", "s.amazonaws.com"), principal("AWS", "f"),
    principal("Federated", "cognito-identity.amazonaws.com")]}])
case("principals_single_then_single", statement=[{"actions": ALL, "principals": [
    principal("AWS", "111111111111"), principal("AWS", "222222222222"), principal("AWS", "333333333333")]}])
case("principals_duplicate_blocks", statement=[{"actions": ALL, "principals": [
    principal("AWS", "x", "y"), principal("AWS", "y", "x")]}])
case("principal_overlapping_identifiers", statement=[{"actions": ALL, "principals": [
    principal("AWS", "x", "y"), principal("AWS", "x")]}])
case("principal_set_order", statement=[{"principals": [
    principal("AWS", *ids) for ids in (["b", "a"], ["c"], ["a", "c", "b"], ["ba", "ab"], ["z", "y"], ["q"])
]}])
case("empty_identifiers_and_values", statement=[{
    "principals": [principal("AWS")], "condition": [cond("StringEquals", "v")]}])
for seed in range(1, 8):
    case(f"shuffled_blocks_{seed}", statement=shuffled_blocks(seed, 8 if seed < 6 else 14))

# --- conditions ---------------------------------------------------------------------------------
case("conditions_merged", statement=[{"actions": ALL, "condition": [
    cond("StringEquals", "v", "b", "a", "a"), cond("StringEquals", "v", "z"),
    cond("StringEquals", "w", "1"), cond("StringLike", "v", "x*"),
    cond("ArnLike", "aws:PrincipalArn", "arn:aws:iam::1:role/b", "arn:aws:iam::1:role/a")]}])
case("conditions_single_single", statement=[{"actions": ALL, "condition": [
    cond("StringEquals", "v", "one"), cond("StringEquals", "v", "two"), cond("StringEquals", "v", "three")]}])
case("conditions_list_list", statement=[{"actions": ALL, "condition": [
    cond("StringEquals", "v", "a", "c"), cond("StringEquals", "v", "b", "d")]}])
case("conditions_duplicate_blocks", statement=[{"actions": ALL, "condition": [
    cond("Bool", "aws:SecureTransport", "false"), cond("Bool", "aws:SecureTransport", "false")]}])
case("condition_values_not_set_like", statement=[{"actions": ALL, "condition": [
    cond("StringEquals", "v", "x", "x")]}])

# --- &{ substitution and the 2008 policy language ------------------------------------------------
case("variable_substitution", statement=[{
    "actions": ["s3:&{x}"], "resources": ["arn:aws:s3:::b/&{aws:username}/*", "arn:aws:s3:::%{c}"],
    "not_resources": ["&{a}"], "principals": [principal("AWS", "&{p}")],
    "condition": [cond("StringLike", "s3:prefix", "&{aws:username}/", "home/")]}])
case("substitution_sorts_before_replacing", statement=[{"resources": ["&{b}", "$", "%", "'"]}])
case("substitution_then_sorted_again", statement=[{
    "principals": [principal("AWS", "&{b}", "%", "'")], "resources": ["&{b}", "%", "'"]}])
case("version_2008_with_substitution", version="2008-10-17", statement=[{"resources": ["&{x}"]}])
case("version_2008_substitution_in_condition", version="2008-10-17",
     statement=[{"condition": [cond("StringLike", "k", "&{x}")]}])
case("version_2008_substitution_in_principal", version="2008-10-17",
     statement=[{"principals": [principal("AWS", "&{x}")]}])
case("version_2008_ampersand_in_action", version="2008-10-17", statement=[{"actions": ["&{x}"]}])

# --- source and override documents -----------------------------------------------------------------
case("sources_then_statements", source_policy_documents=[SOURCE_A, SOURCE_B], statement=[
    {"sid": "Two", "actions": ["kms:Encrypt"]}, {"actions": ["ec2:*"]}, {"sid": "Four", "actions": ["x:y"]}])
case("sources_only", source_policy_documents=[SOURCE_A])
case("sources_with_null", source_policy_documents=[None, SOURCE_B])
case("source_empty_string", source_policy_documents=[""])
case("source_empty_string_among_others", source_policy_documents=["", SOURCE_B])
case("source_null_and_no_statement", source_policy_documents=["null", "{}"])
case("source_duplicate_sid", source_policy_documents=[SOURCE_B, SOURCE_B])
case("source_duplicate_sid_within_one", source_policy_documents=[
    doc({"Sid": "D", "Action": "a"}, {"Sid": "D", "Action": "b"})])
case("overrides", override_policy_documents=[OVERRIDE], policy_id="mine", source_policy_documents=[SOURCE_A],
     statement=[{"sid": "Mine", "actions": ["a:a"]}])
case("overrides_two_documents", override_policy_documents=[SOURCE_B, OVERRIDE],
     statement=[{"sid": "New", "actions": ["a:a"]}])
case("override_duplicate_sid_allowed", override_policy_documents=[SOURCE_B, SOURCE_B])
case("source_version_upgrade", version="2008-10-17",
     source_policy_documents=[doc({"Action": "a"}, Version="2012-10-17")])
case("source_odd_version", source_policy_documents=[doc({"Action": "a"}, Version="2099")])
case("source_ids_and_policy_id", policy_id="mine", source_policy_documents=[
    doc({"Action": "a"}, Id="first"), doc({"Action": "b"}, Id="second")])
case("source_ids_last_wins", source_policy_documents=[
    doc({"Action": "a"}, Id="first"), doc({"Action": "b"}, Id="second"), doc({"Action": "c"}, Id="")])
case("source_json_alone", source_json=SOURCE_B)
case("source_json_empty_string", source_json="", override_json="")
case("source_json_with_statements_and_override_json", source_json=SOURCE_A,
     override_json=doc({"Sid": "Three", "Action": "o:j"}, {"Sid": "One"}, Id="oj"),
     statement=[{"sid": "Two", "actions": ["s:t"]}, {"sid": "Three", "actions": ["t:t"]}])
# How encoding/json reads a source into the provider's structs, and how it writes it back.
case("source_lowercase_keys", source_policy_documents=[LOWERCASE_SOURCE])
case("source_repeated_keys", source_policy_documents=[
    '{"Statement": [{"Action": "a", "action": "b", "Resource": "r"}], "Version": "1", "version": "0"}'])
case("source_numbers_in_action", source_policy_documents=[doc(
    {"Action": [3, 1e21, 1e-7, 0.5, 123456789.125, -0.0, 1e20, 1.5e-6, 2e-6], "Resource": 7})])
case("source_other_json_in_action", source_policy_documents=[doc(
    {"Action": {"b": [True, None], "a": "x"}, "Resource": None, "NotAction": False})])
case("source_html_and_unicode", source_policy_documents=[
    doc({"Sid": "H", "Action": "a<b>&c", "Resource": "é\u2028"})])
case("source_empty_lists", source_policy_documents=[doc(
    {"Action": [], "Resource": [], "Principal": {}, "Condition": {}})])
case("source_substitution_untouched", version="2008-10-17", source_policy_documents=[doc(
    {"Action": "a", "Resource": ["&{x}", "a"], "Condition": {"StringLike": {"k": "&{y}"}}})])
case("source_principal_list_order", source_policy_documents=[doc(
    {"Action": "a", "Principal": {"AWS": ["b", "c", "a"], "Service": ["y", "z"]}})])
case("source_principal_star_list", source_policy_documents=[doc(
    {"Action": "a", "Principal": {"*": ["*"]}}, {"Action": "b", "Principal": {"*": "*"}})])
case("source_principal_aws_star_list", source_policy_documents=[doc(
    {"Action": "a", "Principal": {"AWS": ["*"]}}, {"Action": "b", "Principal": {"*": ["*"], "AWS": "x"}},
    {"Action": "c", "Principal": {"*": ["x", "*"]}}, {"Action": "d", "NotPrincipal": "anything"})])
case("source_condition_bool_and_list", source_policy_documents=[doc(
    {"Action": "a", "Condition": {"Bool": {"x": True}, "StringEquals": {"y": ["c", "a", "b"], "z": "q"}}})])
case("source_condition_single_and_empty_lists", source_policy_documents=[doc(
    {"Action": "a", "Condition": {"StringEquals": {"one": ["x"], "none": []}, "Null": None}})])
case("source_condition_number_scalar", source_policy_documents=[doc(
    {"Action": "a", "Condition": {"NumericLessThan": {"n": 5}}})])
case("source_condition_null_value", source_policy_documents=[doc(
    {"Action": "a", "Condition": {"Null": {"n": None}}})])
case("source_condition_null", source_policy_documents=[doc({"Action": "a", "Condition": None})])
# Sources the provider refuses (or crashes on).
case("source_condition_number_in_list", source_policy_documents=[doc(
    {"Action": "a", "Condition": {"NumericLessThan": {"n": [5, "6"]}}})])
case("source_condition_not_object", source_policy_documents=[doc(
    {"Action": "a", "Condition": {"StringEquals": "x"}})])
case("source_principal_number", source_policy_documents=[doc({"Action": "a", "Principal": {"AWS": 5}})])
case("source_principal_null", source_policy_documents=[doc({"Action": "a", "Principal": None})])
case("source_principal_list", source_policy_documents=[doc({"Action": "a", "Principal": ["x"]})])
case("source_sid_not_string", source_policy_documents=[doc({"Sid": 5, "Action": "a"})])
case("source_statement_not_list", source_policy_documents=[json.dumps({"Statement": {"Action": "a"}})])
case("source_statement_null_entry", source_policy_documents=['{"Statement": [null]}'])
case("source_not_object", source_policy_documents=['["x"]'])
case("source_invalid_json", source_policy_documents=["{"])


# --- writing HCL and running Terraform ----------------------------------------------------------

def hcl_string(value: str) -> str:
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}
    unprintable = {chr(c) for c in range(0x20)} | set("\u2028\u2029\u007f")
    out = "".join(escapes.get(ch) or (f"\\u{ord(ch):04x}" if ch in unprintable else ch) for ch in value)
    # Template sequences would be interpreted; doubling the introducer makes them literal.
    return '"' + out.replace("${", "$${").replace("%{", "%%{") + '"'


def hcl_value(value: Any) -> str:
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return hcl_string(value)
    return "[" + ", ".join(hcl_value(v) for v in value) + "]"


def hcl_body(args: dict[str, Any], indent: str) -> str:
    lines = []
    for key, value in args.items():
        if key in ("statement", "principals", "not_principals", "condition"):
            lines += [f"{indent}{key} {{\n{hcl_body(block, indent + '  ')}{indent}}}\n" for block in value]
        else:
            lines.append(f"{indent}{key} = {hcl_value(value)}\n")
    return "".join(lines)


PROVIDER = f"""terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws", version = "{PROVIDER_VERSION}" }}
  }}
}}
provider "aws" {{
  region                      = "us-east-1"
  access_key                  = "x"
  secret_key                  = "x"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}}
"""


def write_module(workdir: Path, cases: list[dict[str, Any]]) -> None:
    workdir.mkdir(exist_ok=True)
    blocks = [f'data "aws_iam_policy_document" "{c["name"]}" {{\n{hcl_body(c["args"], "  ")}}}\n'
              for c in cases]
    (workdir / "main.tf").write_text(PROVIDER + "".join(blocks))


class Terraform:
    def __init__(self, executable: str, workdir: Path, mirror: str) -> None:
        self.executable = executable
        self.workdir = workdir
        (workdir / "cli.tfrc").write_text(
            f'provider_installation {{\n  filesystem_mirror {{ path = "{mirror}" }}\n}}\n')
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
        everyone = [c["name"] for c in cases]
        # Some inputs crash the provider (a panic on stderr) rather than fail with a diagnostic.
        panic = re.search(r"^panic: .*$", proc.stderr, re.MULTILINE)
        if panic:
            errors = dict.fromkeys(errors or everyone, "provider crashed: " + panic.group(0))
        return {}, errors or dict.fromkeys(everyone, proc.stderr.strip())


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
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
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
    records = [{"name": c["name"], "args": c["args"], **results[c["name"]]} for c in CASES]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n")
    errors = sum("error" in r for r in records)
    print(f"wrote {len(records)} cases ({errors} refused by the provider) to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
