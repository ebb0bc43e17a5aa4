"""One sticky comment per tag: find ours by its hidden marker, then update, add, or replace it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from tfcheck.errors import ConfigError

_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class Behavior(str, Enum):
    """What to do with the comment a previous run left."""

    update = "update"
    """Edit it in place (create it on the first run): one comment, always current."""
    new = "new"
    """Always add a new comment; old ones stay."""
    delete_and_new = "delete-and-new"
    """Delete every earlier one, then add a new comment at the bottom of the conversation."""


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    url: str = ""
    author: str = ""
    """Who wrote it, as Forge.me() names the token's own user (a login, or a user id)."""


class Forge(Protocol):
    """The four calls a sticky comment needs; GitHub and GitLab implement them."""

    where: str
    """The pull/merge request, for messages, e.g. "acme/infra#7"."""

    def me(self) -> str:
        """The token's own user, as Comment.author names authors."""
        ...

    def comments(self) -> Iterator[Comment]: ...

    def create(self, body: str) -> Comment: ...

    def update(self, comment: Comment, body: str) -> Comment: ...

    def delete(self, comment: Comment) -> None: ...


def marker(tag: str) -> str:
    """The hidden first line that identifies our comment; the tag keeps several tfcheck jobs apart."""
    if not _TAG.match(tag):
        raise ConfigError(f"--tag {tag!r}: use letters, digits, '.', '_' and '-' (at most 64)")
    return f"<!-- tfcheck:{tag} -->"


def comment_body(markdown: str, tag: str) -> str:
    return f"{marker(tag)}\n{markdown}"


def is_ours(comment: Comment, tag: str, me: str) -> bool:
    """Written by the token's own user and opened by our marker. Anyone can write the marker (a
    comment taken as ours would then fail to update, 403, or carry the report into theirs), and
    someone quoting or mentioning it elsewhere is not our comment either."""
    return comment.author == me and comment.body.lstrip().startswith(marker(tag))


def publish(forge: Forge, body: str, tag: str, behavior: Behavior, resolved: str | None = None
            ) -> tuple[str, Comment | None]:
    """Post `body` as `behavior` says; returns what was done ("created" or "updated") and the comment.

    `resolved` is given when the run has nothing to report (--skip-if-clean): nothing is posted,
    unless an earlier comment of ours exists, which is updated to `resolved` ("resolved"), so that
    it no longer shows findings that are gone; without one, nothing is done ("skipped", None).
    """
    seen = list(forge.comments())
    if resolved is not None:
        earlier = [c for c in seen if is_ours(c, tag, forge.me())]
        if not earlier:
            return "skipped", None
        return "resolved", forge.update(earlier[-1], resolved)
    if behavior is Behavior.new:
        return "created", _create(forge, body, seen)
    me = forge.me()
    ours = [c for c in seen if is_ours(c, tag, me)]
    if behavior is Behavior.update and ours:
        # The newest one is the one a reader sees last; older duplicates are left alone.
        return "updated", forge.update(ours[-1], body)
    if behavior is Behavior.delete_and_new:
        for comment in ours:
            forge.delete(comment)
    return "created", _create(forge, body, seen)


def _create(forge: Forge, body: str, seen: list[Comment]) -> Comment:
    """Add the comment; after an answer that leaves unknown whether it landed, look for it among
    the comments that were not there before, and send it again only when it is not there."""
    from tfcheck.comment.http import ATTEMPTS, MaybeSent  # httpx: imported only to post

    before = {c.id for c in seen}
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return forge.create(body)
        except MaybeSent:
            if attempt == ATTEMPTS:
                raise
            landed = [c for c in forge.comments() if c.id not in before
                      and c.body.strip() == body.strip()]
            if landed:
                return landed[-1]
    raise AssertionError("unreachable: the last attempt returns or raises")
