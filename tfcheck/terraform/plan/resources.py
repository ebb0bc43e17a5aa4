"""The resource instances of a plan (or state) document: Resources of the kept types, Stubs of the rest."""

from __future__ import annotations

from typing import Any

from tfcheck.errors import InputError
from tfcheck.model.graph import Unchecked
from tfcheck.model.resource import Resource
from tfcheck.terraform.addresses import Key


class Stub:
    """A resource of a type no rule reads: what owner accounts and reference pairing need of it."""

    __slots__ = ("address", "mode", "type", "name", "module", "index", "values")

    def __init__(self, address: str, mode: str, type_: str, name: str, module: str, index: Key,
                 values: dict[str, Any]) -> None:
        self.address, self.mode, self.type, self.name = address, mode, type_, name
        self.module, self.index, self.values = module, index, values


def is_state(doc: dict[str, Any]) -> bool:
    """`terraform show -json` of a state (not of a plan): `values`, and no change at all."""
    return (isinstance(doc.get("values"), dict) and "resource_changes" not in doc
            and "planned_values" not in doc and "prior_state" not in doc)


def state_resources(doc: dict[str, Any], name: str, keep: frozenset[str] | None) -> list[Resource | Stub]:
    """A state's resources, checked as the state they are: everything exists and is known."""
    out: dict[str, Resource | Stub] = {}
    root = obj(obj(doc.get("values")).get("root_module"))
    for module, res in walk_state(root, ""):
        check_state_resource(res, "values", name)
        out[res["address"]] = resource(res, obj(res.get("values")), None,
                                       sensitive_marks(res.get("sensitive_values")), "no-op", keep, module)
    return list(out.values())


def refuse_unchecked_plan(doc: dict[str, Any], name: str, keep: frozenset[str] | None) -> None:
    """A plan whose planned_values hold resources the rules read, but no resource_changes:
    what Terraform would do cannot be told (unknown values are not marked there), and passing
    it would be passing what was not checked."""
    if "resource_changes" in doc or "planned_values" not in doc:
        return
    root = obj(obj(doc.get("planned_values")).get("root_module"))
    for _module, res in walk_state(root, ""):
        if isinstance(res.get("type"), str) and (keep is None or res["type"] in keep):
            raise InputError("this plan has planned_values but no resource_changes, so what "
                             f"Terraform would change (e.g. {res.get('address', res['type'])}) "
                             "cannot be checked; give the full output of `terraform show -json "
                             "PLANFILE`", name)


def deferred(doc: dict[str, Any], name: str, keep: frozenset[str] | None) -> tuple[Unchecked, ...]:
    """Changes Terraform deferred to a later plan (deferred_changes, 1.9+): not in this plan,
    so not checked, and said so."""
    out = []
    changes = doc.get("deferred_changes")
    for i, item in enumerate(changes if isinstance(changes, list) else []):
        rc = obj(obj(item).get("resource_change"))
        address, rtype = rc.get("address"), rc.get("type")
        if not isinstance(address, str) or not isinstance(rtype, str):
            raise InputError(f"deferred_changes[{i}].resource_change must have an address and "
                             "a type", name)
        if keep is not None and rtype not in keep:
            continue
        reason = obj(item).get("reason")
        why = f" ({reason})" if isinstance(reason, str) and reason else ""
        out.append(Unchecked(address, f"Terraform deferred this change to a later plan{why}, so it "
                             "is not in this plan", "Apply this plan, then check the next one: "
                             "it will hold this change."))
    return tuple(out)


def plan_resources(doc: dict[str, Any], name: str, keep: frozenset[str] | None
                   ) -> tuple[list[Resource | Stub], list[str]]:
    """Every resource instance (of the kept types, as Resources; of the others, as Stubs), and
    the action of each resource change, in order."""
    out: dict[str, Resource | Stub] = {}
    actions: list[str] = []
    for i, rc in enumerate(doc.get("resource_changes") or []):
        where = f"resource_changes[{i}]"
        actions.append(change_action(rc, where, name))
        res = from_change(rc, actions[-1], where, name, keep)
        if res is not None:
            out[res.address] = res
    for module, raw in state_data(doc, name):
        if raw["address"] not in out:
            out[raw["address"]] = data_resource(module, raw, keep)
    return list(out.values()), actions


def state_data(doc: dict[str, Any], name: str) -> list[tuple[str, dict[str, Any]]]:
    """(module instance, resource) of the data sources read while planning: they appear only
    in prior_state."""
    out = []
    prior = obj(obj(doc.get("prior_state")).get("values")).get("root_module")
    for module, state_res in walk_state(obj(prior), ""):
        if state_res.get("mode") != "data":
            continue
        check_state_resource(state_res, "prior_state", name)
        out.append((module, state_res))
    return out


def data_resource(module: str, raw: dict[str, Any], keep: frozenset[str] | None) -> Resource | Stub:
    return resource(raw, obj(raw.get("values")), None, sensitive_marks(raw.get("sensitive_values")),
                    "read", keep, module)


def check_state_resource(res: dict[str, Any], section: str, name: str) -> None:
    for key in ("address", "type", "name"):
        if not isinstance(res.get(key), str):
            shown = res.get("address") if isinstance(res.get("address"), str) else "a resource"
            raise InputError(f"{section}: {shown}: {key} must be a string", name)


def from_change(rc: dict[str, Any], action: str, where: str, name: str, keep: frozenset[str] | None
                ) -> Resource | Stub | None:
    """The resource after the change (before it, for a deletion); None when it is forgotten."""
    if action == "forget":
        return None
    change = rc["change"]
    if action == "delete":
        values, unknown, sensitive = change.get("before"), None, change.get("before_sensitive")
    else:
        values, unknown, sensitive = (change.get("after"), change.get("after_unknown"),
                                      change.get("after_sensitive"))
    if values is not None and not isinstance(values, dict):
        raise InputError(f"{where}.change.{'before' if action == 'delete' else 'after'} "
                         "must be an object", name)
    return resource(rc, values or {}, unknown, sensitive_marks(sensitive), action, keep)


def change_action(rc: Any, where: str, name: str) -> str:
    """The action of a resource change, its shape checked."""
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
    return _action(actions)


def _action(actions: list[str]) -> str:
    if set(actions) == {"delete", "create"}:
        return "replace"
    if actions == ["delete"]:
        return "delete"
    if "forget" in actions and "create" not in actions:
        return "forget"
    return actions[0] if len(actions) == 1 else "update"


def resource(raw: dict[str, Any], values: dict[str, Any], unknown: Any, sensitive: Any,
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


def sensitive_marks(value: Any) -> Any:
    # Terraform writes `false` for "nothing sensitive" and nested shapes otherwise.
    return value if value not in (False, None) else None


def walk_state(module: dict[str, Any], address: str) -> list[tuple[str, dict[str, Any]]]:
    """(module instance address, resource) of a prior_state module and its child modules."""
    out = [(address, r) for r in module.get("resources") or [] if isinstance(r, dict)]
    for child in module.get("child_modules") or []:
        if isinstance(child, dict):
            child_address = child.get("address")
            out += walk_state(child, child_address if isinstance(child_address, str) else "")
    return out


def obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
