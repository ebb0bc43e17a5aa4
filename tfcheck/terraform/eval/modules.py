"""One module instance of an HCL configuration: its blocks, scope, and count/for_each instances."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tfcheck.errors import InputError
from tfcheck.terraform.addresses import Key, Segments, format_key, format_module
from tfcheck.terraform.eval.budget import BudgetExceeded
from tfcheck.terraform.eval.expressions import (
    InstanceRef,
    Reference,
    Unknown,
    Value,
    evaluate,
    evaluate_with_refs,
    note_references,
)
from tfcheck.terraform.eval.loader import Loader
from tfcheck.terraform.eval.scope import Attributes, Evaluated, Lazy, ModuleScope, SensitiveTracker
from tfcheck.terraform.eval.types import convert, parse_type
from tfcheck.terraform.eval.values import ConvertError, to_number
from tfcheck.terraform.hcl.parse import Attr, Block

META_ARGS = frozenset({"count", "for_each", "provider", "providers", "depends_on", "lifecycle",
                       "source", "version"})
_EMPTY_SCOPE = ModuleScope({})
MAX_INSTANCES = 10_000
"""Instances of one block tfcheck expands; more is no real configuration (and would not finish)."""


@dataclass(frozen=True)
class Instance:
    """One instance of a counted or for_each block: its key and what each./count. mean in it."""

    key: Key
    each: Mapping[str, Any] | None = None
    count: Mapping[str, Any] | None = None


def expand(block: Block, scope: ModuleScope) -> list[Instance] | Unknown:
    """The instances of a block, or Unknown when count/for_each is not known before apply."""
    if "count" in block.attrs:
        n = evaluate(block.attrs["count"].expr, scope)
        if isinstance(n, str):  # Terraform converts a string count ("1") to a number
            try:
                n = to_number(n)
            except ConvertError:
                return Unknown(f"count of {block.labels}", error=f"count {n!r} is not a number")
        if isinstance(n, bool) or not isinstance(n, (int, float)) or n < 0 or n != int(n):
            return n if isinstance(n, Unknown) else Unknown(f"count of {block.labels}")
        _check_size(block, "count", int(n))
        return [Instance(i, count={"index": i}) for i in range(int(n))]
    if "for_each" in block.attrs:
        items, refs = evaluate_with_refs(block.attrs["for_each"].expr, scope)
        if isinstance(items, (Mapping, list)):
            _check_size(block, "for_each", len(items))
        if isinstance(items, Mapping):
            # Terraform iterates maps in lexical key order.
            return [Instance(str(k), each=Each(str(k), items[k], refs)) for k in sorted(items)]
        if isinstance(items, list) and all(isinstance(i, str) for i in items):
            return [Instance(i, each={"key": i, "value": i}) for i in sorted(set(items))]
        return items if isinstance(items, Unknown) else Unknown(f"for_each of {block.labels}")
    return [Instance(None)]


def _check_size(block: Block, meta: str, size: int) -> None:
    if size > MAX_INSTANCES:
        kind = ".".join(block.labels if block.type == "resource" else (block.type, *block.labels))
        raise InputError(f"{meta} makes {size} instances of {kind}; tfcheck expands at most "
                         f"{MAX_INSTANCES}", block.file, block.line)


class Each(Mapping[str, Any]):
    """`each` in one instance; reading each.value replays the references behind that entry.

    The for_each collection's references do not say which entry each came from; an unknown
    entry names the attribute it stands for, which picks out exactly its own references.
    """

    def __init__(self, key: str, value: Value, refs: list[Reference]) -> None:
        self._items = {"key": key, "value": value}
        texts = {u.text for u in _unknown_leaves(value)}
        self._refs = [r for r in refs if f"{r[0]}.{r[1]}" in texts]

    def __getitem__(self, name: str) -> Value:
        if name == "value":
            note_references(self._refs)
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return 2


def _unknown_leaves(value: Value) -> Iterator[Unknown]:
    if isinstance(value, Unknown):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _unknown_leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _unknown_leaves(v)


class ModuleInstance:
    """A module (the root or one instance of a module call) with its lazy scope."""

    def __init__(self, loader: Loader, segs: Segments, directory: Path, blocks: list[Block],
                 inputs: Callable[[str], Evaluated | None],
                 providers: Mapping[str, Value] | None = None,
                 parent: ModuleInstance | None = None,
                 provider_keys: Mapping[str, str] | None = None) -> None:
        self.loader = loader
        self.parent = parent
        """The module instance that calls this one (None at the root)."""
        self.segs = segs
        self.dir = directory
        self.blocks = blocks
        self.tracker: SensitiveTracker = loader.tracker
        self.variables = {b.labels[0]: b for b in blocks if b.type == "variable" and b.labels}
        self.locals: dict[str, Attr] = {}
        self._local_files: dict[str, str] = {}
        for b in blocks:
            if b.type == "locals":
                self.locals.update(b.attrs)
                self._local_files.update(dict.fromkeys(b.attrs, b.file))
        self.outputs = {b.labels[0]: b for b in blocks if b.type == "output" and b.labels}
        self.resources = [b for b in blocks if b.type in ("resource", "data") and len(b.labels) == 2]
        # (mode, type) -> name -> block, built once: every reference looks its block up here.
        self.by_type: dict[tuple[str, str], dict[str, Block]] = {}
        for b in self.resources:
            self.by_type.setdefault((b.type, b.labels[0]), {})[b.labels[1]] = b
        self.calls = {b.labels[0]: b for b in blocks if b.type == "module" and b.labels}
        self._inputs = inputs
        self._instances: dict[int, list[tuple[Instance, InstanceRef]] | Unknown] = {}
        self._children: dict[tuple[str, Key], ModuleInstance | None] = {}
        self._call_instances: dict[str, dict[Key, Instance] | Unknown] = {}
        self.scope = ModuleScope(self._roots())
        # Provider configuration name ("aws", "aws.west") -> region, as this module sees them.
        self.providers: dict[str, Value] = dict(providers or {})
        # ... and -> the configuration it is: "module.a:aws.west" or, at the root, "aws.west".
        self.provider_keys: dict[str, str] = dict(provider_keys or {})
        for b in blocks:
            if b.type == "provider" and b.labels:
                alias = evaluate(b.attrs["alias"].expr, self.scope) if "alias" in b.attrs else None
                name = b.labels[0] + (f".{alias}" if isinstance(alias, str) else "")
                self.provider_keys[name] = f"{self.address}:{name}" if self.address else name
                if "region" in b.attrs:
                    self.providers[name] = evaluate(b.attrs["region"].expr, self.scope)

    def provider_key_of(self, block: Block) -> str:
        """The provider configuration a resource block uses ("aws.mgmt"; the root's default
        "aws" when none is configured)."""
        name = provider_ref(block.attrs["provider"].expr) if "provider" in block.attrs else None
        name = name or block.labels[0].split("_", 1)[0]
        return self.provider_keys.get(name, name)

    def child_provider_keys(self, call: Block) -> dict[str, str]:
        """The provider configurations a module call passes down, as child_providers."""
        passed = {k: v for k, v in self.provider_keys.items() if "." not in k}
        if "providers" in call.attrs:
            mapping = call.attrs["providers"].expr.serialize()
            for inner, outer in (mapping.items() if isinstance(mapping, dict) else ()):
                name = provider_ref_text(str(outer))
                if name in self.provider_keys:
                    passed[str(inner).strip('"')] = self.provider_keys[name]
        return passed

    def region_of(self, block: Block) -> str | None:
        """The region of the provider configuration a resource block uses."""
        name = provider_ref(block.attrs["provider"].expr) if "provider" in block.attrs else None
        region = self.providers.get(name or block.labels[0].split("_", 1)[0])
        return region if isinstance(region, str) else None

    def child_providers(self, call: Block) -> dict[str, Value]:
        """What a module call passes down: `providers = { aws = aws.dr }`, else the defaults."""
        passed = {k: v for k, v in self.providers.items() if "." not in k}
        if "providers" in call.attrs:
            mapping = call.attrs["providers"].expr.serialize()
            for inner, outer in (mapping.items() if isinstance(mapping, dict) else ()):
                name = provider_ref_text(str(outer))
                if name in self.providers:
                    passed[str(inner).strip('"')] = self.providers[name]
        return passed

    @property
    def address(self) -> str:
        return format_module(self.segs)

    def _roots(self) -> dict[str, Any]:
        roots: dict[str, Any] = {
            "var": Lazy(lambda: list(self.variables), self._variable, self.tracker, "var"),
            "local": Lazy(lambda: list(self.locals), self._local, self.tracker, "local"),
            "path": {"module": str(self.dir), "root": str(self.loader.root),
                     "cwd": str(self.loader.root)},
            "terraform": {"workspace": self.loader.workspace},
            "module": _Calls(self),
            "data": _Types(self, "data"),
        }
        for res_type in {b.labels[0] for b in self.resources if b.type == "resource"}:
            roots[res_type] = _Names(self, "resource", res_type)
        return roots

    def _variable(self, name: str) -> Evaluated:
        given = self._inputs(name)
        block = self.variables[name]
        if given is None and "default" in block.attrs:
            given = (evaluate(block.attrs["default"].expr, _EMPTY_SCOPE), [], False)
        if given is None:
            given = (Unknown(f"var.{name} (no value given)"), [], False)
        sensitive = "sensitive" in block.attrs and evaluate(block.attrs["sensitive"].expr,
                                                            _EMPTY_SCOPE) is True
        value = given[0]
        if "type" in block.attrs:
            value = convert(value, parse_type(block.attrs["type"].expr))
        return value, given[1], given[2] or sensitive

    def _local(self, name: str) -> Evaluated:
        attr = self.locals[name]
        try:
            return self.tracker.evaluate(attr.expr, self.scope)
        except BudgetExceeded as exc:  # named where it is written, not where it was read
            file = os.path.join(self.loader.display, self._local_files[name])
            raise exc.at(file, attr.line, f"local.{name}") from None

    def instances(self, block: Block) -> list[tuple[Instance, InstanceRef]] | Unknown:
        """The block's instances with the InstanceRef other expressions see, computed once."""
        if id(block) not in self._instances:
            expanded = self.loader.planned(self, block) or expand(block, self.scope)
            if isinstance(expanded, Unknown):
                self._instances[id(block)] = expanded
            else:
                self._instances[id(block)] = [(inst, self._ref(block, inst)) for inst in expanded]
        return self._instances[id(block)]

    def instance_scope(self, inst: Instance) -> ModuleScope:
        return self.scope.with_instance(inst.each, inst.count)

    def resource_address(self, block: Block, key: Key) -> str:
        kind = ("data." if block.type == "data" else "") + ".".join(block.labels)
        prefix = self.address
        return f"{prefix + '.' if prefix else ''}{kind}{format_key(key)}"

    def _ref(self, block: Block, inst: Instance) -> InstanceRef:
        scope = self.instance_scope(inst)
        names = [a for a in block.attrs if a not in META_ARGS]
        names += sorted({b.type for b in block.blocks if b.type not in ("lifecycle", "dynamic")})
        extra = self.loader.computed(block, lambda: self.loader.argument_values(block, scope)[0],
                                     self.region_of(block))
        return InstanceRef(self.resource_address(block, inst.key), Attributes(
            names, lambda attr: self.loader.attribute(block, attr, scope), extra))

    def call_instances(self, name: str) -> dict[Key, Instance] | Unknown:
        """The instances of module call `name` by key, expanded once (a call of 1000 instances
        is not expanded again for each of them)."""
        if name not in self._call_instances:
            expanded = expand(self.calls[name], self.scope)
            self._call_instances[name] = (expanded if isinstance(expanded, Unknown)
                                          else {inst.key: inst for inst in expanded})
        return self._call_instances[name]

    def child(self, name: str, key: Key) -> ModuleInstance | None:
        if (name, key) not in self._children:
            self._children[(name, key)] = self.loader.child_module(self, name, key)
        return self._children[(name, key)]

    def output(self, child: ModuleInstance, name: str) -> Evaluated:
        return self.tracker.evaluate(child.outputs[name].attrs["value"].expr, child.scope) \
            if "value" in child.outputs[name].attrs else (Unknown(f"output {name}"), [], False)


