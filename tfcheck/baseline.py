"""Baselines: record today's findings by fingerprint, so old ones stop blocking and new ones still do."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from tfcheck.errors import ConfigError
from tfcheck.findings import Finding

BASELINE_VERSION = 1


def write_baseline(path: str, findings: Iterable[Finding]) -> None:
    entries = sorted({(f.fingerprint, f.rule, f.address or "") for f in findings})
    doc = {"version": BASELINE_VERSION, "tool": "tfcheck",
           "findings": [{"fingerprint": fp, "rule": rule, "address": address}
                        for fp, rule, address in entries]}
    try:
        Path(path).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot write the baseline: {err.strerror}", path) from None


def read_baseline(path: str) -> frozenset[str]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError("no such baseline file (create one with --write-baseline)", path) from None
    except OSError as err:
        raise ConfigError(f"cannot read the baseline: {err.strerror}", path) from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"invalid JSON: {err.msg}", path, err.lineno, err.colno) from None
    if (not isinstance(doc, dict) or doc.get("version") != BASELINE_VERSION
            or not isinstance(doc.get("findings"), list)):
        raise ConfigError(f"not a tfcheck baseline (version {BASELINE_VERSION})", path)
    prints = [e.get("fingerprint") if isinstance(e, dict) else None for e in doc["findings"]]
    if not all(isinstance(p, str) for p in prints):
        raise ConfigError("every baseline entry needs a fingerprint", path)
    return frozenset(p for p in prints if isinstance(p, str))
