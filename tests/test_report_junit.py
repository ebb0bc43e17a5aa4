"""JUnit XML: parses back, one case per finding, failures exactly the blocking findings."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.conftest import ROOT
from tests.test_report_sarif import synthetic
from tfcheck.enforce import Judged, Outcome, Result
from tfcheck.engine import Options, run
from tfcheck.findings import Finding, Level, Severity
from tfcheck.report import junit
from tfcheck.rules import ALL_RULES


def parse(result: Result) -> ET.Element:
    return ET.fromstring(junit.render(result).encode())


def counts(element: ET.Element) -> tuple[int, ...]:
    return tuple(int(element.get(k, "-1")) for k in ("tests", "failures", "errors", "skipped"))


def test_counts_add_up_on_a_real_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run(Options(inputs=["fixtures/plans/platform-stack-large/plan.json"]))
    root = parse(result)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites][: len(ALL_RULES)] == [r.id for r in ALL_RULES]
    cases = root.findall("testsuite/testcase")
    assert counts(root) == (len(cases), result.count(Outcome.BLOCKING), 0,
                            len([c for c in cases if c.find("skipped") is not None]))
    for suite in suites:
        own = suite.findall("testcase")
        assert counts(suite) == (len(own), len([c for c in own if c.find("failure") is not None]), 0,
                                 len([c for c in own if c.find("skipped") is not None]))
    failed = [c for c in cases if c.find("failure") is not None]
    assert {(c.get("classname"), c.get("name")) for c in failed} == {
        (j.finding.rule, j.finding.address) for j in result.judged if j.outcome is Outcome.BLOCKING}
    assert all(c.get("file", "").endswith(".tf") and c.get("line") for c in failed)


def test_outcomes_map_to_failure_skipped_and_system_out() -> None:
    root = parse(synthetic())
    case = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    blocking = case[("cross-account-secret-without-cmk", 'aws_x.y["a|b"]')]
    assert blocking.find("failure") is not None and blocking.get("file") == "infra/main.tf"
    assert blocking.get("line") == "12"
    overridden = case[("principal-not-account-root", "aws_p.q")]
    skipped = overridden.find("skipped")
    assert skipped is not None and skipped.get("message") == "overridden: vendor pin"
    advisory = case[("owner-account-unknown", "(whole configuration)")]
    assert advisory.find("failure") is None and advisory.find("skipped") is None
    assert "Unknown owner." in (advisory.findtext("system-out") or "")
    assert counts(root) == (len(case), 1, 0, 1)
    # Rules without findings still show as one passing case each.
    assert case[("secret-policy-public", junit.NO_FINDINGS)].find("failure") is None


def test_each_finding_is_one_case_so_failures_count_blocking_findings() -> None:
    # Issue 17: JUnit counted failing cases (rule + resource) where every other format counts
    # findings: 6 failures where the text said 12 blocking. One case per finding agrees.
    findings = [Finding("principal-not-account-root", Severity.MEDIUM, "aws_p.q", f"Role {i}.", "Root.",
                        subject=str(i)) for i in range(3)]
    result = Result(tuple(Judged(f, Level.SOFT_MANDATORY, Outcome.BLOCKING) for f in findings))
    root = parse(result)
    cases = [c for c in root.iter("testcase") if c.get("name") == "aws_p.q"]
    assert len(cases) == 3
    assert {(c.find("failure").text or "").splitlines()[1] for c in cases} == {  # type: ignore[union-attr]
        f"Role {i}." for i in range(3)}
    assert root.get("failures") == "3" == str(result.count(Outcome.BLOCKING))


def test_control_characters_cannot_break_the_xml() -> None:
    finding = Finding("cmk-unverifiable", Severity.INFO, "aws_x.y[\"\x1b[31m\"]", "bell\x07 <&>", "fix")
    root = parse(Result((Judged(finding, Level.ADVISORY, Outcome.ADVISORY),)))
    assert "<&>" in "".join(root.itertext())


def test_a_disabled_rule_is_not_a_passing_suite() -> None:
    folder = ROOT / "fixtures/policy-tests/owner-from-config-rule-disabled"
    root = parse(run(Options(inputs=[str(folder)], config=str(folder / "tfcheck.hcl"))))
    suites = [s.get("name") for s in root.iter("testsuite")]
    assert "secret-policy-block-public-disabled" not in suites
    # ...and the governance suite says it was disabled, and where (issue 16).
    assert suites == [r.id for r in ALL_RULES if r.id != "secret-policy-block-public-disabled"] + [
        "governance"]
