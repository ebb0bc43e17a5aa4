"""Sensitive values out of every report: redacted from the Result, whichever field carries them.

Rules avoid printing what Terraform marks sensitive, but a sensitive value can reach a report by
a path no rule foresaw (a sensitive variable used as a statement Sid, a description, a tag). So
the Result is redacted as a whole, after the rules ran and before any reporter sees it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Iterable, Iterator, Mapping
from enum import Enum
from typing import Any, TypeVar

from tfcheck.model.graph import Graph

HIDDEN = "(sensitive value)"
MIN_LENGTH = 4
"""Shorter strings ("aws", "*") are everywhere in a report; redacting them would say nothing."""
_PUBLIC_KEYS = frozenset({"Version", "Effect", "Action", "NotAction"})
"""Keys of a policy document whose values are IAM's vocabulary, not the author's data."""
_KEEP_FIELDS = frozenset({"subject"})
"""A finding's subject is never printed; it makes the fingerprint, which baselines must match."""
T = TypeVar("T")


def sensitive_strings(graph: Graph) -> set[str]:
    """Every string a resource of the graph holds at a path marked sensitive (and the strings of
    JSON documents held there: a policy whose Sid came from a sensitive variable)."""
    out: set[str] = set()
    for res in graph.resources.values():
        if res.sensitive:
            for value in _marked(res.values, res.sensitive):
                out.update(s for s in _leaves(value) if len(s) >= MIN_LENGTH)
    return out


def _marked(value: Any, marks: Any) -> Iterator[Any]:
    if marks is True:
        yield value
    elif isinstance(marks, dict) and isinstance(value, dict):
        for key, mark in marks.items():
            yield from _marked(value.get(key), mark)
    elif isinstance(marks, list) and isinstance(value, list):
        for item, mark in zip(value, marks, strict=False):
            yield from _marked(item, mark)


def _leaves(value: Any, keys: bool = True) -> Iterator[str]:
    """The strings of a sensitive value: its map keys too (a sensitive tags map hides its tag
    names), but not a policy document's, which are IAM's vocabulary (Statement, StringEquals)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if keys and isinstance(key, str):
                yield key
            if key not in _PUBLIC_KEYS:
                yield from _leaves(item, keys)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, keys)
    elif isinstance(value, str):
        if value.lstrip().startswith(("{", "[")):
            with contextlib.suppress(ValueError, RecursionError):
                yield from _leaves(json.loads(value), keys=False)
                return
        yield value


def redact(value: T, secrets: Iterable[str]) -> T:
    """`value` (a Result, or any dataclass, tuple, dict or string in it) with every occurrence of
    a secret replaced by HIDDEN; longest secrets first, so one inside another goes whole."""
    ordered = sorted(set(secrets), key=lambda s: (-len(s), s))
    return _redact(value, ordered) if ordered else value


def _redact(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, Enum) or value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, HIDDEN)
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _redact(getattr(value, f.name), secrets)
                   for f in dataclasses.fields(value) if f.init and f.name not in _KEEP_FIELDS}
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(_redact(v, secrets) for v in value)
    if isinstance(value, list):
        return [_redact(v, secrets) for v in value]
    if isinstance(value, Mapping):
        return {_redact(k, secrets): _redact(v, secrets) for k, v in value.items()}
    if isinstance(value, frozenset):
        return frozenset(_redact(v, secrets) for v in value)
    return value
