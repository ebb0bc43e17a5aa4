"""Command line: translates options into an engine call and a Result into output and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from tfcheck import __version__
from tfcheck.cli_options import CheckRequest, check_options, one_line
from tfcheck.cli_options import fail as _fail
from tfcheck.comment.sticky import Behavior, comment_body, marker
from tfcheck.enforce import Result
from tfcheck.engine import Options, run
from tfcheck.errors import TfcheckError
from tfcheck.report import REPORTERS
from tfcheck.report import markdown as markdown_report
from tfcheck.report import text as text_report
from tfcheck.rules import ALL_RULES, RULES_BY_ID
from tfcheck.writes import write_whole

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="Check Terraform plans for AWS secrets shared across accounts in ways "
                       "that break or are unsafe.")
comment_app = typer.Typer(help="Run the check and post its markdown report on the pull/merge "
                               "request as one sticky comment.")
app.add_typer(comment_app, name="comment")
SUBCOMMANDS = ("check", "comment", "rules", "explain", "test")


class Format(str, Enum):
    """Every reporter in REPORTERS (a test keeps the two in step)."""

    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    markdown = "markdown"
    github = "github"
    gitlab = "gitlab"


# The comment's options (the check's are in cli_options).
Tag = Annotated[str, typer.Option(
    "--tag", help="Names the sticky comment, for several tfcheck jobs on one pull request.")]
BehaviorOpt = Annotated[Behavior, typer.Option(
    "--behavior", help="update: edit our comment in place; new: add one each run; "
                       "delete-and-new: delete ours, then add one.")]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", help="Print the comment that would be posted; post nothing (no token needed).")]
ApiUrl = Annotated[str | None, typer.Option("--api-url", help="The forge's REST API base URL.")]
AllowInsecure = Annotated[bool, typer.Option(
    "--allow-insecure-api", help="Accept an http:// API URL of another machine (the token is sent "
                                 "in clear); https, or http to this machine, otherwise.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tfcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False
          ) -> None:
    """tfcheck: cross-account secret checks for Terraform."""


@app.command()
@check_options
def check(
    request: CheckRequest,
    output_format: Annotated[Format, typer.Option(
        "--format", "-f", help="Output format on stdout (always printed, also with --output).")
    ] = Format.text,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours in text output.")
                        ] = False,
) -> None:
    """Check plans and exit 0 (nothing blocking), 1 (blocking findings) or 2 (bad input)."""
    result = _run(request.options)
    color = sys.stdout.isatty() and not no_color and "NO_COLOR" not in os.environ
    typer.echo(_render(result, output_format.value, color), nl=False)
    _write_outputs(result, request.outputs)
    raise typer.Exit(result.exit_code)


@comment_app.command("github")
@check_options
def comment_github(
    request: CheckRequest, tag: Tag = "default", behavior: BehaviorOpt = Behavior.update,
    dry_run: DryRun = False,
    repo: Annotated[str | None, typer.Option(
        "--repo", help="OWNER/NAME (default: GITHUB_REPOSITORY).")] = None,
    pr: Annotated[int | None, typer.Option(
        "--pr", help="Pull request number (default: from the event at GITHUB_EVENT_PATH).")] = None,
    api_url: ApiUrl = None, allow_insecure_api: AllowInsecure = False,
) -> None:
    """Check, then post the report on a GitHub pull request (token from GITHUB_TOKEN)."""
    from tfcheck.comment import github  # httpx: imported only to post
    from tfcheck.comment.post import to_github

    body, result = _comment_body(tag, request)
    _deliver(body, result, tag, behavior, dry_run, "an unknown pull request",
             lambda: github.target(os.environ, repo=repo, pr=pr, api_url=api_url, require=False).where,
             lambda: to_github(os.environ, body, tag, behavior, repo=repo, pr=pr, api_url=api_url,
                               allow_insecure=allow_insecure_api))


@comment_app.command("gitlab")
@check_options
def comment_gitlab(
    request: CheckRequest, tag: Tag = "default", behavior: BehaviorOpt = Behavior.update,
    dry_run: DryRun = False,
    project: Annotated[str | None, typer.Option(
        "--project", help="Project id or path (default: CI_PROJECT_ID).")] = None,
    mr: Annotated[int | None, typer.Option(
        "--mr", help="Merge request IID (default: CI_MERGE_REQUEST_IID).")] = None,
    api_url: ApiUrl = None, allow_insecure_api: AllowInsecure = False,
) -> None:
    """Check, then post the report on a GitLab merge request (token from GITLAB_TOKEN)."""
    from tfcheck.comment import gitlab  # httpx: imported only to post
    from tfcheck.comment.post import to_gitlab

    body, result = _comment_body(tag, request)
    _deliver(body, result, tag, behavior, dry_run, "an unknown merge request",
             lambda: gitlab.target(os.environ, project=project, mr=mr, api_url=api_url,
                                   require=False).where,
             lambda: to_gitlab(os.environ, body, tag, behavior, project=project, mr=mr,
                               api_url=api_url, allow_insecure=allow_insecure_api))


@app.command("rules")
def list_rules(markdown: Annotated[bool, typer.Option(
        "--markdown", help="Print every rule's documentation as markdown (docs/rules.md).")] = False
               ) -> None:
    """List the built-in rules with their severity and default enforcement level."""
    if markdown:
        from tfcheck.report.rules_doc import render_rules_markdown

        typer.echo(render_rules_markdown([r.info() for r in ALL_RULES]), nl=False)
        return
    width = max(len(r.id) for r in ALL_RULES)
    typer.echo(f"{'RULE':<{width}}  {'SEVERITY':<8}  {'LEVEL':<14}  SUMMARY")
    for rule in ALL_RULES:
        typer.echo(f"{rule.id:<{width}}  {rule.severity.value:<8}  {rule.level.value:<14}  "
                   f"{rule.summary()}")


@app.command("test")
def test_cases(directory: Annotated[str, typer.Argument(
        help="A directory of test cases: folders with an input (plan.json or .tf files), an "
             "optional tfcheck.hcl, and expect.hcl.")]) -> None:
    """Run policy test cases, like `sentinel test`: exit 0 when all pass, 1 otherwise."""
    from tfcheck.testing import discover, run_case

    try:
        cases = discover(Path(directory))
        results = [run_case(case) for case in cases]
    except TfcheckError as err:
        _fail(err)
    for r in results:
        typer.echo(f"{'PASS' if r.passed else 'FAIL'}  {r.case}")
        for problem in r.problems:
            typer.echo(f"      {problem}")
    failed = sum(1 for r in results if not r.passed)
    typer.echo(f"{len(results) - failed} passed, {failed} failed")
    raise typer.Exit(1 if failed else 0)


@app.command()
def explain(rule_id: Annotated[str, typer.Argument(help="A rule id, see `tfcheck rules`.")]
            ) -> None:
    """Print a rule's documentation: what, why, and how to fix it."""
    rule = RULES_BY_ID.get(rule_id)
    if rule is None:
        _fail(TfcheckError(f"no rule {rule_id!r}; see `tfcheck rules`"))
    typer.echo(f"{rule.id}  ({rule.severity.value}, {rule.level.value})\n")
    typer.echo(rule.doc())


