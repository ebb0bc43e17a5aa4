"""Inline `# tfcheck:ignore RULE -- REASON [-- until YYYY-MM-DD]` comments in .tf files."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tfcheck.errors import ConfigError

_IGNORE = re.compile(r"(?:#|//)\s*tfcheck:ignore\b(.*)$")
_BODY = re.compile(r"^\s+([a-z0-9][a-z0-9-]*)\s*(?:--\s*(.*?))?\s*$")
_UNTIL = re.compile(r"^until\s+(\S+)$")
_USAGE = "# tfcheck:ignore RULE -- REASON [-- until YYYY-MM-DD]"


@dataclass(frozen=True)
class Ignore:
    """An inline waiver: it covers findings of `rule` on the block or attribute of its line (or
    the next line, when the comment stands above)."""

    rule: str
    reason: str
    file: str
    """Relative to the scanned root, like Location.file."""
    line: int
    display: str
    """The file as the user can open it, for errors."""
    until: dt.date | None = None
    """The last day it waives (`-- until YYYY-MM-DD`, like Trivy's `exp:`), else no expiry."""

    def covers(self, file: str, lines: set[int]) -> bool:
        return file == self.file and bool({self.line, self.line + 1} & lines)


def scan_ignores(text: str, rel: str, display: str) -> list[Ignore]:
    found: list[Ignore] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _IGNORE.search(line)
        if not match:
            continue
        body = _BODY.match(match[1])
        if body is None or not body[2]:
            raise ConfigError(f"an inline ignore needs a rule and a reason: {_USAGE}", display, number)
        reason, until = _reason_and_expiry(body[2], display, number)
        found.append(Ignore(body[1], reason, rel, number, display, until))
    return found


def _reason_and_expiry(text: str, display: str, number: int) -> tuple[str, dt.date | None]:
    """`lgtm -- until 2027-03-31` or `until 2027-03-31 -- lgtm`: the reason, and the expiry."""
    reason: list[str] = []
    until: dt.date | None = None
    for part in (p.strip() for p in text.split("--")):
        expiry = _UNTIL.match(part)
        if expiry is None:
            if part:
                reason.append(part)
            continue
        if until is not None:
            raise ConfigError(f"an inline ignore has two expiry dates: {_USAGE}", display, number)
        try:
            until = dt.date.fromisoformat(expiry[1])
        except ValueError:
            raise ConfigError(f"an inline ignore's expiry {expiry[1]!r} is not a date (YYYY-MM-DD)",
                              display, number) from None
    if not reason:
        raise ConfigError(f"an inline ignore needs a rule and a reason: {_USAGE}", display, number)
    return " -- ".join(reason), until
