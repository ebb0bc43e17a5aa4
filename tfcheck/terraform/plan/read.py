"""Read `terraform show -json` plan output into Resources, a Graph and the owner accounts it proves."""

from __future__ import annotations

import gc
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from tfcheck.errors import InputError
from tfcheck.model.graph import Graph, Unchecked
from tfcheck.model.resource import Resource
from tfcheck.terraform.addresses import Key, arn_account, arn_region, module_segments
from tfcheck.terraform.files import json_document, max_file_size, read_limited
from tfcheck.terraform.plan.links import ConfigIndex, LinkResolver, expression_refs, for_each_refs
from tfcheck.terraform.plan.providers import owner_facts, provider_accounts, provider_key, provider_regions
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


def build_graph(doc: dict[str, Any], name: str, keep: frozenset[str] | None = None,
                before: bool = False) -> Graph:
    """Resources from resource_changes and prior_state data sources, linked through configuration.

    With `keep`, the Graph holds only resources of those types (every resource still counts
    for the owner accounts and for pairing references by instance key). With `before`, the
    state before the plan: each resource's `change.before` (under its current address, so a
    moved resource is the same one), nothing the plan only creates, every action a no-op."""
    with paused_gc():
        try:
            config = ConfigIndex(_obj(_obj(doc.get("configuration")).get("root_module")))
            _refuse_unchecked_plan(doc, name, keep)
            resources = _resources(doc, name, keep, before) if not _is_state(doc) else _state(doc, name, keep)
            resolver = LinkResolver(config, resources)
            regions = provider_regions(doc)
            accounts = provider_accounts(doc, resources, config)
            kept = [r for r in resources if isinstance(r, Resource)]
            nulls = _null_variables(doc)
            for res in kept:
                _link(res, config, resolver, regions, nulls)
                key = provider_key(res, config)
                res.account = arn_account(res.values.get("arn")) or (accounts.get(key) if key else None)
            if before:
                _policies_in_state(kept)
        except RecursionError:
            raise InputError("plan nested too deeply", name) from None
        owners, sources, callers = owner_facts(doc, resources, config)
        del resources, resolver
        return Graph.build(kept, source=name, owner_accounts=frozenset(owners),
                           owner_sources=tuple(sources), caller_identity=frozenset(callers),
                           unchecked=_deferred(doc, name, keep), loaded_types=keep)


def _is_state(doc: dict[str, Any]) -> bool:
    """`terraform show -json` of a state (not of a plan): `values`, and no change at all."""
    return (isinstance(doc.get("values"), dict) and "resource_changes" not in doc
            and "planned_values" not in doc and "prior_state" not in doc)


def _state(doc: dict[str, Any], name: str, keep: frozenset[str] | None) -> list[Resource | Stub]:
    """A state's resources, checked as the state they are: everything exists and is known."""
    out: dict[str, Resource | Stub] = {}
    root = _obj(_obj(doc.get("values")).get("root_module"))
    for module, res in _walk_state(root, ""):
        _check_state_resource(res, "values", name)
        out[res["address"]] = _resource(res, _obj(res.get("values")), None,
                                        _sensitive(res.get("sensitive_values")), "no-op", keep, module)
    return list(out.values())


def _refuse_unchecked_plan(doc: dict[str, Any], name: str, keep: frozenset[str] | None) -> None:
    """A plan whose planned_values hold resources the rules read, but no resource_changes:
    what Terraform would do cannot be told (unknown values are not marked there), and passing
    it would be passing what was not checked."""
    if "resource_changes" in doc or "planned_values" not in doc:
        return
    root = _obj(_obj(doc.get("planned_values")).get("root_module"))
    for _module, res in _walk_state(root, ""):
        if isinstance(res.get("type"), str) and (keep is None or res["type"] in keep):
            raise InputError("this plan has planned_values but no resource_changes, so what "
                             f"Terraform would change (e.g. {res.get('address', res['type'])}) "
                             "cannot be checked; give the full output of `terraform show -json "
                             "PLANFILE`", name)


