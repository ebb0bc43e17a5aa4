"""tfcheck.hcl: every configuration error is one line naming file:line; the policy layer works end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

BAD = sorted((FIXTURES / "config" / "bad").glob("*.hcl"))
TARGET = str(FIXTURES / "hcl" / "tf-json")


@pytest.mark.parametrize("config", BAD, ids=lambda p: p.name)
def test_bad_configuration(config: Path, cli) -> None:
    expected = config.read_text().splitlines()[0].removeprefix("# expect: ")
    result = cli(TARGET, "--config", str(config))
    assert result.code == 2 and result.out == ""
    assert result.err.count("\n") == 1 and expected in result.err, result.err


def test_policy_tests_pass(cli) -> None:
    result = cli("test", str(FIXTURES / "policy-tests"))
    assert result.code == 0, result.out
    assert result.out.splitlines()[-1] == "7 passed, 0 failed"


def test_the_rule_fixtures_run_as_policy_tests(cli) -> None:
    result = cli("test", str(FIXTURES / "rules"))
    assert result.code == 0, result.out
    assert result.out.splitlines()[-1].endswith(" passed, 0 failed")


def test_a_policy_test_of_several_roots(cli) -> None:
    """"roots" in expected.json: the roots' plans in one run, and a run with --recursive."""
    result = cli("test", str(FIXTURES / "rules" / "consumer-missing-kms-permission" / "pass" / "two-roots"))
    assert result.code == 0, result.out
    assert result.out.splitlines()[-1] == "1 passed, 0 failed"


def test_a_failing_policy_test_says_what_differs(tmp_path: Path, cli) -> None:
    case = tmp_path / "case"
    shutil.copytree(FIXTURES / "policy-tests" / "inline-ignore", case)
    (case / "expect.hcl").write_text('expect {\n  rule = "cross-account-secret-without-cmk"\n'
                                     '  address = "aws_secretsmanager_secret_policy.scanner_token"\n'
                                     '  outcome = "blocking"\n}\n')
    result = cli("test", str(tmp_path))
    assert result.code == 1
    assert result.out.splitlines() == [
        f"FAIL  {case}",
        "      missing: cross-account-secret-without-cmk on "
        "aws_secretsmanager_secret_policy.scanner_token (blocking)",
        "      unexpected: cross-account-secret-without-cmk on "
        "aws_secretsmanager_secret_policy.scanner_token (waived)",
        "0 passed, 1 failed",
    ]


def test_baseline_turns_old_findings_baselined_and_new_ones_still_block(tmp_path: Path, cli) -> None:
    work = tmp_path / "stack"
    shutil.copytree(FIXTURES / "hcl" / "tfvars-precedence", work)
    baseline = tmp_path / "baseline.json"
    first = cli(str(work), "--write-baseline", str(baseline), "--format", "json")
    assert first.code == 0
    assert {f["outcome"] for f in first.json()["findings"]} == {"baselined"}
    # Lines move and a second, new shared secret appears: only the new one blocks.
    main = work / "main.tf"
    main.write_text("\n\n# moved down\n" + main.read_text() + _second_secret())
    again = cli(str(work), "--baseline", str(baseline), "--format", "json")
    outcomes = sorted((f["address"], f["outcome"]) for f in again.json()["findings"])
    assert outcomes == [
        ("aws_secretsmanager_secret_policy.deploy_key", "baselined"),
        ("aws_secretsmanager_secret_policy.deploy_key", "baselined"),
        ("aws_secretsmanager_secret_policy.release_key", "advisory"),
        ("aws_secretsmanager_secret_policy.release_key", "blocking"),
    ]
    assert again.code == 1
    assert json.loads(baseline.read_text())["version"] == 1


def _second_secret() -> str:
    return '''
resource "aws_secretsmanager_secret" "release_key" {
  name = "ci/release-key"
}

resource "aws_secretsmanager_secret_policy" "release_key" {
  secret_arn = aws_secretsmanager_secret.release_key.arn
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "333333333333" },
                   Action = "secretsmanager:GetSecretValue", Resource = "*" }]
  })
}
'''


def test_override_reason_appears_in_every_report(cli) -> None:
    plan = str(FIXTURES / "plans" / "platform-stack-large" / "plan.json")
    reason = "fraud-scoring role pinned by the vendor until Q3 (RISK-77)"
    for fmt in ("text", "json", "sarif", "junit", "markdown", "github", "gitlab"):
        result = cli(plan, "--format", fmt, "--override", "principal-not-account-root",
                     "--override-reason", reason)
        assert result.code == 1  # the hard-mandatory finding still blocks
        assert reason in result.out, fmt
