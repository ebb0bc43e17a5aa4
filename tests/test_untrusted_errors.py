"""Issue 16: every internal error the change under review can reach is exit 2 and one line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

CASE = FIXTURES / "policy-tests" / "inline-ignore" / "main.tf"
CUSTOM = """rule "no-odd-names" {
  resource_types = ["aws_secretsmanager_secret"]
  forbid         = "$[?(@.name =~ '%s')]"
  message        = "odd name"
}
"""


def _one_line(result, expected: str) -> None:
    assert (result.code, result.out, result.err) == (2, "", f"tfcheck: error: {expected}\n")


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(CASE, tmp_path / "main.tf")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TFCHECK_CONFIG", raising=False)
    return tmp_path


def test_a_bad_regular_expression_in_a_custom_rule(tree: Path, cli) -> None:
    (tree / "tfcheck.hcl").write_text(CUSTOM % "(")
    _one_line(cli("."), "tfcheck.hcl:3: rule 'no-odd-names': forbid: invalid regular expression "
                        "'(': missing ): (")


def test_a_catastrophic_regular_expression_takes_linear_time(tree: Path) -> None:
    (tree / "tfcheck.hcl").write_text(CUSTOM % "(a*)*$b")
    (tree / "main.tf").write_text(CASE.read_text().replace('"security/scanner-token"',
                                                           '"' + "a" * 5000 + '!"'))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TFCHECK_NO_CACHE": "1"}
    done = subprocess.run([sys.executable, "-m", "tfcheck", "."], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stderr


@pytest.mark.parametrize(("text", "error"), [
    ("{nope", "case/expected.json:1:2: invalid JSON: Expecting property name enclosed in double quotes"),
    ('{"runs": 1}', 'case/expected.json: expected {"runs": [...]}'),
    ('{"runs": [{"args": [], "findings": [{"rule": 1}]}]}',
     "case/expected.json: run 1: expected args (strings), findings (rule, address, outcome) and "
     "exit_code (a number)"),
    ('[1]', 'case/expected.json: expected {"runs": [...]}'),
])
def test_a_malformed_expected_json_in_tfcheck_test(tree: Path, cli, text: str, error: str) -> None:
    (tree / "case").mkdir()
    shutil.move(tree / "main.tf", tree / "case" / "main.tf")
    (tree / "case" / "expected.json").write_text(text)
    _one_line(cli("test", "."), error)


def test_a_path_over_the_system_limit(tree: Path, cli) -> None:
    name = "a" * 300
    _one_line(cli(name), f"{'a' * 80}…{'a' * 60}: File name too long")
    deep = "a/" * 3000
    result = cli(deep)
    assert result.code == 2 and result.err.startswith("tfcheck: error: a/a/") and \
        result.err.endswith(": File name too long\n") and len(result.err) < 200


@pytest.mark.parametrize("name", ["extra.tf", "terraform.tfvars", "x.auto.tfvars.json", "tfcheck.hcl",
                                  ".terraform/modules/modules.json", "policy.json"])
def test_a_fifo_named_like_an_input(tree: Path, cli, name: str) -> None:
    (tree / name).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(tree / name)
    if name == "policy.json":
        (tree / "read.tf").write_text('locals {\n  p = file("policy.json")\n}\noutput "p" {\n'
                                      '  value = local.p\n}\n')
        (tree / "main.tf").write_text(CASE.read_text().replace("policy = jsonencode(", "policy = (\n"
                                                               "local.p == \"\" ? \"\" : jsonencode("
                                                               ).replace("  })\n}", "  }))\n}"))
    shown = {"extra.tf": "./extra.tf", ".terraform/modules/modules.json":
             "./.terraform/modules/modules.json"}.get(name, name)
    _one_line(cli("."), f"{shown}: is not a regular file (a FIFO, socket or device): tfcheck does not "
                        "read it")


def test_expected_json_still_reads_as_before(tree: Path, cli) -> None:
    (tree / "case").mkdir()
    shutil.move(tree / "main.tf", tree / "case" / "main.tf")
    (tree / "case" / "expected.json").write_text(json.dumps({"runs": [{"args": [], "findings": [
        {"rule": "cross-account-secret-without-cmk",
         "address": "aws_secretsmanager_secret_policy.scanner_token", "outcome": "blocking"}],
        "exit_code": 1}]}))
    result = cli("test", ".")
    assert result.code == 0, result.out
