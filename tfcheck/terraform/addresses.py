"""Parse Terraform addresses and references: module instance segments, resource parts, keys."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# One module segment of an instance address: module.name, module.name[0], module.name["k"].
_MODULE_SEG = re.compile(r'module\.([A-Za-z_][\w-]*)(\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?\.?')
# A resource reference inside one module: [data.]type.name[key][.attribute…]
_RESOURCE_REF = re.compile(
    r'^(data\.)?([A-Za-z][\w-]*)\.([A-Za-z_][\w-]*)(\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?(?:\.([\w-]+))?'
)
# Keys are a JSON string or an integer: a key of None means "any instance".
Key = str | int | None
Segments = tuple[tuple[str, Key], ...]


def parse_key(text: str | None) -> Key:
    """`["x"]` -> "x", `[0]` -> 0, None -> None."""
    if not text:
        return None
    inner = text[1:-1]
    try:
        value = json.loads(inner) if inner.startswith('"') else int(inner)
    except ValueError:  # an escape JSON lacks, or more digits than Python converts
        return inner  # names no instance there is
    return value if isinstance(value, (str, int)) else None


def format_key(key: Key) -> str:
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return "[" + json.dumps(key) + "]"


def module_segments(module_address: str) -> Segments:
    """`module.a["x"].module.b` -> (("a", "x"), ("b", None))."""
    out: list[tuple[str, Key]] = []
    pos = 0
    while pos < len(module_address):
        m = _MODULE_SEG.match(module_address, pos)
        if not m:
            break
        out.append((m[1], parse_key(m[2])))
        pos = m.end()
    return tuple(out)


def format_module(segments: Segments) -> str:
    return ".".join(f"module.{name}{format_key(key)}" for name, key in segments)


def config_path(segments: Segments) -> tuple[str, ...]:
    """Module instance -> module configuration path (keys dropped)."""
    return tuple(name for name, _ in segments)


@dataclass(frozen=True)
class ResourceRef:
    """A parsed reference to a resource in the same module: aws_kms_key.k["x"].arn."""

    kind: str
    """`type.name`, prefixed `data.` for data sources."""
    key: Key
    attribute: str | None


def parse_resource_ref(ref: str) -> ResourceRef | None:
    m = _RESOURCE_REF.match(ref)
    if not m:
        return None
    return ResourceRef(f"{m[1] or ''}{m[2]}.{m[3]}", parse_key(m[4]), m[5])


def parse_module_ref(ref: str) -> tuple[str, Key, str | None] | None:
    """`module.kms["x"].key_arn` -> ("kms", "x", "key_arn"); `module.kms` -> ("kms", None, None)."""
    m = _MODULE_SEG.match(ref)
    if not m or not ref.startswith("module."):
        return None
    rest = ref[m.end():]
    output = rest.split(".", 1)[0].split("[", 1)[0] or None
    return (m[1], parse_key(m[2]), output)


def instance_address(segments: Segments, kind: str, key: Key) -> str:
    prefix = format_module(segments)
    return f"{prefix}.{kind}{format_key(key)}" if prefix else f"{kind}{format_key(key)}"


def arn_account(value: object) -> str | None:
    """The account id of an ARN (`arn:partition:service:region:account:…`), if it has one."""
    if not isinstance(value, str) or not value.startswith("arn:"):
        return None
    parts = value.split(":", 5)
    if len(parts) < 6:
        return None
    account = parts[4]
    return account if len(account) == 12 and account.isdigit() else None


def arn_region(value: object) -> str | None:
    """The region of an ARN (`arn:partition:service:region:…`), if it names one."""
    if not isinstance(value, str) or not value.startswith("arn:"):
        return None
    parts = value.split(":", 5)
    return parts[3] if len(parts) == 6 and parts[3] else None
