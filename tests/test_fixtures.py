"""Every fixture's plan gives exactly the findings and exit code its expected.json states."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, finding_set, fixture_cases, fixture_roots, root_name
from tfcheck.rules import ALL_RULES

CASES = fixture_cases(plans_only=False, multi_root=True)


def _id(path: Path) -> str:
    return str(path.relative_to(FIXTURES))


def _targets(case: Path, expected: dict, args: list[str]) -> list[str]:
    """What a run checks: the fixture's plan (its folder for an HCL-only fixture); for a fixture
    of several roots, the plan of each root in the order listed, or the fixture's folder when
    the run searches it (--recursive takes each root's plan.json beside its .tf files)."""
    if expected.get("plan") is False:
        return [str(case)]
    roots = fixture_roots(case)
    if not roots:
        return [str(case / "plan.json")]
    if "--recursive" in args:
        return [str(case)]
    return [str(case / root / "plan.json") for root in roots]


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_expected_findings(case: Path, cli) -> None:
    expected = json.loads((case / "expected.json").read_text())
    assert expected["runs"], "a fixture states at least one run"
    multi_root = bool(fixture_roots(case))
    for run in expected["runs"]:
        # With several roots an address may be in more than one: every finding names its root.
        with_root = multi_root or any("root" in f for f in run["findings"])
        assert not with_root or all("root" in f for f in run["findings"]), \
            "findings of a fixture of several roots each name their root"
        result = cli(*_targets(case, expected, run["args"]), "--format", "json", *run["args"])
        assert result.code == run["exit_code"], result.err
        if "error" in run:
            assert run["error"] in result.err and result.out == ""
            continue
        assert result.err == ""
        report = result.json()
        assert finding_set(report["findings"], with_root) == finding_set(run["findings"], with_root), \
            f"args {run['args']}"
        located = {(root_name(f["root"]) if with_root else None, f["rule"], f["address"]): f["location"]
                   for f in report["findings"]}
        for f in run["findings"]:
            if "location" in f:
                loc = located[(f["root"] if with_root else None, f["rule"], f["address"])]
                assert f"{loc['file']}:{loc['line']}" == f["location"]
        if "notes" in run:
            assert report["notes"] == run["notes"]


@pytest.mark.parametrize("case", [c for c in CASES if c.relative_to(FIXTURES).parts[0] == "rules"],
                         ids=_id)
def test_rule_folder_agrees_with_expectation(case: Path) -> None:
    """fixtures/rules/<id>/fail/ must expect that rule; pass/ must not."""
    rule, verdict = case.relative_to(FIXTURES).parts[1:3]
    expected = json.loads((case / "expected.json").read_text())
    rules_found = {f["rule"] for f in expected["runs"][0]["findings"]}
    assert (rule in rules_found) == (verdict == "fail")


@pytest.mark.parametrize("rule", [r.id for r in ALL_RULES])
def test_every_rule_has_pass_and_fail_fixtures(rule: str) -> None:
    for verdict in ("pass", "fail"):
        folder = FIXTURES / "rules" / rule / verdict
        assert folder.is_dir() and any(folder.rglob("expected.json")), folder