def provider_ref(expr: Any) -> str:
    """`provider = aws.west` -> "aws.west" (a reference Terraform does not evaluate)."""
    return provider_ref_text(str(expr.serialize()))


def provider_ref_text(text: str) -> str:
    return text.strip().removeprefix("${").removesuffix("}").strip()


def _collection(items: list[tuple[Key, Value]] | Unknown, block: Block) -> Value:
    """What `type.name` evaluates to: one object, a list (count) or a map (for_each)."""
    if isinstance(items, Unknown):
        return items
    if "count" in block.attrs:
        return [v for _, v in items]
    if "for_each" in block.attrs:
        return {str(k): v for k, v in items}
    return items[0][1] if items else Unknown("no instance")


class _Names(Mapping[str, Any]):
    """`aws_kms_key` -> its blocks by name, each an instance or a collection of them."""

    def __init__(self, module: ModuleInstance, mode: str, res_type: str) -> None:
        self._module = module
        self._blocks = module.by_type.get((mode, res_type), {})

    def __getitem__(self, name: str) -> Value:
        block = self._blocks[name]
        found = self._module.instances(block)
        items = found if isinstance(found, Unknown) else [(i.key, ref) for i, ref in found]
        return _collection(items, block)

    def __iter__(self) -> Iterator[str]:
        return iter(self._blocks)

    def __len__(self) -> int:
        return len(self._blocks)


