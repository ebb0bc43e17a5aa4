"""The GitHub Action and the pre-commit hook (issue 17): any event, a pinned release with a pip cache,
documented permissions; a hook that sees every file that changes the result, in a monorepo."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

yaml = pytest.importorskip("yaml")


def action() -> Any:
    return yaml.safe_load((ROOT / "action.yml").read_text())


def step(name_or_id: str) -> dict[str, Any]:
    return next(s for s in action()["runs"]["steps"] if name_or_id in (s.get("id"), s.get("name")))


def test_the_action_installs_a_pinned_release_with_a_pip_cache() -> None:
    # The release is the one the `uses:` ref pins; tfcheck itself is not fetched by name.
    assert action()["inputs"]["version"]["default"] == "source"
    install = step("Install tfcheck")
    assert 'pip[@]}" "tfcheck==$TFCHECK_VERSION"' in install["run"]
    # A PyPI release when a version number is given; else the pinned checkout.
    assert re.search(r'if \[ "\$TFCHECK_VERSION" = "source" \]; then\s+"\$\{pip\[@\]\}" "\$ACTION_PATH"',
                     install["run"])
    cache = step("Cache pip downloads")
    assert cache["uses"].startswith("actions/cache@")
    assert cache["with"]["path"] == install["env"]["PIP_CACHE_DIR"]
    assert "${{ inputs.version }}" in cache["with"]["key"]


def test_the_permissions_are_documented() -> None:
    for text in ((ROOT / "action.yml").read_text(), (ROOT / "docs/ci.md").read_text()):
        for permission in ("contents: read", "pull-requests: write", "security-events: write",
                           "actions: read"):
            assert permission in text


def run_check_step(tmp_path: Path, **env: str) -> tuple[list[str], str]:
    """The Action's check script under bash, with a stand-in tfcheck that records its arguments."""
    bindir = tmp_path / "tfcheck-venv" / "bin"
    bindir.mkdir(parents=True)
    fake = bindir / "tfcheck"
    fake.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$RUNNER_TEMP/args"\nexit 0\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    outputs = tmp_path / "github_output"
    base = {"PATH": os.environ["PATH"], "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(outputs),
            "TFCHECK_PATH": "infra", "TFCHECK_ARGS": "--recursive", "ANNOTATIONS": "true",
            "COMMENT": "true", "COMMENT_SKIP_IF_CLEAN": "false", "PR_NUMBER": "", "EVENT_NAME": "push",
            "COMMENT_TAG": "default", "COMMENT_BEHAVIOR": "update", "GITHUB_TOKEN": "x"}
    done = subprocess.run(["bash", "-e", "-c", step("check")["run"]], env={**base, **env},
                          capture_output=True, text=True, check=True)
    assert "exit-code=0" in outputs.read_text()
    return (tmp_path / "args").read_text().splitlines(), done.stdout


def test_on_a_push_the_action_checks_and_says_why_it_did_not_comment(tmp_path: Path) -> None:
    args, out = run_check_step(tmp_path)
    assert args[0] == "check" and "comment" not in args
    assert out.splitlines()[0] == ("::notice title=tfcheck::no pull request for this push event: "
                                   "checked, no comment posted")


def test_on_a_pull_request_the_action_comments_on_it(tmp_path: Path) -> None:
    args, out = run_check_step(tmp_path, PR_NUMBER="42", EVENT_NAME="pull_request",
                               COMMENT_SKIP_IF_CLEAN="true")
    assert args[:9] == ["comment", "github", "--tag", "default", "--behavior", "update", "--pr", "42",
                        "--skip-if-clean"]
    assert args[9:11] == ["infra", "--recursive"] and "::notice" not in out


def hook() -> dict[str, Any]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return next(h for h in hooks if h["id"] == "tfcheck")


@pytest.mark.parametrize(("path", "runs"), [
    ("main.tf", True), ("infra/prod/main.tf.json", True), ("infra/prod/terraform.tfvars", True),
    ("prod.auto.tfvars.json", True), ("tfcheck.hcl", True), ("infra/tfcheck.hcl", True),
    ("README.md", False), ("main.tf.bak", False), ("not-tfcheck.hcl", False)])
def test_the_hook_runs_for_every_file_that_changes_the_result(path: str, runs: bool) -> None:
    # pre-commit matches `files` with re.search against each staged path.
    assert bool(re.search(hook()["files"], path)) is runs


def test_the_hook_checks_every_root_of_a_monorepo() -> None:
    h = hook()
    assert h["pass_filenames"] is False
    assert h["entry"] == "tfcheck check" and h["args"][0] == "--recursive" and h["args"][-1] == "."
