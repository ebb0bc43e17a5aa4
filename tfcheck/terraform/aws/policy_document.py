"""Render `data "aws_iam_policy_document"` to the exact `json` attribute of hashicorp/aws 5.100."""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

#: The data source's arguments that shape `json`.
ARGUMENTS = ("version", "policy_id", "source_policy_documents", "override_policy_documents",
             "source_json", "override_json", "statement")
DEFAULT_VERSION = "2012-10-17"
_GO_ESCAPES = {ord(c): f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"}  # what Go escapes beyond Python


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
    """The data source's `json` for its evaluated arguments: blocks as lists of dicts, unset as None or [].

    Returns ``make_unknown(reason)`` when any argument in :data:`ARGUMENTS` holds a value for which
    ``is_unknown`` is true, and raises :class:`PolicyDocumentError` where the provider fails the plan.
    """
    for name in ARGUMENTS:
        path = _find_unknown(args.get(name), name, is_unknown)
        if path:
            return make_unknown(f"aws_iam_policy_document: {path} is not known until apply")
    if args.get("source_json") or args.get("override_json"):  # 5.x keeps them, but only empty
        raise PolicyDocumentError('"source_json" and "override_json" must be empty strings')
    merged, sids = _Document(), set[str]()
    # Both lists skip empty strings; a null in them fails the plan.
    for index, text in enumerate(t for t in _list(args.get("source_policy_documents"), "documents") if t):
        source = _parse_document(text, f"source document {index}")
        for position, sid in enumerate(s["Sid"] for s in source.statements):
            if sid in sids:
                raise PolicyDocumentError(f"merging source document {index}: duplicate Sid ({sid})"
                                          f" in source_policy_documents (statement {position})")
            sids.update([sid] if sid else [])
        merged.merge(source)
    version = _string(args.get("version") or DEFAULT_VERSION, "version")
    if version not in ("2008-10-17", DEFAULT_VERSION):
        raise PolicyDocumentError(f"version: expected 2008-10-17 or {DEFAULT_VERSION}, got {version}")
    own = _Document(version, _string(args.get("policy_id") or "", "policy_id"))
    blocks = args.get("statement") or []
    for block in [blocks] if isinstance(blocks, Mapping) else [b for b in blocks if b is not None]:
        statement = _config_statement(block, version)
        if statement["Sid"] and any(s["Sid"] == statement["Sid"] for s in own.statements):
            raise PolicyDocumentError(f"duplicate Sid ({statement['Sid']}), Sids must be unique")
        own.statements.append(statement)
    merged.merge(own)
    for index, text in enumerate(t for t in _list(args.get("override_policy_documents"), "documents") if t):
        merged.merge(_parse_document(text, f"override document {index}"))
    body = {"Version": merged.version or DEFAULT_VERSION, "Id": merged.id,
            "Statement": [_statement_json(s) for s in merged.statements]}
    return _encode({k: v for k, v in body.items() if v}, "")


def _find_unknown(value: Any, path: str, is_unknown: Callable[[object], bool]) -> str | None:
    if is_unknown(value):
        return path
    children = dict(enumerate(value)) if isinstance(value, list) else value
    items = children.items() if isinstance(children, Mapping) else ()
    return next(filter(None, (_find_unknown(v, f"{path}.{k}", is_unknown) for k, v in items)), None)


@dataclass
class _Document:
    version: str = ""
    id: str = ""
    statements: list[dict[str, Any]] = field(default_factory=list)

    def merge(self, other: _Document) -> None:
        """IAMPolicyDoc.Merge: a later Id wins, the higher Version wins, a known Sid is replaced in place."""
        self.id = other.id or self.id
        self.version = max(self.version, other.version)
        for new in other.statements:
            sids = [s["Sid"] for s in self.statements]
            at = sids.index(new["Sid"]) if new["Sid"] and new["Sid"] in sids else len(sids)
            self.statements[at:at + 1] = [new]


def _config_statement(block: Mapping[str, Any], version: str) -> dict[str, Any]:
    effect = _string(block.get("effect") or "Allow", "effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyDocumentError(f"effect: expected Allow or Deny, got {effect}")
    statement: dict[str, Any] = {"Sid": _string(block.get("sid") or "", "sid"), "Effect": effect}
    for name, key in (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"),
                      ("not_resources", "NotResource")):
        # A set of strings: one value becomes a plain string, several are sorted descending.
        values = sorted(set(_list(block.get(name), name)), reverse=True)
        if values:
            statement[key] = _decode(values, None if key.endswith("Action") else version, name)
    for name, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principals = _set_order(_principal_block(b) for b in _list(block.get(name), name))
        statement[key] = [(type_, _decode(sorted(ids, reverse=True), version, "identifiers"))
                          for type_, ids in principals]
    # Condition values are a list: their order and duplicates stay.
    conditions = _set_order(_condition_block(b) for b in _list(block.get("condition"), "condition"))
    statement["Condition"] = [((test, variable), _decode(values, version, "values"))
                              for test, variable, values in conditions]
    return statement


def _principal_block(block: Mapping[str, Any]) -> tuple[str, str, list[str]]:
    type_, ids = _string(block.get("type"), "type"), set(_list(block.get("identifiers"), "identifiers"))
    # helper/schema hashes a string set element as "value;" and lists a nested set in hash order too.
    listed = [i for (i,) in _set_order((i + ";", i) for i in ids)]
    return "identifiers:{" + "".join(i + ";" for i in listed) + "};type:" + type_ + ";", type_, listed


def _condition_block(block: Mapping[str, Any]) -> tuple[str, str, str, list[str]]:
    test, variable = _string(block.get("test"), "test"), _string(block.get("variable"), "variable")
    values = _list(block.get("values"), "values")
    return f"test:{test};values:(" + "".join(v + ";" for v in values) + f");variable:{variable};", \
        test, variable, values


def _set_order(blocks: Iterable[tuple[Any, ...]]) -> list[Any]:
    """A set as helper/schema lists it: by CRC-32 of the serialisation, in decimal, sorted as text."""
    by_code: dict[str, Any] = {}
    for serialised, *rest in blocks:  # equal codes are one element to the SDK
        by_code.setdefault(str(zlib.crc32(serialised.encode())), tuple(rest))
    return [by_code[code] for code in sorted(by_code)]


def _decode(values: list[str], version: str | None, name: str) -> str | list[str]:
    """One value becomes a plain string; unless `version` is None, `&{` (escaping IAM's `${`) becomes `${`."""
    bad = [v for v in values if "&{" in v] if version == "2008-10-17" else []
    if bad:
        raise PolicyDocumentError(f"reading {name}: found &{{ sequence in ({bad[0]}),"
                                  " which is not supported in document version 2008-10-17")
    out = values if version is None else [v.replace("&{", "${") for v in values]
    return out[0] if len(out) == 1 else out


def _list(value: Any, name: str) -> list[Any]:
    items = [] if value is None else list(value) if isinstance(value, (list, tuple, set)) else [value]
    if any(item is None for item in items):
        raise PolicyDocumentError(f"{name}: Null value found in list")
    return [item if isinstance(item, Mapping) else _string(item, name) for item in items]


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


def _parse_document(text: str, what: str) -> _Document:
    """encoding/json into the provider's IAMPolicyDoc; struct fields match keys case-insensitively."""
    try:
        data = json.loads(text, object_pairs_hook=_Object, parse_int=float)
    except json.JSONDecodeError as exc:
        raise PolicyDocumentError(f"{what} contains invalid JSON: {exc}") from exc
    if data is not None and not isinstance(data, _Object):
        raise PolicyDocumentError(f"{what}: a policy document must be a JSON object")
    fields = data.fields if data is not None else {}
    document = _Document(_json_string(fields, "version", what), _json_string(fields, "id", what))
    if not isinstance(fields.get("statement", []), (list, type(None))):
        raise PolicyDocumentError(f"{what}: Statement must be a list")
    for item in fields.get("statement") or []:
        if not isinstance(item, _Object):  # a null statement crashes the provider
            raise PolicyDocumentError(f"{what}: each statement must be an object")
        found = item.fields
        statement: dict[str, Any] = {key: _json_string(found, key.lower(), what) for key in ("Sid", "Effect")}
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            statement[key] = found.get(key.lower())  # any JSON, kept as interface{}
        for key in ("Principal", "NotPrincipal"):
            value = found.get(key.lower(), {})
            if isinstance(value, dict) and all(map(_strings, value.values())):
                statement[key] = list(value.items())
            elif isinstance(value, str):  # any string at all means everyone
                statement[key] = [("*", ["*"])]
            else:
                raise PolicyDocumentError(f"{what}: unsupported {key} {value!r}")
        statement["Condition"] = _json_conditions(found.get("condition"), what)
        document.statements.append(statement)
    return document


class _Object(dict[str, Any]):
    """A JSON object as Go decodes it: a repeated key's last value wins; keys sorted as Go marshals a map;
    and `fields` keyed case-insensitively, as they match struct fields."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(sorted(dict(pairs).items()))
        self.fields = {key.casefold(): value for key, value in pairs}


def _json_string(fields: Mapping[str, Any], key: str, what: str) -> str:
    if not isinstance(fields.get(key), (str, type(None))):
        raise PolicyDocumentError(f"{what}: cannot unmarshal {fields[key]!r} into string field {key}")
    return fields.get(key) or ""


def _strings(value: Any) -> bool:
    return isinstance(value, str) or isinstance(value, list) and all(isinstance(v, str) for v in value)


def _json_conditions(value: Any, what: str) -> list[tuple[Any, Any]]:
    tests = {} if value is None else value
    if not isinstance(tests, dict) or not all(isinstance(v, dict) or v is None for v in tests.values()):
        raise PolicyDocumentError(f"{what}: a condition must map operators to objects")
    out: list[tuple[Any, Any]] = []
    for test, variables in tests.items():
        for variable, values in (variables or {}).items():
            if isinstance(values, list) and not _strings(values):
                raise PolicyDocumentError(f"{what}: condition values must be strings")  # a provider panic
            if isinstance(values, bool):
                values = "true" if values else "false"
            if isinstance(values, list):
                out.append(((test, variable), _decode(values, None, "")))
            elif isinstance(values, str):  # numbers, null and objects are silently dropped
                out.append(((test, variable), values))
    return out


def _statement_json(statement: dict[str, Any]) -> dict[str, Any]:
    principal, not_principal, condition = (statement[k] for k in ("Principal", "NotPrincipal", "Condition"))
    out = dict(statement, Sid=statement["Sid"] or None, Effect=statement["Effect"] or None,
               Principal=_principals_json(principal) if principal else None,
               NotPrincipal=_principals_json(not_principal) if not_principal else None,
               Condition=_merged(condition) if condition else None)
    # Keys are in the struct's field order already. omitempty drops empty strings and slices and nil
    # interface{} values (None), but not a false or [] inside an interface{}.
    return {k: v for k, v in out.items() if v is not None}


def _principals_json(entries: list[tuple[Any, Any]]) -> Any:
    if len(entries) == 1 and entries[0][0] == "*" and entries[0][1] in ("*", ["*"]):
        return "*"  # only a lone wildcard principal is written as the bare string
    return _merged([(kind, ids if isinstance(ids, str) else sorted(ids, reverse=True))
                    for kind, ids in entries])


def _merged(entries: list[tuple[Any, Any]]) -> dict[str, Any]:
    """Entries sharing a key (principal type, condition test and variable) concatenated in order."""
    raw: dict[Any, Any] = {}
    for key, values in entries:
        if key not in raw:
            raw[key] = values if isinstance(values, str) else list(values)
        else:  # a lone string becomes a list before more are appended
            before = [raw[key]] if isinstance(raw[key], str) else raw[key]
            raw[key] = before + ([values] if isinstance(values, str) else list(values))
    out: dict[str, Any] = {}
    for key in sorted(raw):  # Go marshals maps with sorted keys
        if isinstance(key, tuple):
            out.setdefault(key[0], {})[key[1]] = raw[key]
        else:
            out[key] = raw[key]
    return out


def _encode(value: Any, indent: str) -> str:
    """json.MarshalIndent(value, "", "  "), dict order as given."""
    inner = indent + "  "
    if isinstance(value, dict):
        items, edges = [f"{_encode(k, inner)}: {_encode(v, inner)}" for k, v in value.items()], "{}"
    elif isinstance(value, list):
        items, edges = [_encode(v, inner) for v in value], "[]"
    elif isinstance(value, str):  # Go also escapes <, >, & and the JavaScript line separators
        return json.dumps(value, ensure_ascii=False).translate(_GO_ESCAPES)
    else:
        return json.dumps(value) if isinstance(value, bool) or value is None else _go_number(float(value))
    if not items:
        return edges
    return edges[0] + "\n" + ",\n".join(inner + item for item in items) + "\n" + indent + edges[1]


def _go_number(number: float) -> str:
    """strconv.FormatFloat as encoding/json uses it: plain decimals within [1e-6, 1e21), else exponent."""
    if math.isfinite(number) and number != 0 and not 1e-6 <= abs(number) < 1e21:
        text = repr(number)
        return text.replace("e-0", "e-") if "e-0" in text[-4:] else text
    return _string(number, "number")  # which refuses NaN and infinities, as Go does


def partial_policy_document(args: Mapping[str, Any], is_unknown: Callable[[object], bool]) -> Any:
    """The document's meaning when some leaves are unknown until apply: an IAM JSON object whose
    unknown leaves are kept as they are (for access reasoning; not the provider's exact text).

    None when the unknowns decide the document's shape (source or override documents, a whole
    statement list) rather than single values.
    """
    for name in ("source_policy_documents", "override_policy_documents", "source_json", "override_json",
                 "version", "policy_id"):
        if _find_unknown(args.get(name), name, is_unknown):
            return None
    blocks = args.get("statement") or []
    if is_unknown(blocks):
        return None
    statements: list[Any] = []
    for block in [blocks] if isinstance(blocks, Mapping) else [b for b in blocks if b is not None]:
        if is_unknown(block) or not isinstance(block, Mapping):
            statements.append(block)
            continue
        statement: dict[str, Any] = {"Effect": block.get("effect") or "Allow"}
        if block.get("sid") is not None:
            statement["Sid"] = block.get("sid")
        for name, key in (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"),
                          ("not_resources", "NotResource")):
            if block.get(name):
                statement[key] = block[name]
        for name, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            entries = block.get(name)
            if entries:
                statement[key] = _partial_principals(entries, is_unknown)
        conditions = block.get("condition")
        if conditions:
            statement["Condition"] = _partial_conditions(conditions, is_unknown)
        statements.append(statement)
    return {"Version": DEFAULT_VERSION, "Statement": statements}


def _partial_principals(entries: Any, is_unknown: Callable[[object], bool]) -> Any:
    if is_unknown(entries) or not isinstance(entries, list):
        return entries
    out: dict[str, list[Any]] = {}
    for entry in entries:
        if is_unknown(entry) or not isinstance(entry, Mapping) or is_unknown(entry.get("type")):
            return entry  # which kind of principal is unknown: the whole element is
        ids = entry.get("identifiers")
        out.setdefault(str(entry.get("type")), []).extend(ids if isinstance(ids, list) else [ids])
    return out


def _partial_conditions(entries: Any, is_unknown: Callable[[object], bool]) -> Any:
    if is_unknown(entries) or not isinstance(entries, list):
        return entries
    out: dict[str, dict[str, list[Any]]] = {}
    for entry in entries:
        if not isinstance(entry, Mapping) or is_unknown(entry.get("test")) \
                or is_unknown(entry.get("variable")):
            return entry
        values = entry.get("values")
        out.setdefault(str(entry.get("test")), {}).setdefault(str(entry.get("variable")), []).extend(
            values if isinstance(values, list) else [values])
    return out
