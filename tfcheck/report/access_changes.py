"""The pull request comment's "Access changes" section: what the plan changes about who may
read each secret (tfcheck.access.diff), compact and capped."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tfcheck.access.diff import Change

COMMENT_CAP = 10
"""Changes shown in the pull request comment; the rest are counted."""
LINE_LIMIT = 300
"""A longer line (a huge address or principal) is cut: ten lines cannot crowd out the findings."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def plain(text: str) -> str:
    """Input-derived text on one line with no terminal control characters."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _cut(line: str) -> str:
    return line if len(line) <= LINE_LIMIT else line[:LINE_LIMIT] + "…"


def changes_section(changes: Sequence[Change], cap: int | None = COMMENT_CAP) -> list[str]:
    """An "Access changes" heading and a diff block of the changes, at most `cap` of them and a
    count of the rest; nothing when nothing changes."""
    if not changes:
        return []
    shown = list(changes if cap is None else changes[:cap])
    body = [_cut(" ".join(plain(c.line).replace("`", "").split())) for c in shown]
    out = ["### Access changes", "", "```diff", *body, "```"]
    if len(changes) > len(shown):
        out.append(f"…and {len(changes) - len(shown)} more (`tfcheck access` lists them all).")
    return [*out, ""]
