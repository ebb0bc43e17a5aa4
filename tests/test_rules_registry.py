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


def test_docs_rules_md_is_generated_from_the_docstrings(cli) -> None:
    from tests.conftest import ROOT

    result = cli("rules", "--markdown")
    assert result.code == 0
    assert (ROOT / "docs" / "rules.md").read_text() == result.out, \
        "regenerate with: tfcheck rules --markdown > docs/rules.md"


def test_only_the_engine_and_the_cli_import_the_rule_registry() -> None:
    """Reporters and enforcement read a rule's metadata from the finding and the result."""
    import ast

    from tests.conftest import ROOT

    importers = set()
    for path in (ROOT / "tfcheck").rglob("*.py"):
        if "rules" in path.relative_to(ROOT / "tfcheck").parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "tfcheck.rules":
                importers.add(path.relative_to(ROOT).as_posix())
    assert importers == {"tfcheck/engine.py", "tfcheck/cli.py"}
