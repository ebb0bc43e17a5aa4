"""The corpus under fixtures/bad: every broken or hostile input ends in its exit code, with exactly
one line on stderr for an error, no traceback, no internal error (exit 3) and no hang."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.badcorpus import TIMEOUT, Case, all_cases, check_result, materialized, run_case
from tests.conftest import ROOT

CASES = all_cases()


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TFCHECK_NO_CACHE", "1")
    check_result(case, *run_case(case, tmp_path, cli))


def test_the_corpus_is_large_and_covers_every_family() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), "case names must be unique"
    assert len(CASES) >= 150
    families = Counter(c.id.split("/")[0] for c in CASES)
    assert set(families) == {"cases", "hcl-errors", "tfjson-errors", "tfvars-errors", "config-errors",
                             "plan-texts", "plan-mutations", "policies", "generated"}, families
    assert sum(c.exit_code == 2 for c in CASES) >= 120


# A subset again as a real process: what Python itself prints (a traceback from a thread, a
# warning) and a hang that an in-process alarm could not interrupt show only there.
IN_PROCESS_ONLY = ("fifo",)  # a pipe's writer lives in the test process
SUBPROCESS = [c for c in CASES if not c.xfail and not any(s in (c.setup or "") for s in IN_PROCESS_ONLY)
              and (c.id.startswith(("generated/", "cases/")) or c.id.endswith(("-1", "/truncated")))]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in SUBPROCESS])
def test_bad_input_in_a_process(case: Case, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TFCHECK_", "GITHUB_", "GITLAB_"))}
    env.update(TFCHECK_NO_CACHE="1", PYTHONPATH=str(ROOT), NO_COLOR="1")
    with materialized(case, tmp_path):
        try:
            done = subprocess.run([sys.executable, "-m", "tfcheck", *case.args], cwd=tmp_path, env=env,
                                  capture_output=True, text=True, timeout=3 * TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{case.id}: still running after {3 * TIMEOUT} s")
    check_result(case, done.returncode, done.stdout, done.stderr, 0.0)
