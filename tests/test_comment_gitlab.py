"""`tfcheck comment gitlab` against a real local HTTP server: notes, X-Next-Page paging, errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import ROOT
from tests.test_comment_server import TOKEN, FakeForge, clean_env, serve
from tfcheck.comment import gitlab
from tfcheck.comment.http import CommentError

PLAN = "fixtures/plans/platform-stack-large/plan.json"
PASSING = "fixtures/rules/owner-account-unknown/fail/no-owner-source/plan.json"
MARKER = "<!-- tfcheck:default -->"
NOTES = "/api/v4/projects/group%2Finfra/merge_requests/3/notes"
USER = "/api/v4/user"


@pytest.fixture
def server() -> Iterator[FakeForge]:
    yield from serve("gitlab")


@pytest.fixture
def env(server: FakeForge, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """What a GitLab merge request pipeline sets, pointing at the fake; returns the sleeps."""
    sleeps = clean_env(monkeypatch)
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    monkeypatch.setenv("CI_API_V4_URL", server.api_url)
    monkeypatch.setenv("CI_PROJECT_ID", "group/infra")
    monkeypatch.setenv("CI_MERGE_REQUEST_IID", "3")
    return sleeps


def comment(cli, *args: str):  # noqa: ANN201 - the conftest CliResult
    result = cli("comment", "gitlab", *args)
    assert TOKEN not in result.out + result.err, "the token must never be printed"
    return result


def test_first_run_creates_second_run_updates(cli, env: list[float], server: FakeForge) -> None:
    first = comment(cli, PLAN)
    assert first.code == 1
    assert "created note 101 on group/infra!3" in first.err
    assert server.calls() == [("GET", NOTES), ("GET", USER), ("POST", NOTES)]
    assert server.requests[0].query == {"per_page": "100", "page": "1", "sort": "asc",
                                        "order_by": "created_at"}
    assert server.requests[2].headers["private-token"] == TOKEN
    assert "authorization" not in server.requests[2].headers
    assert server.comments[101].startswith(MARKER + "\n:x: **tfcheck:")

    second = comment(cli, PASSING)
    assert second.code == 0 and "updated note 101" in second.err
    assert server.calls()[3:] == [("GET", NOTES), ("GET", USER), ("PUT", f"{NOTES}/101")]
    assert list(server.comments) == [101]


def test_the_marker_is_found_on_page_two(cli, env: list[float], server: FakeForge) -> None:
    server.seed("first")
    server.seed("second")
    ours = server.seed(MARKER + "\nold")
    assert comment(cli, PLAN).code == 1
    assert [r.query["page"] for r in server.requests if r.method == "GET" and r.path != USER] == [
        "1", "2"]
    assert server.calls()[-1] == ("PUT", f"{NOTES}/{ours}")


def test_delete_and_new(cli, env: list[float], server: FakeForge) -> None:
    old = server.seed(MARKER + "\nold")
    keep = server.seed("<!-- tfcheck:prod -->\nanother job's report")
    assert comment(cli, PLAN, "--behavior", "delete-and-new").code == 1
    assert server.calls() == [("GET", NOTES), ("GET", USER), ("DELETE", f"{NOTES}/{old}"),
                              ("POST", NOTES)]
    assert keep in server.comments and old not in server.comments


def test_a_502_then_a_429_are_retried(cli, env: list[float], server: FakeForge) -> None:
    server.fail(502)
    server.fail(429, {"Retry-After": "3"})
    assert comment(cli, PLAN).code == 1
    assert env == [1.0, 3.0]
    assert len(server.comments) == 1


def test_a_403_is_exit_2_and_never_shows_the_token(cli, env: list[float], server: FakeForge) -> None:
    server.fail(403, body={"message": f"403 Forbidden - token {TOKEN} has scope read_api"})
    result = comment(cli, PLAN)
    assert result.code == 2
    last = result.err.splitlines()[-1]
    assert last.startswith("tfcheck: error: GitLab refused to list the notes of group/infra!3 "
                           "(403 Forbidden)")
    assert "token *** has scope read_api" in last


def test_missing_merge_request(cli, env: list[float], server: FakeForge,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI_MERGE_REQUEST_IID")
    result = comment(cli, PLAN)
    assert result.code == 2
    assert "no merge request: run in a merge request pipeline" in result.err
    assert server.requests == []


def test_dry_run(cli, env: list[float], server: FakeForge, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITLAB_TOKEN")
    result = comment(cli, PASSING, "--dry-run", "--mr", "8", "--project", "42")
    assert result.code == 0
    assert result.out.startswith(MARKER + "\n:white_check_mark: **tfcheck: nothing blocking**")
    assert "would post this to 42!8" in result.err
    assert server.requests == []


def test_settings_from_the_environment() -> None:
    found = gitlab.target({"CI_PROJECT_ID": "7", "CI_MERGE_REQUEST_IID": "12"})
    assert (found.api_url, found.project, found.mr) == ("https://gitlab.com/api/v4", "7", 12)
    with pytest.raises(CommentError, match="CI_MERGE_REQUEST_IID 'x': expected a number"):
        gitlab.target({"CI_PROJECT_ID": "7", "CI_MERGE_REQUEST_IID": "x"})
