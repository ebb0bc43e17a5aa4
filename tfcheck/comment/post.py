"""Post a report on GitHub or GitLab: settings from the CI environment and options, one sticky comment."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tfcheck.comment import github, gitlab
from tfcheck.comment.http import Api, CommentError
from tfcheck.comment.sticky import Behavior, Comment, publish

Sleep = Callable[[float], None]


def to_github(env: Mapping[str, str], body: str, tag: str, behavior: Behavior, *,
              repo: str | None, pr: int | None, api_url: str | None,
              sleep: Sleep | None = None, allow_insecure: bool = False,
              resolved: str | None = None) -> str:
    """Post on the pull request; returns a one-line account of what was done."""
    found = github.target(env, repo=repo, pr=pr, api_url=api_url)
    token = _token(env, github.TOKEN_VARIABLE)
    with Api("GitHub", found.api_url, github.headers(token), token,
             token_name=github.TOKEN_VARIABLE, sleep=sleep, allow_insecure=allow_insecure) as api:
        done, comment = publish(github.GithubForge(api, found), body, tag, behavior, resolved)
    return _done(done, "comment", comment, found.where)


def to_gitlab(env: Mapping[str, str], body: str, tag: str, behavior: Behavior, *,
              project: str | None, mr: int | None, api_url: str | None,
              sleep: Sleep | None = None, allow_insecure: bool = False,
              resolved: str | None = None) -> str:
    """Post on the merge request; returns a one-line account of what was done."""
    found = gitlab.target(env, project=project, mr=mr, api_url=api_url)
    token = _token(env, gitlab.TOKEN_VARIABLE)
    with Api("GitLab", found.api_url, gitlab.headers(token), token,
             token_name=gitlab.TOKEN_VARIABLE, sleep=sleep, allow_insecure=allow_insecure) as api:
        done, comment = publish(gitlab.GitlabForge(api, found), body, tag, behavior, resolved)
    return _done(done, "note", comment, found.where)


def _token(env: Mapping[str, str], name: str) -> str:
    # Only from the environment: a token in an option would show in process lists and CI logs.
    token = env.get(name, "").strip()
    if not token:
        raise CommentError(f"{name} is not set: the comment needs a token (or use --dry-run)")
    # An HTTP header carries printable ASCII only; say so without showing any of it.
    if not token.isascii() or not token.isprintable():
        raise CommentError(f"{name} is not a token: it holds characters other than printable ASCII")
    return token


def _done(done: str, noun: str, comment: Comment | None, where: str) -> str:
    if comment is None:
        return f"nothing to report and no earlier {noun} on {where}: nothing posted (--skip-if-clean)"
    url = f": {comment.url}" if comment.url else ""
    if done == "resolved":
        return f"nothing to report: {noun} {comment.id} on {where} updated to say so{url}"
    return f"{done} {noun} {comment.id} on {where}{url}"
