"""The forge client on its own: Retry-After forms and bounds, lost connections, token redaction."""

from __future__ import annotations

import email.utils
import socket
import time

import httpx
import pytest

from tests.test_comment_server import TOKEN
from tfcheck.comment import http
from tfcheck.comment.http import Api, CommentError


def wait_for(headers: dict[str, str], attempt: int = 1) -> float:
    return http._wait(httpx.Response(503, headers=headers), attempt)


def test_retry_after_in_seconds_as_a_date_or_absent() -> None:
    assert wait_for({"Retry-After": "5"}) == 5.0
    assert wait_for({"Retry-After": "100000"}) == http.MAX_WAIT, "bounded"
    soon = email.utils.formatdate(time.time() + 20, usegmt=True)
    assert 15 <= wait_for({"Retry-After": soon}) <= 20
    assert wait_for({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0, "a past date"
    assert wait_for({"Retry-After": "soon"}, attempt=3) == 4.0, "unreadable: backoff"
    assert [wait_for({}, attempt=a) for a in (1, 2, 3)] == [1.0, 2.0, 4.0]


def test_a_host_that_never_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: connections are refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps: list[float] = []
    with Api("GitHub", f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {TOKEN}"}, TOKEN,
             token_name="GITHUB_TOKEN", sleep=sleeps.append) as api, \
            pytest.raises(CommentError) as caught:
        api.request("GET", api.url("/repos/a/b/issues/1/comments"), "list the comments of a/b#1")
    assert sleeps == [1.0, 2.0, 4.0]
    assert str(caught.value) == (f"cannot list the comments of a/b#1: no answer from "
                                 f"http://127.0.0.1:{port} (ConnectError)")


def test_errors_never_carry_the_secret() -> None:
    with Api("GitLab", "http://127.0.0.1:9", {}, TOKEN, token_name="GITLAB_TOKEN") as api:
        assert str(api.error(f"echo {TOKEN} echo")) == "echo *** echo"
