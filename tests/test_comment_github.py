"""`tfcheck comment github` against a real local HTTP server: sticky behaviours, paging, retries, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_comment_server import TOKEN, FakeForge, clean_env, serve
from tfcheck.comment import github
from tfcheck.comment.http import CommentError

PLAN = "fixtures/plans/platform-stack-large/plan.json"
PASSING = "fixtures/rules/owner-account-unknown/fail/no-owner-source/plan.json"
MARKER = "<!-- tfcheck:default -->"
COMMENTS = "/api/v3/repos/acme/infra/issues/7/comments"
USER = "/api/v3/user"


@pytest.fixture
def server() -> Iterator[FakeForge]:
    yield from serve("github")


@pytest.fixture
def env(server: FakeForge, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[float]:
    """What GitHub Actions sets on a pull_request event, pointing at the fake; returns the sleeps."""
    sleeps = clean_env(monkeypatch)
    monkeypatch.chdir(ROOT)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "number": 7, "pull_request": {"number": 7}}))
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/infra")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_API_URL", server.api_url)
    return sleeps


def comment(cli, *args: str):  # noqa: ANN201 - the conftest CliResult
    result = cli("comment", "github", *args)
    assert TOKEN not in result.out + result.err, "the token must never be printed"
    return result


def test_first_run_creates_second_run_updates(cli, env: list[float], server: FakeForge) -> None:
    first = comment(cli, PLAN)
    assert first.code == 1, "the check's exit code: blocking findings"
    assert first.out.startswith("tfcheck 0.1.0"), "the job log gets the text report"
    assert "created comment 101 on acme/infra#7: https://github.example/" in first.err
    assert server.calls() == [("GET", COMMENTS), ("GET", USER), ("POST", COMMENTS)]
    body = server.comments[101]
    assert body.startswith(MARKER + "\n:x: **tfcheck: 2 blocking findings**")
    assert server.requests[0].query["per_page"] == "100"
    assert server.requests[2].headers["x-github-api-version"] == "2022-11-28"

    second = comment(cli, PASSING)
    assert second.code == 0
    assert "updated comment 101" in second.err
    assert server.calls()[3:] == [("GET", COMMENTS), ("GET", USER),
                                         ("PATCH", "/api/v3/repos/acme/infra/issues/comments/101")]
    assert list(server.comments) == [101]
    assert server.comments[101].startswith(MARKER + "\n:white_check_mark:")


def test_update_leaves_other_comments_and_tags_alone(cli, env: list[float],
                                                    server: FakeForge) -> None:
    human = server.seed(f"LGTM. Quoting the bot: {MARKER}")
    other_job = server.seed("<!-- tfcheck:prod -->\nold prod report")
    comment(cli, PLAN)
    comment(cli, PLAN, "--tag", "staging")
    comment(cli, PLAN, "--tag", "staging")
    assert server.comments[human].startswith("LGTM")
    assert server.comments[other_job] == "<!-- tfcheck:prod -->\nold prod report"
    markers = sorted(body.splitlines()[0] for body in server.comments.values())
    assert markers == ["<!-- tfcheck:default -->", "<!-- tfcheck:prod -->",
                       "<!-- tfcheck:staging -->", "LGTM. Quoting the bot: <!-- tfcheck:default -->"]


def test_delete_and_new(cli, env: list[float], server: FakeForge) -> None:
    old = server.seed(MARKER + "\nold report")
    human = server.seed("a reviewer's note")
    result = comment(cli, PLAN, "--behavior", "delete-and-new")
    assert result.code == 1
    assert server.calls() == [("GET", COMMENTS), ("GET", USER),
                                     ("DELETE", f"/api/v3/repos/acme/infra/issues/comments/{old}"),
                                     ("POST", COMMENTS)]
    assert old not in server.comments and human in server.comments
    assert "created comment" in result.err


def test_new_always_adds(cli, env: list[float], server: FakeForge) -> None:
    comment(cli, PLAN, "--behavior", "new")
    comment(cli, PLAN, "--behavior", "new")
    assert server.calls() == [("GET", COMMENTS), ("POST", COMMENTS)] * 2
    assert len(server.comments) == 2


def test_the_marker_is_found_on_page_two(cli, env: list[float], server: FakeForge) -> None:
    for text in ("first", "second", "third"):
        server.seed(text)
    ours = server.seed(MARKER + "\nold report")
    server.seed("after ours")
    assert comment(cli, PLAN).code == 1
    pages = [r.query.get("page") for r in server.requests if r.method == "GET" and r.path != USER]
    assert pages == [None, "2", "3"], "follows the Link header to the last page"
    assert server.requests[-1].method == "PATCH"
    assert server.requests[-1].path.endswith(f"/comments/{ours}")


def test_a_502_is_retried(cli, env: list[float], server: FakeForge) -> None:
    server.fail(502)
    result = comment(cli, PLAN)
    assert result.code == 1, result.err
    assert env == [1.0]
    assert server.calls() == [("GET", COMMENTS), ("GET", COMMENTS), ("GET", USER), ("POST", COMMENTS)]


def test_a_429_waits_as_long_as_retry_after_says(cli, env: list[float],
                                                 server: FakeForge) -> None:
    server.fail(429, {"Retry-After": "7"}, {"message": "slow down"})
    assert comment(cli, PLAN).code == 1
    assert env == [7.0]


def test_retries_are_bounded(cli, env: list[float], server: FakeForge) -> None:
    server.fail(503, times=10)
    result = comment(cli, PLAN)
    assert result.code == 2
    assert env == [1.0, 2.0, 4.0], "four attempts, exponential backoff"
    assert len(server.requests) == 4
    assert result.err.splitlines()[-1] == ("tfcheck: error: GitHub could not list the comments of "
                                           "acme/infra#7 (HTTP 503)")


def test_a_403_is_exit_2_with_a_clear_line_and_no_token(cli, env: list[float],
                                                        server: FakeForge) -> None:
    # A server that echoes the credentials back must not get them printed either.
    server.fail(403, body={"message": f"Resource not accessible by integration ({TOKEN})"})
    result = comment(cli, PLAN)
    assert result.code == 2
    last = result.err.splitlines()[-1]
    assert last.startswith("tfcheck: error: GitHub refused to list the comments of acme/infra#7 "
                           "(403 Forbidden): the token lacks permission")
    assert "Resource not accessible by integration (***)" in last


@pytest.mark.parametrize(("status", "fragment"), [
    (401, "GitHub rejected the token (401 Unauthorized) when trying to list the comments of "
          "acme/infra#7: check GITHUB_TOKEN (Bad credentials)"),
    (404, "(404 Not Found): check the repository/project and pull/merge request number"),
])
def test_401_and_404(cli, env: list[float], server: FakeForge, status: int,
                     fragment: str) -> None:
    server.fail(status, body={"message": "Bad credentials" if status == 401 else "Not Found"})
    result = comment(cli, PLAN)
    assert result.code == 2 and fragment in result.err


def test_a_link_to_another_host_is_not_followed(cli, env: list[float],
                                                server: FakeForge) -> None:
    server.fail(200, {"Link": '<http://attacker.example/steal?page=2>; rel="next"'}, [])
    result = comment(cli, PLAN)
    assert result.code == 2
    assert "refusing to follow a link to another host (http://attacker.example)" in result.err
    assert len(server.requests) == 1


def test_dry_run_needs_no_token_and_sends_nothing(cli, env: list[float], server: FakeForge,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    result = comment(cli, PLAN, "--dry-run", "--tag", "prod")
    assert result.code == 1
    assert result.out.startswith("<!-- tfcheck:prod -->\n:x: **tfcheck: 2 blocking findings**")
    assert "would post this to acme/infra#7 (--behavior update, --tag prod); nothing was sent" in result.err
    assert server.requests == []


def test_options_override_the_environment(cli, env: list[float], server: FakeForge) -> None:
    result = comment(cli, PLAN, "--repo", "acme/other", "--pr", "12", "--api-url", server.api_url)
    assert result.code == 1
    assert server.requests[0].path == "/api/v3/repos/acme/other/issues/12/comments"


@pytest.mark.parametrize(("unset", "fragment"), [
    ("GITHUB_TOKEN", "GITHUB_TOKEN is not set"),
    ("GITHUB_REPOSITORY", "no repository: set GITHUB_REPOSITORY or pass --repo OWNER/NAME"),
    ("GITHUB_EVENT_PATH", "no pull request number"),
])
def test_missing_settings(cli, env: list[float], server: FakeForge,
                          monkeypatch: pytest.MonkeyPatch, unset: str, fragment: str) -> None:
    monkeypatch.delenv(unset)
    result = comment(cli, PLAN)
    assert result.code == 2 and fragment in result.err.splitlines()[-1]
    assert server.requests == []


def test_bad_tag_is_a_usage_error(cli, env: list[float]) -> None:
    result = comment(cli, PLAN, "--tag", "x -->")
    assert result.code == 2 and result.out == "" and "--tag 'x -->'" in result.err


@pytest.mark.parametrize(("event", "number"), [
    ({"pull_request": {"number": 9}}, 9),
    ({"issue": {"number": 5, "pull_request": {"url": "…"}}, "comment": {}}, 5),
    ({"issue": {"number": 5}}, None),
    ({"ref": "refs/heads/main"}, None),
])
def test_pull_request_number_from_the_event(tmp_path: Path, event: dict[str, object],
                                            number: int | None) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    found = github.target({"GITHUB_EVENT_PATH": str(path), "GITHUB_REPOSITORY": "a/b"}, require=False)
    assert found.pr == number
    assert found.api_url == "https://api.github.com"


def test_an_unreadable_event_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CommentError, match="GITHUB_EVENT_PATH: cannot read the event"):
        github.target({"GITHUB_EVENT_PATH": str(tmp_path / "missing.json")})
