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
from tfcheck.report.common import describe, posix_path

SEVERITY = {Severity.CRITICAL: "critical", Severity.HIGH: "major", Severity.MEDIUM: "minor",
            Severity.LOW: "info", Severity.INFO: "info"}


def render(result: Result) -> str:
    fallback = result.inputs[0].replace("\\", "/") if result.inputs else "."
    issues = [_issue(j, fallback) for j in result.judged]
    issues += [_governance(d, fallback) for d in result.governance]
    return escape.json_document(json.dumps(issues, indent=2, ensure_ascii=False)) + "\n"


def _governance(d: Decision, fallback: str) -> dict[str, Any]:
    """What changed the checks, as an info issue at its configuration line or inline ignore."""
    return {
        "description": f"[governance] {d.text}",
        "check_name": "tfcheck-governance",
        "fingerprint": hashlib.sha256(str(d).encode()).hexdigest()[:16],
        "severity": "info",
        "categories": ["Security"],
        "location": {"path": (d.file or fallback).replace("\\", "/"), "lines": {"begin": d.line or 1}},
    }


def _issue(j: Judged, fallback: str) -> dict[str, Any]:
    f = j.finding
    status = "" if j.outcome is Outcome.BLOCKING else f"[{j.outcome.value}] "
    where = f"{f.address}: " if f.address else ""
    path, line = fallback, 1
    if f.location:
        path, line = posix_path(f.location), f.location.line or 1
    return {
        "description": f"{status}{where}{describe(j)}",
        "check_name": f.rule,
        "fingerprint": f.fingerprint,
        "severity": SEVERITY[f.severity],
        "categories": ["Security"],
        "location": {"path": path, "lines": {"begin": line}},
    }
