"""Markdown report: the pull/merge request comment, kept under GitHub's 65,536-character limit.

A one-line verdict, a table of blocking findings, and collapsed <details> for everything that
does not block. The hidden marker that makes the comment sticky is added by tfcheck.comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from tfcheck import __version__
from tfcheck.comment.stamp import Stamp
from tfcheck.enforce import Judged, Outcome, Result
from tfcheck.findings import RULES_DOC_URL
from tfcheck.report import escape
from tfcheck.report.common import WHOLE_CONFIGURATION, counts, repo_path

LIMIT = 65_536
"""GitHub's maximum comment body, in characters."""
BUDGET = LIMIT - 1_000
"""What the report may use: room is left for the commenter's marker and the truncation note."""
CELL_LIMIT = 1_000
"""A single message longer than this is cut, so one finding cannot eat the whole comment."""

GOVERNANCE_LIMIT = 40
"""Governance items shown in the comment; the rest are counted (the job log has them all)."""

_HEADER = ["| Rule | Resource | File | Finding |", "|---|---|---|---|"]
_ORDER = {"overridden": 0, "advisory": 1}
"""Details sections come in this order; other outcomes (waived, baselined) follow in enum order."""


@dataclass
class _Section:
    opening: list[str]
    rows: list[str]
    closing: list[str] = field(default_factory=list)


def render(result: Result, stamp: Stamp | None = None) -> str:
    """`stamp` (the comment's): link each file:line to the head commit, end with commit and run."""
    stamp = stamp or Stamp()
    sections = []
    blocking = [j for j in result.judged if j.outcome is Outcome.BLOCKING]
    if blocking:
        sections.append(_Section(["", *_HEADER], [_row(j, result, stamp) for j in blocking]))
    # Collapsed, one per outcome, in the report's order: overridden, advisory, then waived/baselined.
    for outcome in sorted(set(Outcome) - {Outcome.BLOCKING}, key=_details_order):
        judged = [j for j in result.judged if j.outcome is outcome]
        if judged:
            title = _n(len(judged), f"{outcome.value} finding")
            sections.append(_Section(["", "<details>", f"<summary>{title}</summary>", "", *_HEADER],
                                     [_row(j, result, stamp) for j in judged], ["", "</details>"]))
    if result.notes:
        sections.append(_Section(["", "<details>", f"<summary>{_n(len(result.notes), 'note')}</summary>",
                                   ""], [f"- {_text(note)}" for note in result.notes],
                                  ["", "</details>"]))
    footer = ["", f"<sub>tfcheck {__version__}{_stamp(stamp)} · [rule documentation]({RULES_DOC_URL})</sub>"]
    return _fit([_verdict(result), "", _context(result), *_governance(result)], sections, footer,
                len(result.judged))


def _details_order(outcome: Outcome) -> tuple[int, int]:
    return _ORDER.get(outcome.value, 2), list(Outcome).index(outcome)


def _verdict(result: Result) -> str:
    blocking = result.count(Outcome.BLOCKING)
    # Like the text summary, a passing verdict never says "fail": pipelines grep for it.
    rest = counts(result, skip=(Outcome.BLOCKING,))
    if blocking:
        return f":x: **tfcheck: {_n(blocking, 'blocking finding')}** ({rest})"
    return f":white_check_mark: **tfcheck: nothing blocking** ({rest})"


def _context(result: Result) -> str:
    inputs = ", ".join(_code(i) for i in result.inputs) or "no input"
    owners = "; ".join(result.owners) if result.owners else "unknown"
    return (f"Checked {inputs}: {_n(result.secrets_checked, 'secret')}, "
            f"owner account {_text(owners)}.")


def _governance(result: Result) -> list[str]:
    """Shown open, never truncated away: what the configuration and inline ignores changed."""
    if not result.governance:
        return []
    shown = result.governance[:GOVERNANCE_LIMIT]
    lines = ["", "**Governance** (what the configuration and inline ignores changed):", ""]
    lines += [f"- {_code(d.where)}: {_text(d.text)}" if d.file else f"- {_text(d.text)}"
              for d in shown]
    if len(result.governance) > len(shown):
        lines.append(f"- … and {len(result.governance) - len(shown)} more (the job log has them all)")
    return lines


def _stamp(stamp: Stamp) -> str:
    """ · commit abc123 · run: what the comment reports on, so a stale one is recognisable."""
    out = ""
    if stamp.commit:
        out += f" · commit [`{stamp.commit}`]({stamp.commit_url})" if stamp.commit_url else \
            f" · commit `{stamp.commit}`"
    if stamp.run_url:
        out += f" · [CI run]({stamp.run_url})"
    return out


def _row(j: Judged, result: Result, stamp: Stamp) -> str:
    f = j.finding
    name = f"[{f.rule}]({f.info.url})" if f.info.url else f"`{f.rule}`"
    rule = f"{name}<br>{f.severity.value}"
    resource = _code(f.address, table=True) if f.address else _text(WHOLE_CONFIGURATION)
    if f.root:
        resource += f"<br>in {_code(f.root, table=True)}"
    where = _code(str(f.location), table=True) if f.location else ""
    url = stamp.file_url(repo_path(f.location.path, result), f.location.line) if f.location else None
    if url:
        where = f"[{where}]({url})"
    finding = f"{_text(f.message)}<br>**Fix:** {_text(f.remediation)}"
    if j.note:
        finding += f"<br>_{_text(j.note)}_"
    return f"| {rule} | {resource} | {where} | {finding} |"


def _fit(head: list[str], sections: list[_Section], footer: list[str], total: int) -> str:
    """Everything if it fits; else whole rows in order until the budget is spent, and a note."""
    lines = list(head)
    used = _size(lines) + _size(footer)
    shown = 0
    truncated = False
    for section in sections:
        cost = _size(section.opening) + _size(section.closing)
        fitting: list[str] = []
        for row in section.rows:
            if truncated or used + cost + _size(fitting) + _size([row]) > BUDGET:
                truncated = True
                break
            fitting.append(row)
        if fitting:
            lines += section.opening + fitting + section.closing
            used += cost + _size(fitting)
            shown += sum(1 for row in fitting if row.startswith("|"))
    if truncated:
        lines += ["", f"**Truncated:** {total - shown} of {_n(total, 'finding')} are not shown here "
                      f"(a comment holds at most {LIMIT:,} characters); the job log has the full "
                      "report."]
    return "\n".join(lines + footer) + "\n"


def _size(lines: Iterable[str]) -> int:
    # GitHub counts UTF-16 code units; a character outside the BMP counts twice.
    return sum(len(line.encode("utf-16-le")) // 2 + 1 for line in lines)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _text(text: str) -> str:
    """Prose in a table cell: no HTML, no accidental emphasis or links, one line."""
    if len(text) > CELL_LIMIT:
        text = text[:CELL_LIMIT] + "…"
    return escape.markdown(text)


def _code(text: str, table: bool = False) -> str:
    """An inline code span that survives backticks in the text (and pipes inside a table)."""
    text = escape.markdown_code(text)
    if table:
        text = text.replace("|", "\\|")
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
