"""SARIF: valid against the official 2.1.0 schema, located at .tf files, overrides as suppressions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT
from tfcheck.enforce import Judged, Outcome, Result
from tfcheck.engine import Options, run
from tfcheck.findings import Finding, Level, Location, Related, Severity
from tfcheck.report import github, gitlab, junit, markdown, sarif
from tfcheck.rules import ALL_RULES, RULES_BY_ID

SCHEMA_DIRS = [ROOT.parent / "shared" / "schemas", Path("/work/shared/schemas")]
PLANS = ["fixtures/plans/platform-stack-large/plan.json",
         "fixtures/rules/owner-account-unknown/fail/no-owner-source/plan.json"]


def rule_url(rule_id: str) -> str | None:
    return RULES_BY_ID[rule_id].info().url


def synthetic() -> Result:
    """One of each shape: blocking with related, overridden, advisory with and without an address."""
    def info(rule_id: str) -> Any:
        return RULES_BY_ID[rule_id].info()

    blocking = Finding("cross-account-secret-without-cmk", Severity.HIGH, 'aws_x.y["a|b"]', "Shared.",
                       "Use a CMK.", subject="1", location=Location("main.tf", 12, root="infra"),
                       related=(Related("aws_s.a", Location("s.tf", 3, root="infra")),
                                Related("aws_k.b")), info=info("cross-account-secret-without-cmk"))
    overridden = Finding("principal-not-account-root", Severity.MEDIUM, "aws_p.q", "Role.", "Root.",
                         location=Location("dir with space/x.tf", None, root="/abs/root"),
                         info=info("principal-not-account-root"))
    whole = Finding("owner-account-unknown", Severity.INFO, None, "Unknown owner.", "Pass one.",
                    info=info("owner-account-unknown"), origin="plan.json")
    unlocated = Finding("cmk-unverifiable", Severity.INFO, "aws_p.z", "Cannot tell.", "Look.",
                        info=info("cmk-unverifiable"), origin="plan.json")
    judged = (Judged(blocking, Level.HARD_MANDATORY, Outcome.BLOCKING),
              Judged(overridden, Level.SOFT_MANDATORY, Outcome.OVERRIDDEN, "overridden: vendor pin"),
              Judged(whole, Level.ADVISORY, Outcome.ADVISORY),
              Judged(unlocated, Level.ADVISORY, Outcome.ADVISORY))
    return Result(judged, ("plan.json",), ("111111111111 (--account-id)",), 2,
                  notes=("module.vendor was not analysed",), rules=tuple(r.info() for r in ALL_RULES))


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Locations are relative to the working directory, as in a CI job at the repository root."""
    monkeypatch.chdir(ROOT)


def fixture_result(plan: str) -> Result:
    return run(Options(inputs=[plan]))


@pytest.fixture(scope="module")
def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    for folder in SCHEMA_DIRS:
        path = folder / "sarif-schema-2.1.0.json"
        if path.is_file():
            schema = json.loads(path.read_text())
            return jsonschema.Draft4Validator(schema)
    pytest.skip("the SARIF 2.1.0 schema is not here: ../shared/schemas/ beside the clone is absent")


