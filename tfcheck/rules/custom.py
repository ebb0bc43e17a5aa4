"""Custom rules from tfcheck.hcl: JSONPath (jsonpath-ng, extended syntax) over resources or policies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jsonpath_ng.ext import parse as parse_jsonpath

from tfcheck.config import CustomRuleSpec
from tfcheck.errors import ConfigError, PolicyError
from tfcheck.findings import Finding, Level, RuleInfo, Severity
from tfcheck.iam import parse_policy, to_dict
from tfcheck.model.graph import Graph
from tfcheck.model.resource import Resource

DEFAULT_SEVERITY = Severity.MEDIUM
DEFAULT_LEVEL = Level.ADVISORY
_POSITION = re.compile(r"at (\d+):(\d+)")


@dataclass(frozen=True)
class CustomRule:
    """A compiled custom rule; its findings flow through enforcement like built-in ones."""

    spec: CustomRuleSpec
    require: Any
    forbid: Any
    where: Any

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def severity(self) -> Severity:
        return self.spec.settings.severity or DEFAULT_SEVERITY

    @property
    def level(self) -> Level:
        return self.spec.settings.level or DEFAULT_LEVEL

    def info(self) -> RuleInfo:
        """A custom rule's title is its message; its documentation is the configuration itself."""
        where = f"Custom rule from {self.spec.file}:{self.spec.line}."
        return RuleInfo(self.id, self.spec.message, self.severity, self.level, self.spec.message,
                        f"{self.spec.message}\n\n{where}")

    def check(self, graph: Graph) -> Iterator[Finding]:
        for res in graph.of_type(*self.spec.resource_types, data=None):
            doc = self._document(res)
            if doc is None:
                continue  # not known at plan time: a custom rule never guesses
            if self.where is not None and not _find(self.where, self.spec.where, doc):
                continue
            if self.require is not None and not _find(self.require, self.spec.require, doc):
                yield self._finding(res, f"nothing matches {self.spec.require}")
            if self.forbid is not None:
                matches = _find(self.forbid, self.spec.forbid, doc)
                if matches:
                    paths = ", ".join(sorted({str(m.full_path) for m in matches}))
                    yield self._finding(res, f"{self.spec.forbid} matches at {paths}")

    def _document(self, res: Resource) -> Any:
        name = self.spec.document
        if name is None:
            return None if res.unknown is True else res.values
        if res.is_unknown(name) or not res.get(name):
            return None
        try:
            return to_dict(parse_policy(res.get(name)))
        except PolicyError:
            return None  # the built-in rules report a malformed policy

    def _finding(self, res: Resource, detail: str) -> Finding:
        return Finding(
            rule=self.id, severity=self.severity, address=res.address,
            message=f"{self.spec.message} ({detail})", remediation=self.spec.message,
            subject=detail, location=res.location_of(self.spec.document), info=self.info(),
        )


def _find(path: Any, text: str | None, doc: Any) -> list[Any]:
    """Matches of a compiled path. jsonpath-ng filters only lists, so a path that starts with a
    filter (`$[?(@.tags.DataClass == 'confidential')]`) tests the document itself, seen as a
    one-element list."""
    target = [doc] if (text or "").replace(" ", "").startswith("$[?") else doc
    return list(path.find(target))


def compile_rule(spec: CustomRuleSpec) -> CustomRule:
    """Compile the JSONPath expressions once; a syntax error names the rule and the column."""
    compiled: dict[str, Any] = {}
    for name in ("require", "forbid", "where"):
        text = getattr(spec, name)
        if text is None:
            compiled[name] = None
            continue
        try:
            compiled[name] = parse_jsonpath(text)
        except Exception as err:  # noqa: BLE001 - the ply-based parser raises assorted errors
            found = _POSITION.search(str(err))
            column = f", column {found[2]}" if found else " (at the end)"
            raise ConfigError(f"rule {spec.id!r}: {name}: invalid JSONPath{column}: {err}",
                              spec.file, spec.path_lines.get(name, spec.line)) from None
    return CustomRule(spec, compiled["require"], compiled["forbid"], compiled["where"])
