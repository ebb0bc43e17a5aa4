"""What several reporters share: counts, and paths as CI tools want them."""

from __future__ import annotations

import posixpath
from typing import Any

from tfcheck.enforce import Judged, Outcome, Result
from tfcheck.findings import Location

REPO_URL = "https://github.com/tfcheck/tfcheck"
"""Where tfcheck lives."""

WHOLE_CONFIGURATION = "(whole configuration)"
"""How a finding without an address (one about the whole input) is named, as in the text report."""


def counts(result: Result, skip: tuple[Outcome, ...] = ()) -> str:
    """E.g. "2 blocking, 0 advisory, 0 overridden" as in the text report; rarer outcomes when present."""
    always = (Outcome.BLOCKING, Outcome.ADVISORY, Outcome.OVERRIDDEN)
    return ", ".join(f"{result.count(o)} {o.value}" for o in Outcome
                     if o not in skip and (o in always or result.count(o)))


def is_suppressed(j: Judged) -> bool:
    """Let through on purpose (overridden; later waived or baselined): neither blocking nor advisory."""
    return j.outcome not in (Outcome.BLOCKING, Outcome.ADVISORY)


def posix_path(loc: Location) -> str:
    """The file from the working directory with forward slashes, as CI annotations expect."""
    return loc.path.replace("\\", "/")


def repo_path(path: str, result: Result) -> str:
    """A path from the working directory as one from the repository top, with forward slashes:
    what code scanning, GitLab Code Quality and workflow annotations resolve paths against."""
    posix = path.replace("\\", "/")
    if not result.checkout_path or posixpath.isabs(posix):
        return posix
    return posixpath.normpath(posixpath.join(result.checkout_path, posix))


def governance_items(result: Result) -> list[dict[str, Any]]:
    """The governance section as data (JSON, SARIF): what changed the checks, and where."""
    return [{"kind": d.kind, "rule": d.rule, "file": d.file, "line": d.line, "text": d.text}
            for d in result.governance]


def describe(j: Judged) -> str:
    """Message, fix and note in one paragraph, for formats with a single text field."""
    f = j.finding
    text = f"{f.message} Fix: {f.remediation}"
    return f"{text} ({j.note})" if j.note else text
