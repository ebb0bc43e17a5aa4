"""Text report for people: findings grouped by resource, colours only when asked for."""

from __future__ import annotations

from itertools import groupby

from tfcheck import __version__
from tfcheck.enforce import OUTCOME_ORDER, Judged, Outcome, Result
from tfcheck.report import escape
from tfcheck.report.common import counts

_COLORS = {Outcome.BLOCKING: "\033[31m", Outcome.ADVISORY: "\033[33m",
           Outcome.OVERRIDDEN: "\033[36m", Outcome.WAIVED: "\033[36m", Outcome.BASELINED: "\033[36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"
_MARK = {Outcome.BLOCKING: "BLOCKING", Outcome.ADVISORY: "advisory",
         Outcome.OVERRIDDEN: "overridden", Outcome.WAIVED: "waived", Outcome.BASELINED: "baselined"}
Line = tuple[str, str]
"""A line's text and its colour ("" for none)."""


def render(result: Result, color: bool = False) -> str:
    lines: list[Line] = [(f"tfcheck {__version__}: {', '.join(result.inputs) or 'no input'}", "")]
    owners = "; ".join(result.owners) if result.owners else "unknown"
    lines.append((f"owner account: {owners}", ""))
    lines.append((f"secrets checked: {result.secrets_checked}", ""))
    lines.append(("", ""))
    by_address = sorted(result.judged, key=lambda j: (j.finding.address or "", _order(j)))
    for address, group in groupby(by_address, key=lambda j: j.finding.address or ""):
        lines.append((address or "(whole configuration)", _BOLD))
        for j in group:
            lines += _finding_lines(j)
        lines.append(("", ""))
    lines += [(f"note: {note}", "") for note in result.notes]
    if result.notes:
        lines.append(("", ""))
    if result.governance:
        lines.append(("governance (what the configuration and inline ignores changed):", ""))
        lines += [(f"  {decision}", "") for decision in result.governance]
        lines.append(("", ""))
    lines.append((_summary(result), ""))
    # The output boundary: every line is escaped whole (names, Sids, keys and file names come
    # from the input), then coloured; no input text can move the cursor or start a new line.
    return "\n".join(f"{code}{escape.text(text)}{_RESET}" if color and code else escape.text(text)
                     for text, code in lines) + "\n"


def _finding_lines(j: Judged) -> list[Line]:
    f = j.finding
    out = [(f"  {_MARK[j.outcome]}  {f.rule} ({f.severity.value}, {j.level.value})",
            _COLORS[j.outcome])]
    if f.location:
        out.append((f"    at {f.location}", ""))
    out.append((f"    {f.message}", ""))
    out.append((f"    fix: {f.remediation}", ""))
    if j.note:
        out.append((f"    note: {j.note}", ""))
    return out


def _order(j: Judged) -> tuple[int, int, str]:
    return (OUTCOME_ORDER[j.outcome],
            j.finding.severity.rank, j.finding.rule)


def _summary(result: Result) -> str:
    # Pipelines (Atlantis custom checks) grep for "fail": only a blocked run may say it.
    if result.count(Outcome.BLOCKING):
        return f"Result: FAILED ({counts(result)})"
    return f"Result: passed ({counts(result)})"
