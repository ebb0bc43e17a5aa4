"""Policies partly known until apply: the known structure, with the unknown leaves as variables."""

from __future__ import annotations

from typing import Any

from tfcheck.model.graph import Graph
from tfcheck.model.resource import Resource, UnknownLeaf
from tfcheck.terraform.aws.policy_document import partial_policy_document

DOCUMENT = "aws_iam_policy_document"


def partial_document(graph: Graph, holder: Resource, attribute: str) -> Any:
    """The partly known document of an attribute unknown until apply, or None.

    From the HCL, the evaluator keeps it (jsonencode or a policy document with unknown leaves).
    From a plan alone, a deferred `data "aws_iam_policy_document"` still lists its arguments with
    the unknown ones marked: the document is rebuilt from them.
    """
    if attribute in holder.partial:
        return holder.partial[attribute]
    links = holder.links_of(attribute)
    if len(links) != 1 or links[0].attribute not in ("json", "minified_json"):
        return None
    source = graph.resources.get(links[0].target)
    if source is None or source.type != DOCUMENT or source.mode != "data":
        return None
    if "json" in source.partial:
        return source.partial["json"]
    args = _with_leaves(source.values, source.unknown, source, "")
    return partial_policy_document(args, lambda v: isinstance(v, UnknownLeaf))


def _with_leaves(value: Any, unknown: Any, source: Resource, path: str) -> Any:
    if unknown is True:
        targets = [f"{link.target}.{link.attribute}" if link.attribute else link.target
                   for link in _links_near(source, path)]
        return UnknownLeaf(", ".join(targets) or f"{source.address}.{path}")
    if isinstance(value, dict):
        named = unknown if isinstance(unknown, dict) else {}
        keys = set(value) | {k for k, v in named.items() if v is True}
        return {k: _with_leaves(value.get(k), named.get(k), source, f"{path}.{k}".lstrip("."))
                for k in keys}
    if isinstance(value, list):
        listed = unknown if isinstance(unknown, list) else []
        return [_with_leaves(v, listed[i] if i < len(listed) else None, source, f"{path}.{i}")
                for i, v in enumerate(value)]
    return value


def _links_near(source: Resource, path: str) -> list[Any]:
    """The references of the nested attribute at `path`, else of the block around it (a plan
    lists set-typed blocks in its own order: every reference in the statement's principals)."""
    found = list(source.links_of(path))
    if found:
        return found
    parts = path.split(".")
    if len(parts) >= 3 and parts[0] == "statement":
        block = ".".join(parts[:3]) + "."
        return [link for attr, links in source.links.items() if attr.startswith(block) for link in links]
    return []
