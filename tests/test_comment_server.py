"""A fake GitHub/GitLab on 127.0.0.1 for the commenter tests: the few comment endpoints, recorded.

Started per test on an ephemeral port in a daemon thread; every socket has a timeout and the
server is shut down when the test ends, so a broken client cannot hang the suite.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

TOKEN = "canary-7f3c9e1d-never-print-me"
ME = "TfcheckBot"
"""GitHub: the token's user (logins compare without case)."""
ME_ID = 4242
"""GitLab: the token's user id."""
GITHUB_PREFIX = "/api/v3"  # like GitHub Enterprise, to prove base URLs with a path work
GITLAB_PREFIX = "/api/v4"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeForge:
    flavor: str
    """"github" or "gitlab"."""
    page_size: int = 2
    """Small, so that a handful of comments spans several pages."""
    comments: dict[int, str] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    script: list[tuple[int, dict[str, str], Any]] = field(default_factory=list)
    """Answers given before any normal handling, first come first served (e.g. a 502)."""
    next_id: int = 100
    url: str = ""
    authors: dict[int, str] = field(default_factory=dict)
    """Who wrote each comment (default: the token's user, ME)."""
    actions_token: bool = False
    """GitHub: the token is the Actions GITHUB_TOKEN (GET /user is 403, comments by the bot)."""
    post_failures: list[tuple[int, bool]] = field(default_factory=list)
    """Answers to the next POSTs: a status, and whether the comment is added all the same."""
    drip: float = 0.0
    """Seconds between the bytes of every answer (a server that holds the client)."""
    padding: int = 0
    """Bytes of whitespace added to every answer (a server that answers too much)."""

    def seed(self, body: str, author: str | None = None) -> int:
        self.next_id += 1
        self.comments[self.next_id] = body
        self.authors[self.next_id] = author or self.me
        return self.next_id

    @property
    def me(self) -> str:
        if self.flavor == "github":
            return "github-actions[bot]" if self.actions_token else ME
        return str(ME_ID)

    def fail(self, status: int, headers: dict[str, str] | None = None, body: Any = None,
             times: int = 1) -> None:
        self.script += [(status, headers or {}, body)] * times

    @property
    def api_url(self) -> str:
        return self.url + (GITHUB_PREFIX if self.flavor == "github" else GITLAB_PREFIX)

    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests]

    def handle(self, request: Request) -> tuple[int, dict[str, str], Any]:
        self.requests.append(request)
        if self.script:
            return self.script.pop(0)
        auth = (request.headers.get("authorization") if self.flavor == "github"
                else request.headers.get("private-token"))
        if auth != (f"Bearer {TOKEN}" if self.flavor == "github" else TOKEN):
            return 401, {}, {"message": "Bad credentials"}
        if self.flavor == "github":
            listing = re.fullmatch(GITHUB_PREFIX + r"/repos/[^/]+/[^/]+/issues/\d+/comments", request.path)
            single = re.fullmatch(GITHUB_PREFIX + r"/repos/[^/]+/[^/]+/issues/comments/(\d+)", request.path)
            update = "PATCH"
        else:
            listing = re.fullmatch(GITLAB_PREFIX + r"/projects/[^/]+/merge_requests/\d+/notes", request.path)
            single = re.fullmatch(GITLAB_PREFIX + r"/projects/[^/]+/merge_requests/\d+/notes/(\d+)",
                                  request.path)
            update = "PUT"
        if request.path.endswith("/user") and request.method == "GET":
            if self.flavor == "github":
                if self.actions_token:
                    return 403, {}, {"message": "Resource not accessible by integration"}
                return 200, {}, {"login": ME, "id": 7}
            return 200, {}, {"id": ME_ID, "username": "project_5_bot"}
        if listing and request.method == "GET":
            return self._page(request)
        if listing and request.method == "POST":
            status, lands = self.post_failures.pop(0) if self.post_failures else (201, True)
            new = self.seed(request.body["body"]) if lands else None
            if status != 201:
                return status, {}, {"message": "Server Error"}
            return 201, {}, self._item(new or 0)
        if single and int(single.group(1)) in self.comments:
            comment_id = int(single.group(1))
            if request.method == update:
                self.comments[comment_id] = request.body["body"]
                return 200, {}, self._item(comment_id)
            if request.method == "DELETE":
                del self.comments[comment_id]
                return 204, {}, None
        return 404, {}, {"message": "Not Found"}

    def _page(self, request: Request) -> tuple[int, dict[str, str], Any]:
        page = int(request.query.get("page", "1"))
        size = min(int(request.query.get("per_page", "30")), self.page_size)
        ids = sorted(self.comments)
        chunk = ids[(page - 1) * size: page * size]
        headers: dict[str, str] = {}
        if page * size < len(ids):
            if self.flavor == "github":
                headers["Link"] = (f'<{self.url}{request.path}?per_page={size}&page={page + 1}>; rel="next", '
                                   f'<{self.url}{request.path}?per_page={size}&page=1>; rel="first"')
            else:
                headers["X-Next-Page"] = str(page + 1)
        elif self.flavor == "gitlab":
            headers["X-Next-Page"] = ""
        return 200, headers, [self._item(i) for i in chunk]

    def _item(self, comment_id: int) -> dict[str, Any]:
        item: dict[str, Any] = {"id": comment_id, "body": self.comments[comment_id]}
        author = self.authors.get(comment_id, self.me)
        if self.flavor == "github":
            item["html_url"] = f"https://github.example/acme/infra/pull/7#issuecomment-{comment_id}"
            item["user"] = {"login": author}
        else:
            item["author"] = {"id": int(author) if author.isdigit() else 1, "username": author}
        return item


class _Handler(BaseHTTPRequestHandler):
    timeout = 10  # seconds per connection: a stuck client cannot hold the server

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        request = Request(self.command, parts.path, dict(parse_qsl(parts.query)),
                          {k.lower(): v for k, v in self.headers.items()},
                          json.loads(raw) if raw else None)
        forge: FakeForge = self.server.forge  # type: ignore[attr-defined]
        status, headers, body = forge.handle(request)
        data = b"" if body is None else json.dumps(body).encode() + b" " * forge.padding
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not forge.drip:
            self.wfile.write(data)
            return
        for byte in data:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(forge.drip)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # keep the test output clean


def serve(flavor: str) -> Iterator[FakeForge]:
    forge = FakeForge(flavor)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.forge = forge  # type: ignore[attr-defined]
    server.daemon_threads = True
    forge.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield forge
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def clean_env(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A clean environment (no real CI settings or proxies leak in) and a recorded, instant sleep."""
    for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_EVENT_PATH", "GITHUB_API_URL",
                 "GITLAB_TOKEN", "CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID",
                 "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    sleeps: list[float] = []
    monkeypatch.setattr("tfcheck.comment.http.SLEEP", sleeps.append)
    return sleeps


@pytest.fixture
def github_server() -> Iterator[FakeForge]:
    yield from serve("github")


def test_the_fake_pages_and_records(github_server: FakeForge) -> None:
    for body in ("a", "b", "c"):
        github_server.seed(body)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = f"{github_server.api_url}/repos/acme/infra/issues/7/comments"
    first = httpx.get(url, params={"per_page": 100}, headers=headers, timeout=5)
    assert [c["body"] for c in first.json()] == ["a", "b"]
    second = httpx.get(first.links["next"]["url"], headers=headers, timeout=5)
    assert [c["body"] for c in second.json()] == ["c"] and "next" not in second.links
    assert len(github_server.requests) == 2