def _run(options: Options) -> Result:
    try:
        return run(options)
    except TfcheckError as err:
        _fail(err)


def _render(result: Result, name: str, color: bool = False) -> str:
    return text_report.render(result, color=color) if name == "text" else REPORTERS[name](result)


def _write_outputs(result: Result, outputs: tuple[tuple[str, Path], ...]) -> None:
    for name, path in outputs:
        try:
            write_whole(path, _render(result, name))
        except OSError as err:
            _fail(TfcheckError(f"cannot write the {name} report: {err.strerror or err}", str(path)))


def _comment_body(tag: str, request: CheckRequest) -> tuple[str, Result]:
    """Run the check exactly as `tfcheck check` would; the comment is its markdown report."""
    try:
        marker(tag)  # a bad --tag is a usage error, found before the run
    except TfcheckError as err:
        _fail(err)
    result = _run(request.options)
    _write_outputs(result, request.outputs)
    return comment_body(markdown_report.render(result), tag), result


def _deliver(body: str, result: Result, tag: str, behavior: Behavior, dry_run: bool, unknown: str,
             where: Callable[[], str], send: Callable[[], str]) -> NoReturn:
    """Print what would be posted (--dry-run, no token needed), or post it."""
    if dry_run:
        try:
            target = where()
        except TfcheckError:
            target = unknown
        _dry_run(body, target, behavior, tag, result)
    _post(result, send)


def _dry_run(body: str, where: str, behavior: Behavior, tag: str, result: Result) -> NoReturn:
    typer.echo(body, nl=False)
    typer.echo(f"tfcheck: dry run: would post this to {where} (--behavior {behavior.value}, "
               f"--tag {tag}); nothing was sent", err=True)
    raise typer.Exit(result.exit_code)


def _post(result: Result, send: Callable[[], str]) -> NoReturn:
    """Log the text report, then post; a failed post is exit 2, else the check's own code."""
    typer.echo(text_report.render(result), nl=False)
    try:
        done = send()
    except TfcheckError as err:
        _fail(err)
    typer.echo(f"tfcheck: {done}", err=True)
    raise typer.Exit(result.exit_code)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: `tfcheck PLAN…` means `tfcheck check PLAN…`."""
    args = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args if a not in ("--no-color",)), None)
    if first is not None and first not in SUBCOMMANDS and first not in ("--help", "-h",
                                                                         "--version"):
        args.insert(0, "check")
    try:
        app(args=args, prog_name="tfcheck")
    except RecursionError:
        typer.echo("tfcheck: error: input nested too deeply", err=True)
        sys.exit(2)
    except Exception as err:  # noqa: BLE001 - a bug must still end in one line, not a traceback
        if os.environ.get("TFCHECK_DEBUG"):
            raise
        typer.echo(f"tfcheck: internal error: {type(err).__name__}: {one_line(str(err))} (please report it; "
                   "TFCHECK_DEBUG=1 shows the traceback)", err=True)
        sys.exit(3)
