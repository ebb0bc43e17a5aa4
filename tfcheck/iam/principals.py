"""Classify the principals a policy names: accounts, roles, users, sessions, wildcards."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")


class PrincipalKind(str, Enum):
    """What a principal value denotes."""

    ACCOUNT = "account"
    ROLE = "role"
    USER = "user"
    ASSUMED_ROLE = "assumed-role"
    UNIQUE_ID = "unique-id"
    WILDCARD = "wildcard"
    SERVICE = "service"
    FEDERATED = "federated"
    CANONICAL_USER = "canonical-user"
    INVALID = "invalid"
    UNKNOWN = "unknown"
    """A value known only after apply; `value` says what it is (an expression or reference)."""


@dataclass(frozen=True)
class Principal:
    """One principal of a Principal/NotPrincipal element, classified."""

    kind: PrincipalKind
    value: str
    """The value exactly as written in the policy."""
    account: str | None = None
    """The 12-digit account id, when the value names one."""
    partition: str | None = None
    """Lower-cased partition of an ARN; None for a bare account id."""
    name: str | None = None
    """Role or user name without its path; for a session, the assumed role's name."""
    sensitive: bool = False
    """Written in a value marked sensitive: never shown in a report."""


# [0-9] rather than \d: \d also matches non-ASCII digits, which no account id contains.
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
# IAM shows a deleted role (AROA) or user (AIDA) by its unique id; real ones are 21 characters.
_UNIQUE_ID = re.compile(r"(AROA|AIDA)[A-Z0-9]{16,}")
# Characters IAM allows in role, user and session names.
_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]+")
# Characters IAM allows in a path segment (printable ASCII).
_PATH_SEGMENT = re.compile(r"[!-~]+")

_NON_AWS_TYPES = {
    "Service": PrincipalKind.SERVICE,
    "Federated": PrincipalKind.FEDERATED,
    "CanonicalUser": PrincipalKind.CANONICAL_USER,
}

# The Principal map key each kind is written under (to_dict uses it to rebuild the map).
PRINCIPAL_TYPE = {
    PrincipalKind.SERVICE: "Service",
    PrincipalKind.FEDERATED: "Federated",
    PrincipalKind.CANONICAL_USER: "CanonicalUser",
}


def classify(ptype: str, value: str) -> Principal:
    """Classify `value` found under the Principal key `ptype` ("*" for the bare string form).

    Anything under "AWS" that is not a recognised form is INVALID, as is a wildcard inside an
    ARN ("You cannot use a wildcard to match part of a principal name or ARN"). The prefix,
    partition and service of an ARN are compared case-insensitively, the rest exactly.
    """
    if ptype in _NON_AWS_TYPES:
        return Principal(_NON_AWS_TYPES[ptype], value)
    if ptype not in ("AWS", "*"):
        return Principal(PrincipalKind.INVALID, value)
    if value == "*":
        return Principal(PrincipalKind.WILDCARD, value)
    if ptype == "*":
        # The bare string form of Principal admits only "*".
        return Principal(PrincipalKind.INVALID, value)
    if _ACCOUNT_ID.fullmatch(value):
        return Principal(PrincipalKind.ACCOUNT, value, account=value)
    if _UNIQUE_ID.fullmatch(value):
        return Principal(PrincipalKind.UNIQUE_ID, value)
    return _classify_arn(value)


def _classify_arn(value: str) -> Principal:
    invalid = Principal(PrincipalKind.INVALID, value)
    parts = value.split(":", 5)
    if len(parts) != 6 or "*" in value or "?" in value:
        return invalid
    prefix, partition, service, region, account, resource = parts
    partition, service = partition.lower(), service.lower()
    if prefix.lower() != "arn" or partition not in PARTITIONS or region:
        return invalid
    if not _ACCOUNT_ID.fullmatch(account):
        return invalid
    if service == "iam":
        if resource == "root":
            return Principal(PrincipalKind.ACCOUNT, value, account, partition)
        kind_word, _, rest = resource.partition("/")
        segments = rest.split("/")
        if kind_word in ("role", "user") and _valid_path_and_name(segments):
            kind = PrincipalKind.ROLE if kind_word == "role" else PrincipalKind.USER
            return Principal(kind, value, account, partition, segments[-1])
    elif service == "sts":
        segments = resource.split("/")
        if (
            len(segments) == 3
            and segments[0] == "assumed-role"
            and _NAME.fullmatch(segments[1])
            and _NAME.fullmatch(segments[2])
        ):
            return Principal(PrincipalKind.ASSUMED_ROLE, value, account, partition, segments[1])
    return invalid


def _valid_path_and_name(segments: list[str]) -> bool:
    *path, name = segments
    return bool(_NAME.fullmatch(name)) and all(_PATH_SEGMENT.fullmatch(s) for s in path)


def is_specific_identity(p: Principal) -> bool:
    """True for a role, user or assumed-role session (rather than a whole account)."""
    return p.kind in (PrincipalKind.ROLE, PrincipalKind.USER, PrincipalKind.ASSUMED_ROLE)


def same_account(a: Principal, b: Principal) -> bool:
    """True when both principals belong to one known account (a bare id fits any partition)."""
    if a.account is None or a.account != b.account:
        return False
    return a.partition is None or b.partition is None or a.partition == b.partition


def role_arn_of_session(p: Principal) -> str:
    """The role ARN behind an assumed-role session, without the role's path (the ARN hides it)."""
    return f"arn:{p.partition}:iam::{p.account}:role/{p.name}"
