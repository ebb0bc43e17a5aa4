"""Baselines: record today's findings by fingerprint, so old ones stop blocking and new ones still do."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from tfcheck.errors import ConfigError, InputError
from tfcheck.findings import Finding
from tfcheck.terraform.files import json_document, max_file_size, read_limited
from tfcheck.writes import write_whole

BASELINE_VERSION = 1


def write_baseline(path: str, findings: Iterable[Finding]) -> None:
    entries = sorted({(f.fingerprint, f.rule, f.address or "") for f in findings})
    doc = {"version": BASELINE_VERSION, "tool": "tfcheck",
           "findings": [{"fingerprint": fp, "rule": rule, "address": address}
                        for fp, rule, address in entries]}
    try:
        write_whole(path, json.dumps(doc, indent=2) + "\n")
    except OSError as err:
        raise ConfigError(f"cannot write the baseline: {err.strerror}", path) from None


def read_baseline(path: str) -> frozenset[str]:
    if not Path(path).exists():
        raise ConfigError("no such baseline file (create one with --write-baseline)", path)
    try:
        text = read_limited(path, max_file_size(), path).decode("utf-8-sig")
    except InputError as err:
        raise ConfigError(f"cannot read the baseline: {err.message}", path) from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"not UTF-8 text (byte {err.start})", path) from None
    doc = json_document(text, path, "JSON nested too deeply to be a baseline", ConfigError)
    if (not isinstance(doc, dict) or doc.get("version") != BASELINE_VERSION
            or not isinstance(doc.get("findings"), list)):
        raise ConfigError(f"not a tfcheck baseline (version {BASELINE_VERSION})", path)
    prints = [e.get("fingerprint") if isinstance(e, dict) else None for e in doc["findings"]]
    if not all(isinstance(p, str) for p in prints):
        raise ConfigError("every baseline entry needs a fingerprint", path)
    return frozenset(p for p in prints if isinstance(p, str))
