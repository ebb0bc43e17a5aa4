"""Enforcement: sorts findings into blocking / advisory / overridden (never drops one), and the exit code."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from tfcheck.errors import ConfigError
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules import RULES_BY_ID


class Outcome(str, Enum):
    BLOCKING = "blocking"
    ADVISORY = "advisory"
    OVERRIDDEN = "overridden"


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

    def count(self, outcome: Outcome) -> int:
        return sum(1 for j in self.judged if j.outcome is outcome)

    @property
    def exit_code(self) -> int:
        return 1 if self.count(Outcome.BLOCKING) else 0


def check_overrides(overrides: Iterable[str]) -> None:
    for rule_id in overrides:
        rule = RULES_BY_ID.get(rule_id)
        if rule is None:
            raise ConfigError(f"--override {rule_id}: no such rule (see `tfcheck rules`)")
        if rule.level is Level.HARD_MANDATORY:
            raise ConfigError(f"--override {rule_id}: the rule is hard-mandatory and cannot be "
                              "overridden")


def judge(findings: Iterable[Finding], *, owner_known: bool,
          overrides: Mapping[str, str]) -> tuple[Judged, ...]:
    """Give every finding its outcome, sorted worst first and then by address."""
    out: list[Judged] = []
    for f in findings:
        level = RULES_BY_ID[f.rule].level if f.rule in RULES_BY_ID else Level.ADVISORY
        outcome, note = Outcome.BLOCKING, ""
        if level is Level.ADVISORY:
            outcome = Outcome.ADVISORY
        elif f.needs_owner and not owner_known:
            outcome, note = Outcome.ADVISORY, "advisory because the owner account is unknown"
        elif level is Level.SOFT_MANDATORY and f.rule in overrides:
            reason = overrides[f.rule]
            outcome = Outcome.OVERRIDDEN
            note = f"overridden: {reason}" if reason else "overridden"
        out.append(Judged(f, level, outcome, note))
    order = {Outcome.BLOCKING: 0, Outcome.OVERRIDDEN: 1, Outcome.ADVISORY: 2}
    out.sort(key=lambda j: (order[j.outcome], _severity_rank(j.finding.severity),
                            j.finding.sort_key()))
    return tuple(out)


def _severity_rank(severity: Severity) -> int:
    return severity.rank
