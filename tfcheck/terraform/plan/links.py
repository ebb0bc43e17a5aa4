"""Turn a plan's `configuration` references into Links between resource instances, across modules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Protocol

from tfcheck.model.resource import Link
from tfcheck.terraform.addresses import (
    Key,
    Segments,
    config_path,
    format_module,
    instance_address,
    module_segments,
    parse_module_ref,
    parse_resource_ref,
)

# References with no resource behind them in plan JSON (locals are not in `configuration`).
_NOT_RESOURCES = ("local.", "each.", "count.", "path.", "terraform.", "self.", "provider::")
_MAX_HOPS = 64
# The same few module addresses and reference texts come back for every instance.
_segments = lru_cache(maxsize=1 << 16)(module_segments)
_resource_ref = lru_cache(maxsize=1 << 16)(parse_resource_ref)
_module_ref = lru_cache(maxsize=1 << 16)(parse_module_ref)


class Instance(Protocol):
    """What the resolver needs of a resource instance (a Resource, or a plan's Stub)."""

    address: str
    mode: str
    type: str
    name: str
    module: str
    index: Key


class ConfigIndex:
    """The plan's `configuration.root_module`, indexed by module path."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.modules: dict[tuple[str, ...], dict[str, Any]] = {}
        self._resources: dict[tuple[tuple[str, ...], str], dict[str, Any]] = {}
        self._index(root, ())

    def _index(self, module: dict[str, Any], path: tuple[str, ...]) -> None:
        if not isinstance(module, dict) or path in self.modules or len(path) > _MAX_HOPS:
            return
        self.modules[path] = module
        for res in _as_list(module.get("resources")):
            if isinstance(res, dict) and isinstance(res.get("address"), str):
                self._resources[(path, res["address"])] = res
        for name, call in _as_dict(module.get("module_calls")).items():
            if isinstance(call, dict):
                self._index(_as_dict(call.get("module")), path + (name,))

    def resource(self, path: tuple[str, ...], kind: str) -> dict[str, Any]:
        """The configuration block of `kind` (`type.name` or `data.type.name`) in module `path`."""
        return self._resources.get((path, kind), {})

    def module_call(self, path: tuple[str, ...], name: str) -> dict[str, Any]:
        return _as_dict(_as_dict(self.modules.get(path, {}).get("module_calls")).get(name))

    def output_refs(self, path: tuple[str, ...], name: str) -> list[str]:
        out = _as_dict(_as_dict(self.modules.get(path, {}).get("outputs")).get(name))
        return _refs(_as_dict(out.get("expression")))


class LinkResolver:
    """Follows references from an attribute to the resource instances they name."""

    def __init__(self, config: ConfigIndex, resources: Iterable[Instance]) -> None:
        self.config = config
        self._instances: dict[tuple[str, str], list[tuple[Key, str]]] = defaultdict(list)
        self._module_instances: dict[tuple[str, ...], set[Segments]] = defaultdict(set)
        # address -> (module instance + kind, instance key): which instances share a block.
        self._where: dict[str, tuple[tuple[str, str], Key]] = defaultdict(lambda: (("", ""), None))
        modules: set[str] = set()
        for res in resources:
            kind = ("data." if res.mode == "data" else "") + f"{res.type}.{res.name}"
            self._instances[(res.module, kind)].append((res.index, res.address))
            self._where[res.address] = ((res.module, kind), res.index)
            if res.module not in modules:
                modules.add(res.module)
                segs = _segments(res.module)
                for depth in range(len(segs) + 1):
                    self._module_instances[config_path(segs[:depth])].add(segs[:depth])

    def resolve(self, refs: list[str], segs: Segments, own_key: Key, hops: int = 0,
                each: list[str] | None = None) -> list[Link]:
        """Links named by `refs`, written in module instance `segs` whose each.key is `own_key`.

        `each` holds the references of the enclosing for_each expression, for `each.value`.
        """
        if hops > _MAX_HOPS:
            return []
        out: list[Link] = []
        done: list[str] = []
        pair = any(r in ("each.key", "each.value", "count.index") for r in refs)
        for ref in refs:
            if isinstance(ref, str) and ref.startswith("each.value") and each:
                out += self._each_value(each, segs, own_key, hops)
            if not isinstance(ref, str) or ref.startswith(_NOT_RESOURCES):
                continue
            # Terraform unwinds `a.b["x"].c` into `a.b["x"].c`, `a.b["x"]`, `a.b`: the most
            # specific form comes first, and the shorter ones add nothing.
            if any(d.startswith(ref + ".") or d.startswith(ref + "[") for d in done):
                continue
            done.append(ref)
            if ref.startswith("var."):
                out += self._through_variable(ref, segs, hops)
            elif ref.startswith("module."):
                out += self._through_output(ref, segs, hops)
            else:
                out += self._to_resource(ref, segs, own_key if pair else None)
        return _unique(out)

    def _each_value(self, each: list[str], segs: Segments, own_key: Key, hops: int) -> list[Link]:
        """What `each.value` names: the for_each collection's entry for this instance's key."""
        links = self.resolve(each, segs, None, hops + 1)
        keyed = [x for x in links
                 if own_key is not None and self._where[x.target][1] == own_key]
        if keyed:
            return keyed
        bases = {self._where[x.target][0] for x in links}
        # The references of a collection do not say which entry belongs to which key: with one
        # candidate resource that is no question; with several, guessing could pair a policy
        # with the wrong secret, so leave it unresolved (reported as unverifiable).
        return links if len(bases) == 1 else []

    def _through_variable(self, ref: str, segs: Segments, hops: int) -> list[Link]:
        if not segs:
            return []  # a root variable's value is in the plan's `variables`, not a resource
        name = ref.split(".")[1].split("[")[0]
        parent, (call_name, call_key) = segs[:-1], segs[-1]
        call = self.config.module_call(config_path(parent), call_name)
        expr = _as_dict(_as_dict(call.get("expressions")).get(name))
        # Inside a module call, each.key is the key of the module instance.
        each = _refs(_as_dict(call.get("for_each_expression")))
        return self.resolve(_refs(expr), parent, call_key, hops + 1, each)

    def _through_output(self, ref: str, segs: Segments, hops: int) -> list[Link]:
        parsed = _module_ref(ref)
        if parsed is None:
            return []
        name, key, output = parsed
        if output is None:
            return []
        child = segs + ((name, key),)
        return self.resolve(self.config.output_refs(config_path(child), output), child, None,
                            hops + 1)

    def _to_resource(self, ref: str, segs: Segments, pair_key: Key) -> list[Link]:
        parsed = _resource_ref(ref)
        if parsed is None:
            return []
        links: list[Link] = []
        for inst in self._matching_modules(segs):
            candidates = self._instances.get((format_module(inst), parsed.kind), [])
            if parsed.key is not None:
                wanted = [a for k, a in candidates if k == parsed.key]
            elif pair_key is not None and any(k == pair_key for k, _ in candidates):
                # `aws_kms_key.k[each.key]` loses its key in the references; both sides
                # iterate the same collection in the usual pattern, so pair by key.
                wanted = [a for k, a in candidates if k == pair_key]
            else:
                wanted = [a for _, a in candidates]
            if not candidates and parsed.key is not None:
                wanted = [instance_address(inst, parsed.kind, parsed.key)]
            links += [Link(a, parsed.attribute) for a in wanted]
        return links

    def _matching_modules(self, segs: Segments) -> list[Segments]:
        if all(key is not None for _, key in segs):
            return [segs]
        # A module reference without a key: every instance of that module call.
        return sorted(
            (inst for inst in self._module_instances.get(config_path(segs), ())
             if all(want is None or have == want
                    for (_, have), (_, want) in zip(inst, segs, strict=True))),
            key=format_module,
        )


def expression_refs(expressions: dict[str, Any], prefix: str = "") -> dict[str, list[str]]:
    """Attribute path -> references, nested blocks included (`replica.0.kms_key_id`,
    `statement.1.principals.0.identifiers`)."""
    out: dict[str, list[str]] = {}
    for attr, expr in expressions.items():
        if isinstance(expr, dict):
            refs = _refs(expr)
            if refs:
                out[prefix + attr] = refs
        elif isinstance(expr, list) and prefix.count(".") < 12:
            for i, block in enumerate(expr):
                out.update(expression_refs(_as_dict(block), f"{prefix}{attr}.{i}."))
    return out


def for_each_refs(block: dict[str, Any]) -> list[str]:
    return _refs(_as_dict(block.get("for_each_expression")))


def _refs(expr: dict[str, Any]) -> list[str]:
    return [r for r in _as_list(expr.get("references")) if isinstance(r, str)]


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _unique(links: list[Link]) -> list[Link]:
    seen: set[Link] = set()
    return [x for x in links if not (x in seen or seen.add(x))]  # type: ignore[func-returns-value]
