"""Merge a plan's Graph with its source's: the plan gives values, the HCL gives lines and fills gaps."""

from __future__ import annotations

import re

from tfcheck.model.graph import Graph
from tfcheck.model.resource import Resource

_KEYS = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|\d+)\]')


def merge(plan: Graph, source: Graph) -> Graph:
    """The plan's resources with locations from `source`, and values the plan leaves unknown."""
    by_block: dict[str, Resource] = {}
    for res in source.resources.values():
        by_block.setdefault(_KEYS.sub("", res.address), res)
    for res in plan.resources.values():
        hcl = source.resources.get(res.address)
        if hcl is None:
            # Instances the HCL could not expand (an unknown for_each): still the same block.
            fallback = by_block.get(_KEYS.sub("", res.address))
            if fallback is not None:
                res.location, res.lines = fallback.location, fallback.lines
            continue
        res.location, res.lines = hcl.location, hcl.lines
        _fill(res, hcl)
    return Graph.build(
        plan.resources.values(), source=plan.source,
        owner_accounts=plan.owner_accounts | source.owner_accounts,
        owner_sources=tuple(dict.fromkeys(plan.owner_sources + source.owner_sources)),
        caller_identity=plan.caller_identity | source.caller_identity,
        owner_placeholder=source.owner_placeholder, notes=plan.notes,
        # What the source could not expand or find, the plan lists: only the plan's own gaps
        # (deferred changes) remain unchecked.
        unchecked=plan.unchecked,
        ignores=source.ignores, loaded_types=plan.loaded_types,
    )


def _fill(res: Resource, hcl: Resource) -> None:
    """Values and links the plan does not know but the HCL evaluates."""
    for attr in res.configured - hcl.configured:
        # The plan names references (`policy = var.extra`); the HCL proves the value null, which
        # Terraform reads as the argument not set. An optional+computed attribute is then
        # unknown in the plan only because the provider computes it.
        if hcl.values.get(attr, 0) is None and not hcl.is_unknown(attr) and res.is_unknown(attr):
            res.values[attr] = None
            if isinstance(res.unknown, dict):
                res.unknown = {k: v for k, v in res.unknown.items() if k != attr}
            res.configured = res.configured - {attr}
    for attr in hcl.configured:
        if res.is_unknown(attr) and attr in hcl.values and not hcl.is_unknown(attr):
            res.values[attr] = hcl.values[attr]
            if isinstance(res.unknown, dict):
                res.unknown = {k: v for k, v in res.unknown.items() if k != attr}
            if not res.is_sensitive(attr) and hcl.is_sensitive(attr):
                res.sensitive = {**(res.sensitive or {}), attr: True}
    for attr, links in hcl.links.items():
        res.links.setdefault(attr, links)
    res.configured = res.configured | hcl.configured
    res.region = res.region or hcl.region
    for path, value in hcl.constants.items():
        res.constants.setdefault(path, value)
