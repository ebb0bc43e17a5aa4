"""Enforcement: gives every finding an outcome (never drops one) and alone decides the exit code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from tfcheck.config import Waiver
from tfcheck.errors import ConfigError
from tfcheck.findings import Finding, Level, RuleInfo
from tfcheck.governance import Decision


class Outcome(str, Enum):
    BLOCKING = "blocking"
    ADVISORY = "advisory"
    OVERRIDDEN = "overridden"
    """A soft-mandatory finding let through with --override (and its reason)."""
    WAIVED = "waived"
    """Matched by a waiver in tfcheck.hcl or an inline `# tfcheck:ignore`; shown, never blocking."""
    BASELINED = "baselined"
    """Recorded in the --baseline file: an old finding, shown, not blocking."""


@dataclass(frozen=True)
class Judged:
    """A finding with the level it was judged at and what that means for this run."""

    finding: Finding
    level: Level
    outcome: Outcome
    note: str = ""
    """Why the outcome differs from the level, e.g. an override reason or an unknown owner."""


@dataclass(frozen=True)
class Result:
    """Everything a report needs; reporters are pure functions of it."""

    judged: tuple[Judged, ...]
    inputs: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    """Owner accounts with where each came from."""
    secrets_checked: int = 0
    overrides: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    """What the inputs could not cover, e.g. a module that was not analysed."""
    rules: tuple[RuleInfo, ...] = ()
    """The rules that ran (built-in and custom, disabled ones left out), as configured."""
    governance: tuple[Decision, ...] = ()
    """The configuration that applied and what it (or an inline ignore) let through."""
    roots: tuple[str, ...] = ()
    """The root modules checked, as findings name them (empty in a run of one root)."""
    checkout_path: str = ""
    """The working directory inside the repository ("" at its top): SARIF paths start there."""

    def count(self, outcome: Outcome) -> int:
        return sum(1 for j in self.judged if j.outcome is outcome)

    @property
    def exit_code(self) -> int:
        return 1 if self.count(Outcome.BLOCKING) else 0


@dataclass(frozen=True)
class Enforcement:
    """How findings are judged: levels (built-in defaults, then tfcheck.hcl) and exceptions."""

    levels: Mapping[str, Level] = field(default_factory=dict)
    """Rule id -> level in force; a rule not listed is advisory."""
    overrides: Mapping[str, str] = field(default_factory=dict)
    """--override RULE -> --override-reason."""
    waivers: tuple[Waiver, ...] = ()
    inline: Mapping[str, str] = field(default_factory=dict)
    """Fingerprint -> reason of an inline `# tfcheck:ignore` that covers the finding."""
    baseline: frozenset[str] = frozenset()
    today: dt.date = field(default_factory=dt.date.today)


def check_overrides(overrides: Iterable[str], levels: Mapping[str, Level]) -> None:
    for rule_id in overrides:
        if rule_id not in levels:
            raise ConfigError(f"--override {rule_id}: no such rule (see `tfcheck rules`)")
        if levels[rule_id] is not Level.SOFT_MANDATORY:
            raise ConfigError(f"--override {rule_id}: only soft-mandatory rules can be overridden; "
                              f"this one is {levels[rule_id].value}")


def judge(findings: Iterable[Finding], *, owner_known: bool, enforcement: Enforcement,
          unknown_owner_roots: frozenset[str] = frozenset()
          ) -> tuple[tuple[Judged, ...], tuple[str, ...]]:
    """Every finding with its outcome (worst first, then by address), and notes about waivers."""
    out: list[Judged] = []
    used: set[Waiver] = set()
    for f in findings:
        level = enforcement.levels.get(f.rule, Level.ADVISORY)
        waiver = _waiver_for(f, enforcement, used)
        if waiver is not None:
            outcome, note = Outcome.WAIVED, f"waived: {waiver}"
        elif f.fingerprint in enforcement.baseline:
            outcome, note = Outcome.BASELINED, "in the baseline"
        elif level is Level.ADVISORY:
            outcome, note = Outcome.ADVISORY, ""
        elif f.uncertain:
            outcome, note = Outcome.ADVISORY, f"advisory because it depends on {f.uncertain}"
        elif f.needs_owner and (f.root in unknown_owner_roots if unknown_owner_roots
                                else not owner_known):
            outcome, note = Outcome.ADVISORY, "advisory because the owner account is unknown"
        elif level is Level.SOFT_MANDATORY and f.rule in enforcement.overrides:
            reason = enforcement.overrides[f.rule]
            outcome, note = Outcome.OVERRIDDEN, f"overridden: {reason}" if reason else "overridden"
        else:
            outcome, note = Outcome.BLOCKING, ""
        out.append(Judged(f, level, outcome, note))
    out.sort(key=lambda j: (OUTCOME_ORDER[j.outcome], j.finding.severity.rank, j.finding.sort_key()))
    return tuple(out), _waiver_notes(enforcement, used)


OUTCOME_ORDER = {Outcome.BLOCKING: 0, Outcome.OVERRIDDEN: 1, Outcome.ADVISORY: 2, Outcome.BASELINED: 3,
          Outcome.WAIVED: 4}


def _waiver_for(f: Finding, enforcement: Enforcement, used: set[Waiver]) -> str | None:
    if f.fingerprint in enforcement.inline:
        return f"{enforcement.inline[f.fingerprint]} (inline tfcheck:ignore)"
    for waiver in enforcement.waivers:
        if waiver.matches(f.rule, f.address, f.root):
            used.add(waiver)
            if waiver.expires is None or waiver.expires >= enforcement.today:
                until = f", until {waiver.expires.isoformat()}" if waiver.expires else ""
                return f"{waiver.reason} ({waiver.file}:{waiver.line}{until})"
    return None


def _waiver_notes(enforcement: Enforcement, used: set[Waiver]) -> tuple[str, ...]:
    notes = []
    for w in enforcement.waivers:
        where = f"{w.file}:{w.line}"
        if w.expires is not None and w.expires < enforcement.today:
            state = "matches findings again" if w in used else "matches nothing"
            notes.append(f"waiver at {where} ({w.rule} on {w.address}) expired on "
                         f"{w.expires.isoformat()} and no longer waives; it {state}")
        elif w not in used:
            notes.append(f"waiver at {where} ({w.rule} on {w.address}) matches no finding: "
                         "it is stale and can be removed")
    return tuple(notes)
