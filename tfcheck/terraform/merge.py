"""Merge a plan's Graph with its source's: the plan gives values, the HCL gives lines and fills gaps."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TypeVar

from tfcheck.model.graph import Graph
from tfcheck.model.resource import Link, Resource

T = TypeVar("T")
_KEYS = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|\d+)\]')


def merge(plan: Graph, source: Graph) -> Graph:
    """The plan's resources with locations from `source`, and values the plan leaves unknown.

    New resources are built: the plan's Graph is left as it was read."""
    by_block: dict[str, Resource] = {}
    for res in source.resources.values():
        by_block.setdefault(_KEYS.sub("", res.address), res)
    merged: list[Resource] = []
    for res in plan.resources.values():
        hcl = source.resources.get(res.address)
        if hcl is None:
            # Instances the HCL could not expand (an unknown for_each): still the same block.
            fallback = by_block.get(_KEYS.sub("", res.address))
            merged.append(res if fallback is None else
                          replace(res, location=fallback.location, lines=fallback.lines))
            continue
        merged.append(_filled(res, hcl))
    return Graph.build(
        merged, source=plan.source,
        owner_accounts=plan.owner_accounts | source.owner_accounts,
        owner_sources=tuple(dict.fromkeys(plan.owner_sources + source.owner_sources)),
        caller_identity=plan.caller_identity | source.caller_identity,
        owner_placeholder=source.owner_placeholder, notes=plan.notes,
        # What the source could not expand or find, the plan lists: only the plan's own gaps
        # (deferred changes) remain unchecked.
        unchecked=plan.unchecked,
        ignores=source.ignores, loaded_types=plan.loaded_types,
    )


def _filled(res: Resource, hcl: Resource) -> Resource:
    """The plan's resource with the HCL's location, and the values and links the plan does not
    know but the HCL evaluates."""
    values, unknown, sensitive = dict(res.values), res.unknown, res.sensitive
    configured = res.configured
    for attr in res.configured - hcl.configured:
        # The plan names references (`policy = var.extra`); the HCL proves the value null, which
        # Terraform reads as the argument not set. An optional+computed attribute is then
        # unknown in the plan only because the provider computes it.
        if hcl.values.get(attr, 0) is None and not hcl.is_unknown(attr) and res.is_unknown(attr):
            values[attr] = None
            if isinstance(unknown, dict):
                unknown = {k: v for k, v in unknown.items() if k != attr}
            configured = configured - {attr}
    for attr in hcl.configured:
        if res.is_unknown(attr) and attr in hcl.values and not hcl.is_unknown(attr):
            values[attr] = hcl.values[attr]
            if isinstance(unknown, dict):
                unknown = {k: v for k, v in unknown.items() if k != attr}
            if not res.is_sensitive(attr) and hcl.is_sensitive(attr):
                sensitive = {**(sensitive or {}), attr: True}
    # A policy unknown in the plan whose structure the HCL knows in part (unknown leaves kept).
    partial = {**{a: p for a, p in hcl.partial.items() if res.is_unknown(*_path(a))}, **res.partial}
    return replace(
        res, values=values, unknown=unknown, sensitive=sensitive, partial=partial,
        links=_narrowed(_with_defaults(res.links, hcl.links), hcl.links),
        configured=configured | hcl.configured,
        region=res.region or hcl.region, account=res.account or hcl.account,
        constants=_with_defaults(res.constants, hcl.constants),
        location=hcl.location, lines=hcl.lines,
    )


def _with_defaults(known: dict[str, T], more: dict[str, T]) -> dict[str, T]:
    """`known`, then the entries of `more` it lacks (in that order, as the report's order follows)."""
    return {**known, **{k: v for k, v in more.items() if k not in known}}


def _narrowed(links: dict[str, tuple[Link, ...]], hcl: dict[str, tuple[Link, ...]]
              ) -> dict[str, tuple[Link, ...]]:
    """The plan's references, narrowed to the HCL's where those are some of them: the plan lists
    every resource an expression names (`var.x ? aws_kms_key.a.arn : aws_kms_key.b.arn` names
    both), the HCL evaluated with the plan's variables follows the branch taken."""
    out = dict(links)
    for attr, narrow in hcl.items():
        wide = {link.target for link in links.get(attr, ())}
        if narrow and {link.target for link in narrow} < wide:
            out[attr] = narrow
    return out


def _path(dotted: str) -> tuple[str | int, ...]:
    """An attribute path as written in `partial` ("inline_policy.0.policy") as Resource reads it."""
    return tuple(int(part) if part.isdigit() else part for part in dotted.split("."))
