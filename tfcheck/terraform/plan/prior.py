"""The state before a plan, as a Graph of its own: each resource's `change.before`."""

from __future__ import annotations

from typing import Any

from tfcheck.errors import InputError
from tfcheck.model.graph import Graph
from tfcheck.model.resource import Resource
from tfcheck.terraform.plan.configure import config_index, link, null_variables, owner_facts, provider_regions
from tfcheck.terraform.plan.links import LinkResolver
from tfcheck.terraform.plan.read import paused_gc
from tfcheck.terraform.plan.resources import (
    Stub,
    change_action,
    deferred,
    is_state,
    refuse_unchecked_plan,
    resource,
    sensitive_marks,
    state_data,
    state_resources,
)


def build_prior(doc: dict[str, Any], name: str, keep: frozenset[str] | None = None) -> Graph:
    """The state before the plan: each resource's `change.before` (under its current address, so
    a moved resource is the same one), nothing the plan only creates, every action a no-op.
    With `keep`, as build_graph."""
    with paused_gc():
        try:
            config = config_index(doc)
            refuse_unchecked_plan(doc, name, keep)
            resources = (state_resources if is_state(doc) else _resources)(doc, name, keep)
            resolver = LinkResolver(config, resources)
            regions = provider_regions(doc)
            kept = [r for r in resources if isinstance(r, Resource)]
            nulls = null_variables(doc)
            for res in kept:
                link(res, config, resolver, regions, nulls)
            _policies_in_state(kept)
        except RecursionError:
            raise InputError("plan nested too deeply", name) from None
        owners, sources, callers = owner_facts(doc, resources, config)
        del resources, resolver
        return Graph.build(kept, source=name, owner_accounts=frozenset(owners),
                           owner_sources=tuple(sources), caller_identity=frozenset(callers),
                           unchecked=deferred(doc, name, keep), loaded_types=keep)


def _resources(doc: dict[str, Any], name: str, keep: frozenset[str] | None) -> list[Resource | Stub]:
    """Every resource instance before the plan, and the data sources of prior_state."""
    out: dict[str, Resource | Stub] = {}
    for i, rc in enumerate(doc.get("resource_changes") or []):
        where = f"resource_changes[{i}]"
        res = _before(rc, change_action(rc, where, name), where, name, keep)
        if res is not None:
            out[res.address] = res
    for addr, res in state_data(doc, name, keep):
        out.setdefault(addr, res)
    return list(out.values())


def _before(rc: dict[str, Any], action: str, where: str, name: str,
            keep: frozenset[str] | None) -> Resource | Stub | None:
    """The resource as it is before the plan (None when the plan creates it)."""
    if action in ("create", "read"):
        return None
    change = rc["change"]
    values, sensitive = change.get("before"), change.get("before_sensitive")
    if values is None and action == "no-op":  # a slim read keeps one side of a no-op: the same
        values, sensitive = change.get("after"), change.get("after_sensitive")
    if not isinstance(values, dict):
        if values is None:
            return None
        raise InputError(f"{where}.change.before must be an object", name)
    return resource(rc, values, None, sensitive_marks(sensitive), "no-op", keep)


def _policies_in_state(resources: list[Resource]) -> None:
    """Before the plan, a secret's `policy` is its resource policy as AWS holds it: it counts as
    the secret's own (inline) unless an aws_secretsmanager_secret_policy of the state sets it
    (the configuration that says which one is set is the new one, not the old)."""
    managed = {r.values.get("secret_arn") for r in resources if r.type == "aws_secretsmanager_secret_policy"}
    for res in resources:
        if res.type == "aws_secretsmanager_secret" and res.values.get("policy") \
                and res.values.get("arn") not in managed:
            res.configured = res.configured | {"policy"}
