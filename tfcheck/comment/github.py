"""GitHub: where to comment (from the Actions environment or options) and the issue-comment REST calls."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tfcheck.comment.http import Api, CommentError
from tfcheck.comment.sticky import Comment

DEFAULT_API_URL = "https://api.github.com"
TOKEN_VARIABLE = "GITHUB_TOKEN"
ACTIONS_BOT = "github-actions[bot]"
"""Who writes with the Actions GITHUB_TOKEN, which may not ask who it is (GET /user: 403)."""
MAX_PAGES = 100
"""At 100 comments a page, more than any pull request has; a bound against a looping server."""
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class Target:
    """A pull request and the API that serves it."""

    api_url: str
    repo: str
    pr: int | None

    @property
    def where(self) -> str:
        return f"{self.repo}#{self.pr}"


def target(env: Mapping[str, str], *, repo: str | None = None, pr: int | None = None,
           api_url: str | None = None, require: bool = True) -> Target:
    """Options first, then GITHUB_REPOSITORY, the event at GITHUB_EVENT_PATH and GITHUB_API_URL."""
    repo = repo or env.get("GITHUB_REPOSITORY") or ""
    if pr is None and env.get("GITHUB_EVENT_PATH"):
        pr = _event_pr(env["GITHUB_EVENT_PATH"])
    found = Target(api_url or env.get("GITHUB_API_URL") or DEFAULT_API_URL, repo, pr)
    if require:
        if not _REPO.match(repo):
            raise CommentError("no repository: set GITHUB_REPOSITORY or pass --repo OWNER/NAME"
                               if not repo else f"--repo {repo!r}: expected OWNER/NAME")
        if pr is None:
            raise CommentError("no pull request number: run on a pull_request event "
                               "(GITHUB_EVENT_PATH) or pass --pr NUMBER")
    return found


def _event_pr(path: str) -> int | None:
    """The pull request of a pull_request(_target) event, or of a comment on a pull request."""
    try:
        with open(path, encoding="utf-8") as handle:
            event = json.load(handle)
    except (OSError, ValueError) as err:
        raise CommentError(f"GITHUB_EVENT_PATH: cannot read the event: {err}") from None
    if not isinstance(event, dict):
        return None
    for key in ("pull_request", "issue"):
        item = event.get(key)
        if isinstance(item, dict) and isinstance(item.get("number"), int):
            if key == "issue" and "pull_request" not in item:
                return None  # a comment on a plain issue, not on a pull request
            return int(item["number"])
    return None


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28"}


class GithubForge:
    """A pull request's conversation: comments on its issue, paged with the Link header."""

    def __init__(self, api: Api, found: Target) -> None:
        self._api = api
        self._repo = found.repo
        self._pr = found.pr
        self.where = found.where

    def me(self) -> str:
        """The token's user (GET /user); the Actions bot when the token is an integration's."""
        try:
            response = self._api.request("GET", self._api.url("user"), "find the token's user")
        except CommentError as err:
            if err.status == 403:  # "Resource not accessible by integration": the Actions token
                return ACTIONS_BOT
            raise
        user = response.json()
        login = user.get("login") if isinstance(user, dict) else None
        if not isinstance(login, str) or not login:
            raise CommentError("GitHub did not say who the token's user is (GET /user)")
        return login.lower()

    def comments(self) -> Iterator[Comment]:
        url = self._api.url(f"repos/{self._repo}/issues/{self._pr}/comments")
        params: dict[str, str | int] | None = {"per_page": 100}
        for _ in range(MAX_PAGES):
            response = self._api.request("GET", url, f"list the comments of {self.where}",
                                         params=params)
            yield from (_comment(item) for item in _items(response.json()))
            link = response.links.get("next", {}).get("url")
            if not link:
                return
            url, params = link, None  # the next link already carries the query
        raise self._api.error(f"{self.where}: more than {MAX_PAGES} pages of comments")

    def create(self, body: str) -> Comment:
        url = self._api.url(f"repos/{self._repo}/issues/{self._pr}/comments")
        response = self._api.request("POST", url, f"comment on {self.where}", json={"body": body})
        return _comment(response.json())

    def update(self, comment: Comment, body: str) -> Comment:
        url = self._api.url(f"repos/{self._repo}/issues/comments/{comment.id}")
        response = self._api.request("PATCH", url, f"update comment {comment.id} on {self.where}",
                                     json={"body": body})
        return _comment(response.json())

    def delete(self, comment: Comment) -> None:
        url = self._api.url(f"repos/{self._repo}/issues/comments/{comment.id}")
        self._api.request("DELETE", url, f"delete comment {comment.id} on {self.where}")


def _items(doc: Any) -> list[dict[str, Any]]:
    return [item for item in doc if isinstance(item, dict)] if isinstance(doc, list) else []


def _comment(item: Any) -> Comment:
    if not isinstance(item, dict) or not isinstance(item.get("id"), int):
        raise CommentError("GitHub answered with something that is not a comment")
    user = item.get("user")
    login = user.get("login") if isinstance(user, dict) else None
    return Comment(item["id"], str(item.get("body") or ""), str(item.get("html_url") or ""),
                   login.lower() if isinstance(login, str) else "")
