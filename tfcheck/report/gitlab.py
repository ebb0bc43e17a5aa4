"""GitLab Code Quality report (a JSON array of issues), shown in the merge request widget and diff.

GitLab needs a path and line for every issue: a finding without a source location (one about the
whole input, or a plan read without its .tf files) is placed at line 1 of the input it came from.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tfcheck.enforce import Judged, Outcome, Result
from tfcheck.findings import Severity
from tfcheck.governance import Decision
from tfcheck.report import escape
from tfcheck.report.common import describe, repo_path

SEVERITY = {Severity.CRITICAL: "critical", Severity.HIGH: "major", Severity.MEDIUM: "minor",
            Severity.LOW: "info", Severity.INFO: "info"}


def render(result: Result) -> str:
    fallback = result.inputs[0].replace("\\", "/") if result.inputs else "."
    issues = [_issue(j, fallback, result) for j in result.judged]
    issues += [_governance(d, fallback, result) for d in result.governance]
    return escape.json_document(json.dumps(issues, indent=2, ensure_ascii=False)) + "\n"


def _governance(d: Decision, fallback: str, result: Result) -> dict[str, Any]:
    """What changed the checks, as an info issue at its configuration line or inline ignore."""
    return {
        "description": f"[governance] {d.text}",
        "check_name": "tfcheck-governance",
        "fingerprint": hashlib.sha256(str(d).encode()).hexdigest()[:16],
        "severity": "info",
        "categories": ["Security"],
        "location": {"path": repo_path(d.file or fallback, result), "lines": {"begin": d.line or 1}},
    }


def _issue(j: Judged, fallback: str, result: Result) -> dict[str, Any]:
    f = j.finding
    status = "" if j.outcome is Outcome.BLOCKING else f"[{j.outcome.value}] "
    where = f"{f.address}: " if f.address else ""
    if f.root:
        where = f"[{f.root}] {where}"
    path, line = repo_path(f.origin or fallback, result), 1
    if f.location:
        path, line = repo_path(f.location.path, result), f.location.line or 1
    return {
        "description": f"{status}{where}{describe(j)}",
        "check_name": f.rule,
        "fingerprint": f.fingerprint,
        "severity": SEVERITY[f.severity],
        "categories": ["Security"],
        "location": {"path": path, "lines": {"begin": line}},
    }
