"""docs/rules.md from the rules' own docstrings: `python -m tfcheck.docs > docs/rules.md`."""

from __future__ import annotations

from tfcheck.rules import ALL_RULES


def render_rules_markdown() -> str:
    lines = ["# tfcheck rules", "",
             "Generated from the rules' docstrings (`python -m tfcheck.docs > docs/rules.md`); "
             "`tfcheck explain RULE` prints the same text.", "",
             "| rule | severity | default level | summary |", "|---|---|---|---|"]
    for rule in ALL_RULES:
        lines.append(f"| [`{rule.id}`](#{rule.id}) | {rule.severity.value} | {rule.level.value} | "
                     f"{rule.summary()} |")
    for rule in ALL_RULES:
        doc = rule.doc().splitlines()
        lines += ["", f"## {rule.id}", "",
                  f"**{rule.title}** — severity {rule.severity.value}, default level "
                  f"{rule.level.value}.", "", *doc]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_rules_markdown(), end="")
