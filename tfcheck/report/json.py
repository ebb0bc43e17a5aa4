"""JSON report, schema version 1: the contract other tools rely on (documented in the README)."""

from __future__ import annotations

import json
from typing import Any

from tfcheck import __version__
from tfcheck.enforce import Judged, Outcome, Result
from tfcheck.findings import Location
from tfcheck.report import escape
from tfcheck.report.common import governance_items

SCHEMA_VERSION = 1


def render(result: Result) -> str:
    doc = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "tfcheck", "version": __version__},
        "summary": {
            "blocking": result.count(Outcome.BLOCKING),
            "advisory": result.count(Outcome.ADVISORY),
            "overridden": result.count(Outcome.OVERRIDDEN),
            "waived": result.count(Outcome.WAIVED),
            "baselined": result.count(Outcome.BASELINED),
        },
        "roots": list(result.roots),
        "owner_accounts": list(result.owners),
        "notes": list(result.notes),
        "governance": governance_items(result),
        "findings": [_finding(j) for j in result.judged],
    }
    return escape.json_document(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"


def _finding(j: Judged) -> dict[str, Any]:
    f = j.finding
    return {
        "rule": f.rule,
        "root": f.root or None,
        "severity": f.severity.value,
        "enforcement_level": j.level.value,
        "outcome": j.outcome.value,
        "address": f.address,
        "message": f.message,
        "remediation": f.remediation,
        "note": j.note or None,
        "location": _location(f.location),
        "related": [{"address": r.address, "location": _location(r.location)} for r in f.related],
        "fingerprint": f.fingerprint,
        "witness": dict(f.witness) if f.witness is not None else None,
    }


def _location(loc: Location | None) -> dict[str, Any] | None:
    return None if loc is None else {"file": loc.file, "line": loc.line}
