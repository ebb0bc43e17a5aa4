"""GitHub code scanning's upload rules for SARIF, as documented in "SARIF support for code scanning"
(docs.github.com, code-security/code-scanning/integrating-with-code-scanning): what the official
schema allows but an upload is refused for, or silently loses."""

from __future__ import annotations

import re
from typing import Any

# The documented maxima: over these an upload is rejected.
MAX_RUNS = 20
MAX_RESULTS_PER_RUN = 25_000
MAX_RULES_PER_RUN = 25_000
MAX_LOCATIONS_PER_RESULT = 1_000
MAX_TAGS_PER_RULE = 20
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def upload_problems(doc: Any) -> list[str]:
    """Every way `doc` breaks the rules; empty when GitHub would accept it."""
    problems: list[str] = []
    if doc.get("version") != "2.1.0":
        problems.append("version must be 2.1.0")
    runs = doc.get("runs") or []
    if not 1 <= len(runs) <= MAX_RUNS:
        problems.append(f"{len(runs)} runs (1 to {MAX_RUNS})")
    for r, run in enumerate(runs):
        driver = run.get("tool", {}).get("driver", {})
        if not driver.get("name"):
            problems.append(f"run {r}: tool.driver.name is required")
        rules = driver.get("rules") or []
        if len(rules) > MAX_RULES_PER_RUN:
            problems.append(f"run {r}: {len(rules)} rules")
        for rule in rules:
            problems += _rule_problems(rule)
        results = run.get("results") or []
        if len(results) > MAX_RESULTS_PER_RUN:
            problems.append(f"run {r}: {len(results)} results")
        for i, result in enumerate(results):
            problems += [f"run {r} result {i}: {p}" for p in _result_problems(result)]
    return problems


def _rule_problems(rule: dict[str, Any]) -> list[str]:
    out = []
    rid = rule.get("id")
    if not rid:
        out.append("a rule without id")
    props = rule.get("properties") or {}
    score = props.get("security-severity")
    if score is not None:
        # A string holding a number from 0.0 to 10.0 (GitHub maps it to critical/high/medium/low).
        try:
            ok = isinstance(score, str) and 0.0 <= float(score) <= 10.0
        except ValueError:
            ok = False
        if not ok:
            out.append(f"rule {rid}: security-severity {score!r} is not a string number 0.0-10.0")
    if len(props.get("tags") or []) > MAX_TAGS_PER_RULE:
        out.append(f"rule {rid}: more than {MAX_TAGS_PER_RULE} tags")
    help_ = rule.get("help")
    if help_ is not None and not isinstance(help_.get("text"), str):
        out.append(f"rule {rid}: help needs text (markdown is optional beside it)")
    return out


def _result_problems(result: dict[str, Any]) -> list[str]:
    out = []
    if not (result.get("ruleId") or (result.get("rule") or {}).get("id")):
        out.append("no ruleId")
    if not (result.get("message") or {}).get("text"):
        out.append("no message.text")
    locations = result.get("locations") or []
    if not locations:
        out.append("no locations")
    if len(locations) > MAX_LOCATIONS_PER_RESULT:
        out.append(f"more than {MAX_LOCATIONS_PER_RESULT} locations")
    # "expected artifact location": every result's location needs a physical location with a URI.
    for loc in locations:
        physical = loc.get("physicalLocation") or {}
        uri = (physical.get("artifactLocation") or {}).get("uri")
        if not isinstance(uri, str) or not uri:
            out.append("a location without physicalLocation.artifactLocation.uri")
            continue
        if _SCHEME.match(uri) and not uri.startswith("file:"):
            out.append(f"uri {uri!r}: relative to the repository, or a file: URI")
        if uri.startswith(("/", "./")) or ".." in uri.split("/"):
            out.append(f"uri {uri!r}: not a clean path from the repository top")
        region = physical.get("region")
        if region is not None and not (isinstance(region.get("startLine"), int)
                                       and region["startLine"] >= 1):
            out.append("region without a startLine of at least 1")
    for value in (result.get("partialFingerprints") or {}).values():
        if not isinstance(value, str):
            out.append("a partialFingerprints value that is not a string")
    return out
