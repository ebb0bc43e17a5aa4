"""Parse an IAM policy document into normalised, frozen Statement records."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from tfcheck.errors import PolicyError
from tfcheck.iam.principals import PRINCIPAL_TYPE, Principal, PrincipalKind, classify
from tfcheck.model.resource import UnknownLeaf

Leaf = str | UnknownLeaf
"""A policy value: a string, or a leaf known only after apply."""

_PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
_EFFECTS = ("Allow", "Deny")


@dataclass(frozen=True)
class Condition:
    """One condition key under one operator: the key matches any of `values`."""

    operator: str
    """As written: "StringEquals", "ForAnyValue:StringLike", "StringEqualsIfExists", ..."""
    key: str
    """Lower-cased, because condition keys are case-insensitive."""
    values: tuple[Leaf, ...]
    """Stringified as IAM does: true becomes "true", 12 becomes "12". An operator or key unknown
    until apply is "?" (such a condition decides nothing for certain)."""


@dataclass(frozen=True)
class Statement:
    """One statement with every shorthand expanded; None means the element is absent."""

    sid: Leaf | None
    effect: str
    """"Allow", "Deny", or "?" when unknown until apply."""
    principals: tuple[Principal, ...] | None
    not_principals: tuple[Principal, ...] | None
    actions: tuple[Leaf, ...] | None
    not_actions: tuple[Leaf, ...] | None
    resources: tuple[Leaf, ...] | None
    not_resources: tuple[Leaf, ...] | None
    conditions: tuple[Condition, ...]
    index: int
    """Position of the statement in the document."""


@dataclass(frozen=True)
class Policy:
    """A whole policy document."""

    version: str | None
    statements: tuple[Statement, ...]

    @property
    def partial(self) -> bool:
        """Some value of it is known only after apply."""
        return any(_has_leaf(st) for st in self.statements)


def _has_leaf(st: Statement) -> bool:
    if st.effect == "?" or isinstance(st.sid, UnknownLeaf):
        return True
    groups = (st.actions, st.not_actions, st.resources, st.not_resources)
    return (any(isinstance(v, UnknownLeaf) for g in groups for v in g or ())
            or any(p.kind is PrincipalKind.UNKNOWN for p in (st.principals or ()) + (st.not_principals or ()))
            or any(c.operator == "?" or any(isinstance(v, UnknownLeaf) for v in c.values)
                   for c in st.conditions))


def parse_policy(doc: str | dict[str, Any], sensitive: bool = False) -> Policy:
    """Parse the JSON text of a policy (as in plan values) or an already-decoded object.

    A decoded object may hold UnknownLeaf values (a document partly known until apply); they
    are kept where they stand. `sensitive`: the document is marked sensitive, so is every
    principal it names.

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
    if isinstance(raw, UnknownLeaf):
        raise PolicyError("Statement is unknown until apply")
    if not isinstance(raw, list):
        raise PolicyError("Statement must be an object or a list of objects")
    statements = tuple(_statement(item, i) for i, item in enumerate(raw))
    if sensitive:
        statements = tuple(dataclasses.replace(
            st, principals=_hide(st.principals), not_principals=_hide(st.not_principals))
            for st in statements)
    return Policy(version, statements)


def _hide(principals: tuple[Principal, ...] | None) -> tuple[Principal, ...] | None:
    if principals is None:
        return None
    return tuple(dataclasses.replace(p, sensitive=True) for p in principals)


def _unknown_statement(leaf: UnknownLeaf, i: int) -> Statement:
    """A statement unknown until apply: it may allow or deny anyone anything."""
    who = (Principal(PrincipalKind.UNKNOWN, leaf.text),)
    return Statement(None, "?", who, None, (leaf,), None, None, None, (), i)


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
    if isinstance(raw, UnknownLeaf):
        return _unknown_statement(raw, i)
    if not isinstance(raw, dict):
        raise PolicyError(f"{where} must be an object")
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, (str, UnknownLeaf)):
        raise PolicyError(f"{where}.Sid must be a string")
    if "Effect" not in raw:
        raise PolicyError(f"{where} has no Effect")
    # IAM accepts exactly these two spellings.
    if isinstance(raw["Effect"], UnknownLeaf):
        effect = "?"
    elif raw["Effect"] not in _EFFECTS:
        raise PolicyError(f'{where}.Effect must be "Allow" or "Deny"')
    else:
        effect = raw["Effect"]
    _exclusive(raw, where, "Principal", "NotPrincipal")
    _exclusive(raw, where, "Action", "NotAction")
    _exclusive(raw, where, "Resource", "NotResource")
    if "Action" not in raw and "NotAction" not in raw:
        raise PolicyError(f"{where} has neither Action nor NotAction")
    return Statement(
        sid=sid,
        effect=effect,
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


def _strings(raw: dict[str, Any], where: str, field: str) -> tuple[Leaf, ...] | None:
    if field not in raw:
        return None
    value = raw[field]
    if isinstance(value, (str, UnknownLeaf)):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, (str, UnknownLeaf)) for v in value):
        return tuple(value)
    raise PolicyError(f"{where}.{field} must be a string or a list of strings")


def _principals(raw: dict[str, Any], where: str, field: str) -> tuple[Principal, ...] | None:
    if field not in raw:
        return None
    value = raw[field]
    if isinstance(value, UnknownLeaf):
        return (Principal(PrincipalKind.UNKNOWN, value.text),)
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
        found.extend(Principal(PrincipalKind.UNKNOWN, name.text) if isinstance(name, UnknownLeaf)
                     else classify(ptype, name) for name in names or ())
    return tuple(found)


def _conditions(raw: dict[str, Any], where: str) -> tuple[Condition, ...]:
    block = raw.get("Condition")
    if block is None:
        return ()
    if isinstance(block, UnknownLeaf):
        return (Condition("?", "?", (block,)),)
    if not isinstance(block, dict):
        raise PolicyError(f"{where}.Condition must be an object")
    found: list[Condition] = []
    for operator, keys in block.items():
        if not isinstance(operator, str):
            raise PolicyError(f"{where}.Condition operators must be strings")
        if isinstance(keys, UnknownLeaf):
            found.append(Condition("?", "?", (keys,)))
            continue
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


def _condition_values(values: Any, path: str) -> tuple[Leaf, ...]:
    items = values if isinstance(values, list) else [values]
    out: list[Leaf] = []
    for item in items:
        if isinstance(item, UnknownLeaf):
            out.append(item)
            continue
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
            out[field] = [_plain(v) for v in values]
    if st.conditions:
        block: dict[str, dict[str, list[str]]] = {}
        for c in st.conditions:
            block.setdefault(c.operator, {})[c.key] = [_plain(v) for v in c.values]
        out["Condition"] = block
    return out


def _plain(value: Leaf) -> str:
    return value if isinstance(value, str) else "${" + value.text + "}"
