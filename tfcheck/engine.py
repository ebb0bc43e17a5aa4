"""The one pipeline: inputs -> graph -> access facts -> rules -> enforcement -> Result."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tfcheck.access import build_facts
from tfcheck.enforce import Result, check_overrides, judge
from tfcheck.errors import ConfigError, InputError
from tfcheck.findings import Finding
from tfcheck.inputs.plan import load_plan
from tfcheck.rules import ALL_RULES

_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Options:
    """What the command line asked for, independent of how it was spelled."""

    inputs: Sequence[str]
    account_ids: Sequence[str] = ()
    overrides: dict[str, str] = field(default_factory=dict)


def run(options: Options) -> Result:
    for account in options.account_ids:
        if not _ACCOUNT.match(account):
            raise ConfigError(f"--account-id {account!r}: an AWS account id is 12 digits")
    check_overrides(options.overrides)
    extra = frozenset(options.account_ids)
    findings: list[Finding] = []
    owners: dict[str, str] = {a: f"{a} (--account-id)" for a in options.account_ids}
    owner_known = True
    secrets = 0
    for path in options.inputs:
        if path != "-" and Path(path).is_dir():
            raise InputError("is a directory; tfcheck reads plan JSON (`terraform show -json "
                             "PLANFILE > plan.json`)", path)
        graph = load_plan(path)
        facts = build_facts(graph, extra)
        for source in graph.owner_sources:
            owners.setdefault(source.split(" ", 1)[0], source)
        owner_known = owner_known and facts.owner_known
        secrets += len({sf.secret.address for sf in facts.secrets if sf.secret})
        for rule in ALL_RULES:
            findings.extend(rule().check(facts))
    judged = judge(findings, owner_known=owner_known, overrides=options.overrides)
    return Result(judged, tuple(options.inputs), tuple(owners[a] for a in sorted(owners)),
                  secrets, dict(options.overrides))
