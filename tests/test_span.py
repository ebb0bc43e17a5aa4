"""Roles and users are read where they may be another account's: several AWS provider
configurations in a root, or several roots in a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tfcheck.terraform.span import directory_spans, plan_spans

OWNER = 'provider "aws" {\n  region = "us-east-1"\n}\n'
ALIAS = 'provider "aws" {\n  alias  = "consumer"\n  region = "us-east-1"\n}\n'
# A typo in an identity policy: iam-policy-invalid reports it where roles are read.
TYPO = '''
resource "aws_iam_role_policy" "reader" {
  role   = "reader"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    Action = "secretmanager:GetSecretValue", Resource = "*" }] })
}
'''


@pytest.mark.parametrize(("files", "expected"), [
    ({"main.tf": OWNER}, False),
    ({"main.tf": OWNER + ALIAS}, True),
    ({"main.tf": OWNER, "consumer.tf": ALIAS}, True),
    # A provider written in a comment or a heredoc is none; another provider's blocks do not count.
    ({"main.tf": OWNER + "# " + ALIAS.replace("\n", "\n# ")}, False),
    ({"main.tf": OWNER + 'provider "google" {\n}\n'}, False),
    # What the scanner cannot tell counts as spanning: the reader reads more, never less.
    ({"main.tf": OWNER, "extra.tf.json": "{}"}, True),
    ({"main.tf": OWNER + 'resource "x" "y" {\n  a = "unterminated\n'}, True),
])
def test_directory_spans(tmp_path: Path, files: dict[str, str], expected: bool) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert directory_spans(tmp_path) is expected


def test_plan_spans() -> None:
    one = {"configuration": {"provider_config": {"aws": {"name": "aws"}, "random": {"name": "random"}}}}
    two = {"configuration": {"provider_config": {"aws": {"name": "aws"}, "aws.consumer": {"name": "aws"}}}}
    module = {"configuration": {"provider_config": {"aws": {"name": "aws"}, "module.m:aws": {"name": "aws"}}}}
    assert (plan_spans(one), plan_spans(two), plan_spans(module)) == (False, True, False)


def _rules(cli, *args: str) -> list[str]:
    result = cli(*args, "--format", "json")
    assert result.code in (0, 1), result.err
    return [f["rule"] for f in result.json()["findings"]]


def test_identity_policies_are_read_where_accounts_may_differ(tmp_path: Path, cli) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "main.tf").write_text(OWNER + TYPO)
    (two / "main.tf").write_text(OWNER + ALIAS + TYPO)
    assert _rules(cli, str(one)) == []
    assert _rules(cli, str(two)) == ["iam-policy-invalid"]
    # In a run of several roots, every root's roles may be another root's readers.
    assert _rules(cli, str(one), str(two)) == ["iam-policy-invalid", "iam-policy-invalid"]
