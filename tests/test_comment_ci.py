"""The comment as a CI user wants it (issue 17): file:line links to the head commit, a commit and run
stamp, --skip-if-clean, and a dry run that never says "#None"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_comment_server import TOKEN, FakeForge, clean_env, serve
from tfcheck.comment import stamp
from tfcheck.engine import Options, run
from tfcheck.report import markdown

PLAN = "fixtures/plans/platform-stack-large/plan.json"
CLEAN = "fixtures/rules/cross-account-secret-without-cmk/pass/owner-only-policy/plan.json"
MARKER = "<!-- tfcheck:default -->"
HEAD = "0123456789abcdef0123456789abcdef01234567"
MERGE = "fedcba9876543210fedcba9876543210fedcba98"
COMMENTS = "/api/v3/repos/acme/infra/issues/7/comments"


@pytest.fixture
def server() -> Iterator[FakeForge]:
    yield from serve("github")


def pr_event(tmp_path: Path) -> str:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": 7, "pull_request": {"number": 7, "head": {"sha": HEAD}}}))
    return str(event)


@pytest.fixture
def env(server: FakeForge, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env(monkeypatch)
    monkeypatch.chdir(ROOT)
    for name, value in {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/infra",
                        "GITHUB_EVENT_PATH": pr_event(tmp_path), "GITHUB_API_URL": server.api_url,
                        "GITHUB_SERVER_URL": "https://github.com", "GITHUB_SHA": MERGE,
                        "GITHUB_RUN_ID": "9001"}.items():
        monkeypatch.setenv(name, value)


def test_github_links_point_at_the_pull_requests_head_not_the_merge_commit(tmp_path: Path) -> None:
    env = {"GITHUB_REPOSITORY": "acme/infra", "GITHUB_EVENT_PATH": pr_event(tmp_path),
           "GITHUB_SHA": MERGE, "GITHUB_RUN_ID": "9001"}
    assert stamp.github(env) == stamp.Stamp(
        f"https://github.com/acme/infra/blob/{HEAD}/", HEAD[:12],
        f"https://github.com/acme/infra/commit/{HEAD}", "https://github.com/acme/infra/actions/runs/9001")
    # A push has no pull request: GITHUB_SHA is the head.
    push = stamp.github({"GITHUB_REPOSITORY": "acme/infra", "GITHUB_SHA": MERGE})
    assert push.blob_base == f"https://github.com/acme/infra/blob/{MERGE}/" and push.run_url is None


def test_gitlab_links_point_at_the_merge_requests_source_commit() -> None:
    env = {"CI_PROJECT_URL": "https://gitlab.example/group/infra", "CI_COMMIT_SHA": MERGE,
           "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": HEAD,
           "CI_PIPELINE_URL": "https://gitlab.example/group/infra/-/pipelines/77"}
    found = stamp.gitlab(env)
    assert found.blob_base == f"https://gitlab.example/group/infra/-/blob/{HEAD}/"
    assert found.file_url("infra/main.tf", 12) == f"https://gitlab.example/group/infra/-/blob/{HEAD}/infra/main.tf#L12"
    assert found.run_url == "https://gitlab.example/group/infra/-/pipelines/77"


@pytest.mark.parametrize("env", [
    {"GITHUB_REPOSITORY": "acme/infra", "GITHUB_SHA": "not-a-sha"},
    {"GITHUB_REPOSITORY": "acme/infra) [x](https://evil", "GITHUB_SHA": HEAD},
    {"GITHUB_REPOSITORY": "acme/infra", "GITHUB_SHA": HEAD, "GITHUB_SERVER_URL": "https://a b"},
])
def test_unusable_settings_give_no_links(env: dict[str, str]) -> None:
    assert stamp.github(env).blob_base is None


def test_the_markdown_links_each_file_line_and_ends_with_commit_and_run(tmp_path: Path,
                                                                        monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    ci = stamp.github({"GITHUB_REPOSITORY": "acme/infra", "GITHUB_SHA": HEAD, "GITHUB_RUN_ID": "9001"})
    text = markdown.render(run(Options(inputs=[PLAN])), ci)
    assert (f"[`fixtures/plans/platform-stack-large/secrets.tf:46`](https://github.com/acme/infra/blob/"
            f"{HEAD}/fixtures/plans/platform-stack-large/secrets.tf#L46)") in text
    assert text.rstrip().endswith(
        f"<sub>tfcheck 0.1.0 · commit [`{HEAD[:12]}`](https://github.com/acme/infra/commit/{HEAD}) · "
        "[CI run](https://github.com/acme/infra/actions/runs/9001) · [rule documentation]"
        "(https://github.com/tfcheck/tfcheck/blob/main/docs/rules.md)</sub>")


def test_skip_if_clean_posts_nothing_without_an_earlier_comment(cli, env: None, server: FakeForge) -> None:
    result = cli("comment", "github", CLEAN, "--skip-if-clean")
    assert result.code == 0
    assert "nothing to report and no earlier comment on acme/infra#7: nothing posted" in result.err
    assert server.calls() == [("GET", COMMENTS)] and server.comments == {}


def test_skip_if_clean_marks_an_earlier_comment_resolved(cli, env: None, server: FakeForge) -> None:
    assert cli("comment", "github", PLAN, "--skip-if-clean").code == 1  # findings: posted
    (first,) = server.comments
    assert f"blob/{HEAD}/fixtures/plans/platform-stack-large/secrets.tf#L46" in server.comments[first]
    result = cli("comment", "github", CLEAN, "--skip-if-clean")
    assert result.code == 0 and "updated to say so" in result.err
    assert list(server.comments) == [first]
    assert server.comments[first].startswith(f"{MARKER}\n**Resolved:** nothing to report any more")


def test_a_dry_run_without_a_pull_request_never_says_none(cli, env: None,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH")
    result = cli("comment", "github", PLAN, "--dry-run")
    assert "None" not in result.err
    assert result.err.strip().endswith(
        "would post this to no known pull/merge request (no pull request number: run on a "
        "pull_request event (GITHUB_EVENT_PATH) or pass --pr NUMBER) (--behavior update, --tag "
        "default); nothing was sent")


def test_a_gitlab_dry_run_without_a_merge_request_never_says_none(cli, monkeypatch) -> None:
    clean_env(monkeypatch)
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CI_PROJECT_ID", "42")
    result = cli("comment", "gitlab", PLAN, "--dry-run")
    assert "None" not in result.err and "no known pull/merge request (no merge request" in result.err


def test_soft_fail_applies_to_the_comment_too(cli, env: None, server: FakeForge) -> None:
    assert cli("comment", "github", PLAN, "--soft-fail").code == 0
