"""`tfcheck access`: the access summary of each input, and what a plan changes about it.

The same inputs, owner accounts and access facts as the check (engine.py); no rule runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tfcheck.access import READ_TYPES, build_facts
from tfcheck.access.before import before_facts
from tfcheck.access.diff import Change, diff
from tfcheck.access.identities import IDENTITY_TYPES
from tfcheck.access.summary import Summary, summarize, summarize_before
from tfcheck.config import find_config, load_config
from tfcheck.engine import _roots
from tfcheck.errors import ConfigError
from tfcheck.redact import redact, sensitive_strings
from tfcheck.terraform import ReadOptions, read_states
from tfcheck.terraform.files import DEFAULT_MAX_FILE_SIZE, file_size_limit

_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class AccessOptions:
    inputs: Sequence[str]
    account_ids: Sequence[str] = ()
    source: str | None = None
    use_source: bool = True
    var_files: Sequence[str] = ()
    variables: Sequence[str] = ()
    config: str | None = None
    use_cache: bool = True
    max_file_size: int = DEFAULT_MAX_FILE_SIZE


@dataclass(frozen=True)
class Survey:
    """One input: who may read each secret after it, and (for a plan) what changes."""

    input: str
    after: Summary
    before: Summary | None
    """None for a directory: it has no state before the change."""
    changes: tuple[Change, ...] | None


def survey(options: AccessOptions, rule_ids: set[str]) -> list[Survey]:
    """`rule_ids`: the rules tfcheck.hcl may name (the CLI's registry)."""
    with file_size_limit(options.max_file_size):
        return _survey(options, rule_ids)


def _survey(options: AccessOptions, rule_ids: set[str]) -> list[Survey]:
    for account in options.account_ids:
        if not _ACCOUNT.match(account):
            raise ConfigError(f"--account-id {account!r}: an AWS account id is 12 digits")
    config = load_config(find_config(options.config, _roots(options.inputs)), rule_ids)
    extra = frozenset([*options.account_ids, *config.owners])
    trusted = frozenset(config.trusted)
    out: list[Survey] = []
    for path in options.inputs:
        read_options = ReadOptions(options.account_ids, options.var_files, options.variables,
                                   options.source, options.use_source, options.use_cache,
                                   READ_TYPES - IDENTITY_TYPES)  # who reads, not their own policies
        graph, prior = read_states(path, read_options)
        if extra:  # owners said outright replace what the input suggests (as in engine.py)
            graph = replace(graph, owner_accounts=extra)
            prior = replace(prior, owner_accounts=extra) if prior is not None else None
        facts = build_facts(graph, extra, trusted)
        if prior is not None:
            facts = replace(facts, before=before_facts(prior, facts, extra | graph.owner_accounts, trusted))
        # The facts with their state before: summarize_before reads the same summary after.
        after = summarize(facts)
        # Sensitive values are hidden where the access facts know them; any other path is redacted
        # here, as engine.py redacts the check's Result.
        secrets = sensitive_strings(graph) | (sensitive_strings(prior) if prior is not None else set())
        before = summarize_before(facts)
        if before is None:
            out.append(redact(Survey(path, after, None, None), secrets))
            continue
        out.append(redact(Survey(path, after, before, diff(before, after)), secrets))
    return out