@pytest.mark.parametrize("source", ["synthetic", *PLANS])
def test_valid_against_the_official_schema(source: str, validator: Any, at_root: None) -> None:
    result = synthetic() if source == "synthetic" else fixture_result(source)
    doc = json.loads(sarif.render(result))
    errors = sorted(validator.iter_errors(doc), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_every_rule_is_described() -> None:
    driver = json.loads(sarif.render(synthetic()))["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == [rule.id for rule in ALL_RULES]
    for described, rule in zip(driver["rules"], ALL_RULES, strict=True):
        assert described["shortDescription"]["text"] == rule.title
        assert described["help"]["markdown"] == rule.doc()
        assert "**" not in described["help"]["text"]
        assert described["helpUri"] == rule_url(rule.id)
        assert urlsplit(described["helpUri"]).scheme == "https"
        assert described["properties"]["security-severity"] == sarif.SECURITY_SEVERITY[rule.severity]
        assert "security" in described["properties"]["tags"]
        expected = "error" if rule.level is not Level.ADVISORY else None
        assert expected is None or described["defaultConfiguration"]["level"] == expected


def test_results_levels_locations_and_suppressions() -> None:
    run_ = json.loads(sarif.render(synthetic()))["runs"][0]
    blocking, overridden, whole, unlocated = run_["results"]

    assert blocking["level"] == "error"
    assert blocking["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "infra/main.tf", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12}}
    assert blocking["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == 'aws_x.y["a|b"]'
    assert [r["id"] for r in blocking["relatedLocations"]] == [1, 2]
    assert blocking["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/s.tf"
    # A related resource without a line is still placed somewhere GitHub accepts: the input.
    assert blocking["relatedLocations"][1]["physicalLocation"] == {
        "artifactLocation": {"uri": "stdin", "uriBaseId": "%SRCROOT%"}}
    assert "suppressions" not in blocking
    assert blocking["partialFingerprints"] == {"tfcheck/v1": synthetic().judged[0].finding.fingerprint}
    assert "Use a CMK." in blocking["message"]["text"]

    assert overridden["level"] == "warning"
    assert overridden["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "overridden: vendor pin"}]
    physical = overridden["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "file:///abs/root/dir%20with%20space/x.tf"}}

    assert whole["level"] == "note"
    # Code scanning refuses the whole upload if one result lacks a physical location (issue 17):
    # a finding without a .tf line is placed on the input it came from.
    plan = {"artifactLocation": {"uri": "plan.json", "uriBaseId": "%SRCROOT%"}}
    assert whole["locations"] == [{"physicalLocation": plan, "logicalLocations": [
        {"name": "(whole configuration)", "kind": "module"}]}]
    assert unlocated["locations"] == [{"physicalLocation": plan, "logicalLocations": [
        {"fullyQualifiedName": "aws_p.z", "kind": "resource"}]}]
    assert run_["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"] == \
        "module.vendor was not analysed"


def test_fixture_results_point_at_tf_files_not_the_plan(at_root: None) -> None:
    doc = json.loads(sarif.render(fixture_result(PLANS[0])))
    uris = [loc["physicalLocation"]["artifactLocation"]["uri"]
            for result in doc["runs"][0]["results"] for loc in result["locations"]]
    assert uris and all(uri.endswith(".tf") for uri in uris)
    assert all(not uri.startswith(("/", "file:")) for uri in uris)


def test_the_schema_check_is_not_vacuous(validator: Any) -> None:
    doc = json.loads(sarif.render(synthetic()))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    del doc["runs"][0]["tool"]["driver"]["name"]
    assert len(list(validator.iter_errors(doc))) == 2


def test_waived_and_baselined_are_shown_never_blocking(validator: Any) -> None:
    """Every format treats findings let through on purpose alike: visible, with the reason."""
    def finding(rule: str, address: str) -> Finding:
        return Finding(rule, Severity.HIGH, address, "Shared.", "Fix.", location=Location("a.tf", 2))

    result = Result((
        Judged(finding("cross-account-secret-without-cmk", "aws_a.w"), Level.HARD_MANDATORY,
               Outcome.WAIVED, "waived: vendor (tfcheck.hcl:3)"),
        Judged(finding("cmk-missing-cross-account-grant", "aws_a.b"), Level.HARD_MANDATORY,
               Outcome.BASELINED, "in the baseline"),
    ))
    doc = json.loads(sarif.render(result))
    assert not list(validator.iter_errors(doc))
    assert [r["suppressions"][0]["justification"] for r in doc["runs"][0]["results"]] == [
        "waived: vendor (tfcheck.hcl:3)", "in the baseline"]
    text = markdown.render(result)
    assert text.startswith(":white_check_mark: **tfcheck: nothing blocking** "
                           "(0 advisory, 0 overridden, 1 waived, 1 baselined)")
    assert "<summary>1 waived finding</summary>" in text and "<summary>1 baselined finding</summary>" in text
    assert [line.split(" ", 1)[0] for line in github.render(result).splitlines()[:2]] == ["::notice"] * 2
    assert [i["description"][:10] for i in json.loads(gitlab.render(result))] == ["[waived] a", "[baselined"]
    assert junit.render(result).count("<skipped ") == 2


def test_the_rules_described_are_the_rules_that_ran(at_root: None) -> None:
    """A disabled rule is not listed; a custom rule is titled by its message and links nowhere."""
    folder = "fixtures/policy-tests"
    disabled = run(Options(inputs=[f"{folder}/owner-from-config-rule-disabled"],
                           config=f"{folder}/owner-from-config-rule-disabled/tfcheck.hcl"))
    ids = [r["id"] for r in json.loads(sarif.render(disabled))["runs"][0]["tool"]["driver"]["rules"]]
    assert ids == [r.id for r in ALL_RULES if r.id != "secret-policy-block-public-disabled"]
    custom = run(Options(inputs=[f"{folder}/custom-rules"], config=f"{folder}/custom-rules/tfcheck.hcl"))
    rules = {r["id"]: r for r in json.loads(sarif.render(custom))["runs"][0]["tool"]["driver"]["rules"]}
    owner_tag = rules["secrets-have-owner-tag"]
    assert owner_tag["shortDescription"]["text"] == "every secret needs an Owner tag"
    assert "helpUri" not in owner_tag
    assert owner_tag["properties"]["security-severity"] == sarif.SECURITY_SEVERITY[Severity.LOW]
    assert owner_tag["defaultConfiguration"]["level"] == "error"
