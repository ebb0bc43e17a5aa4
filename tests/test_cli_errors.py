"""Bad input of any kind: exit 2, one line naming the file (and line), no traceback, stdout empty."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import fixture_cases


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("tfcheck: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ('{"format_version": "1.2",\n "resource_changes": [',
         ["bad.json:2:23: invalid JSON: Expecting value"]),
        ("", ["bad.json: the file is empty"]),
        ('{"foo": 1}', ["bad.json: not a Terraform plan: no format_version"]),
        ('{"version": 4, "terraform_version": "1.11.4", "resources": []}',
         ["looks like a state file"]),
        ('{"format_version": "2.0"}', ["unsupported plan format_version '2.0'"]),
        ('{"format_version": 1}', ["unsupported plan format_version 1"]),
        ('[1, 2]', ["not a Terraform plan"]),
        ('{"format_version": "1.2", "resource_changes": {}}', ["resource_changes must be a list"]),
        ('{"format_version": "1.2", "resource_changes": [{"address": "a.b"}]}',
         ["resource_changes[0].type must be a string"]),
        ('{"format_version": "1.2", "resource_changes": [{"address": "a.b", "type": "a", '
         '"name": "b", "change": null}]}', ["resource_changes[0].change must be an object"]),
        ('{"format_version": "1.2", "resource_changes": [{"address": "a.b", "type": "a", '
         '"name": "b", "change": {"actions": ["create"], "after": "x"}}]}',
         ["resource_changes[0].change.after must be an object"]),
        ("\u00ff\u00fe not text", ["bad.json"]),
    ],
)
def test_bad_plan_files(tmp_path: Path, cli, content: str, fragments: list[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="latin-1" if "\u00ff" in content else "utf-8")
    assert_one_line_error(cli(str(bad)), str(bad).rsplit("/", 1)[0], *fragments)


def test_missing_file(tmp_path: Path, cli) -> None:
    assert_one_line_error(cli(str(tmp_path / "nope.json")), "nope.json: no such file")


def test_directory(tmp_path: Path, cli) -> None:
    assert_one_line_error(cli(str(tmp_path)), str(tmp_path), "is a directory")


def test_binary_plan_without_terraform(tmp_path: Path, cli, monkeypatch) -> None:
    plan = tmp_path / "plan.tfplan"
    plan.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert_one_line_error(cli(str(plan)), "plan.tfplan: this is a binary plan file")


def _plan_with_policy() -> tuple[dict, int]:
    for case in fixture_cases():
        plan = json.loads((case / "plan.json").read_text())
        for i, rc in enumerate(plan.get("resource_changes", [])):
            after = rc["change"].get("after") or {}
            if rc["type"] == "aws_secretsmanager_secret_policy" and after.get("policy"):
                return plan, i
    raise AssertionError("no fixture has a known secret policy")


@pytest.mark.parametrize(
    ("policy", "fragment"),
    [("not json {", "policy is not valid JSON"),
     ('{"Statement": 5}', "Statement"),
     ('["a"]', "policy")],
)
def test_policy_that_is_not_a_policy(tmp_path: Path, cli, policy: str, fragment: str) -> None:
    plan, i = _plan_with_policy()
    plan["resource_changes"][i]["change"]["after"]["policy"] = policy
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(plan))
    address = plan["resource_changes"][i]["address"]
    assert_one_line_error(cli(str(path)), f"edited.json: {address}.policy: ", fragment)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [(["--account-id", "12345"], "--account-id '12345': an AWS account id is 12 digits"),
     (["--override", "cross-account-secret-without-cmk", "--override-reason", "x"],
      "only soft-mandatory rules can be overridden; this one is hard-mandatory"),
     (["--override", "no-such-rule", "--override-reason", "x"], "--override no-such-rule: no such rule"),
     (["--override", "principal-not-account-root"], "--override needs --override-reason TEXT"),
     (["--baseline", "/nonexistent/baseline.json"], "no such baseline file"),
     (["--config", "/nonexistent/tfcheck.hcl"], "/nonexistent/tfcheck.hcl: no such configuration file")],
)
def test_bad_options(cli, args: list[str], fragment: str) -> None:
    plan = fixture_cases()[0] / "plan.json"
    assert_one_line_error(cli(str(plan), *args), fragment)


def test_explain_unknown_rule(cli) -> None:
    assert_one_line_error(cli("explain", "no-such-rule"), "no rule 'no-such-rule'")
