"""Custom rules from tfcheck.hcl: JSONPath (jsonpath-ng, extended syntax) over resources or policies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import re2
from jsonpath_ng.ext import filter as jsonpath_filter
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
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # an invalid pattern is the configuration's error, not a log line
_RE2_OPTIONS.max_mem = 32 << 20


class BadPattern(Exception):
    """A `=~` pattern RE2 refuses; the rule that holds it turns it into a ConfigError."""


@lru_cache(maxsize=256)
def _pattern(text: str) -> Any:
    try:
        return re2.compile(text, _RE2_OPTIONS)
    except re2.error as err:
        said = err.args[0] if err.args else "invalid pattern"
        said = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
        raise BadPattern(f"invalid regular expression {text!r}: {said}") from None


def _matches(value: Any, pattern: Any) -> bool:
    """jsonpath-ng's `=~`, with RE2: a pattern from a configuration (one in the change under
    review, perhaps) matches in linear time, where Python's re can take forever on `(a*)*b`."""
    return isinstance(value, str) and isinstance(pattern, str) and bool(_pattern(pattern).search(value))


jsonpath_filter.OPERATOR_MAP["=~"] = _matches


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
            if self.where is not None and not _find(self.where, self.spec.where, doc, self.spec):
                continue
            if self.require is not None and not _find(self.require, self.spec.require, doc, self.spec):
                yield self._finding(res, f"nothing matches {self.spec.require}")
            if self.forbid is not None:
                matches = _find(self.forbid, self.spec.forbid, doc, self.spec)
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


def _find(path: Any, text: str | None, doc: Any, spec: CustomRuleSpec | None = None) -> list[Any]:
    """Matches of a compiled path. jsonpath-ng filters only lists, so a path that starts with a
    filter (`$[?(@.tags.DataClass == 'confidential')]`) tests the document itself, seen as a
    one-element list."""
    target = [doc] if (text or "").replace(" ", "").startswith("$[?") else doc
    try:
        return list(path.find(target))
    except BadPattern as err:
        if spec is None:
            raise
        name = next(n for n in ("require", "forbid", "where") if getattr(spec, n) == text)
        raise ConfigError(f"rule {spec.id!r}: {name}: {err}", spec.file,
                          spec.path_lines.get(name, spec.line)) from None


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
