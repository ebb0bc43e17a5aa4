"""Text report for people: findings grouped by root and resource, colours only when asked for."""

from __future__ import annotations

from dataclasses import dataclass
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
_COLLAPSED = (Outcome.WAIVED, Outcome.BASELINED)
"""Let through on purpose and known: counted, not printed, unless --verbose."""
Line = tuple[str, str]
"""A line's text and its colour ("" for none)."""


@dataclass(frozen=True)
class Style:
    """How much to print and how: the text report's own options."""

    color: bool = False
    verbose: bool = False
    """Print waived and baselined findings in full (else only their count)."""
    quiet: bool = False
    """Print only blocking findings (and the summary)."""
    compact: bool = False
    """One line per finding."""


def render(result: Result, color: bool = False, style: Style | None = None) -> str:
    style = style or Style(color=color)
    lines: list[Line] = []
    if not style.quiet:
        lines.append((f"tfcheck {__version__}: {', '.join(result.inputs) or 'no input'}", ""))
        owners = "; ".join(result.owners) if result.owners else "unknown"
        lines.append((f"owner account: {owners}", ""))
        if result.roots:
            lines.append((f"root modules: {len(result.roots)} ({', '.join(result.roots)})", ""))
        lines.append((f"secrets checked: {result.secrets_checked}", ""))
        lines.append(("", ""))
    shown = [j for j in result.judged if _shown(j, style)]
    by_root = sorted(shown, key=lambda j: (j.finding.root, j.finding.address or "", _order(j)))
    for root, in_root in groupby(by_root, key=lambda j: j.finding.root):
        if root:
            lines.append((f"== root {root}", _BOLD))
        for address, group in groupby(in_root, key=lambda j: j.finding.address or ""):
            judged = list(group)
            if style.compact:
                lines += [_compact(j) for j in judged]
                continue
            lines.append((address or "(whole configuration)", _BOLD))
            for j in judged:
                lines += _finding_lines(j)
            lines.append(("", ""))
        if style.compact:
            lines.append(("", ""))
    hidden = sum(1 for j in result.judged if j.outcome in _COLLAPSED and not _shown(j, style))
    if hidden and not style.quiet:
        lines += [(f"{_collapsed(result)} not shown (--verbose shows them)", ""), ("", "")]
    if not style.quiet:
        lines += [(f"note: {note}", "") for note in result.notes]
        if result.notes:
            lines.append(("", ""))
    if result.governance:
        # Never hidden, not even by --quiet: what lowered the checks is always in plain sight.
        lines.append(("governance (what the configuration and inline ignores changed):", ""))
        lines += [(f"  {decision}", "") for decision in result.governance]
        lines.append(("", ""))
    lines.append((_summary(result), ""))
    # The output boundary: every line is escaped whole (names, Sids, keys and file names come
    # from the input), then coloured; no input text can move the cursor or start a new line.
    return "\n".join(f"{code}{escape.text(text)}{_RESET}" if style.color and code
                     else escape.text(text) for text, code in lines) + "\n"


def _shown(j: Judged, style: Style) -> bool:
    if style.quiet:
        return j.outcome is Outcome.BLOCKING
    return style.verbose or j.outcome not in _COLLAPSED


def _collapsed(result: Result) -> str:
    return " and ".join(f"{result.count(o)} {o.value}" for o in _COLLAPSED if result.count(o))


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


def _compact(j: Judged) -> Line:
    f = j.finding
    where = f" {f.location}" if f.location else ""
    return (f"{_MARK[j.outcome]:<10} {f.rule} {f.address or '(whole configuration)'}{where}",
            _COLORS[j.outcome])


def _order(j: Judged) -> tuple[int, int, str]:
    return (OUTCOME_ORDER[j.outcome],
            j.finding.severity.rank, j.finding.rule)


def _summary(result: Result) -> str:
    # Pipelines (Atlantis custom checks) grep for "fail": only a blocked run may say it.
    if result.count(Outcome.BLOCKING):
        return f"Result: FAILED ({counts(result)})"
    return f"Result: passed ({counts(result)})"
