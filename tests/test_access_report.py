"""The witness in the reports: one request per access finding, exact, and never a sensitive value."""

from __future__ import annotations

from tests.conftest import FIXTURES

CASE = FIXTURES / "rules" / "cmk-missing-cross-account-grant" / "fail" / "key-principal-arn-other-roles"


def test_the_json_report_carries_the_witness(cli) -> None:
    result = cli(str(CASE / "plan.json"), "--format", "json")
    assert result.code == 1, result.err
    finding = next(f for f in result.json()["findings"] if f["rule"] == "cmk-missing-cross-account-grant")
    witness = finding["witness"]
    assert witness["principal"] == "arn:aws:iam::222222222222:role/app-x"
    assert witness["principal_account"] == "222222222222"
    assert witness["action"] == "secretsmanager:GetSecretValue"
    assert witness["kms_action"] == "kms:Decrypt"
    assert witness["statement"] == "ConsumerDecrypt"
    assert witness["allowing_statement"] == "ConsumerRead"
    assert "role/batch-*" in witness["refused_by"] and "aws:PrincipalArn" in witness["refused_by"]
    assert witness["context"]["kms:ViaService"] == "secretsmanager.us-east-1.amazonaws.com"
    assert witness["context"]["kms:CallerAccount"] == "222222222222"
    assert witness["certain"] is True and witness["unknown"] is None
    assert "role/app-x may call secretsmanager:GetSecretValue" in finding["message"]
    others = [f for f in result.json()["findings"] if f["rule"] == "cmk-grant-without-via-service"]
    assert others and all(f["witness"] is None for f in others)


def test_an_advisory_names_the_unknown_that_decides_it(cli) -> None:
    result = cli(str(FIXTURES / "hcl" / "key-via-service-from-unset-variable"), "--format", "json")
    finding = result.json()["findings"][0]
    assert finding["outcome"] == "advisory"
    assert finding["witness"]["certain"] is False
    assert "var.secrets_region" in finding["witness"]["unknown"]
    assert "var.secrets_region" in finding["note"]
