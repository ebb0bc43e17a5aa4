"""Which policies apply to each role and user of a configuration, and in which account it is."""

from __future__ import annotations

from pathlib import Path

from tfcheck.access.identities import Identity, identities
from tfcheck.terraform import ReadOptions, read

PROVIDERS = '''
provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["111111111111"]
}
provider "aws" {
  alias  = "consumer"
  region = "us-east-1"
  assume_role {
    role_arn = "arn:aws:iam::222222222222:role/deploy"
  }
}
'''

DOC = ('jsonencode({ Version = "2012-10-17", '
       'Statement = [{ Effect = "Allow", Action = "%s", Resource = "*" }] })')


def found(tmp_path: Path, text: str) -> dict[str, Identity]:
    (tmp_path / "main.tf").write_text(PROVIDERS + text)
    return {i.resource.address: i for i in identities(read(str(tmp_path), ReadOptions()))}


def actions(identity: Identity) -> list[tuple[str, str]]:
    return sorted((a.holder.address, str(a.policy.statements[0].actions[0]) if a.policy else "?")
                  for a in identity.policies)


def test_every_way_a_policy_attaches_to_a_role(tmp_path: Path) -> None:
    got = found(tmp_path, f'''
resource "aws_iam_role" "app" {{
  provider            = aws.consumer
  name                = "app"
  path                = "/apps/"
  assume_role_policy  = "{{}}"
  managed_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess", aws_iam_policy.listed.arn]
  permissions_boundary = aws_iam_policy.boundary.arn
  inline_policy {{
    name   = "inline"
    policy = {DOC % "s3:GetObject"}
  }}
}}
resource "aws_iam_role_policy" "by_name" {{
  provider = aws.consumer
  role     = "app"
  policy   = {DOC % "sqs:SendMessage"}
}}
resource "aws_iam_policy" "attached" {{
  provider = aws.consumer
  policy   = {DOC % "secretsmanager:GetSecretValue"}
}}
resource "aws_iam_policy" "listed" {{
  provider = aws.consumer
  policy   = {DOC % "kms:Decrypt"}
}}
resource "aws_iam_policy" "shared" {{
  provider = aws.consumer
  policy   = {DOC % "sns:Publish"}
}}
resource "aws_iam_policy" "boundary" {{
  provider = aws.consumer
  policy   = {DOC % "*"}
}}
resource "aws_iam_role_policy_attachment" "attached" {{
  provider   = aws.consumer
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.attached.arn
}}
resource "aws_iam_policy_attachment" "shared" {{
  provider   = aws.consumer
  name       = "shared"
  roles      = [aws_iam_role.app.name]
  policy_arn = aws_iam_policy.shared.arn
}}
''')
    app = got["aws_iam_role.app"]
    assert app.account == "222222222222"
    assert app.arn == "arn:aws:iam::222222222222:role/apps/app"
    assert actions(app) == [
        ("aws_iam_policy.attached", "secretsmanager:GetSecretValue"),
        ("aws_iam_policy.listed", "kms:Decrypt"),
        ("aws_iam_policy.shared", "sns:Publish"),
        ("aws_iam_role.app", "s3:GetObject"),
        ("aws_iam_role_policy.by_name", "sqs:SendMessage"),
    ]
    # A directory alone leaves the list unknown (one element is an ARN known after apply): its
    # AWS-managed element is lost with it, so the list counts as not wholly in the run.
    assert app.unseen == ("the managed_policy_arns of aws_iam_role.app (known after apply)",)
    assert app.boundary is not None and app.boundary.holder.address == "aws_iam_policy.boundary"


def test_a_name_names_the_role_of_the_same_account(tmp_path: Path) -> None:
    got = found(tmp_path, f'''
resource "aws_iam_role" "owner_side" {{
  name               = "reader"
  assume_role_policy = "{{}}"
}}
resource "aws_iam_role" "consumer_side" {{
  provider           = aws.consumer
  name               = "reader"
  assume_role_policy = "{{}}"
}}
resource "aws_iam_role_policy" "consumer" {{
  provider = aws.consumer
  role     = "reader"
  policy   = {DOC % "secretsmanager:GetSecretValue"}
}}
''')
    assert actions(got["aws_iam_role.consumer_side"]) == [
        ("aws_iam_role_policy.consumer", "secretsmanager:GetSecretValue")]
    assert got["aws_iam_role.owner_side"].account == "111111111111"
    assert actions(got["aws_iam_role.owner_side"]) == []


def test_a_user_has_its_groups_policies(tmp_path: Path) -> None:
    got = found(tmp_path, f'''
resource "aws_iam_user" "batch" {{
  provider = aws.consumer
  name     = "batch"
}}
resource "aws_iam_group" "jobs" {{
  provider = aws.consumer
  name     = "jobs"
}}
resource "aws_iam_group_membership" "jobs" {{
  provider = aws.consumer
  name     = "jobs"
  group    = aws_iam_group.jobs.name
  users    = [aws_iam_user.batch.name]
}}
resource "aws_iam_user_group_membership" "elsewhere" {{
  provider = aws.consumer
  user     = aws_iam_user.batch.name
  groups   = ["managed-elsewhere"]
}}
resource "aws_iam_group_policy" "jobs" {{
  provider = aws.consumer
  group    = aws_iam_group.jobs.name
  policy   = {DOC % "kms:Decrypt"}
}}
''')
    batch = got["aws_iam_user.batch"]
    assert batch.kind == "User" and batch.arn == "arn:aws:iam::222222222222:user/batch"
    assert actions(batch) == [("aws_iam_group_policy.jobs", "kms:Decrypt")]
    assert batch.policies[0].via == "group jobs"
    assert batch.unseen == ("the policies of group managed-elsewhere",)


def test_an_identity_of_an_unknown_account_is_left_out(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''
provider "aws" {
  region = "us-east-1"
}
resource "aws_iam_role" "somewhere" {
  name_prefix        = "app-"
  assume_role_policy = "{}"
}
''')
    assert identities(read(str(tmp_path), ReadOptions())) == []


def test_an_aws_managed_policy_is_not_in_the_run(tmp_path: Path) -> None:
    got = found(tmp_path, '''
resource "aws_iam_role" "app" {
  provider            = aws.consumer
  name                = "app"
  assume_role_policy  = "{}"
  managed_policy_arns = ["arn:aws:iam::aws:policy/SecretsManagerReadWrite"]
}
resource "aws_iam_role_policy_attachment" "admin" {
  provider   = aws.consumer
  role       = aws_iam_role.app.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
''')
    assert got["aws_iam_role.app"].unseen == ("arn:aws:iam::aws:policy/SecretsManagerReadWrite",
                                             "arn:aws:iam::aws:policy/AdministratorAccess")
