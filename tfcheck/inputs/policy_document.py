"""Render `data "aws_iam_policy_document"` to the exact `json` attribute of hashicorp/aws 5.100."""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["PolicyDocumentError", "UnknownDocument", "looks_unknown", "render_policy_document"]

DEFAULT_VERSION = "2012-10-17"
_ARGUMENTS = ("version", "policy_id", "source_policy_documents", "override_policy_documents",
              "source_json", "override_json", "statement")
_FIELDS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal",
           "Condition")


class PolicyDocumentError(ValueError):
    """The provider would refuse this configuration: the plan fails."""


@dataclass(frozen=True)
class UnknownDocument:
    """Default stand-in for a `json` that is only known after apply; `text` says why."""

    text: str


def looks_unknown(value: object) -> bool:
    """Default test for an unknown value: anything with a `text` that is not a JSON-like value."""
    return hasattr(value, "text") and not isinstance(value, (str, int, float, list, tuple, Mapping))


def render_policy_document(args: Mapping[str, Any], *, is_unknown: Callable[[object], bool] = looks_unknown,
                           make_unknown: Callable[[str], Any] = UnknownDocument) -> str | Any:
    """The data source's `json` for its evaluated arguments (blocks as lists of dicts, unset = None/[]).

    Returns ``make_unknown(reason)`` when an argument that shapes the output is unknown, and raises
    :class:`PolicyDocumentError` where the provider fails the plan.
    """
    for name in _ARGUMENTS:
        path = _find_unknown(args.get(name), name, is_unknown)
        if path:
            return make_unknown(f"aws_iam_policy_document: {path} is not known until apply")
    for name in ("source_json", "override_json"):
        if args.get(name):
            raise PolicyDocumentError(f'expected "{name}" to be an empty string (removed in provider 5.x)')
    merged = _Document()
    sids: set[str] = set()
    for index, text in enumerate(_documents(args, "source_policy_documents")):
        source = _parse_document(text, f"source document {index}")
        for position, sid in enumerate(s["Sid"] for s in source.statements):
            if sid in sids:
                raise PolicyDocumentError(f"merging source document {index}: duplicate Sid ({sid})"
                                          f" in source_policy_documents (statement {position})")
            sids.update([sid] if sid else [])
        merged.merge(source)
    version = _string(args.get("version") or DEFAULT_VERSION, "version")
    if version not in ("2008-10-17", DEFAULT_VERSION):
        raise PolicyDocumentError(f"version: expected one of 2008-10-17, {DEFAULT_VERSION}, got {version}")
    own = _Document(version, _string(args.get("policy_id") or "", "policy_id"))
    blocks = args.get("statement") or []
    for block in [blocks] if isinstance(blocks, Mapping) else [b for b in blocks if b is not None]:
        statement = _config_statement(block, version)
        if statement["Sid"] and any(s["Sid"] == statement["Sid"] for s in own.statements):
            raise PolicyDocumentError(f"duplicate Sid ({statement['Sid']}). Remove the Sid or ensure it is unique.")
        own.statements.append(statement)
    merged.merge(own)
    for index, text in enumerate(_documents(args, "override_policy_documents")):
        merged.merge(_parse_document(text, f"override document {index}"))
    body: dict[str, Any] = {"Version": merged.version or DEFAULT_VERSION, "Id": merged.id,
                            "Statement": [_statement_json(s) for s in merged.statements]}
    return _encode({k: v for k, v in body.items() if v}, "")


def _find_unknown(value: Any, path: str, is_unknown: Callable[[object], bool]) -> str | None:
    if is_unknown(value):
        return path
    if isinstance(value, Mapping):
        items: Any = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _find_unknown(item, f"{path}[{key!r}]" if isinstance(key, str) else f"{path}[{key}]", is_unknown)
        if found:
            return found
    return None


@dataclass
class _Document:
    version: str = ""
    id: str = ""
    statements: list[dict[str, Any]] = field(default_factory=list)

    def merge(self, other: _Document) -> None:
        """IAMPolicyDoc.Merge: later Id wins, the higher Version wins, same Sid replaces in place."""
        self.id = other.id or self.id
        self.version = max(self.version, other.version)
        for statement in other.statements:
            same = [i for i, s in enumerate(self.statements) if statement["Sid"] and s["Sid"] == statement["Sid"]]
            if same:
                self.statements[same[0]] = statement
            else:
                self.statements.append(statement)


# --- statements from the configuration ------------------------------------------------------------