class _Types(Mapping[str, Any]):
    """`data` -> data source types -> names."""

    def __init__(self, module: ModuleInstance, mode: str) -> None:
        self._module = module
        self._types = sorted(t for m, t in module.by_type if m == mode)
        self._mode = mode
        self._names: dict[str, _Names] = {}

    def __getitem__(self, res_type: str) -> Value:
        if (self._mode, res_type) not in self._module.by_type:
            raise KeyError(res_type)
        if res_type not in self._names:
            self._names[res_type] = _Names(self._module, self._mode, res_type)
        return self._names[res_type]

    def __iter__(self) -> Iterator[str]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)


class _Calls(Mapping[str, Any]):
    """`module` -> module call name -> outputs (a list or map of them for count/for_each)."""

    def __init__(self, module: ModuleInstance) -> None:
        self._module = module

    def __getitem__(self, name: str) -> Value:
        block = self._module.calls[name]
        expanded = expand(block, self._module.scope)
        if isinstance(expanded, Unknown):
            return expanded
        items: list[tuple[Key, Value]] = []
        for inst in expanded:
            child = self._module.child(name, inst.key)
            items.append((inst.key, _Outputs(self._module, child) if child else
                          Unknown(f"module.{name} (not analysed)")))
        return _collection(items, block)

    def __iter__(self) -> Iterator[str]:
        return iter(self._module.calls)

    def __len__(self) -> int:
        return len(self._module.calls)


class _Outputs(Lazy):
    def __init__(self, parent: ModuleInstance, child: ModuleInstance) -> None:
        super().__init__(lambda: list(child.outputs), lambda name: parent.output(child, name),
                         parent.tracker, f"{child.address}")
