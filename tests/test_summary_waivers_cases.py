"""Correct JSON summary counts, waiver addresses with only `*` and `?` as wildcards, and `tfcheck test`
cases that do not depend on the working directory (issue 17)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT
from tfcheck.address_glob import address_matches
from tfcheck.enforce import Outcome
from tfcheck.engine import Options, run
from tfcheck.report import REPORTERS
from tfcheck.testing import run_case

PLAN = "fixtures/plans/platform-stack-large/plan.json"
STRIPE = 'aws_secretsmanager_secret_policy.shared["stripe"]'


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("TFCHECK_CONFIG", raising=False)


def waiver(tmp_path: Path, address: str, rule: str = "principal-not-account-root") -> str:
    config = tmp_path / "tfcheck.hcl"
    config.write_text(f'waiver {{\n  rule    = "{rule}"\n  address = {json.dumps(address)}\n'
                      '  reason  = "pinned until the vendor moves (TICKET-1)"\n}\n')
    return str(config)


def test_the_json_summary_counts_waived_and_baselined(tmp_path: Path) -> None:
    # Both were the constant 0 whatever the run held.
    baseline = tmp_path / "baseline.json"
    run(Options(inputs=[PLAN], write_baseline=str(baseline)))
    result = run(Options(inputs=[PLAN], baseline=str(baseline),
                         config=waiver(tmp_path, STRIPE)))
    summary = json.loads(REPORTERS["json"](result))["summary"]
    assert summary == {"blocking": 0, "advisory": 0, "overridden": 0, "waived": 1, "baselined": 2}
    assert summary["waived"] == result.count(Outcome.WAIVED)
    assert summary["baselined"] == result.count(Outcome.BASELINED)


def test_a_waiver_for_one_instance_matches_it(tmp_path: Path) -> None:
    # fnmatch read ["stripe"] as a character class: the waiver matched nothing and was "stale".
    result = run(Options(inputs=[PLAN], config=waiver(tmp_path, STRIPE)))
    assert [(j.finding.address, j.outcome) for j in result.judged if j.outcome is Outcome.WAIVED] == [
        (STRIPE, Outcome.WAIVED)]
    assert not any("stale" in note for note in result.notes)


@pytest.mark.parametrize(("pattern", "address", "want"), [
    (STRIPE, STRIPE, True),
    ('aws_x.y["stripe"]', "aws_x.ys", False),
    ('aws_x.y["*"]', 'aws_x.y["adyen"]', True),
    ("module.vendor.*", 'module.vendor.aws_x.y["a"]', True),
    ("module.vendor.*", "module.vendors2.aws_x.y", False),
    ("aws_x.y[?]", "aws_x.y[0]", True),
    ("aws_x.y[?]", "aws_x.y[10]", False),
    ("aws_x.[!a]", "aws_x.b", False),
    ("aws_x.[!a]", "aws_x.[!a]", True),
])
def test_only_star_and_question_mark_are_wildcards(pattern: str, address: str, want: bool) -> None:
    assert address_matches(pattern, address) is want


def test_a_test_case_without_its_own_config_ignores_the_working_directorys(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = tmp_path / "cases" / "no-config"
    shutil.copytree(FIXTURES / "policy-tests/waiver-by-module-glob", case)
    (case / "tfcheck.hcl").unlink()
    (case / "expect.hcl").write_text(
        'exit_code = 1\n\nexpect {\n  rule    = "principal-not-account-root"\n'
        '  address = "module.vendor.aws_secretsmanager_secret_policy.this"\n  outcome = "blocking"\n}\n'
        'expect {\n  rule    = "principal-not-account-root"\n'
        '  address = "module.partner.aws_secretsmanager_secret_policy.this"\n  outcome = "blocking"\n}\n')
    assert run_case(case).problems == []
    # A tfcheck.hcl in the working directory (or TFCHECK_CONFIG) that would waive module.vendor.*
    # must not change the case's result.
    shutil.copy(FIXTURES / "policy-tests/waiver-by-module-glob/tfcheck.hcl", tmp_path / "tfcheck.hcl")
    monkeypatch.chdir(tmp_path)
    assert run_case(case).problems == []
    monkeypatch.setenv("TFCHECK_CONFIG", str(tmp_path / "tfcheck.hcl"))
    assert run_case(case).problems == []
