"""SARIF 2.1.0 report for code scanning: results point at the .tf file and line, never at the plan."""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from tfcheck import __version__
from tfcheck.enforce import Judged, Outcome, Result
from tfcheck.findings import Level, Location, RuleInfo, Severity
from tfcheck.governance import Decision
from tfcheck.report import escape
from tfcheck.report.common import (
    REPO_URL,
    WHOLE_CONFIGURATION,
    describe,
    governance_items,
    is_suppressed,
)

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

# GitHub ranks security alerts by this CVSS-like score (critical >= 9.0, high >= 7.0, ...).
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                     Severity.LOW: "3.0", Severity.INFO: "0.0"}


def render(result: Result) -> str:
    rules = {rule.id: rule for rule in result.rules}
    for j in result.judged:  # a finding of a rule the result does not list still gets its metadata
        rules.setdefault(j.finding.rule, j.finding.info)
    rule_index = {rule_id: i for i, rule_id in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "tfcheck",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": REPO_URL,
            "rules": [_rule(rule) for rule in rules.values()],
        }},
        "invocations": [_invocation(result)],
        "results": [_result(j, rule_index, result.checkout_path) for j in result.judged],
    }
    doc = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return escape.json_document(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"


def level(j: Judged) -> str:
    """Blocking is an error; what does not block is a warning, or a note when it is only information."""
    if j.outcome is Outcome.BLOCKING:
        return "error"
    return _quiet_level(j.finding.severity)


def _quiet_level(severity: Severity) -> str:
    return "note" if severity in (Severity.LOW, Severity.INFO) else "warning"


def _rule(rule: RuleInfo) -> dict[str, Any]:
    doc = rule.help or rule.title
    default = "error" if rule.level is not Level.ADVISORY else _quiet_level(rule.severity)
    out: dict[str, Any] = {
        "id": rule.id,
        "name": _camel(rule.id),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.summary or rule.title},
        "help": {"text": doc.replace("**", ""), "markdown": doc},
    }
    if rule.url:
        out["helpUri"] = rule.url
    out.update({
        "defaultConfiguration": {"level": default},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "tags": ["security", "terraform", "aws", f"severity/{rule.severity.value}",
                     f"enforcement/{rule.level.value}"],
        },
    })
    return out


def _camel(rule_id: str) -> str:
    """SARIF's `name` is an identifier-like label: cross-account-x -> CrossAccountX."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", rule_id))


def _invocation(result: Result) -> dict[str, Any]:
    # Notes about what the inputs could not cover are tool notifications, not results.
    out: dict[str, Any] = {"executionSuccessful": True}
    if result.notes:
        out["toolExecutionNotifications"] = [
            {"level": "note", "message": {"text": note}} for note in result.notes]
    if result.governance:
        # What the configuration and inline ignores changed: configuration notifications, each
        # at its file and line; the same items as data in the run's properties.
        base = result.checkout_path or ""
        out["toolConfigurationNotifications"] = [_governance(d, base) for d in result.governance]
        out["properties"] = {"governance": governance_items(result)}
    return out


def _governance(d: Decision, base: str) -> dict[str, Any]:
    out: dict[str, Any] = {"level": "note", "message": {"text": str(d)},
                           "descriptor": {"id": f"governance/{d.kind}"}}
    if d.file:
        physical: dict[str, Any] = {"artifactLocation": _artifact(d.file, base)}
        if d.line:
            physical["region"] = {"startLine": d.line}
        out["locations"] = [{"physicalLocation": physical}]
    if d.rule:
        out["associatedRule"] = {"id": d.rule}
    return out


def _result(j: Judged, rule_index: dict[str, int], base: str) -> dict[str, Any]:
    f = j.finding
    out: dict[str, Any] = {"ruleId": f.rule}
    if f.rule in rule_index:
        out["ruleIndex"] = rule_index[f.rule]
    out["level"] = level(j)
    out["message"] = {"text": describe(j)}
    out["locations"] = [_location(f.location, f.address, f.origin, base)]
    if f.related:
        out["relatedLocations"] = [
            {"id": i, **_location(r.location, r.address, f.origin, base),
             "message": {"text": r.address}}
            for i, r in enumerate(f.related, start=1)]
    out["partialFingerprints"] = {"tfcheck/v1": f.fingerprint}
    if is_suppressed(j):
        out["suppressions"] = [{"kind": "external", "status": "accepted",
                                "justification": j.note or j.outcome.value}]
    out["properties"] = {"severity": f.severity.value, "enforcement_level": j.level.value,
                         "outcome": j.outcome.value}
    if f.root:
        out["properties"]["root"] = f.root
    return out


SRCROOT = "%SRCROOT%"
"""The uriBaseId of every path: the top of the repository, which code scanning resolves them from."""
STDIN = "stdin"
"""The artifact of a plan read from stdin, which has no file to point at."""


def _location(loc: Location | None, address: str | None, origin: str, base: str
              ) -> dict[str, Any]:
    """Always a physical location, which code scanning requires of every result: the .tf file and
    line, else the input the finding came from (the plan, or a file of its root module)."""
    logical = [{"fullyQualifiedName": address, "kind": "resource"} if address
               else {"name": WHOLE_CONFIGURATION, "kind": "module"}]
    if loc is None:
        physical: dict[str, Any] = {"artifactLocation": _artifact(origin or STDIN, base)}
        return {"physicalLocation": physical, "logicalLocations": logical}
    physical = {"artifactLocation": _artifact(loc.path, base)}
    if loc.line:
        physical["region"] = {"startLine": loc.line}
    return {"physicalLocation": physical, "logicalLocations": logical}


def _artifact(path: str, base: str) -> dict[str, Any]:
    """A path from the working directory as a URI from the repository top (`base` is the working
    directory inside the repository); an absolute path stays an absolute file: URI."""
    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute():
        return {"uri": PurePosixPath(posix).as_uri()}
    if PureWindowsPath(path).is_absolute():
        return {"uri": PureWindowsPath(path).as_uri()}
    relative = posixpath.normpath(posixpath.join(base, posix)) if base else posixpath.normpath(posix)
    return {"uri": quote(relative, safe="/"), "uriBaseId": SRCROOT}
