"""GitLab Code Quality: the required fields, the severity mapping, and a place for every issue."""

from __future__ import annotations

import json

from tests.test_report_sarif import synthetic
from tfcheck.findings import Severity
from tfcheck.report import gitlab


def test_issues() -> None:
    issues = json.loads(gitlab.render(synthetic()))
    result = synthetic()
    assert len(issues) == len(result.judged)
    for issue, judged in zip(issues, result.judged, strict=True):
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["check_name"] == judged.finding.rule
        assert issue["fingerprint"] == judged.finding.fingerprint
        assert isinstance(issue["location"]["path"], str)
        assert isinstance(issue["location"]["lines"]["begin"], int)
    blocking, overridden, whole, unlocated = issues
    assert blocking["location"] == {"path": "infra/main.tf", "lines": {"begin": 12}}
    assert blocking["severity"] == "major"
    assert overridden["description"].startswith("[overridden] aws_p.q: Role.")
    assert overridden["location"]["lines"]["begin"] == 1, "no line: the top of the file"
    # No source location: the input the finding came from.
    assert whole["location"] == unlocated["location"] == {"path": "plan.json", "lines": {"begin": 1}}


def test_severity_mapping() -> None:
    assert gitlab.SEVERITY == {Severity.CRITICAL: "critical", Severity.HIGH: "major",
                               Severity.MEDIUM: "minor", Severity.LOW: "info", Severity.INFO: "info"}
