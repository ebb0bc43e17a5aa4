"""Issue 16: what the scanned files name (tfvars, modules, modules.json, file()) stays inside the tree."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

TOKEN = "CANARY-credentials-token-5b1e"
OUTSIDE = ("leads outside the scanned folder and its repository (a symbolic link or a path written "
           "in the configuration): tfcheck does not read it")
SECRET_TF = """variable "consumer" {
  type    = string
  default = "222222222222"
}

resource "aws_secretsmanager_secret" "s" {
  name = "app"
}

resource "aws_secretsmanager_secret_policy" "s" {
  secret_arn          = aws_secretsmanager_secret.s.arn
  block_public_policy = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow", Principal = { AWS = "arn:aws:iam::${var.consumer}:root" },
      Action = "secretsmanager:GetSecretValue", Resource = "*"
    }]
  })
}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout (repo/, with .git) scanned at repo/infra, and the CI's own files beside it."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "credentials.tfrc.json").write_text(json.dumps({"consumer": TOKEN}))
    (home / "module").mkdir()
    (home / "module" / "main.tf").write_text(f'output "token" {{ value = "{TOKEN}" }}\n')
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "infra").mkdir()
    (root / "infra" / "main.tf").write_text(SECRET_TF)
    monkeypatch.chdir(root / "infra")
    return root


def _refused(result, names: str) -> None:
    assert result.code == 2, result.out
    assert result.out == ""
    assert result.err == f"tfcheck: error: {names}\n"
    assert TOKEN not in result.err


def test_a_tfvars_link_out_of_the_tree_is_refused(repo: Path, cli) -> None:
    os.symlink(repo.parent / "home" / "credentials.tfrc.json", "x.auto.tfvars.json")
    _refused(cli(".", "--format", "json"), f"x.auto.tfvars.json: {OUTSIDE}")


def test_a_var_file_on_the_command_line_is_trusted_as_given(repo: Path, cli) -> None:
    result = cli(".", "--var-file", str(repo.parent / "home" / "credentials.tfrc.json"))
    assert result.code == 0, result.err


def test_a_module_folder_linked_out_of_the_tree_is_refused(repo: Path, cli) -> None:
    os.symlink(repo.parent / "home" / "module", "mod")
    Path("call.tf").write_text('module "m" {\n  source = "./mod"\n}\n')
    _refused(cli("."), f"./call.tf:1: module 'm': source './mod' {OUTSIDE}")


def test_a_module_source_above_the_repository_is_refused(repo: Path, cli) -> None:
    Path("call.tf").write_text('module "m" {\n  source = "../../home/module"\n}\n')
    _refused(cli("."), f"./call.tf:1: module 'm': source '../../home/module' {OUTSIDE}")


def test_a_module_elsewhere_in_the_repository_is_read(repo: Path, cli) -> None:
    (repo / "shared").mkdir()
    (repo / "shared" / "main.tf").write_text('output "x" { value = 1 }\n')
    Path("call.tf").write_text('module "m" {\n  source = "../shared"\n}\n')
    assert cli(".").code == 0


def test_a_modules_json_entry_out_of_the_tree_is_refused(repo: Path, cli) -> None:
    Path(".terraform/modules").mkdir(parents=True)
    entries = [{"Key": "", "Source": "", "Dir": "."},
               {"Key": "m", "Source": "registry.example/m/aws", "Dir": "../../home/module"}]
    Path(".terraform/modules/modules.json").write_text(json.dumps({"Modules": entries}))
    Path("call.tf").write_text('module "m" {\n  source = "registry.example/m/aws"\n}\n')
    _refused(cli("."), f"./.terraform/modules/modules.json: module 'm': directory '../../home/module' "
                       f"{OUTSIDE}")


@pytest.mark.parametrize(("call", "message"), [
    ('file("/proc/self/environ")', f"/proc/self/environ: {OUTSIDE}"),
    ('file("${path.module}/../../home/credentials.tfrc.json")',
     f"{{repo}}/infra/../../home/credentials.tfrc.json: {OUTSIDE}"),
    ('templatefile("creds.json", {})', f"creds.json: {OUTSIDE}"),
    ('file("../.git/config")', "../.git/config: is git's or Terraform's own data, not configuration: "
                               "tfcheck does not read it"),
    ('file("../plan.json")', "../plan.json: is a Terraform plan or state, which holds secret values: "
                             "tfcheck does not read it through file()"),
])
def test_file_functions_read_only_configuration_inside_the_tree(repo: Path, cli, call: str,
                                                                message: str) -> None:
    os.symlink(repo.parent / "home" / "credentials.tfrc.json", "creds.json")
    (repo / ".git" / "config").write_text(f"[credential]\n  token = {TOKEN}\n")
    (repo / "plan.json").write_text(json.dumps({"format_version": "1.2", "terraform_version": "1.9.0",
                                                "variables": {"db": {"value": TOKEN}}}))
    Path("read.tf").write_text(f'locals {{\n  x = {call}\n}}\n'
                               'output "x" {\n  value = local.x\n}\n')
    Path("main.tf").write_text(SECRET_TF.replace('"arn:aws:iam::${var.consumer}:root"', "local.x"))
    _refused(cli(".", "--format", "markdown"), message.replace("{repo}", str(repo)))


def test_a_tf_file_or_config_linked_out_of_the_tree_is_refused(repo: Path, cli) -> None:
    os.symlink(repo.parent / "home" / "module" / "main.tf", "extra.tf")
    _refused(cli("."), f"./extra.tf: {OUTSIDE}")
    os.unlink("extra.tf")
    os.symlink(repo.parent / "home" / "credentials.tfrc.json", "tfcheck.hcl")
    _refused(cli("."), f"tfcheck.hcl: {OUTSIDE}")
