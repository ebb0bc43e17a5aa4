"""The one pipeline: inputs -> graph -> access facts -> rules -> enforcement -> Result."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tfcheck.access import build_facts
from tfcheck.enforce import Result, check_overrides, judge
from tfcheck.errors import ConfigError, InputError
from tfcheck.findings import Finding
from tfcheck.inputs.hcl import has_terraform_files, load_directory
from tfcheck.inputs.merge import merge
from tfcheck.inputs.plan import build_graph, read_plan
from tfcheck.model.graph import Graph
from tfcheck.rules import ALL_RULES

_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Options:
    """What the command line asked for, independent of how it was spelled."""

    inputs: Sequence[str]
    account_ids: Sequence[str] = ()
    overrides: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    """The HCL directory of a plan (default: the plan file's directory)."""
    use_source: bool = True
    var_files: Sequence[str] = ()
    variables: Sequence[str] = ()


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
    notes: list[str] = []
    for path in options.inputs:
        graph = load(path, options)
        notes += graph.notes
        facts = build_facts(graph, extra)
        for source in graph.owner_sources:
            owners.setdefault(source.split(" ", 1)[0], source)
        owner_known = owner_known and facts.owner_known
        secrets += len({sf.secret.address for sf in facts.secrets if sf.secret})
        for rule in ALL_RULES:
            findings.extend(rule().check(facts))
    judged = judge(findings, owner_known=owner_known, overrides=options.overrides)
    return Result(judged, tuple(options.inputs), tuple(owners[a] for a in sorted(owners)),
                  secrets, dict(options.overrides), tuple(dict.fromkeys(notes)))


def load(path: str, options: Options) -> Graph:
    """A directory is HCL; a file is a plan, merged with its source directory when there is one."""
    if path != "-" and Path(path).is_dir():
        if not has_terraform_files(Path(path)):
            raise InputError("is a directory with no .tf or .tf.json files", path)
        return load_directory(Path(path), display=path, account_ids=options.account_ids,
                              var_files=options.var_files, variables=options.variables)
    doc = read_plan(path)
    graph = build_graph(doc, path)
    if not options.use_source:
        return graph
    if options.source is not None:
        source, display = Path(options.source), options.source
        if not source.is_dir() or not has_terraform_files(source):
            raise InputError("--source: not a directory with .tf files", options.source)
    elif path == "-":
        return graph
    else:
        source, display = Path(path).resolve().parent, os.path.dirname(path) or "."
        if not has_terraform_files(source):
            return graph
    plan_vars = {name: v["value"] for name, v in (doc.get("variables") or {}).items()
                 if isinstance(v, dict) and "value" in v}
    hcl = load_directory(source, plan_variables=plan_vars, display=display,
                         account_ids=options.account_ids)
    return merge(graph, hcl)
