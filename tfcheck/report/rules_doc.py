"""docs/rules.md: every rule's documentation in one page (`tfcheck rules --markdown > docs/rules.md`)."""

from __future__ import annotations

from collections.abc import Sequence

from tfcheck.findings import RuleInfo


def render_rules_markdown(rules: Sequence[RuleInfo]) -> str:
    lines = ["# tfcheck rules", "",
             "Generated from the rules' docstrings (`tfcheck rules --markdown > docs/rules.md`); "
             "`tfcheck explain RULE` prints the same text.", "",
             "| rule | severity | default level | summary |", "|---|---|---|---|"]
    for rule in rules:
        lines.append(f"| [`{rule.id}`](#{rule.id}) | {rule.severity.value} | {rule.level.value} | "
                     f"{rule.summary} |")
    for rule in rules:
        lines += ["", f"## {rule.id}", "",
                  f"**{rule.title}** — severity {rule.severity.value}, default level "
                  f"{rule.level.value}.", "", *rule.help.splitlines()]
    return "\n".join(lines) + "\n"
