"""Inline `# tfcheck:ignore <rule> -- <reason>` comments in .tf files, with their lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tfcheck.errors import ConfigError

_IGNORE = re.compile(r"(?:#|//)\s*tfcheck:ignore\b(.*)$")
_BODY = re.compile(r"^\s+([a-z0-9][a-z0-9-]*)\s*(?:--\s*(.*?))?\s*$")


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
            raise ConfigError("an inline ignore needs a rule and a reason: "
                              "# tfcheck:ignore RULE -- REASON", display, number)
        found.append(Ignore(body[1], body[2], rel, number, display))
    return found
