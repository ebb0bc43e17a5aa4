"""The state before a plan, as a Graph of its own: each resource's `change.before`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tfcheck.errors import InputError
from tfcheck.model.graph import Graph
from tfcheck.model.resource import Resource
from tfcheck.terraform.plan.configure import (
    config_index,
    configure,
    null_variables,
    owner_facts,
    provider_regions,
)
from tfcheck.terraform.plan.read import PlanRead, paused_gc, plan_read
from tfcheck.terraform.plan.resources import (
    Stub,
    change_action,
    data_resource,
    deferred,
    is_state,
    refuse_unchecked_plan,
    resource,
    sensitive_marks,
    state_data,
    state_resources,
)


def build_states(doc: dict[str, Any], name: str, keep: frozenset[str] | None = None
                 ) -> tuple[Graph, Graph]:
    """The plan's Graph (build_graph) and the Graph of the state before it, from one reading."""
    after = plan_read(doc, name, keep)
    return after.graph, build_prior(doc, name, keep, after)


def build_prior(doc: dict[str, Any], name: str, keep: frozenset[str] | None = None,
                after: PlanRead | None = None) -> Graph:
    """The state before the plan: each resource's `change.before` (under its current address, so
    a moved resource is the same one), nothing the plan only creates, every action a no-op.
    With `keep`, as build_graph.

    With `after`, the plan's own reading (plan_read) is shared: its configuration index and
    provider regions, and every resource the plan leaves as it is, which is then the same object
    in both Graphs (access.before tells unchanged secrets by that)."""
    with paused_gc():
        try:
            config = after.config if after else config_index(doc)
            regions = after.regions if after else provider_regions(doc)
            nulls = after.nulls if after else null_variables(doc)
            if after is None:
                refuse_unchecked_plan(doc, name, keep)
            same = {r.address: r for r in after.resources} if after else {}
            if is_state(doc):  # a state is its own before: nothing in it changes
                resources = after.resources if after else state_resources(doc, name, keep)
            else:
                resources = _resources(doc, name, keep, same, after.actions if after else None)
            kept = [r for r in resources if isinstance(r, Resource)]
            for res in kept:
                # Nothing is unknown before the plan, and references are followed only to find
                # what an unknown value names (access.keys, access.partial): none is resolved.
                if res is not same.get(res.address):
                    configure(res, config, regions, nulls)
            kept = _policies_in_state(kept)
        except RecursionError:
            raise InputError("plan nested too deeply", name) from None
        owners, sources, callers = owner_facts(doc, resources, config)
        del resources, same
        return Graph.build(kept, source=name, owner_accounts=frozenset(owners),
                           owner_sources=tuple(sources), caller_identity=frozenset(callers),
                           unchecked=after.graph.unchecked if after else deferred(doc, name, keep),
                           loaded_types=keep)


def _resources(doc: dict[str, Any], name: str, keep: frozenset[str] | None,
               same: dict[str, Resource | Stub], actions: list[str] | None) -> list[Resource | Stub]:
    """Every resource instance before the plan, and the data sources of prior_state; the plan's
    own object (from `same`) where the plan leaves it as it is. `actions`: those the plan's
    reading found (and checked), else they are read here."""
    out: dict[str, Resource | Stub] = {}
    changed: set[str] = set()
    for i, rc in enumerate(doc.get("resource_changes") or []):
        where = f"resource_changes[{i}]"
        action = actions[i] if actions is not None else change_action(rc, where, name)
        changed.add(rc["address"])
        if action in ("create", "read"):
            continue
        res = _before(rc, action, where, name, keep, same.get(rc["address"]))
        if res is not None:
            out[res.address] = res
    for module, raw in state_data(doc, name):
        address = raw["address"]
        if address not in out:
            # The plan's object, unless resource_changes reads the data source again.
            shared = same.get(address) if address not in changed else None
            out[address] = shared if shared is not None else data_resource(module, raw, keep)
    return list(out.values())


def _before(rc: dict[str, Any], action: str, where: str, name: str, keep: frozenset[str] | None,
            after: Resource | Stub | None) -> Resource | Stub | None:
    """The resource as it is before the plan (None when it has no value before): `after` itself
    when the plan leaves it as it is."""
    change = rc["change"]
    values, sensitive = change.get("before"), change.get("before_sensitive")
    if values is None and action == "no-op":  # a slim read keeps one side of a no-op: the same
        values, sensitive = change.get("after"), change.get("after_sensitive")
    if not isinstance(values, dict):
        if values is None:
            return None
        raise InputError(f"{where}.change.before must be an object", name)
    sensitive = sensitive_marks(sensitive)
    if action == "no-op" and after is not None and _unchanged(after, values, sensitive):
        return after
    return resource(rc, values, None, sensitive, "no-op", keep)


def _unchanged(res: Resource | Stub, values: dict[str, Any], sensitive: Any) -> bool:
    """Whether the plan's object is what the state before holds: the same values (the very same
    dict when the slim reader kept one side of the no-op) and nothing unknown."""
    if isinstance(res, Stub):
        arn = values.get("arn")
        return res.values == ({"arn": arn} if arn is not None else {})
    return (res.action == "no-op" and not res.has_unknown and (values is res.values or values == res.values)
            and (sensitive is res.sensitive or sensitive == res.sensitive))


def _policies_in_state(resources: list[Resource]) -> list[Resource]:
    """Before the plan, a secret's `policy` is its resource policy as AWS holds it: it counts as
    the secret's own (inline) unless an aws_secretsmanager_secret_policy of the state sets it
    (the configuration that says which one is set is the new one, not the old). Such a secret is
    a copy: the plan's own object is left as it is."""
    managed = {r.values.get("secret_arn") for r in resources if r.type == "aws_secretsmanager_secret_policy"}
    return [replace(res, configured=res.configured | {"policy"})
            if res.type == "aws_secretsmanager_secret" and res.values.get("policy")
            and res.values.get("arn") not in managed and "policy" not in res.configured else res
            for res in resources]