def _deferred(doc: dict[str, Any], name: str, keep: frozenset[str] | None) -> tuple[Unchecked, ...]:
    """Changes Terraform deferred to a later plan (deferred_changes, 1.9+): not in this plan,
    so not checked, and said so."""
    out = []
    deferred = doc.get("deferred_changes")
    for i, item in enumerate(deferred if isinstance(deferred, list) else []):
        rc = _obj(item).get("resource_change")
        rc = _obj(rc)
        address, rtype = rc.get("address"), rc.get("type")
        if not isinstance(address, str) or not isinstance(rtype, str):
            raise InputError(f"deferred_changes[{i}].resource_change must have an address and "
                             "a type", name)
        if keep is not None and rtype not in keep:
            continue
        reason = _obj(item).get("reason")
        why = f" ({reason})" if isinstance(reason, str) and reason else ""
        out.append(Unchecked(address, f"Terraform deferred this change to a later plan{why}, so it "
                             "is not in this plan", "Apply this plan, then check the next one: "
                             "it will hold this change."))
    return tuple(out)


class Stub:
    """A resource of a type no rule reads: what owner accounts and reference pairing need of it."""

    __slots__ = ("address", "mode", "type", "name", "module", "index", "values")

    def __init__(self, address: str, mode: str, type_: str, name: str, module: str, index: Key,
                 values: dict[str, Any]) -> None:
        self.address, self.mode, self.type, self.name = address, mode, type_, name
        self.module, self.index, self.values = module, index, values


def _resources(doc: dict[str, Any], name: str, keep: frozenset[str] | None, before: bool = False
               ) -> list[Resource | Stub]:
    """Every resource instance (of the kept types, as Resources; of the others, as Stubs)."""
    out: dict[str, Resource | Stub] = {}
    for i, rc in enumerate(doc.get("resource_changes") or []):
        res = _from_change(rc, f"resource_changes[{i}]", name, keep, before)
        if res is not None:
            out[res.address] = res
    # Data sources read while planning appear only in prior_state.
    prior = _obj(_obj(doc.get("prior_state")).get("values")).get("root_module")
    for module, state_res in _walk_state(_obj(prior), ""):
        if state_res.get("mode") != "data":
            continue
        _check_state_resource(state_res, "prior_state", name)
        addr = state_res["address"]
        if addr not in out:
            out[addr] = _resource(state_res, _obj(state_res.get("values")), None,
                                  _sensitive(state_res.get("sensitive_values")), "read", keep,
                                  module)
    return list(out.values())


def _check_state_resource(res: dict[str, Any], section: str, name: str) -> None:
    for key in ("address", "type", "name"):
        if not isinstance(res.get(key), str):
            shown = res.get("address") if isinstance(res.get("address"), str) else "a resource"
            raise InputError(f"{section}: {shown}: {key} must be a string", name)


def _from_change(rc: Any, where: str, name: str, keep: frozenset[str] | None, before: bool = False
                 ) -> Resource | Stub | None:
    if not isinstance(rc, dict):
        raise InputError(f"{where} must be an object", name)
    for key in ("address", "type", "name"):
        if not isinstance(rc.get(key), str):
            raise InputError(f"{where}.{key} must be a string", name)
    change = rc.get("change")
    if not isinstance(change, dict):
        raise InputError(f"{where}.change must be an object", name)
    actions = change.get("actions")
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        raise InputError(f"{where}.change.actions must be a list of strings", name)
    action = _action(actions)
    if before:
        return _before(rc, change, action, where, name, keep)
    if action == "forget":
        return None
    if action == "delete":
        values, unknown, sensitive = change.get("before"), None, change.get("before_sensitive")
    else:
        values, unknown, sensitive = (change.get("after"), change.get("after_unknown"),
                                      change.get("after_sensitive"))
    if values is not None and not isinstance(values, dict):
        raise InputError(f"{where}.change.{'before' if action == 'delete' else 'after'} "
                         "must be an object", name)
    return _resource(rc, values or {}, unknown, _sensitive(sensitive), action, keep)


def _before(rc: dict[str, Any], change: dict[str, Any], action: str, where: str, name: str,
            keep: frozenset[str] | None) -> Resource | Stub | None:
    """The resource as it is before the plan (None when the plan creates it)."""
    if action in ("create", "read"):
        return None
    values, sensitive = change.get("before"), change.get("before_sensitive")
    if values is None and action == "no-op":  # a slim read keeps one side of a no-op: the same
        values, sensitive = change.get("after"), change.get("after_sensitive")
    if not isinstance(values, dict):
        if values is None:
            return None
        raise InputError(f"{where}.change.before must be an object", name)
    return _resource(rc, values, None, _sensitive(sensitive), "no-op", keep)


def _action(actions: list[str]) -> str:
    if set(actions) == {"delete", "create"}:
        return "replace"
    if actions == ["delete"]:
        return "delete"
    if "forget" in actions and "create" not in actions:
        return "forget"
    return actions[0] if len(actions) == 1 else "update"


