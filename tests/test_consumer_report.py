"""The consumer rules in the reports: the exact message, fix and witness, and the reader's root."""

from __future__ import annotations

from tests.conftest import FIXTURES

RULES = FIXTURES / "rules"
REGION = RULES / "consumer-missing-kms-permission" / "fail" / "aliases-condition-excludes-region"
TWO_ROOTS = RULES / "consumer-missing-kms-permission" / "fail" / "two-roots"


def _consumer(report: dict) -> list[dict]:  # type: ignore[type-arg]
    return [f for f in report["findings"] if f["rule"].startswith("consumer-")]


def test_the_finding_names_the_reader_the_call_and_the_statement(cli) -> None:
    result = cli(str(REGION / "plan.json"), "--format", "json")
    assert result.code == 1, result.err
    [finding] = _consumer(result.json())
    assert finding["address"] == "aws_iam_role_policy.read_refunds_secret"
    assert finding["location"] == {"file": "consumer.tf", "line": 30}
    assert finding["message"] == (
        "arn:aws:iam::222222222222:role/app-reader (aws_iam_role.app_reader) may read "
        "aws_secretsmanager_secret.refunds by its secret policy, but its own policies do not allow "
        "kms:Decrypt on aws_kms_key.refunds: statement DecryptThroughSecretsManager of "
        "aws_iam_role_policy.read_refunds_secret requires StringEquals kms:ViaService "
        "secretsmanager.us-west-2.amazonaws.com.")
    assert finding["remediation"] == (
        "Add to the policy of aws_iam_role_policy.read_refunds_secret a statement allowing kms:Decrypt on "
        "the ARN of aws_kms_key.refunds (arn:aws:kms:us-east-1:111111111111:key/*), restricted with "
        "kms:ViaService = secretsmanager.us-east-1.amazonaws.com.")
    witness = finding["witness"]
    assert witness["principal"] == "arn:aws:iam::222222222222:role/app-reader"
    assert (witness["action"], witness["kms_action"]) == ("secretsmanager:GetSecretValue", "kms:Decrypt")
    assert witness["resource"] == {"unknown": "the ARN of aws_kms_key.refunds (known after apply)",
                                   "shape": "arn:aws:kms:us-east-1:111111111111:key/*"}
    assert witness["context"]["kms:ViaService"] == "secretsmanager.us-east-1.amazonaws.com"
    assert witness["allowing_statement"] == "RefundsAppsRead"
    assert witness["statement"] == "DecryptThroughSecretsManager"
    assert witness["certain"] is True


def test_the_finding_is_in_the_readers_root(cli) -> None:
    owner, consumer = TWO_ROOTS / "owner" / "plan.json", TWO_ROOTS / "consumer" / "plan.json"
    result = cli(str(owner), str(consumer), "--format", "json")
    assert result.code == 1, result.err
    [finding] = _consumer(result.json())
    assert finding["root"].endswith("consumer")
    assert finding["location"]["file"] == "main.tf"
    # Alone, neither root says anything of the other account's side.
    for alone in (owner, consumer):
        assert _consumer(cli(str(alone), "--format", "json").json()) == []


def test_the_text_report_groups_it_under_the_readers_root(cli) -> None:
    result = cli("--recursive", str(TWO_ROOTS), "--compact")
    assert result.code == 1
    lines = result.out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("== root") and "consumer" in line)
    assert lines[header + 1].startswith("BLOCKING   consumer-missing-kms-permission "
                                        "aws_iam_role_policy.read_ledger_credentials ")
