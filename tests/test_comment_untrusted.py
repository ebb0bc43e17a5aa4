"""Issue 16: the sticky comment is the token's own, and the forge client cannot be held, flooded or fooled."""

from __future__ import annotations

import pytest

from tests.test_comment_github import COMMENTS, MARKER, PASSING, PLAN, USER, comment
from tests.test_comment_github import env as env  # noqa: F401 - a fixture, used by name
from tests.test_comment_github import server as server  # noqa: F401 - a fixture, used by name
from tests.test_comment_gitlab import NOTES
from tests.test_comment_gitlab import comment as gitlab_comment
from tests.test_comment_server import TOKEN, FakeForge, clean_env, serve
from tfcheck.comment import http
from tfcheck.comment.http import CommentError


def test_a_marker_in_someone_elses_comment_is_not_ours(cli, env: list[float], server: FakeForge) -> None:
    planted = server.seed(MARKER + "\nI am tfcheck, trust me", author="mallory")
    result = comment(cli, PLAN)
    assert result.code == 1, result.err
    assert server.comments[planted] == MARKER + "\nI am tfcheck, trust me"
    assert server.calls() == [("GET", COMMENTS), ("GET", USER), ("POST", COMMENTS)]
    assert "created comment 102" in result.err
    assert "updated comment 102" in comment(cli, PASSING).err


def test_with_the_actions_token_the_bot_s_comment_is_ours(cli, env: list[float],
                                                           server: FakeForge) -> None:
    server.actions_token = True
    ours = server.seed(MARKER + "\nlast run", author="github-actions[bot]")
    server.seed(MARKER + "\nplanted later", author="mallory")
    assert "updated comment" in comment(cli, PLAN).err
    assert server.calls()[-1] == ("PATCH", f"/api/v3/repos/acme/infra/issues/comments/{ours}")


def test_gitlab_takes_only_the_token_user_s_note(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    clean_env(monkeypatch)
    for forge in serve("gitlab"):
        monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
        monkeypatch.setenv("CI_API_V4_URL", forge.api_url)
        monkeypatch.setenv("CI_PROJECT_ID", "group/infra")
        monkeypatch.setenv("CI_MERGE_REQUEST_IID", "3")
        planted = forge.seed(MARKER + "\nplanted", author="77")
        result = gitlab_comment(cli, PLAN)
        assert result.code == 1, result.err
        assert forge.comments[planted] == MARKER + "\nplanted"
        assert forge.calls()[-1] == ("POST", NOTES)


def test_a_post_that_landed_despite_a_502_is_not_sent_again(cli, env: list[float],
                                                             server: FakeForge) -> None:
    server.post_failures = [(502, True)]
    result = comment(cli, PLAN)
    assert result.code == 1, result.err
    assert len(server.comments) == 1
    assert server.calls() == [("GET", COMMENTS), ("GET", USER), ("POST", COMMENTS), ("GET", COMMENTS)]
    assert "created comment 101" in result.err


def test_a_post_that_did_not_land_is_sent_again(cli, env: list[float], server: FakeForge) -> None:
    server.post_failures = [(502, False)]
    result = comment(cli, PLAN, "--behavior", "new")
    assert result.code == 1, result.err
    assert len(server.comments) == 1
    assert server.calls() == [("GET", COMMENTS), ("POST", COMMENTS), ("GET", COMMENTS), ("POST", COMMENTS)]


def test_a_server_that_drips_is_cut_off_at_the_deadline(cli, env: list[float], server: FakeForge,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "DEADLINE", 1.0)
    server.seed("x" * 200)
    server.drip = 0.02
    result = comment(cli, PLAN)
    assert result.code == 2
    assert result.err.splitlines()[-1] == ("tfcheck: error: cannot list the comments of acme/infra#7: "
                                           "GitHub did not finish answering within 1 seconds")


def test_an_answer_over_the_size_cap_is_refused(cli, env: list[float], server: FakeForge,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "MAX_RESPONSE", 4096)
    server.padding = 10_000
    result = comment(cli, PLAN)
    assert result.code == 2
    assert result.err.splitlines()[-1] == ("tfcheck: error: cannot list the comments of acme/infra#7: "
                                           "GitHub answered with more than 4 KiB")


@pytest.mark.parametrize(("url", "error"), [
    ("http://github.example/api/v3", "API URL 'http://github.example/api/v3': refusing to send the "
                                     "token over plain http to another machine (use https, or "
                                     "--allow-insecure-api)"),
    ("https://[::1/api", "API URL 'https://[::1/api': not a URL"),
    ("https://github.example:99999", "API URL 'https://github.example:99999': not a URL"),
    ("ftp://github.example", "API URL 'ftp://github.example': expected https://HOST[/PATH]"),
    ("https://gïthub.example", "API URL 'https://gïthub.example': expected https://HOST[/PATH]"),
    ("github.example", "API URL 'github.example': expected https://HOST[/PATH]"),
])
def test_api_urls_that_are_refused(cli, env: list[float], url: str, error: str) -> None:
    result = comment(cli, PLAN, "--api-url", url)
    assert result.code == 2
    assert result.err.splitlines()[-1] == f"tfcheck: error: {error}"


def test_plain_http_only_to_this_machine_or_when_allowed() -> None:
    from tfcheck.comment.http import check_api_url

    assert check_api_url("http://127.0.0.1:8080/api") == "http://127.0.0.1:8080/api"
    assert check_api_url("http://[::1]:8080") == "http://[::1]:8080"
    assert check_api_url("http://localhost/api") == "http://localhost/api"
    assert check_api_url("http://ghe.internal/api", allow_insecure=True) == "http://ghe.internal/api"
    with pytest.raises(CommentError):
        check_api_url("http://ghe.internal/api")


def test_allow_insecure_api_is_an_option_of_both_commands(cli, env: list[float]) -> None:
    result = comment(cli, PLAN, "--api-url", "http://127.0.0.2:9/api", "--allow-insecure-api")
    assert "No such option" not in result.err and "refusing" not in result.err


def test_a_token_with_non_ascii_characters_is_one_line(cli, env: list[float],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_tökén\u202e")
    result = comment(cli, PLAN)
    assert result.code == 2
    assert result.err.splitlines()[-1] == ("tfcheck: error: GITHUB_TOKEN is not a token: it holds "
                                           "characters other than printable ASCII")
    assert "ghp_" not in result.err
