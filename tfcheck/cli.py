"""Command line: translates options into an engine call and a Result into output and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from tfcheck import __version__
from tfcheck.cli_options import CheckRequest, check_options, one_line
from tfcheck.cli_options import fail as _fail
from tfcheck.comment import stamp
from tfcheck.comment.sticky import Behavior, comment_body, marker
from tfcheck.enforce import Outcome, Result
from tfcheck.engine import Options, run
from tfcheck.errors import TfcheckError
from tfcheck.report import REPORTERS
from tfcheck.report import markdown as markdown_report
from tfcheck.report import text as text_report
from tfcheck.report.colors import wants_color
from tfcheck.report.text import Style
from tfcheck.rules import ALL_RULES, RULES_BY_ID
from tfcheck.writes import write_whole

EXIT_CODES = ("Exit codes: 0 nothing blocking (or --soft-fail); 1 blocking findings; 2 usage, "
              "input or configuration error; 3 internal error (a bug: please report it).")
_CONTEXT = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None,
                  context_settings=_CONTEXT,
                  help="Check Terraform plans for AWS secrets shared across accounts in ways "
                       f"that break or are unsafe. {EXIT_CODES}")
comment_app = typer.Typer(context_settings=_CONTEXT,
                          help="Run the check and post its markdown report on the pull/merge "
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
SkipIfClean = Annotated[bool, typer.Option(
    "--skip-if-clean", envvar="TFCHECK_SKIP_IF_CLEAN",
    help="Nothing blocking, advisory or overridden: post nothing, but update an earlier comment "
         "to say the findings are resolved.")]
AllowInsecure = Annotated[bool, typer.Option(
    "--allow-insecure-api", help="Accept an http:// API URL of another machine (the token is sent "
                                 "in clear); https, or http to this machine, otherwise.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tfcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", "-V", "-v", callback=_version,
                                                is_eager=True, help="Print the version and exit.")
                             ] = False) -> None:
    """tfcheck: cross-account secret checks for Terraform."""


@app.command()
@check_options
def check(
    request: CheckRequest,
    output_format: Annotated[Format, typer.Option(
        "--format", "-f", help="Output format on stdout (always printed, also with --output).")
    ] = Format.text,
    no_color: Annotated[bool, typer.Option(
        "--no-color", envvar="TFCHECK_NO_COLOR",
        help="No colours in text output (also NO_COLOR; FORCE_COLOR forces them).")] = False,
) -> None:
    """Check plans and Terraform directories. Exit codes: 0 nothing blocking (or --soft-fail),
    1 blocking findings, 2 usage, input or configuration error, 3 internal error."""
    result = _run(request.options)
    style = replace(request.style, color=wants_color(sys.stdout.isatty(), os.environ, no_color))
    # click strips colour codes when stdout is not a terminal: FORCE_COLOR must say otherwise.
    typer.echo(_render(result, output_format.value, style), nl=False, color=style.color)
    _write_outputs(result, request.outputs)
    raise typer.Exit(request.exit_code(result.exit_code))


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
    skip_if_clean: SkipIfClean = False,
) -> None:
    """Check, then post the report on a GitHub pull request (token from GITHUB_TOKEN)."""
    from tfcheck.comment import github  # httpx: imported only to post
    from tfcheck.comment.post import to_github

    body, result, resolved = _comment_body(tag, request, stamp.github(os.environ), skip_if_clean)
    _deliver(body, result, tag, behavior, dry_run, request, resolved,
             lambda: github.target(os.environ, repo=repo, pr=pr, api_url=api_url).where,
             lambda: to_github(os.environ, body, tag, behavior, repo=repo, pr=pr, api_url=api_url,
                               allow_insecure=allow_insecure_api, resolved=resolved))


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
    skip_if_clean: SkipIfClean = False,
) -> None:
    """Check, then post the report on a GitLab merge request (token from GITLAB_TOKEN)."""
    from tfcheck.comment import gitlab  # httpx: imported only to post
    from tfcheck.comment.post import to_gitlab

    body, result, resolved = _comment_body(tag, request, stamp.gitlab(os.environ), skip_if_clean)
    _deliver(body, result, tag, behavior, dry_run, request, resolved,
             lambda: gitlab.target(os.environ, project=project, mr=mr, api_url=api_url).where,
             lambda: to_gitlab(os.environ, body, tag, behavior, project=project, mr=mr,
                               api_url=api_url, allow_insecure=allow_insecure_api,
                               resolved=resolved))


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
        typer.echo(f"{'PASS' if r.passed else 'FAIL'}  {one_line(str(r.case))}")
        for problem in r.problems:
            typer.echo(f"      {one_line(problem)}")
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


def _render(result: Result, name: str, style: Style | None = None) -> str:
    return text_report.render(result, style=style) if name == "text" else REPORTERS[name](result)


def _write_outputs(result: Result, outputs: tuple[tuple[str, Path], ...]) -> None:
    for name, path in outputs:
        try:
            write_whole(path, _render(result, name))
        except OSError as err:
            _fail(TfcheckError(f"cannot write the {name} report: {err.strerror or err}", str(path)))


def _comment_body(tag: str, request: CheckRequest, ci: stamp.Stamp, skip_if_clean: bool
                  ) -> tuple[str, Result, str | None]:
    """Run the check exactly as `tfcheck check` would; the comment is its markdown report. With
    --skip-if-clean and nothing to report, also the body that marks an earlier comment resolved."""
    try:
        marker(tag)  # a bad --tag is a usage error, found before the run
    except TfcheckError as err:
        _fail(err)
    result = _run(request.options)
    _write_outputs(result, request.outputs)
    report = markdown_report.render(result, ci)
    resolved = None
    if skip_if_clean and not any(result.count(o) for o in _TO_REPORT):
        resolved = comment_body(f"{RESOLVED}\n\n{report}", tag)
    return comment_body(report, tag), result, resolved


_TO_REPORT = (Outcome.BLOCKING, Outcome.ADVISORY, Outcome.OVERRIDDEN)
"""What a comment is for: findings that block, or that a reviewer should see (waived and
baselined ones were seen before)."""
RESOLVED = "**Resolved:** nothing to report any more; the findings this comment showed are gone."


def _deliver(body: str, result: Result, tag: str, behavior: Behavior, dry_run: bool,
             request: CheckRequest, resolved: str | None, where: Callable[[], str],
             send: Callable[[], str]) -> NoReturn:
    """Print what would be posted (--dry-run, no token needed), or post it."""
    code = request.exit_code(result.exit_code)
    if dry_run:
        try:
            target = where()
        except TfcheckError as err:  # never "#None": say what is missing
            target = f"no known pull/merge request ({one_line(str(err))})"
        _dry_run(resolved or body, target, behavior, tag, code, resolved is not None)
    _post(result, send, request, code)


def _dry_run(body: str, where: str, behavior: Behavior, tag: str, code: int, clean: bool) -> NoReturn:
    typer.echo(body, nl=False)
    if clean:
        typer.echo(f"tfcheck: dry run: nothing to report: would post nothing to {where}, or update "
                   f"an earlier comment (--tag {tag}) to this; nothing was sent", err=True)
    else:
        typer.echo(f"tfcheck: dry run: would post this to {where} (--behavior {behavior.value}, "
                   f"--tag {tag}); nothing was sent", err=True)
    raise typer.Exit(code)


def _post(result: Result, send: Callable[[], str], request: CheckRequest, code: int) -> NoReturn:
    """Log the text report, then post; a failed post is exit 2, else the check's own code."""
    typer.echo(text_report.render(result, style=request.style), nl=False)
    try:
        done = send()
    except TfcheckError as err:
        _fail(err)
    typer.echo(f"tfcheck: {one_line(done)}", err=True)  # the comment's URL is the server's word
    raise typer.Exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: `tfcheck PLAN…` means `tfcheck check PLAN…`."""
    args = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args if a not in ("--no-color",)), None)
    if first is not None and first not in SUBCOMMANDS and first not in ("--help", "-h", "--version",
                                                                         "-V", "-v"):
        args.insert(0, "check")
    try:
        app(args=args, prog_name="tfcheck")
    except RecursionError:
        typer.echo("tfcheck: error: input nested too deeply", err=True)
        sys.exit(2)
    except OSError as err:  # the file system refused a path (too long, a FIFO, no permission)
        name = str(err.filename) if err.filename is not None else ""
        if len(name) > 160:  # a name of thousands of characters says no more than its ends
            name = f"{name[:80]}…{name[-60:]}"
        where = f"{name}: " if name else ""
        typer.echo(f"tfcheck: error: {one_line(where + (err.strerror or str(err)))}", err=True)
        sys.exit(2)
    except Exception as err:  # noqa: BLE001 - a bug must still end in one line, not a traceback
        if os.environ.get("TFCHECK_DEBUG"):
            raise
        typer.echo(f"tfcheck: internal error: {type(err).__name__}: {one_line(str(err))} (please report it; "
                   "TFCHECK_DEBUG=1 shows the traceback)", err=True)
        sys.exit(3)
