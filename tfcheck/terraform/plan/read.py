"""Read `terraform show -json` plan output into Resources, a Graph and the owner accounts it proves."""

from __future__ import annotations

import gc
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tfcheck.errors import InputError
from tfcheck.model.graph import Graph
from tfcheck.model.resource import Resource
from tfcheck.terraform.files import json_document, max_file_size, read_limited
from tfcheck.terraform.plan.configure import config_index, link, null_variables, owner_facts, provider_regions
from tfcheck.terraform.plan.links import ConfigIndex, LinkResolver
from tfcheck.terraform.plan.providers import set_accounts
from tfcheck.terraform.plan.resources import (
    Stub,
    deferred,
    is_state,
    plan_resources,
    refuse_unchecked_plan,
    state_resources,
)
from tfcheck.terraform.plan.stream import Fallback, read_slim

SUPPORTED_MAJORS = ("0", "1")
_ZIP_MAGIC = b"PK\x03\x04"


def read_plan(path: str, keep: frozenset[str] | None = None) -> Any:
    """The decoded plan document from a JSON file, `-` (stdin) or a binary plan file.

    With `keep`, only resources of those types keep their values, and the sections tfcheck
    does not read are dropped while reading (plan.stream): memory then grows with the
    resources the rules read, not with the size of the plan.
    """
    name = "<stdin>" if path == "-" else path
    data = _read_bytes(path, name)
    if data.startswith(_ZIP_MAGIC):
        data = _show_binary_plan(path)
    if not data.strip():
        raise InputError("the file is empty; expected `terraform show -json` output", name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text (byte {err.start}); expected plan JSON", name) from None
    del data  # the text alone from here on
    with paused_gc():
        if keep is not None:
            try:
                doc = read_slim(text, keep.__contains__)
            except (Fallback, RecursionError):
                pass  # the reference parser below reports the error exactly
            else:
                check_plan_shape(doc, name)
                # Without resource_changes, planned_values (dropped by the slim reader) decide
                # whether this is a plan that cannot be checked (build_graph).
                if "resource_changes" in doc:
                    return doc
        return _parse(text, name)


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while building large data (JSON values, resources, parse
    trees): each collection would walk every object built so far, for almost nothing. (Called
    from Python, e.g. in tests, where launch.py has not switched the collector off; what the
    switch is worth is measured there.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse(text: str, name: str) -> Any:
    doc = json_document(text, name, "JSON nested too deeply to be a plan")
    check_plan_shape(doc, name)
    return doc


def check_plan_shape(doc: Any, name: str) -> None:
    if not isinstance(doc, dict) or "format_version" not in doc:
        hint = ""
        if isinstance(doc, dict) and "resources" in doc and "version" in doc:
            hint = " (this looks like a state file)"
        raise InputError("not a Terraform plan: no format_version" + hint +
                         "; produce one with `terraform show -json PLANFILE`", name)
    version = doc["format_version"]
    major = version.split(".")[0] if isinstance(version, str) else None
    if major not in SUPPORTED_MAJORS:
        raise InputError(f"unsupported plan format_version {version!r}; tfcheck reads 0.x and 1.x",
                         name)
    for key in ("resource_changes",):
        if key in doc and not isinstance(doc[key], list):
            raise InputError(f"not a Terraform plan: {key} must be a list", name)
    for key in ("configuration", "prior_state", "planned_values", "variables"):
        if key in doc and doc[key] is not None and not isinstance(doc[key], dict):
            raise InputError(f"not a Terraform plan: {key} must be an object", name)


def _read_bytes(path: str, name: str) -> bytes:
    return read_limited(path, max_file_size(), name)


def _show_binary_plan(path: str) -> bytes:
    terraform = shutil.which("terraform")
    if path == "-" or terraform is None:
        raise InputError("this is a binary plan file; convert it with "
                         "`terraform show -json PLANFILE > plan.json` (no terraform on PATH)", path)
    plan = Path(path).resolve()
    try:
        done = subprocess.run([terraform, "show", "-json", "-no-color", str(plan)],
                              cwd=plan.parent, capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise InputError(f"`terraform show -json` failed: {err}", path) from None
    if done.returncode != 0:
        first = next((ln.strip() for ln in done.stderr.decode(errors="replace").splitlines()
                      if ln.strip().strip("│╷╵ ")), "no message")
        raise InputError(f"`terraform show -json` failed: {first.strip('│╷╵ ')}", path)
    return done.stdout


def load_plan(path: str, name: str | None = None, keep: frozenset[str] | None = None) -> Graph:
    """Read a plan file and build its Graph (of the `keep` types only, when given)."""
    return build_graph(read_plan(path, keep), name or path, keep)


def build_graph(doc: dict[str, Any], name: str, keep: frozenset[str] | None = None) -> Graph:
    """Resources from resource_changes and prior_state data sources, linked through configuration.

    With `keep`, the Graph holds only resources of those types (every resource still counts
    for the owner accounts and for pairing references by instance key)."""
    return plan_read(doc, name, keep).graph


@dataclass(frozen=True)
class PlanRead:
    """A plan's Graph with what was read to build it: the state before the plan (prior.py) is
    built from the same reading rather than a second one."""

    graph: Graph
    config: ConfigIndex
    regions: dict[str, str]
    nulls: frozenset[str]
    resources: list[Resource | Stub]
    """Every instance, Stubs included, in the order read."""
    actions: list[str]
    """The action of each entry of resource_changes, in order (its shape checked)."""


def plan_read(doc: dict[str, Any], name: str, keep: frozenset[str] | None = None) -> PlanRead:
    """build_graph, keeping what it read."""
    with paused_gc():
        try:
            config = config_index(doc)
            refuse_unchecked_plan(doc, name, keep)
            actions: list[str] = []
            if is_state(doc):
                resources = state_resources(doc, name, keep)
            else:
                resources, actions = plan_resources(doc, name, keep)
            resolver = LinkResolver(config, resources)
            regions = provider_regions(doc)
            kept = [r for r in resources if isinstance(r, Resource)]
            nulls = null_variables(doc)
            for res in kept:
                link(res, config, resolver, regions, nulls)
            set_accounts(doc, resources, config)
        except RecursionError:
            raise InputError("plan nested too deeply", name) from None
        owners, sources, callers = owner_facts(doc, resources, config)
        del resolver
        graph = Graph.build(kept, source=name, owner_accounts=frozenset(owners),
                            owner_sources=tuple(sources), caller_identity=frozenset(callers),
                            unchecked=deferred(doc, name, keep), loaded_types=keep)
        return PlanRead(graph, config, regions, nulls, resources, actions)
