"""What a directory's expressions know of where Terraform runs: data.aws_partition from the
region of the provider that reads it (never a guess), terraform.workspace from --workspace or
TF_WORKSPACE."""

from __future__ import annotations

from pathlib import Path

import pytest

from tfcheck.terraform.source import load_directory

PROVIDERS = '''
provider "aws" {
  region = "us-east-1"
}
provider "aws" {
  alias  = "china"
  region = "cn-north-1"
}
provider "aws" {
  alias  = "gov"
  region = "us-gov-west-1"
}
provider "aws" {
  alias  = "secret"
  region = "us-iso-east-1"
}
provider "aws" {
  alias = "from_environment"
}
'''


def _data(tmp_path: Path, text: str, **options: object) -> dict[str, object]:
    (tmp_path / "main.tf").write_text(text)
    graph = load_directory(tmp_path, cache=False, **options)  # type: ignore[arg-type]
    return {address: res.values for address, res in graph.resources.items()}


def test_the_partition_is_that_of_the_provider_region(tmp_path: Path) -> None:
    blocks = "".join(f'data "aws_partition" "{name}" {{\n  provider = aws.{name}\n}}\n'
                     for name in ("china", "gov", "secret", "from_environment"))
    found = _data(tmp_path, PROVIDERS + 'data "aws_partition" "default" {}\n' + blocks)
    assert found["data.aws_partition.default"]["partition"] == "aws"
    assert found["data.aws_partition.china"]["partition"] == "aws-cn"
    assert found["data.aws_partition.china"]["dns_suffix"] == "amazonaws.com.cn"
    assert found["data.aws_partition.gov"]["partition"] == "aws-us-gov"
    assert found["data.aws_partition.secret"]["partition"] == "aws-iso"
    # No region in the configuration: the environment's, at plan time. Not "aws".
    assert "partition" not in found["data.aws_partition.from_environment"]


def test_an_unknown_region_gives_an_unknown_partition_in_a_principal(tmp_path: Path) -> None:
    text = ('variable "region" {\n  type = string\n}\nprovider "aws" {\n  region = var.region\n}\n'
            'data "aws_partition" "p" {}\n'
            'data "aws_iam_policy_document" "d" {\n  statement {\n    actions = ["x:Y"]\n'
            '    resources = ["*"]\n    principals {\n      type = "AWS"\n'
            '      identifiers = ["arn:${data.aws_partition.p.partition}:iam::222222222222:root"]\n'
            '    }\n  }\n}\n')
    found = _data(tmp_path, text)
    assert "json" not in found["data.aws_iam_policy_document.d"]  # unknown, not arn:aws:…
    found = _data(tmp_path, text, variables=["region=cn-northwest-1"])
    assert "arn:aws-cn:iam::222222222222:root" in str(found["data.aws_iam_policy_document.d"]["json"])


WORKSPACE = 'resource "aws_secretsmanager_secret" "s" {\n  name = "app/${terraform.workspace}/db"\n}\n'


@pytest.mark.parametrize(("option", "environment", "expected"), [
    (None, None, "app/default/db"),
    (None, "staging", "app/staging/db"),
    ("prod", "staging", "app/prod/db"),
])
def test_the_workspace_comes_from_the_option_then_tf_workspace(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str | None,
        environment: str | None, expected: str) -> None:
    if environment is None:
        monkeypatch.delenv("TF_WORKSPACE", raising=False)
    else:
        monkeypatch.setenv("TF_WORKSPACE", environment)
    found = _data(tmp_path, WORKSPACE, workspace=option)
    assert found["aws_secretsmanager_secret.s"]["name"] == expected


def test_workspace_on_the_command_line_selects_what_is_checked(cli, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_WORKSPACE", raising=False)
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "us-east-1"\n  allowed_account_ids = ["111111111111"]\n}\n'
        'resource "aws_secretsmanager_secret" "s" {\n  name = "s"\n}\n'
        'resource "aws_secretsmanager_secret_policy" "p" {\n'
        '  secret_arn = aws_secretsmanager_secret.s.arn\n'
        '  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "secretsmanager:GetSecretValue",\n'
        '    Resource = "*",\n'
        '    Principal = { AWS = terraform.workspace == "prod" ? "222222222222" : "111111111111" } }] })\n'
        '}\n')
    assert cli(str(tmp_path), "--no-cache").code == 0
    assert cli(str(tmp_path), "--no-cache", "--workspace", "prod").code == 1
    monkeypatch.setenv("TF_WORKSPACE", "prod")
    assert cli(str(tmp_path), "--no-cache").code == 1


def test_the_report_names_where_each_owner_came_from(cli, tmp_path: Path) -> None:
    """--account-id replaces the owners the configuration suggests, and the report says so."""
    case = Path(__file__).parent.parent / "fixtures" / "hcl" / "owner-is-the-secret-providers-account"
    derived = cli(str(case), "--no-cache")
    assert "owner account: 111111111111 (allowed_account_ids at main.tf:10)\n" in derived.out
    given = cli(str(case), "--no-cache", "--account-id", "333333333333")
    assert "owner account: 333333333333 (--account-id)\n" in given.out
    assert given.code == 0


def test_a_plan_takes_owners_from_the_providers_that_create_the_secrets(cli, tmp_path: Path) -> None:
    """fixtures/plans/two-provider-aliases creates its secrets with aws.primary and aws.dr; an
    account the unused default provider is allowed does not make the consumer the owner's."""
    import json

    plan = json.loads((Path(__file__).parent.parent / "fixtures" / "plans" / "two-provider-aliases"
                       / "plan.json").read_text())
    plan["configuration"]["provider_config"]["aws"]["expressions"] = {
        "allowed_account_ids": {"constant_value": ["222222222222"]}}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    result = cli(str(tmp_path / "plan.json"), "--format", "json")
    assert result.code == 1, result.out
    found = {(f["rule"], f["address"], f["outcome"]) for f in json.loads(result.out)["findings"]}
    assert ("cross-account-secret-without-cmk", "module.dr_secret.aws_secretsmanager_secret_policy.this[0]",
            "blocking") in found
    assert json.loads(result.out)["owner_accounts"] == ["111111111111 (data.aws_caller_identity.current)"]
