"""Three-valued string, glob and ARN matching, where a request value may be known only by its shape."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TypeAlias

from tfcheck.iam.actions import glob_match
from tfcheck.model.resource import UnknownLeaf

Tri: TypeAlias = bool | None
"""True, False, or None: it depends on a value known only after apply."""


@dataclass(frozen=True)
class Vague:
    """A request value known only by its shape, e.g. a secret ARN whose random suffix AWS picks."""

    shape: str
    """An IAM glob every possible value matches (`*` when nothing is known)."""
    text: str
    """What it is, for a message: "the ARN of aws_secretsmanager_secret.db (known after apply)"."""


Known = str | Vague
"""A request's value of one key: a string, or a Vague one."""

# Fillers for a shape's wildcards: a shape whose every sample matches a pattern is taken to be
# covered by it (samples differ in length and case, so a pattern pinning one of them fails).
_STAR_FILLERS = ("", "a", "Zq9-x")
_ONE_FILLERS = ("a", "Z", "9")


def tri_all(answers: list[Tri]) -> Tri:
    """Kleene AND."""
    if False in answers:
        return False
    return None if None in answers else True


def tri_any(answers: list[Tri]) -> Tri:
    """Kleene OR."""
    if True in answers:
        return True
    return None if None in answers else False


def tri_not(answer: Tri) -> Tri:
    return None if answer is None else not answer


@lru_cache(maxsize=8192)
def intersects(p: str, q: str, ignore_case: bool = False) -> bool:
    """Whether some string matches both IAM globs (a search over pairs of positions)."""
    if ignore_case:
        p, q = p.lower(), q.lower()
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(p) and j == len(q):
            return True
        # A star may match nothing.
        if i < len(p) and p[i] == "*":
            todo.append((i + 1, j))
        if j < len(q) and q[j] == "*":
            todo.append((i, j + 1))
        if i < len(p) and j < len(q):
            a, b = p[i], q[j]
            if a in "*?" or b in "*?" or a == b:
                todo.append((i if a == "*" else i + 1, j if b == "*" else j + 1))
    return False


def samples(shape: str) -> list[str]:
    """A few strings of the shape, differing where its wildcards are."""
    out = []
    for star, one in zip(_STAR_FILLERS, _ONE_FILLERS, strict=False):
        out.append("".join(star if c == "*" else one if c == "?" else c for c in shape))
    return out


def like(value: Known, pattern: str, ignore_case: bool = False) -> Tri:
    """StringLike: does the value match the glob `pattern`?"""
    if isinstance(value, str):
        return glob_match(pattern, value, ignore_case)
    if not intersects(pattern, value.shape, ignore_case):
        return False
    if all(glob_match(pattern, s, ignore_case) for s in samples(value.shape)):
        return True
    return None


def equals(value: Known, literal: str, ignore_case: bool = False) -> Tri:
    """StringEquals: is the value exactly `literal` (no wildcards)?"""
    if isinstance(value, str):
        return value.lower() == literal.lower() if ignore_case else value == literal
    if not glob_match(value.shape, literal, ignore_case):
        return False
    return True if value.shape == literal else None


def arn_like(value: Known, pattern: str) -> Tri:
    """ArnLike/ArnEquals: each of the six colon-separated parts matched on its own."""
    wanted = pattern.split(":", 5)
    if len(wanted) != 6:
        return False
    if isinstance(value, str):
        parts = value.split(":", 5)
        if len(parts) != 6:
            return False
        return all(glob_match(w, v) for w, v in zip(wanted, parts, strict=False))
    shape = value.shape.split(":", 5)
    if len(shape) != 6:
        return like(value, pattern)
    return tri_all([like(Vague(s, value.text), w) for w, s in zip(wanted, shape, strict=False)])


def leaf_text(leaf: UnknownLeaf) -> str:
    return leaf.text or "a value known only after apply"
