"""The SARIF of every kind of run passes GitHub's upload rules (tests/github_sarif.py) as well as the
official schema: a plan without its source, stdin, several roots, whole-input notes (issue 17)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.github_sarif import upload_problems
from tests.test_report_sarif import synthetic, validator  # noqa: F401 - the schema fixture
from tfcheck.engine import Options, run
from tfcheck.report import sarif

PLAN = "fixtures/plans/platform-stack-large/plan.json"


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("TFCHECK_CONFIG", raising=False)


def rendered(options: Options) -> Any:
    return json.loads(sarif.render(run(options)))


RUNS = {
    "no-source": Options(inputs=[PLAN], use_source=False),
    "with-source": Options(inputs=[PLAN]),
    "two-roots": Options(inputs=["fixtures/roots"], recursive=True),
    "no-owner": Options(inputs=["fixtures/rules/owner-account-unknown/fail/no-owner-source/plan.json"],
                        use_source=False),
}


@pytest.mark.parametrize("name", list(RUNS))
def test_github_accepts_it(name: str, validator: Any) -> None:  # noqa: F811
    doc = rendered(RUNS[name])
    assert doc["runs"][0]["results"], "a run without results proves nothing"
    assert upload_problems(doc) == []
    validator.validate(doc)


def test_a_no_source_run_places_every_result_on_the_plan() -> None:
    results = rendered(RUNS["no-source"])["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {PLAN}


def test_a_plan_from_stdin_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = (ROOT / PLAN).read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(plan)))
    doc = rendered(Options(inputs=["-"]))
    assert upload_problems(doc) == []


def test_whole_input_findings_are_results_on_the_input_file() -> None:
    doc = rendered(RUNS["no-owner"])
    whole = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "owner-account-unknown"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in whole] == [
        "fixtures/rules/owner-account-unknown/fail/no-owner-source/plan.json"]


def test_every_rule_has_a_security_severity_and_markdown_help() -> None:
    for rule in rendered(RUNS["two-roots"])["runs"][0]["tool"]["driver"]["rules"]:
        assert float(rule["properties"]["security-severity"]) >= 0
        assert rule["help"]["markdown"] and rule["help"]["text"]


def test_the_rules_catch_what_github_refused() -> None:
    # The shape of issue 17's refused upload: a result with only a logical location.
    doc = json.loads(sarif.render(synthetic()))
    doc["runs"][0]["results"][2]["locations"] = [{"logicalLocations": [{"name": "x"}]}]
    doc["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"] = 8.0
    assert upload_problems(doc) == [
        "rule cross-account-secret-without-cmk: security-severity 8.0 is not a string number 0.0-10.0",
        "run 0 result 2: a location without physicalLocation.artifactLocation.uri"]
