"""GitLab: where to comment (from the CI/CD variables or options) and the merge-request note REST calls."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from tfcheck.comment.http import Api, CommentError
from tfcheck.comment.sticky import Comment

DEFAULT_API_URL = "https://gitlab.com/api/v4"
TOKEN_VARIABLE = "GITLAB_TOKEN"
MAX_PAGES = 100
"""At 100 notes a page, more than any merge request has; a bound against a looping server."""


@dataclass(frozen=True)
class Target:
    """A merge request and the API that serves it."""

    api_url: str
    project: str
    """A numeric project id, or its path such as "group/infra"."""
    mr: int | None

    @property
    def where(self) -> str:
        return f"{self.project}!{self.mr}"


def target(env: Mapping[str, str], *, project: str | None = None, mr: int | None = None,
           api_url: str | None = None, require: bool = True) -> Target:
    """Options first, then CI_API_V4_URL, CI_PROJECT_ID and CI_MERGE_REQUEST_IID."""
    project = project or env.get("CI_PROJECT_ID") or ""
    if mr is None and env.get("CI_MERGE_REQUEST_IID"):
        value = env["CI_MERGE_REQUEST_IID"]
        if not value.isdigit():
            raise CommentError(f"CI_MERGE_REQUEST_IID {value!r}: expected a number")
        mr = int(value)
    found = Target(api_url or env.get("CI_API_V4_URL") or DEFAULT_API_URL, project, mr)
    if require:
        if not project:
            raise CommentError("no project: set CI_PROJECT_ID or pass --project ID_OR_PATH")
        if mr is None:
            raise CommentError("no merge request: run in a merge request pipeline "
                               "(CI_MERGE_REQUEST_IID) or pass --mr IID")
    return found


def headers(token: str) -> dict[str, str]:
    return {"PRIVATE-TOKEN": token}


class GitlabForge:
    """A merge request's notes, oldest first, paged with X-Next-Page."""

    def __init__(self, api: Api, found: Target) -> None:
        self._api = api
        self._notes = f"projects/{quote(found.project, safe='')}/merge_requests/{found.mr}/notes"
        self.where = found.where

    def me(self) -> str:
        """The token's user, by id (GET /user): a project or group token is a bot user of its own."""
        response = self._api.request("GET", self._api.url("user"), "find the token's user")
        user = response.json()
        user_id = user.get("id") if isinstance(user, dict) else None
        if not isinstance(user_id, int):
            raise CommentError("GitLab did not say who the token's user is (GET /user)")
        return str(user_id)

    def comments(self) -> Iterator[Comment]:
        page = "1"
        for _ in range(MAX_PAGES):
            response = self._api.request(
                "GET", self._api.url(self._notes), f"list the notes of {self.where}",
                params={"per_page": 100, "page": page, "sort": "asc", "order_by": "created_at"})
            yield from (_comment(item) for item in _items(response.json()))
            page = response.headers.get("X-Next-Page", "").strip()
            if not page:
                return
        raise self._api.error(f"{self.where}: more than {MAX_PAGES} pages of notes")

    def create(self, body: str) -> Comment:
        response = self._api.request("POST", self._api.url(self._notes),
                                     f"comment on {self.where}", json={"body": body})
        return _comment(response.json())

    def update(self, comment: Comment, body: str) -> Comment:
        response = self._api.request("PUT", self._api.url(f"{self._notes}/{comment.id}"),
                                     f"update note {comment.id} on {self.where}", json={"body": body})
        return _comment(response.json())

    def delete(self, comment: Comment) -> None:
        self._api.request("DELETE", self._api.url(f"{self._notes}/{comment.id}"),
                          f"delete note {comment.id} on {self.where}")


def _items(doc: Any) -> list[dict[str, Any]]:
    return [item for item in doc if isinstance(item, dict)] if isinstance(doc, list) else []


def _comment(item: Any) -> Comment:
    if not isinstance(item, dict) or not isinstance(item.get("id"), int):
        raise CommentError("GitLab answered with something that is not a note")
    author = item.get("author")
    author_id = author.get("id") if isinstance(author, dict) else None
    return Comment(item["id"], str(item.get("body") or ""),
                   author=str(author_id) if isinstance(author_id, int) else "")
