"""Parse an IAM policy document into normalised, frozen Statement records."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tfcheck.errors import PolicyError
from tfcheck.iam.actions import matches_any
from tfcheck.iam.principals import PRINCIPAL_TYPE, Principal, classify

_PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
_EFFECTS = ("Allow", "Deny")


@dataclass(frozen=True)
class Condition:
    """One condition key under one operator: the key matches any of `values`."""

    operator: str
    """As written: "StringEquals", "ForAnyValue:StringLike", "StringEqualsIfExists", ..."""
    key: str
    """Lower-cased, because condition keys are case-insensitive."""
    values: tuple[str, ...]
    """Stringified as IAM does: true becomes "true", 12 becomes "12"."""


@dataclass(frozen=True)
class Statement:
    """One statement with every shorthand expanded; None means the element is absent."""

    sid: str | None
    effect: str
    principals: tuple[Principal, ...] | None
    not_principals: tuple[Principal, ...] | None
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    conditions: tuple[Condition, ...]
    index: int
    """Position of the statement in the document."""


@dataclass(frozen=True)
class Policy:
    """A whole policy document."""

    version: str | None
    statements: tuple[Statement, ...]


def parse_policy(doc: str | dict[str, Any]) -> Policy:
    """Parse the JSON text of a policy (as in plan values) or an already-decoded object.

    Raises PolicyError, and nothing else, for a shape tfcheck cannot read: Statement, Effect,
    Action/NotAction are required; a Principal string must be "*"; two spellings of one
    condition key are refused (keys are case-insensitive). Left lenient, as they change nothing
    tfcheck decides: a missing Resource, unknown elements (Id, extra keys), any Version string.
    """
    if isinstance(doc, str):
        doc = _decode(doc)
    if not isinstance(doc, dict):
        raise PolicyError("policy must be a JSON object")
    version = doc.get("Version")
    if version is not None and not isinstance(version, str):
        raise PolicyError("Version must be a string")
    if "Statement" not in doc:
        raise PolicyError("policy has no Statement")
    raw = doc["Statement"]
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise PolicyError("Statement must be an object or a list of objects")
    return Policy(version, tuple(_statement(item, i) for i, item in enumerate(raw)))


def _decode(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise PolicyError(f"policy is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except RecursionError:
        raise PolicyError("policy is not valid JSON: nested too deeply") from None
    except ValueError:
        # Python refuses to read an integer of more than 4300 digits (its message varies).
        raise PolicyError("policy is not valid JSON: a number has too many digits") from None


def _statement(raw: Any, i: int) -> Statement:
    where = f"Statement[{i}]"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where} must be an object")
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(f"{where}.Sid must be a string")
    if "Effect" not in raw:
        raise PolicyError(f"{where} has no Effect")
    # IAM accepts exactly these two spellings.
    if raw["Effect"] not in _EFFECTS:
        raise PolicyError(f'{where}.Effect must be "Allow" or "Deny"')
    _exclusive(raw, where, "Principal", "NotPrincipal")
    _exclusive(raw, where, "Action", "NotAction")
    _exclusive(raw, where, "Resource", "NotResource")
    if "Action" not in raw and "NotAction" not in raw:
        raise PolicyError(f"{where} has neither Action nor NotAction")
    return Statement(
        sid=sid,
        effect=raw["Effect"],
        principals=_principals(raw, where, "Principal"),
        not_principals=_principals(raw, where, "NotPrincipal"),
        actions=_strings(raw, where, "Action"),
        not_actions=_strings(raw, where, "NotAction"),
        resources=_strings(raw, where, "Resource"),
        not_resources=_strings(raw, where, "NotResource"),
        conditions=_conditions(raw, where),
        index=i,
    )


def _exclusive(raw: dict[str, Any], where: str, name: str, not_name: str) -> None:
    if name in raw and not_name in raw:
        raise PolicyError(f"{where} has both {name} and {not_name}")


def _strings(raw: dict[str, Any], where: str, field: str) -> tuple[str, ...] | None:
    if field not in raw:
        return None
    value = raw[field]
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"{where}.{field} must be a string or a list of strings")


def _principals(raw: dict[str, Any], where: str, field: str) -> tuple[Principal, ...] | None:
    if field not in raw:
        return None
    value = raw[field]
    if isinstance(value, str):
        if value != "*":
            raise PolicyError(f'{where}.{field} must be "*" when it is a string')
        return (classify("*", value),)
    if not isinstance(value, dict):
        raise PolicyError(f"{where}.{field} must be a string or an object")
    found: list[Principal] = []
    for ptype in value:
        if ptype not in _PRINCIPAL_TYPES:
            raise PolicyError(f'{where}.{field} has an unknown key "{_short(ptype)}"')
        names = _strings(value, f"{where}.{field}", ptype)
        found.extend(classify(ptype, name) for name in names or ())
    return tuple(found)


def _conditions(raw: dict[str, Any], where: str) -> tuple[Condition, ...]:
    block = raw.get("Condition")
    if block is None:
        return ()
    if not isinstance(block, dict):
        raise PolicyError(f"{where}.Condition must be an object")
    found: list[Condition] = []
    for operator, keys in block.items():
        if not isinstance(operator, str):
            raise PolicyError(f"{where}.Condition operators must be strings")
        if not isinstance(keys, dict):
            raise PolicyError(f"{where}.Condition.{_short(operator)} must be an object")
        seen: set[str] = set()
        for key, values in keys.items():
            if not isinstance(key, str):
                raise PolicyError(f"{where}.Condition.{_short(operator)} keys must be strings")
            lowered = key.lower()
            # Keys are case-insensitive, so two spellings of one key are one key written twice.
            if lowered in seen:
                raise PolicyError(f'{where}.Condition.{_short(operator)} has the key "{_short(key)}" twice')
            seen.add(lowered)
            path = f"{where}.Condition.{_short(operator)}.{_short(key)}"
            found.append(Condition(operator, lowered, _condition_values(values, path)))
    return tuple(found)


def _condition_values(values: Any, path: str) -> tuple[str, ...]:
    items = values if isinstance(values, list) else [values]
    out: list[str] = []
    for item in items:
        # bool before int: True is an int in Python, but IAM writes it "true".
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, str):
            out.append(item)
        elif isinstance(item, (int, float)):
            try:
                out.append(str(item))
            except ValueError:  # more digits than Python will print
                raise PolicyError(f"{path} holds a number too large to read") from None
        else:
            raise PolicyError(f"{path} must be a string, number, boolean or a list of them")
    return tuple(out)


def _short(name: object) -> str:
    # Names from the document go into messages; a huge one must not flood the terminal, and a
    # non-string key (possible in a decoded dict handed to us) is named by its type.
    text = name if isinstance(name, str) else f"<{type(name).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def to_dict(policy: Policy) -> dict[str, Any]:
    """The canonical JSON form of `policy`: every list a list, Principal always a map."""
    doc: dict[str, Any] = {}
    if policy.version is not None:
        doc["Version"] = policy.version
    doc["Statement"] = [_statement_dict(st) for st in policy.statements]
    return doc


def _statement_dict(st: Statement) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if st.sid is not None:
        out["Sid"] = st.sid
    out["Effect"] = st.effect
    for field, principals in (("Principal", st.principals), ("NotPrincipal", st.not_principals)):
        if principals is not None:
            grouped: dict[str, list[str]] = {}
            for p in principals:
                grouped.setdefault(PRINCIPAL_TYPE.get(p.kind, "AWS"), []).append(p.value)
            out[field] = grouped
    for field, values in (
        ("Action", st.actions),
        ("NotAction", st.not_actions),
        ("Resource", st.resources),
        ("NotResource", st.not_resources),
    ):
        if values is not None:
            out[field] = list(values)
    if st.conditions:
        block: dict[str, dict[str, list[str]]] = {}
        for c in st.conditions:
            block.setdefault(c.operator, {})[c.key] = list(c.values)
        out["Condition"] = block
    return out


def statement_matches_action(st: Statement, action: str) -> bool:
    """Whether the statement's Action covers `action`, or its NotAction leaves it out."""
    if st.actions is not None:
        return matches_any(st.actions, action)
    if st.not_actions is not None:
        return not matches_any(st.not_actions, action)
    return False
