"""Issue 16: a pull request cannot lower its own gate unseen (trusted config, governance, ignores)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FORMATS = ("text", "json", "sarif", "junit", "markdown", "github", "gitlab")
RULE = "cross-account-secret-without-cmk"
SHARED = """provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["111111111111"]
}

resource "aws_secretsmanager_secret" "s" {
  name = "app/token"
}

%(ignore)s
resource "aws_secretsmanager_secret_policy" "s" {
  secret_arn          = aws_secretsmanager_secret.s.arn
  block_public_policy = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::444444444444:root" }
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
    }]
  })
}
"""
DISABLE = f'\n\nrule "{RULE}" {{\n  enabled = false\n}}\n'


def _tree(root: Path, ignore: str = "", config: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "main.tf").write_text(SHARED % {"ignore": ignore})
    if config is not None:
        (root / "tfcheck.hcl").write_text(config)
    return root


@pytest.fixture(autouse=True)
def _no_trusted_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TFCHECK_CONFIG", raising=False)


def test_a_discovered_config_that_disables_a_rule_is_shown_in_every_format(tmp_path: Path, cli,
                                                                           monkeypatch) -> None:
    monkeypatch.chdir(_tree(tmp_path / "pr", config="# lgtm" + DISABLE))
    out = {fmt: cli(".", "--format", fmt) for fmt in FORMATS}
    assert {r.code for r in out.values()} == {0}
    assert ("  tfcheck.hcl:3: rule cross-account-secret-without-cmk disabled (by default "
            "hard-mandatory)\n") in out["text"].out
    assert "  tfcheck.hcl: configuration found in the scanned tree: the change under review can " \
           "edit it\n" in out["text"].out
    governance = json.loads(out["json"].out)["governance"]
    assert governance[1] == {"kind": "rule-disabled", "rule": RULE, "file": "tfcheck.hcl", "line": 3,
                             "text": f"rule {RULE} disabled (by default hard-mandatory)"}
    sarif = json.loads(out["sarif"].out)["runs"][0]["invocations"][0]
    notice = sarif["toolConfigurationNotifications"][1]
    assert notice["descriptor"] == {"id": "governance/rule-disabled"}
    assert notice["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}
    assert f'name="rule {RULE} disabled (by default hard-mandatory)" file="tfcheck.hcl" line="3"' \
        in out["junit"].out
    assert f"- `tfcheck.hcl:3`: rule {RULE} disabled (by default hard-mandatory)\n" in out["markdown"].out
    assert (f"::notice file=tfcheck.hcl,line=3,title=tfcheck governance::rule {RULE} disabled "
            "(by default hard-mandatory)\n") in out["github"].out
    issue = json.loads(out["gitlab"].out)[-1]
    assert issue["check_name"] == "tfcheck-governance"
    assert issue["location"] == {"path": "tfcheck.hcl", "lines": {"begin": 3}}


def test_a_lowered_level_and_declared_accounts_are_shown(tmp_path: Path, cli, monkeypatch) -> None:
    config = (f'accounts {{\n  owner = ["444444444444"]\n}}\n'
              f'rule "{RULE}" {{\n  enforcement_level = "advisory"\n}}\n')
    monkeypatch.chdir(_tree(tmp_path / "pr", config=config))
    out = cli(".").out
    assert "  tfcheck.hcl:1: accounts declared: 444444444444 (owner)\n" in out
    assert f"  tfcheck.hcl:4: rule {RULE} lowered from hard-mandatory to advisory\n" in out


def test_a_trusted_config_replaces_the_one_in_the_tree(tmp_path: Path, cli, monkeypatch) -> None:
    trusted = tmp_path / "base" / "tfcheck.hcl"
    trusted.parent.mkdir()
    trusted.write_text("# the base branch's policy\n")
    monkeypatch.chdir(_tree(tmp_path / "pr", config=DISABLE))
    monkeypatch.setenv("TFCHECK_CONFIG", str(trusted))
    result = cli(".")
    assert result.code == 1
    assert f"BLOCKING  {RULE} (high, hard-mandatory)" in result.out
    assert f"  {trusted}: configuration given with --config or TFCHECK_CONFIG (trusted)\n" in result.out
    assert "disabled" not in result.out
    monkeypatch.delenv("TFCHECK_CONFIG")
    assert cli(".", "--config", str(trusted)).code == 1


IGNORE = f"# tfcheck:ignore {RULE} -- lgtm"


def test_an_inline_ignore_does_not_waive_a_hard_mandatory_finding(tmp_path: Path, cli,
                                                                  monkeypatch) -> None:
    monkeypatch.chdir(_tree(tmp_path / "pr", IGNORE))
    result = cli(".")
    assert result.code == 1
    assert f"BLOCKING  {RULE}" in result.out
    assert (f"  main.tf:10: inline ignore of {RULE} on aws_secretsmanager_secret_policy.s not applied: "
            "a hard-mandatory finding is not waived inline (a waiver in the configuration can)\n"
            ) in result.out


@pytest.mark.parametrize(("ignore", "policy", "code", "says"), [
    (IGNORE, 'allow = "all"', 0, f"main.tf:10: inline ignore of {RULE} waives "
                                 "aws_secretsmanager_secret_policy.s: lgtm\n"),
    (IGNORE + " -- until 2999-01-01", 'allow = "all"\n  require_expiry = true', 0,
     "waives aws_secretsmanager_secret_policy.s: lgtm, until 2999-01-01\n"),
    (IGNORE, 'allow = "all"\n  require_expiry = true', 1,
     "not applied: it has no expiry (-- until YYYY-MM-DD), which "),
    (IGNORE + " -- until 2020-01-01", 'allow = "all"', 1, "not applied: it expired on 2020-01-01\n"),
    (f"# tfcheck:ignore {RULE} -- until 2999-01-01 -- lgtm", 'allow = "none"', 1,
     "not applied: inline ignores are not allowed ("),
])
def test_the_trusted_config_decides_what_inline_ignores_may_do(
        tmp_path: Path, cli, monkeypatch, ignore: str, policy: str, code: int, says: str) -> None:
    trusted = tmp_path / "trusted.hcl"
    trusted.write_text(f"inline_ignores {{\n  {policy}\n}}\n")
    monkeypatch.chdir(_tree(tmp_path / "pr", ignore))
    result = cli(".", "--config", str(trusted))
    assert result.code == code, result.out
    assert says in result.out


def test_an_inline_ignore_with_a_bad_expiry_is_a_usage_error(tmp_path: Path, cli, monkeypatch) -> None:
    monkeypatch.chdir(_tree(tmp_path / "pr", IGNORE + " -- until someday"))
    result = cli(".")
    assert (result.code, result.err) == (2, "tfcheck: error: ./main.tf:10: an inline ignore's expiry "
                                             "'someday' is not a date (YYYY-MM-DD)\n")


def test_a_lowered_severity_and_a_baseline_are_shown(tmp_path: Path, cli, monkeypatch) -> None:
    config = f'rule "{RULE}" {{\n  severity = "low"\n}}\n'
    monkeypatch.chdir(_tree(tmp_path / "pr", config=config))
    assert cli(".", "--write-baseline", "old.json").code == 0
    out = cli(".", "--baseline", "old.json").out
    assert f"  tfcheck.hcl:1: rule {RULE} severity lowered from high to low\n" in out
    assert "  old.json: baseline old.json lets 1 finding through as baselined\n" in out
