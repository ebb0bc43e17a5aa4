"""The rule registry, rule files, fixture folders and documentation agree."""

from __future__ import annotations

from pathlib import Path

import pytest

import tfcheck.rules
from tests.conftest import FIXTURES
from tfcheck.rules import ALL_RULES

RULE_DIR = Path(tfcheck.rules.__file__).parent


def test_every_rule_module_is_registered_under_its_file_name() -> None:
    modules = {p.stem for p in RULE_DIR.glob("*.py")} - {"__init__", "base", "custom"}
    assert modules == {rule.id.replace("-", "_") for rule in ALL_RULES}
    assert {p.name for p in (FIXTURES / "rules").iterdir()} == {rule.id for rule in ALL_RULES}


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_documentation_has_what_why_fix_and_references(rule, cli) -> None:
    doc = rule.doc()
    for part in ("**Why.**", "**How to fix.**", "**References.**"):
        assert part in doc, part
    assert "Before" in doc and "After" in doc or rule.id == "owner-account-unknown"
    result = cli("explain", rule.id)
    assert result.code == 0
    header = f"{rule.id}  ({rule.severity.value}, {rule.level.value})"
    assert result.out.startswith(f"{header}\n\n{doc.splitlines()[0]}")


def test_rules_lists_every_rule_once(cli) -> None:
    result = cli("rules")
    assert result.code == 0
    rows = result.out.splitlines()[1:]
    assert [row.split()[0] for row in rows] == [rule.id for rule in ALL_RULES]


def test_docs_rules_md_is_generated_from_the_docstrings() -> None:
    from tests.conftest import ROOT
    from tfcheck.docs import render_rules_markdown

    assert (ROOT / "docs" / "rules.md").read_text() == render_rules_markdown(), \
        "regenerate with: python -m tfcheck.docs > docs/rules.md"