def _config_statement(block: Mapping[str, Any], version: str) -> dict[str, Any]:
    effect = _string(block.get("effect") or "Allow", "effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyDocumentError(f"effect: expected Allow or Deny, got {effect}")
    statement: dict[str, Any] = {"Sid": _string(block.get("sid") or "", "sid"), "Effect": effect}
    for name, key, substitute in (("actions", "Action", False), ("not_actions", "NotAction", False),
                                  ("resources", "Resource", True), ("not_resources", "NotResource", True)):
        values = sorted(set(_list(block.get(name), name)), reverse=True)
        if values:
            decoded = values[0] if len(values) == 1 else values
            statement[key] = _substitute(decoded, version, name) if substitute else decoded
    for name, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        statement[key] = [(type_, _substitute(_decode(ids), version, "identifiers")) for type_, ids in
                          _set_order(_principal_block(b) for b in _list(block.get(name), name))]
    statement["Condition"] = [(test, variable, _substitute(_decode(values, sort=False), version, "values"))
                              for test, variable, values in
                              _set_order(_condition_block(b) for b in _list(block.get("condition"), "condition"))]
    return statement


def _principal_block(block: Mapping[str, Any]) -> tuple[str, str, list[str]]:
    type_, ids = _string(block.get("type"), "type"), set(_list(block.get("identifiers"), "identifiers"))
    # helper/schema hashes a block by this serialisation, its inner set listed in the same hash order.
    listed = [i for (i,) in _set_order((i + ";", i) for i in ids)]
    return "identifiers:{" + "".join(i + ";" for i in listed) + "};type:" + type_ + ";", type_, listed


def _condition_block(block: Mapping[str, Any]) -> tuple[str, str, str, list[str]]:
    test, variable = _string(block.get("test"), "test"), _string(block.get("variable"), "variable")
    values = _list(block.get("values"), "values")
    return f"test:{test};values:(" + "".join(v + ";" for v in values) + f");variable:{variable};", \
        test, variable, values


def _set_order(blocks: Any) -> list[Any]:
    """A nested block set as the SDK lists it: by decimal hash code compared as strings, one per code."""
    by_code: dict[str, Any] = {}
    for serialised, *rest in blocks:
        by_code.setdefault(str(zlib.crc32(serialised.encode())), tuple(rest))
    return [by_code[code] for code in sorted(by_code)]


def _decode(values: list[str], sort: bool = True) -> str | list[str]:
    """policyDecodeConfigStringList: one value becomes a plain string, several are sorted descending."""
    if len(values) == 1:
        return values[0]
    return sorted(values, reverse=True) if sort else list(values)


def _substitute(value: str | list[str], version: str, name: str) -> str | list[str]:
    """`&{` is the configuration's escape for IAM's `${`, which the 2008 policy language lacks."""
    for item in [value] if isinstance(value, str) else value:
        if version == "2008-10-17" and "&{" in item:
            raise PolicyDocumentError(f"reading {name}: found &{{ sequence in ({item}), which is not supported"
                                      " in document version 2008-10-17")
    if isinstance(value, str):
        return value.replace("&{", "${")
    return [v.replace("&{", "${") for v in value]


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    items = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
    if any(item is None for item in items):
        raise PolicyDocumentError(f"{name}: Null value found in list")
    return [item if isinstance(item, Mapping) else _string(item, name) for item in items]


def _documents(args: Mapping[str, Any], name: str) -> list[str]:
    # The provider skips empty strings in these lists, but a null element fails the plan.
    return [text for text in _list(args.get(name), name) if text != ""]


def _string(value: Any, name: str) -> str:
    """Terraform's conversion of a primitive to string."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) and math.isfinite(value):
        text = format(Decimal(repr(value)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    raise PolicyDocumentError(f"{name}: expected a string, got {value!r}")


# --- statements from source and override JSON ---------------------------------------------------


def _parse_document(text: str, what: str) -> _Document:
    def no_constant(name: str) -> float:
        raise PolicyDocumentError(f"{what}: invalid JSON: {name}")

    try:
        data = json.loads(text, object_pairs_hook=_Object, parse_int=float, parse_constant=no_constant)
    except json.JSONDecodeError as exc:
        raise PolicyDocumentError(f"{what} contains invalid JSON: {exc}") from exc
    if data is None:
        return _Document()
    if not isinstance(data, _Object):
        raise PolicyDocumentError(f"{what}: a policy document must be a JSON object")
    fields = data.fields()
    document = _Document(_json_string(fields, "version", what), _json_string(fields, "id", what))
    statements = fields.get("statement")
    if statements is not None and not isinstance(statements, list):
        raise PolicyDocumentError(f"{what}: cannot unmarshal Statement {statements!r} into a list")
    for item in statements or []:
        if not isinstance(item, _Object):
            raise PolicyDocumentError(f"{what}: each statement must be an object")
        found = item.fields()
        statement: dict[str, Any] = {"Sid": _json_string(found, "sid", what),
                                     "Effect": _json_string(found, "effect", what)}
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            statement[key] = _plain(found.get(key.lower()), what)
        for key in ("Principal", "NotPrincipal"):
            statement[key] = _json_principals(found[key.lower()], what) if key.lower() in found else []
        statement["Condition"] = _json_conditions(found.get("condition"), what)
        document.statements.append(statement)
    return document


class _Object(dict[str, Any]):
    """A JSON object (repeated keys: the last wins) that also keeps its pairs in order."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs

    def fields(self) -> dict[str, Any]:
        """Keys as encoding/json matches them to struct fields: case-insensitively, the last one wins."""
        return {key.casefold(): value for key, value in self.pairs}


def _json_string(fields: dict[str, Any], key: str, what: str) -> str:
    value = fields.get(key)
    if value is not None and not isinstance(value, str):
        raise PolicyDocumentError(f"{what}: cannot unmarshal {value!r} into string field {key}")
    return value or ""


def _plain(value: Any, what: str) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise PolicyDocumentError(f"{what}: number out of range")
    if isinstance(value, list):
        return [_plain(v, what) for v in value]
    # Go marshals map[string]interface{} with sorted keys.
    return {k: _plain(value[k], what) for k in sorted(value)} if isinstance(value, dict) else value


def _json_principals(value: Any, what: str) -> list[tuple[str, str | list[str]]]:
    if isinstance(value, str):  # any string at all means everyone
        return [("*", ["*"])]
    if not isinstance(value, dict):
        raise PolicyDocumentError(f"{what}: unsupported principal {value!r}")
    out: list[tuple[str, str | list[str]]] = []
    for type_, ids in value.items():
        if not isinstance(ids, str) and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
            raise PolicyDocumentError(f"{what}: unsupported principal identifiers {ids!r}")
        out.append((type_, ids))
    return out


def _json_conditions(value: Any, what: str) -> list[tuple[str, str, str | list[str]]]:
    if not isinstance(value, (dict, type(None))) or any(not isinstance(v, (dict, type(None)))
                                                         for v in (value or {}).values()):
        raise PolicyDocumentError(f"{what}: a condition must map operators to objects")
    out: list[tuple[str, str, str | list[str]]] = []
    for test, variables in (value or {}).items():
        for variable, values in (variables or {}).items():
            if isinstance(values, bool):
                out.append((test, variable, "true" if values else "false"))
            elif isinstance(values, str):
                out.append((test, variable, values))
            elif isinstance(values, list):
                if not all(isinstance(v, str) for v in values):  # the provider panics here
                    raise PolicyDocumentError(f"{what}: condition values must be strings")
                out.append((test, variable, values))
            # Numbers, null and objects are silently dropped by the provider.
    return out


# --- rendering as Go's encoding/json does -------------------------------------------------------


def _statement_json(statement: dict[str, Any]) -> dict[str, Any]:
    principals, not_principals, conditions = (statement[k] for k in ("Principal", "NotPrincipal", "Condition"))
    out = dict(statement, Sid=statement["Sid"] or None, Effect=statement["Effect"] or None,
               Principal=_principals_json(principals) if principals else None,
               NotPrincipal=_principals_json(not_principals) if not_principals else None,
               Condition=_merged(((t, v), vs) for t, v, vs in conditions) if conditions else None)
    # omitempty drops "" strings, empty slices and nil interface{} values (None), but keeps `false` or [].
    return {k: out[k] for k in _FIELDS if out.get(k) is not None}


def _principals_json(entries: list[tuple[str, str | list[str]]]) -> Any:
    if len(entries) == 1 and entries[0][0] == "*" and entries[0][1] in ("*", ["*"]):
        return "*"
    return _merged(((type_, ids if isinstance(ids, str) else sorted(ids, reverse=True)) for type_, ids in entries))


def _merged(entries: Any) -> dict[str, Any]:
    """Entries sharing a key (a principal type, a condition test and variable) concatenated in order."""
    raw: dict[Any, Any] = {}
    for key, values in entries:
        if key in raw:
            before = raw[key] if isinstance(raw[key], list) else [raw[key]]
            raw[key] = before + ([values] if isinstance(values, str) else values)
        else:
            raw[key] = values if isinstance(values, str) else list(values)
    out: dict[str, Any] = {}
    for key in sorted(raw):
        if isinstance(key, tuple):  # condition: nested map test -> variable
            out.setdefault(key[0], {})[key[1]] = raw[key]
        else:
            out[key] = raw[key]
    return out


def _encode(value: Any, indent: str) -> str:
    """json.MarshalIndent(value, "", "  "): maps sorted by the caller, HTML-safe strings, Go numbers."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{_go_string(k)}: {_encode(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + _encode(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, str):
        return _go_string(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return _go_number(float(value))


def _go_string(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        encoded = encoded.replace(char, escape)
    return encoded


def _go_number(number: float) -> str:
    """strconv.FormatFloat as encoding/json uses it: plain decimals in [1e-6, 1e21), else exponent."""
    if number != 0 and not 1e-6 <= abs(number) < 1e21:
        text = repr(number)
        return text.replace("e-0", "e-") if "e-0" in text[-4:] else text
    return _string(number, "number") if number or math.copysign(1, number) > 0 else "-0"
