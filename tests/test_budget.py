"""The evaluation budget fails closed: hostile HCL ends in exit 2 naming file and expression,
quickly and in little memory; an exhausted budget or memory never ends in a pass."""

from __future__ import annotations

import dataclasses
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.badcorpus import all_cases, materialized
from tests.conftest import ROOT
from tfcheck.terraform.eval import budget
from tfcheck.terraform.eval.functions import FUNCTIONS

HOSTILE = ("indent-a-billion", "template-doubling", "jsonencode-of-shared-references",
           "regex-replace-empty-match-amplifies", "replace-empty-needle-amplifies",
           "module-fan-out-million", "regex-catastrophic-for-backtracking")

POLICY = '''
resource "aws_secretsmanager_secret_policy" "p" {
  secret_arn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:s"
  policy     = jsonencode({ Statement = [{ Effect = "Allow", Action = "secretsmanager:GetSecretValue",
                 Resource = "*", Principal = { AWS = upper("arn:aws:iam::222222222222:root") } }] })
}
'''


def test_hostile_inputs_end_quickly_in_little_memory(tmp_path: Path) -> None:
    cases = [c for c in all_cases() if c.id.split("/")[-1] in HOSTILE]
    assert len(cases) == len(HOSTILE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TFCHECK_")}
    env.update(TFCHECK_NO_CACHE="1", PYTHONPATH=str(ROOT), NO_COLOR="1")
    for case in cases:
        work = tmp_path / case.id.replace("/", "_")
        work.mkdir()
        with materialized(case, work):
            started = time.monotonic()
            done = subprocess.run([sys.executable, "-m", "tfcheck", *case.args], cwd=work, env=env,
                                  capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == case.exit_code, (case.id, done.stderr)
        assert time.monotonic() - started < 20, case.id
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak_kb < 1024 * 1024, f"peak memory {peak_kb} KB"


def _policy_dir(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  allowed_account_ids = ["111111111111"]\n}\n' + POLICY)
    return tmp_path


def test_out_of_memory_in_a_function_is_an_input_error(cli, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(*_args: object) -> str:
        raise MemoryError

    monkeypatch.setitem(FUNCTIONS, "upper", dataclasses.replace(FUNCTIONS["upper"], impl=exhausted))
    result = cli(str(_policy_dir(tmp_path)), "--no-cache")
    assert result.code == 2, result.out
    assert result.err.strip().endswith(
        "evaluation budget exceeded: upper() ran out of memory in "
        '`upper("arn:aws:iam::222222222222:root")`')


def test_evaluation_past_its_time_is_an_input_error(cli, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "MAX_SECONDS", -1.0)
    directory = _policy_dir(tmp_path)
    (directory / "main.tf").write_text((directory / "main.tf").read_text() +
                                       'locals {\n  n = [for i in range(1024) : [for j in range(3) : j]]\n}\n'
                                       'output "n" {\n  value = length(local.n)\n}\n')
    (directory / "main.tf").write_text((directory / "main.tf").read_text().replace(
        'upper("arn:aws:iam::222222222222:root")',
        'length(local.n) > 0 ? "arn:aws:iam::222222222222:root" : "x"'))
    result = cli(str(directory), "--no-cache")
    assert result.code == 2, result.out
    assert "evaluation budget exceeded: more than -1 seconds of evaluation" in result.err
