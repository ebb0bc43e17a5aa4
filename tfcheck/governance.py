"""Governance: what the configuration and inline ignores changed about the checks, for every report.

The pull request is untrusted: a tfcheck.hcl found in the checkout or a `# tfcheck:ignore` in its
.tf files may lower its own gate. It may do so only in plain sight: each such decision is listed,
with its file and line, in every output format.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tfcheck.config import Config, InlineAllow
from tfcheck.findings import Finding, Level, Severity
from tfcheck.terraform.hcl.ignores import Ignore

_STRENGTH = {Level.ADVISORY: 0, Level.SOFT_MANDATORY: 1, Level.HARD_MANDATORY: 2}


@dataclass(frozen=True)
class Decision:
    """One thing that changed what the checks decide, and where it was written."""

    kind: str
    """configuration, accounts, rule-disabled, level-lowered, inline-policy, waiver, inline-ignore
    or inline-ignore-refused."""
    text: str
    file: str | None = None
    line: int | None = None
    rule: str | None = None

    @property
    def where(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        return f"{self.where}: {self.text}" if self.file else self.text


def from_config(config: Config, defaults: Mapping[str, Level],
                severities: Mapping[str, Severity] | None = None) -> list[Decision]:
    """The configuration file itself, and each setting in it that can let a finding through."""
    if config.file is None:
        return []
    f = config.file
    source = ("configuration given with --config or TFCHECK_CONFIG (trusted)" if config.given else
              "configuration found in the scanned tree: the change under review can edit it")
    out = [Decision("configuration", source, f)]
    if config.owners or config.trusted:
        named = [*(f"{a} (owner)" for a in config.owners), *(f"{a} (trusted)" for a in config.trusted)]
        out.append(Decision("accounts", f"accounts declared: {', '.join(named)}", f,
                            config.lines.get("accounts")))
    for rule_id in sorted(config.rules):
        settings, default = config.rules[rule_id], defaults.get(rule_id)
        if not settings.enabled:
            was = f" (by default {default.value})" if default else ""
            out.append(Decision("rule-disabled", f"rule {rule_id} disabled{was}", f, settings.line, rule_id))
        elif settings.level and default and _STRENGTH[settings.level] < _STRENGTH[default]:
            out.append(Decision("level-lowered", f"rule {rule_id} lowered from {default.value} to "
                                f"{settings.level.value}", f, settings.line, rule_id))
        usual = (severities or {}).get(rule_id)
        if settings.enabled and settings.severity and usual and settings.severity.rank > usual.rank:
            out.append(Decision("severity-lowered", f"rule {rule_id} severity lowered from "
                                f"{usual.value} to {settings.severity.value}", f, settings.line, rule_id))
    if config.inline.line:
        expiry = ", each with an expiry" if config.inline.require_expiry else ""
        out.append(Decision("inline-policy", f"inline ignores may waive: {config.inline.allow.value}"
                            f"{expiry}", f, config.inline.line))
    return out


def baselined(path: str | None, count: int) -> list[Decision]:
    """A baseline lets old findings through: which file, and how many it let through."""
    if path is None:
        return []
    return [Decision("baseline", f"baseline {path} lets {count} finding{'s' if count != 1 else ''} "
                     "through as baselined", path)]


def waivers_used(config: Config, waived: Iterable[Finding], inline: Mapping[str, str]) -> list[Decision]:
    """Each tfcheck.hcl waiver with the findings it waived."""
    out = []
    for w in config.waivers:
        hit = sorted(f.address or "(whole configuration)" for f in waived
                     if f.fingerprint not in inline and w.matches(f.rule, f.address, f.root))
        if hit:
            out.append(Decision("waiver", f"waiver of {w.rule} waives {', '.join(dict.fromkeys(hit))}: "
                                f"{w.reason}", w.file, w.line, w.rule))
    return out


def inline_ignores(matches: Iterable[tuple[Ignore, Finding]], levels: Mapping[str, Level],
                   config: Config, today: dt.date) -> tuple[dict[str, str], list[Decision]]:
    """Which inline ignores waive their findings under the configuration's policy; each is listed."""
    waived: dict[str, str] = {}
    decisions: list[Decision] = []
    for ignore, f in matches:
        where = os.path.normpath(ignore.display)
        refused = _refusal(ignore, levels.get(f.rule, Level.ADVISORY), config, today)
        target = f.address or "(whole configuration)"
        if refused:
            decisions.append(Decision("inline-ignore-refused", f"inline ignore of {f.rule} on {target} "
                                      f"not applied: {refused}", where, ignore.line, f.rule))
            continue
        until = f", until {ignore.until.isoformat()}" if ignore.until else ""
        waived[f.fingerprint] = f"{ignore.reason} ({where}:{ignore.line}{until})"
        decisions.append(Decision("inline-ignore", f"inline ignore of {f.rule} waives {target}: "
                                  f"{ignore.reason}{until}", where, ignore.line, f.rule))
    return waived, decisions


def _refusal(ignore: Ignore, level: Level, config: Config, today: dt.date) -> str:
    who = config.file or "the default policy"
    if config.inline.allow is InlineAllow.NONE:
        return f"inline ignores are not allowed ({who})"
    if level is Level.HARD_MANDATORY and config.inline.allow is not InlineAllow.ALL:
        return "a hard-mandatory finding is not waived inline (a waiver in the configuration can)"
    if ignore.until is None and config.inline.require_expiry:
        return f"it has no expiry (-- until YYYY-MM-DD), which {who} requires"
    if ignore.until is not None and ignore.until < today:
        return f"it expired on {ignore.until.isoformat()}"
    return ""


def ordered(decisions: Iterable[Decision]) -> tuple[Decision, ...]:
    """Configuration first, then by file and line; duplicates once."""
    unique = dict.fromkeys(decisions)
    return tuple(sorted(unique, key=lambda d: (d.kind != "configuration", d.file or "", d.line or 0,
                                               d.text)))