def _resource(raw: dict[str, Any], values: dict[str, Any], unknown: Any, sensitive: Any,
              action: str, keep: frozenset[str] | None, module: Any = None) -> Resource | Stub:
    index = raw.get("index")
    # prior_state names the module instance on the module, not on each resource.
    module = raw.get("module_address") if module is None else module
    module = module if isinstance(module, str) else ""
    index = index if isinstance(index, (int, str)) and not isinstance(index, bool) else None
    mode = str(raw.get("mode") or "managed")
    if keep is not None and raw["type"] not in keep:
        arn = values.get("arn")
        return Stub(raw["address"], mode, raw["type"], raw["name"], module, index,
                    {"arn": arn} if arn is not None else {})
    return Resource(
        address=raw["address"], mode=mode, type=raw["type"], name=raw["name"], module=module,
        index=index, values=values, unknown=unknown, sensitive=sensitive, action=action,
    )


def _sensitive(value: Any) -> Any:
    # Terraform writes `false` for "nothing sensitive" and nested shapes otherwise.
    return value if value not in (False, None) else None


_segments = lru_cache(maxsize=1 << 16)(module_segments)


def _null_variables(doc: dict[str, Any]) -> frozenset[str]:
    """`var.X` of the root variables the plan gives the value null."""
    return frozenset(f"var.{n}" for n, v in _obj(doc.get("variables")).items()
                     if isinstance(v, dict) and "value" in v and v["value"] is None)


def _is_null(expression: Any, root: bool, nulls: frozenset[str]) -> bool:
    """Whether a configuration expression is null: a constant null, or (in the root module)
    a root variable alone whose value is null."""
    if not isinstance(expression, dict):
        return False
    if "constant_value" in expression:
        return expression["constant_value"] is None
    refs = expression.get("references")
    return (root and isinstance(refs, list) and len(refs) == 1 and isinstance(refs[0], str)
            and refs[0] in nulls)


def _link(res: Resource, config: ConfigIndex, resolver: LinkResolver,
          regions: dict[str, str], nulls: frozenset[str] = frozenset()) -> None:
    segs = _segments(res.module)
    kind = ("data." if res.mode == "data" else "") + f"{res.type}.{res.name}"
    block = config.resource(tuple(n for n, _ in segs), kind)
    expressions = _obj(block.get("expressions"))
    # `policy = null` (or a root variable that is null) is, for Terraform, `policy` not set.
    configured = {a for a, e in expressions.items() if not _is_null(e, not segs, nulls)}
    for attr, blocks in expressions.items():
        for i, nested in enumerate(blocks if isinstance(blocks, list) else []):
            for sub, expr in _obj(nested).items():
                configured.add(f"{attr}.{i}.{sub}")
                if isinstance(expr, dict) and "constant_value" in expr:
                    res.constants[f"{attr}.{i}.{sub}"] = expr["constant_value"]
    res.configured = frozenset(configured)
    # A known ARN says where the resource is; else the region of its provider configuration.
    res.region = arn_region(res.values.get("arn")) or regions.get(str(block.get("provider_config_key")))
    for attr, refs in expression_refs(expressions).items():
        links = resolver.resolve(refs, segs, res.index, each=for_each_refs(block))
        if links:
            res.links[attr] = tuple(links)


def _policies_in_state(resources: list[Resource]) -> None:
    """Before the plan, a secret's `policy` is its resource policy as AWS holds it: it counts as
    the secret's own (inline) unless an aws_secretsmanager_secret_policy of the state sets it
    (the configuration that says which one is set is the new one, not the old)."""
    managed = {r.values.get("secret_arn") for r in resources if r.type == "aws_secretsmanager_secret_policy"}
    for res in resources:
        if res.type == "aws_secretsmanager_secret" and res.values.get("policy") \
                and res.values.get("arn") not in managed:
            res.configured = res.configured | {"policy"}




def _walk_state(module: dict[str, Any], address: str) -> list[tuple[str, dict[str, Any]]]:
    """(module instance address, resource) of a prior_state module and its child modules."""
    out = [(address, r) for r in module.get("resources") or [] if isinstance(r, dict)]
    for child in module.get("child_modules") or []:
        if isinstance(child, dict):
            child_address = child.get("address")
            out += _walk_state(child, child_address if isinstance(child_address, str) else "")
    return out






def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
