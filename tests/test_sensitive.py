"""No value a plan marks sensitive ever appears in any output format."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, fixture_plans
from tfcheck.report import REPORTERS
from tfcheck.rules import ALL_RULES

PLANS = fixture_plans()  # the plan of each root of a fixture of several roots too


def _leaves(value: Any) -> Iterator[str]:
    """String leaves of a value, and of JSON documents inside strings (policies)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, str):
        yield value
        if value.lstrip().startswith(("{", "[")):
            with contextlib.suppress(ValueError):
                yield from _leaves(json.loads(value))


def _sensitive(value: Any, marks: Any) -> Iterator[Any]:
    if marks is True:
        yield value
    elif isinstance(marks, dict) and isinstance(value, dict):
        for k, m in marks.items():
            yield from _sensitive(value.get(k), m)
    elif isinstance(marks, list) and isinstance(value, list):
        for v, m in zip(value, marks, strict=False):
            yield from _sensitive(v, m)


def sensitive_strings(plan: dict[str, Any]) -> set[str]:
    found: list[Any] = []
    for rc in plan.get("resource_changes", []):
        change = rc["change"]
        found += _sensitive(change.get("after"), change.get("after_sensitive"))
        found += _sensitive(change.get("before"), change.get("before_sensitive"))
    config_vars = plan.get("configuration", {}).get("root_module", {}).get("variables", {})
    for name, var in plan.get("variables", {}).items():
        if config_vars.get(name, {}).get("sensitive"):
            found.append(var.get("value"))
    # Short strings ("true", region names) occur everywhere; a leak worth the name is longer.
    # Words of the rule documentation (which SARIF carries) are public, not plan values.
    docs = "\n".join(rule.doc() for rule in ALL_RULES)
    return {s for v in found for s in _leaves(v) if len(s) >= 8 and s not in docs}


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: str(p.parent.relative_to(FIXTURES)))
def test_no_sensitive_value_in_any_output(plan: Path, cli) -> None:
    secrets = sensitive_strings(json.loads(plan.read_text()))
    for fmt in REPORTERS:
        result = cli(str(plan), "--format", fmt)
        for secret in secrets:
            assert secret not in result.out + result.err, f"{fmt} output leaks a sensitive value"


def test_the_canary_fixture_exists_and_is_seen_as_sensitive() -> None:
    """Guards the test above against silently checking nothing."""
    canary = "CANARY-s3cr3t-value-do-not-print"
    plans = [p for p in PLANS if canary in p.read_text()]
    assert plans, "a fixture must carry the canary in a sensitive attribute"
    assert all(canary in sensitive_strings(json.loads(p.read_text())) for p in plans)
