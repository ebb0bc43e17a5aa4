"""What a rule reports: Severity, Location and the frozen Finding record."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Severity(str, Enum):
    """How bad a finding is, independent of whether it blocks."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Lower is worse; used to sort reports."""
        return list(Severity).index(self)


class Level(str, Enum):
    """Sentinel's enforcement levels: whether a finding of a rule fails the run."""

    ADVISORY = "advisory"
    """Reported, never fails."""
    SOFT_MANDATORY = "soft-mandatory"
    """Fails unless overridden with --override RULE."""
    HARD_MANDATORY = "hard-mandatory"
    """Fails; only configuration or a waiver lets it pass."""


@dataclass(frozen=True, order=True)
class Location:
    """A place in the user's source: file relative to the scanned root, 1-based line."""

    file: str
    line: int | None = None
    root: str = field(default="", compare=False)
    """The scanned root directory as the user named it ("" when unknown)."""

    @property
    def path(self) -> str:
        """The file as a path from the working directory (for CI annotations and SARIF)."""
        return os.path.normpath(os.path.join(self.root, self.file)) if self.root else self.file

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Related:
    """Another resource in the chain behind a finding (secret, key, alias, key policy)."""

    address: str
    location: Location | None = None


RULES_DOC_URL = "https://github.com/tfcheck/tfcheck/blob/main/docs/rules.md"
"""The built-in rules' documentation: one heading per rule id (ids are already anchors)."""


@dataclass(frozen=True)
class RuleInfo:
    """What a report says about a rule: its metadata, with the severity and level in force."""

    id: str
    title: str
    severity: Severity
    level: Level
    summary: str = ""
    """One line: what the rule finds."""
    help: str = ""
    """The whole documentation, in markdown."""
    url: str | None = None
    """Where the documentation is published (None for custom rules: they have none)."""


@dataclass(frozen=True)
class Finding:
    """One problem found by one rule on one resource; knows nothing of levels or formats."""

    rule: str
    """The rule id, e.g. `cross-account-secret-without-cmk`."""
    severity: Severity
    address: str | None
    """Full instance address of the resource that holds the offending statement."""
    message: str
    """What is wrong, in one or two sentences; never contains a sensitive value."""
    remediation: str
    """How to fix it, in one sentence."""
    subject: str = ""
    """What exactly is wrong within the resource (a principal, an account); part of the fingerprint."""
    location: Location | None = None
    related: tuple[Related, ...] = ()
    needs_owner: bool = False
    """True when the finding rests on knowing which accounts are the owner's."""
    uncertain: str = ""
    """Set when the violation holds only for some values known after apply: which one decides it
    (the finding is then advisory, whatever the rule's level)."""
    witness: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)
    """One concrete request that shows the finding (the JSON report's `witness`)."""
    info: RuleInfo = field(default=None, compare=False)  # type: ignore[assignment]
    """The rule's metadata; a finding built without it gets the bare id as title."""
    root: str = ""
    """The root module it was found in, in a run of several roots ("" in a run of one root)."""
    origin: str = field(default="", compare=False)
    """The input file it came from (a plan, or a .tf file of its root): where formats that need a
    file place a finding without a source line."""

    def __post_init__(self) -> None:
        if self.info is None:
            object.__setattr__(self, "info", RuleInfo(self.rule, self.rule, self.severity, Level.ADVISORY))

    @property
    def fingerprint(self) -> str:
        """Stable across runs, reordering and line moves: rule + address + subject, and the root
        in a run of several roots (a run of one root keeps the fingerprints it always had)."""
        parts = (self.rule, self.address or "", self.subject) + ((self.root,) if self.root else ())
        raw = "\x1f".join(parts)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def sort_key(self) -> tuple[str, str, str, str, str]:
        return (self.root, self.address or "", self.rule, self.subject, self.message)
