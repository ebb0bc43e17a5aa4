"""The one pipeline: inputs -> graph -> access facts -> rules -> enforcement -> Result."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from tfcheck import governance
from tfcheck.access import READ_TYPES, build_facts
from tfcheck.access.before import before_facts
from tfcheck.access.diff import Change, access_changes
from tfcheck.access.identities import IDENTITY_TYPES, Identities, identities
from tfcheck.baseline import read_baseline, write_baseline
from tfcheck.config import RuleSettings, find_config, given_config, load_config
from tfcheck.enforce import Enforcement, Outcome, Result, check_overrides, judge
from tfcheck.errors import ConfigError
from tfcheck.findings import Finding, RuleInfo
from tfcheck.model.graph import Graph
from tfcheck.redact import redact, sensitive_strings
from tfcheck.roots import Root, repository_prefix, resolve
from tfcheck.rules import ALL_RULES
from tfcheck.terraform import ReadOptions, read_states
from tfcheck.terraform.files import DEFAULT_MAX_FILE_SIZE, file_size_limit
from tfcheck.terraform.hcl.ignores import Ignore

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
    config: str | None = None
    """--config FILE; else tfcheck.hcl in the working directory or a scanned root."""
    baseline: str | None = None
    write_baseline: str | None = None
    today: dt.date | None = None
    """For tests of waiver expiry; else the real date."""
    use_cache: bool = True
    """Use the HCL parse cache (--no-cache turns it off)."""
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    """--max-file-size: no input file larger than this is read (inputs.files.read_limited)."""
    workspace: str | None = None
    """--workspace: `terraform.workspace` of a directory input (else TF_WORKSPACE, "default")."""
    recursive: bool = False
    """--recursive: every root module below a directory input is checked on its own."""
    only_rules: Sequence[str] = ()
    """--rule: run only these rules (with the configuration's own selection)."""
    skip_rules: Sequence[str] = ()
    """--skip-rule: do not run these rules."""
    config_search: bool = True
    """False: read only `config`, never a tfcheck.hcl found around (`tfcheck test` cases)."""


def run(options: Options) -> Result:
    with file_size_limit(options.max_file_size):
        return _check(options)


def _check(options: Options) -> Result:
    for account in options.account_ids:
        if not _ACCOUNT.match(account):
            raise ConfigError(f"--account-id {account!r}: an AWS account id is 12 digits")
    roots, notes = resolve(options.inputs, options.recursive)
    notes += _input_notes(options, roots)
    if options.config_search:
        config = load_config(find_config(options.config, _roots([r.input for r in roots])),
                             {r.id for r in ALL_RULES}, given=given_config(options.config) is not None)
    else:
        config = load_config(Path(options.config) if options.config else None,
                             {r.id for r in ALL_RULES}, given=True)
    chosen = _chosen(options, {r.id for r in ALL_RULES} | {c.id for c in config.custom})
    rules = [r() for r in ALL_RULES
             if config.rules.get(r.id, RuleSettings()).enabled and r.id in chosen]
    custom = []
    if any(spec.settings.enabled and spec.id in chosen for spec in config.custom):
        from tfcheck.rules.custom import compile_rule  # jsonpath-ng: only for custom rules

        custom = [compile_rule(spec) for spec in config.custom
                  if spec.settings.enabled and spec.id in chosen]
    # A plan is read for the types the rules read: the built-in ones and the custom rules'.
    keep = READ_TYPES.union(*(c.spec.resource_types for c in custom))
    levels = {r.id: config.rules.get(r.id, RuleSettings()).level or r.level for r in ALL_RULES}
    levels.update({c.id: c.level for c in custom})
    check_overrides(options.overrides, levels)
    infos = {info.id: _in_force(info, config.rules.get(info.id, RuleSettings()))
             for info in [*(r.info() for r in rules), *(c.info() for c in custom)]}
    # Owner accounts said outright replace what the input suggests (--account-id before the
    # configuration's accounts.owner): every account some provider assumes a role into is not
    # "yours", and a pipeline that names its account must not have it widened.
    given = list(options.account_ids) or list(config.owners)
    extra = frozenset(given)
    owners = {a: f"{a} ({'--account-id' if options.account_ids else config.file})" for a in given}
    findings: list[Finding] = []
    matches: list[tuple[Ignore, Finding]] = []
    unknown_owner: set[str] = set()
    secret_count = 0
    secrets: set[str] = set()
    changes: list[Change] | None = None
    # Roles and users are read where they may be another account's (the consumer side), or for
    # a custom rule that asks for them.
    spanning = IDENTITY_TYPES.difference(*(c.spec.resource_types for c in custom))
    loaded = []
    for root in roots:
        graph, prior = read_states(root.input, ReadOptions(
            options.account_ids, options.var_files, options.variables, options.source, options.use_source,
            options.use_cache, keep, options.workspace, spanning, len(roots) > 1))
        notes += [f"{root.name}: {note}" if root.name else note for note in graph.notes]
        secrets |= sensitive_strings(graph) | (sensitive_strings(prior) if prior is not None else set())
        if extra:  # owners said outright replace what the input suggests
            graph = replace(graph, owner_accounts=extra)
            prior = replace(prior, owner_accounts=extra) if prior is not None else None
        loaded.append((root, graph, prior))
    # The roles and users of every root: a share's consumer side may be written in another root.
    everyone = Identities()
    for root, graph, _ in loaded:
        everyone.add(identities(graph, root.name))
    graphs = {root.name: graph for root, graph, _ in loaded}
    for root, graph, prior in loaded:
        # Each root has its own owner accounts: what one root proves says nothing of another.
        facts = build_facts(graph, extra, frozenset(config.trusted), everyone)
        if prior is not None:
            facts = replace(facts, before=before_facts(prior, facts, extra | graph.owner_accounts,
                                                       frozenset(config.trusted)))
            changes = (changes or []) + list(access_changes(facts))
        for source in () if extra else graph.owner_sources:
            account = source.split(" ", 1)[0]
            owners.setdefault(f"{account} {root.name}" if root.name else account,
                              f"{source} in {root.name}" if root.name else source)
        if not facts.owner_known:
            unknown_owner.add(root.name)
        secret_count += len({sf.secret.address for sf in facts.secrets if sf.secret})
        found = [f for rule in rules for f in rule.check(facts)]
        found += [f for rule in custom for f in rule.check(graph)]
        # A finding on the consumer side of a share is in the root that holds that policy.
        found = [replace(f, severity=infos[f.rule].severity, info=infos[f.rule], root=f.root or root.name,
                         origin=f.location.path if f.location else root.anchor)
                 for f in found]
        matches += _inline_ignores(graphs, found, set(levels))
        findings += found
    baseline = read_baseline(options.baseline) if options.baseline else frozenset()
    if options.write_baseline:
        write_baseline(options.write_baseline, findings)
        baseline |= {f.fingerprint for f in findings}
    today = options.today or dt.date.today()
    inline, decisions = governance.inline_ignores(matches, levels, config, today)
    enforcement = Enforcement(levels, options.overrides, config.waivers, inline, baseline, today)
    judged, waiver_notes = judge(findings, owner_known=not unknown_owner, enforcement=enforcement,
                                 unknown_owner_roots=frozenset(unknown_owner))
    waived = [j.finding for j in judged if j.outcome is Outcome.WAIVED]
    decisions += governance.from_config(config, {r.id: r.level for r in ALL_RULES},
                                        {r.id: r.severity for r in ALL_RULES})
    decisions += governance.baselined(options.baseline, sum(
        1 for j in judged if j.outcome is Outcome.BASELINED))
    decisions += governance.waivers_used(config, waived, inline)
    result = Result(judged, tuple(options.inputs), tuple(owners[a] for a in sorted(owners)),
                    secret_count, dict(options.overrides),
                    tuple(dict.fromkeys([*notes, *waiver_notes])), tuple(infos.values()),
                    governance.ordered(decisions), tuple(r.name for r in roots if r.name),
                    repository_prefix(), None if changes is None else tuple(changes))
    return redact(result, secrets)


def _in_force(info: RuleInfo, settings: RuleSettings) -> RuleInfo:
    """A rule's metadata with the severity and level tfcheck.hcl sets for it."""
    return replace(info, severity=settings.severity or info.severity, level=settings.level or info.level)


def _chosen(options: Options, known: set[str]) -> set[str]:
    """The rules --rule and --skip-rule leave to run (every rule when neither is given)."""
    for rule_id in [*options.only_rules, *options.skip_rules]:
        if rule_id not in known:
            flag = "--rule" if rule_id in options.only_rules else "--skip-rule"
            raise ConfigError(f"{flag} {rule_id}: no such rule (see `tfcheck rules`)")
    chosen = set(options.only_rules) if options.only_rules else set(known)
    return chosen - set(options.skip_rules)


def _input_notes(options: Options, roots: Sequence[Root]) -> list[str]:
    """What an input does not use, said rather than left silent."""
    notes = []
    plans = [r.input for r in roots if r.input == "-" or not Path(r.input).is_dir()]
    if "-" in plans and options.use_source and options.source is None:
        notes.append("the plan read from stdin has no .tf source beside it: findings have no "
                     "file:line (pass --source DIR, or the plan as a file in its root module)")
    if plans and (options.var_files or options.variables):
        notes.append(f"--var-file and --var apply to Terraform directories; the plan "
                     f"{', '.join(plans)} holds its variables' values already and was read "
                     "without them")
    return notes


def _roots(inputs: Sequence[str]) -> list[Path]:
    return [Path(p) if Path(p).is_dir() else Path(p).parent for p in inputs if p != "-"]


def _inline_ignores(graphs: dict[str, Graph], findings: list[Finding], rule_ids: set[str]
                    ) -> list[tuple[Ignore, Finding]]:
    """Each finding on a block or attribute line with a tfcheck:ignore, with that ignore (of the
    root the finding is in)."""
    for graph in graphs.values():
        for ignore in graph.ignores:
            if ignore.rule not in rule_ids:
                raise ConfigError(f"tfcheck:ignore names no rule {ignore.rule!r} (see `tfcheck rules`)",
                                  ignore.display, ignore.line)
    out: list[tuple[Ignore, Finding]] = []
    for f in findings:
        held = graphs.get(f.root)
        res = held.get(f.address) if held is not None and f.address else None
        if held is None or f.location is None or res is None or res.location is None:
            continue
        lines = {res.location.line or 0, f.location.line or 0}
        for ignore in held.ignores:
            if ignore.rule == f.rule and ignore.covers(f.location.file, lines):
                out.append((ignore, f))
                break
    return out
