"""GitHub Actions workflow commands: one ::error/::warning/::notice annotation per finding, at file and line.

Blocking findings are errors, advisory ones warnings; information and findings let through on
purpose (overridden, waived, baselined) are notices.
A last plain line gives the counts (plain lines are only logged, never annotations).
"""

from __future__ import annotations

from tfcheck.enforce import Judged, Outcome, Result
from tfcheck.findings import Severity
from tfcheck.governance import Decision
from tfcheck.report import escape
from tfcheck.report.common import counts, describe, is_suppressed, repo_path


def render(result: Result) -> str:
    lines = [_annotation(j, result) for j in result.judged]
    lines += [_governance(d, result) for d in result.governance]
    lines += [f"tfcheck: {counts(result)}"]
    return "\n".join(lines) + "\n"


def command(j: Judged) -> str:
    """error blocks; warning is advisory; notice is information, or a finding let through on purpose."""
    if j.outcome is Outcome.BLOCKING:
        return "error"
    if is_suppressed(j) or j.finding.severity is Severity.INFO:
        return "notice"
    return "warning"


def _annotation(j: Judged, result: Result) -> str:
    f = j.finding
    props: list[tuple[str, str]] = []
    if f.location:
        props.append(("file", repo_path(f.location.path, result)))
        if f.location.line:
            props.append(("line", str(f.location.line)))
    props.append(("title", f"{f.rule}: {f.info.title}"))
    where = f"{f.address}: " if f.address else ""
    if f.root:
        where = f"[{f.root}] {where}"
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{command(j)} {joined}::{escape_data(where + describe(j))}"


def _governance(d: Decision, result: Result) -> str:
    """A notice at the configuration line (or inline ignore) that changed what the checks decide."""
    props = [("file", repo_path(d.file, result))] if d.file else []
    if d.file and d.line:
        props.append(("line", str(d.line)))
    props.append(("title", "tfcheck governance"))
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::notice {joined}::{escape_data(d.text)}"


escape_data = escape.github_data
escape_property = escape.github_property
