"""Where the comment's links point: the files at the head commit, and the commit and CI run it ends with."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

_SHA = re.compile(r"^[0-9a-f]{7,64}$")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
# A URL the CI gives us, placed in markdown link targets: no space, parenthesis, bracket or quote
# can end the link early (they are CI settings, but the comment is public).
_URL = re.compile(r"^https?://[^\s()<>\[\]\"'`]+$")


@dataclass(frozen=True)
class Stamp:
    """The head commit and CI run a comment reports on; every part may be unknown (None)."""

    blob_base: str | None = None
    """URL the repository path of a file is appended to, e.g. https://github.com/o/r/blob/<sha>/."""
    commit: str | None = None
    commit_url: str | None = None
    run_url: str | None = None

    def file_url(self, path: str, line: int | None) -> str | None:
        """A link to `path` (from the repository top) at the head commit, at `line`."""
        if self.blob_base is None or path.startswith(("/", "../")) or path == "..":
            return None
        return f"{self.blob_base}{quote(path, safe='/')}" + (f"#L{line}" if line else "")


def github(env: Mapping[str, str]) -> Stamp:
    """GITHUB_SERVER_URL, GITHUB_REPOSITORY, the pull request's head sha from the event (GITHUB_SHA
    is the merge commit on pull_request events), GITHUB_RUN_ID."""
    server = _url(env.get("GITHUB_SERVER_URL") or "https://github.com")
    repo = env.get("GITHUB_REPOSITORY", "")
    if server is None or not _REPO.match(repo):
        return Stamp()
    sha = _sha(_event_head(env.get("GITHUB_EVENT_PATH")) or env.get("GITHUB_SHA"))
    run_id = env.get("GITHUB_RUN_ID", "")
    run = f"{server}/{repo}/actions/runs/{run_id}" if run_id.isdigit() else None
    if sha is None:
        return Stamp(run_url=run)
    return Stamp(f"{server}/{repo}/blob/{sha}/", sha[:12], f"{server}/{repo}/commit/{sha}", run)


def gitlab(env: Mapping[str, str]) -> Stamp:
    """CI_PROJECT_URL, the merge request's source sha (CI_COMMIT_SHA is the merge result in merged
    results pipelines), CI_PIPELINE_URL."""
    project = _url(env.get("CI_PROJECT_URL"))
    sha = _sha(env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA"))
    run = _url(env.get("CI_PIPELINE_URL"))
    if project is None or sha is None:
        return Stamp(run_url=run)
    return Stamp(f"{project}/-/blob/{sha}/", sha[:12], f"{project}/-/commit/{sha}", run)


def _event_head(path: str | None) -> str | None:
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            event = json.load(handle)
    except (OSError, ValueError):
        return None  # the comment still posts; it only lacks links
    pr = event.get("pull_request") if isinstance(event, dict) else None
    head = pr.get("head") if isinstance(pr, dict) else None
    sha = head.get("sha") if isinstance(head, dict) else None
    return sha if isinstance(sha, str) else None


def _sha(value: str | None) -> str | None:
    return value if value and _SHA.match(value) else None


def _url(value: str | None) -> str | None:
    return value.rstrip("/") if value and _URL.match(value) else None
