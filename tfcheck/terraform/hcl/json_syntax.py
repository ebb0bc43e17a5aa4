"""`.tf.json` files into the same Blocks as HCL: JSON values turned into HCL expressions."""

from __future__ import annotations

import json
from typing import Any

from tfcheck.errors import InputError
from tfcheck.terraform.files import json_document
from tfcheck.terraform.hcl.parse import Attr, Block, parse_expression

# In .tf.json a nested block looks like an attribute; these are the nested block types tfcheck
# reads (everything else is taken as an attribute, which is what it is for these resources).
JSON_NESTED_BLOCKS = frozenset({"replica", "statement", "principals", "not_principals", "condition",
                                "lifecycle", "rotation_rules", "timeouts", "assume_role"})


def parse_json(text: str, display: str) -> list[Block]:
    doc = json_document(text, display)
    if not isinstance(doc, dict):
        raise InputError("a .tf.json file must hold an object", display)
    lines = text.splitlines()
    out: list[Block] = []
    for block_type, content in doc.items():
        depth = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1,
                 "provider": 1}.get(block_type, 0)
        for labels, body in _labelled(content, depth):
            line = _find_line(lines, [block_type, *labels])
            out.append(_json_block(block_type, tuple(labels), body, display, line))
    return out


def _labelled(content: Any, depth: int) -> list[tuple[list[str], Any]]:
    if depth == 0:
        return [([], item) for item in (content if isinstance(content, list) else [content])]
    if not isinstance(content, dict):
        return []
    return [([key, *rest], body) for key, value in content.items()
            for rest, body in _labelled(value, depth - 1)]


def _json_block(block_type: str, labels: tuple[str, ...], body: Any, display: str, line: int) -> Block:
    block = Block(block_type, labels, display, line)
    for name, value in (body.items() if isinstance(body, dict) else ()):
        if name in JSON_NESTED_BLOCKS and isinstance(value, (dict, list)):
            for item in value if isinstance(value, list) else [value]:
                block.blocks.append(_json_block(name, (), item, display, line))
        else:
            block.attrs[name] = Attr(name, parse_expression(_json_to_hcl(value), display), line)
    return block


def _json_to_hcl(value: Any) -> str:
    """A JSON value as HCL source: strings stay templates, as Terraform reads .tf.json."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_json_to_hcl(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json_to_hcl(v) for v in value) + "]"
    if isinstance(value, str):
        return _template_to_hcl(value)
    return json.dumps(value)


def _template_to_hcl(text: str) -> str:
    """A .tf.json string as an HCL quoted template: literal parts escaped, `${…}` kept verbatim
    (the expression inside is native syntax, with its own quotes)."""
    out = ['"']
    i = 0
    while i < len(text):
        if text.startswith("${", i) or text.startswith("%{", i):
            end = _interpolation_end(text, i + 2)
            if end is not None:
                out.append(text[i:end + 1])
                i = end + 1
                continue
        out.append(json.dumps(text[i])[1:-1])
        i += 1
    return "".join(out) + '"'


def _interpolation_end(text: str, start: int) -> int | None:
    """Index of the `}` closing an interpolation, skipping nested braces and quoted strings."""
    depth, i, quote = 1, start, False
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == '"':
                quote = False
        elif c == '"':
            quote = True
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _find_line(lines: list[str], labels: list[str]) -> int:
    """The line of a block's last label, found label by label (JSON keeps no positions)."""
    at = 0
    for label in labels:
        needle = json.dumps(label)
        at = next((i for i in range(at, len(lines)) if needle in lines[i]), at)
    return at + 1
