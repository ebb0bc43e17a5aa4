"""Turn one evaluated resource or data source instance of an HCL module into a Resource."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from tfcheck.findings import Location
from tfcheck.model.resource import Link, Resource, UnknownLeaf
from tfcheck.terraform.eval.expressions import InstanceRef, Reference, Unknown, Value
from tfcheck.terraform.eval.loader import Loader
from tfcheck.terraform.eval.modules import META_ARGS, Instance, ModuleInstance
from tfcheck.terraform.eval.scope import Attributes, ModuleScope
from tfcheck.terraform.hcl.parse import Block


@dataclass
class Nested:
    """Evaluated nested blocks: values as lists of dicts, references per attribute path."""

    values: dict[str, Any] = field(default_factory=dict)
    """Known values only: an attribute that is (partly) unknown is left out, as in a plan."""
    raw: dict[str, Any] = field(default_factory=dict)
    """The same with Unknown values kept, for data sources that compute from their arguments."""
    unknown: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, list[Reference]] = field(default_factory=dict)
    sensitive: bool = False
    partial: dict[str, Any] = field(default_factory=dict)
    """Partly known values by attribute path ("inline_policy.0.policy": a jsonencode document)."""


def build_resource(module: ModuleInstance, block: Block, inst: Instance, ref: InstanceRef,
                   where: tuple[str, int, dict[str, int]],
                   names: Collection[str] | None = None) -> Resource:
    """The instance as a Resource; `names`: the top-level attributes to evaluate (None: all;
    the others are left out of its values, as a plan leaves out what it does not know)."""
    attrs = cast(Attributes, ref.values)
    values: dict[str, Any] = {}
    unknown: dict[str, Any] = {}
    sensitive: dict[str, Any] = {}
    links: dict[str, tuple[Link, ...]] = {}
    partial: dict[str, Any] = {}
    for name in block.attrs:
        if name in META_ARGS or (names is not None and name not in names):
            continue
        value, refs, touched = attrs.full(name)
        _store(name, plain(value), values, unknown)
        if isinstance(value, Unknown) and value.partial is not None:
            partial[name] = leaves(value.partial)
        if touched:
            sensitive[name] = True
        if refs:
            links[name] = tuple(Link(a, at) for a, at in refs)
    nested = evaluate_blocks(module.loader, block.blocks, module.instance_scope(inst))
    values.update(nested.values)
    unknown.update(nested.unknown)
    for path, refs in nested.refs.items():
        links[path] = tuple(Link(a, at) for a, at in refs)
    partial.update(nested.partial)
    if nested.sensitive:
        sensitive.update({name: True for name in nested.values})
    constants: dict[str, Any] = {}
    for name, items in nested.raw.items():
        for i, item in enumerate(items if isinstance(items, list) else []):
            for sub, value in item.items():
                constants[f"{name}.{i}.{sub}"] = value
    for name in module.loader.computed(block, dict):
        if name not in values and (names is None or name in names):
            _store(name, plain(attrs[name]), values, unknown)
    file, line, lines = where
    return Resource(
        address=ref.address, mode="data" if block.type == "data" else "managed",
        type=block.labels[0], name=block.labels[1], module=module.address, index=inst.key,
        values=values, unknown=unknown or None, sensitive=sensitive or None,
        # An argument set to null is, for Terraform, an argument not set (`policy = null`,
        # or a variable defaulting to null, is no inline policy).
        configured=frozenset([*(a for a in block.attrs if a not in META_ARGS
                                and not (a in values and values[a] is None)),
                              *nested.values, *nested.unknown,
                              *(path for path, value in constants.items() if value is not None)]),
        constants={k: v for k, v in constants.items() if not _has_unknown(v)},
        links=links, action="create", location=Location(file, line, module.loader.display), lines=lines,
        region=module.region_of(block), partial=partial,
    )


def evaluate_blocks(loader: Loader, blocks: list[Block], scope: ModuleScope) -> Nested:
    """Nested blocks (replica, statement, principals…), `dynamic` ones expanded when known."""
    out = Nested()
    for block in blocks:
        if block.type in ("lifecycle", "provisioner", "connection"):
            continue
        if block.type == "dynamic" and block.labels:
            _dynamic(loader, block, scope, out)
        else:
            _one(loader, block.type, block, scope, out)
    return out


def _one(loader: Any, name: str, block: Block, scope: ModuleScope, out: Nested) -> None:
    items = out.values.setdefault(name, [])
    position = len(items)
    item: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    marks: dict[str, Any] = {}
    for attr_name, attr in block.attrs.items():
        value, refs, touched = loader.tracker.evaluate(attr.expr, scope)
        raw[attr_name] = plain(value)
        _store(attr_name, raw[attr_name], item, marks)
        out.sensitive = out.sensitive or touched
        if refs:
            out.refs[f"{name}.{position}.{attr_name}"] = refs
        if isinstance(value, Unknown) and value.partial is not None:
            out.partial[f"{name}.{position}.{attr_name}"] = leaves(value.partial)
    inner = evaluate_blocks(loader, block.blocks, scope)
    item.update(inner.values)
    raw.update(inner.raw)
    out.raw.setdefault(name, []).append(raw)
    marks.update(inner.unknown)
    out.sensitive = out.sensitive or inner.sensitive
    for path, refs in inner.refs.items():
        out.refs[f"{name}.{position}.{path}"] = refs
    for path, doc in inner.partial.items():
        out.partial[f"{name}.{position}.{path}"] = doc
    items.append(item)
    if marks:
        unknown = out.unknown.setdefault(name, [])
        unknown.extend({} for _ in range(position + 1 - len(unknown)))
        unknown[position] = marks


def _dynamic(loader: Any, block: Block, scope: ModuleScope, out: Nested) -> None:
    name = block.labels[0]
    content = block.nested("content")
    collection = (loader.tracker.evaluate(block.attrs["for_each"].expr, scope)[0]
                  if "for_each" in block.attrs else Unknown("dynamic without for_each"))
    iterator = name
    if "iterator" in block.attrs:
        iterator = str(block.attrs["iterator"].expr.serialize()).strip('"') or name
    if isinstance(collection, Mapping):
        pairs: list[tuple[Any, Any]] = [(k, collection[k]) for k in sorted(collection)]
    elif isinstance(collection, list):
        pairs = list(enumerate(collection))
    else:
        out.values.setdefault(name, [])
        out.raw[name] = collection if isinstance(collection, Unknown) else Unknown(name)
        out.unknown[name] = True  # which blocks exist is not known before apply
        return
    for key, value in pairs:
        for body in content:
            _one(loader, name, body, scope.with_root(iterator, {"key": key, "value": value}), out)


def plain(value: Value) -> Value:
    """A JSON-like copy: lazy mappings read out, instance objects made Unknown."""
    if isinstance(value, InstanceRef):
        return Unknown(value.address)
    if isinstance(value, Mapping):
        return {str(k): plain(value[k]) for k in value}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def leaves(value: Value) -> Any:
    """A partly known structure with its Unknown leaves as the model's UnknownLeaf."""
    if isinstance(value, Unknown):
        return UnknownLeaf(value.text)
    if isinstance(value, InstanceRef):
        return UnknownLeaf(value.address)
    if isinstance(value, Mapping):
        return {str(k): leaves(value[k]) for k in value}
    if isinstance(value, (list, tuple)):
        return [leaves(v) for v in value]
    return value


def _store(name: str, value: Value, values: dict[str, Any], unknown: dict[str, Any]) -> None:
    if _has_unknown(value):
        unknown[name] = True
    else:
        values[name] = value


def _has_unknown(value: Value) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False
