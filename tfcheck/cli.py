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
from tfcheck.comment.sticky import Behavior, comment_body, marker
from tfcheck.enforce import Result
from tfcheck.engine import Options, run
from tfcheck.errors import ConfigError, TfcheckError
from tfcheck.report import REPORTERS
from tfcheck.report import markdown as markdown_report
from tfcheck.report import text as text_report
from tfcheck.rules import ALL_RULES, RULES_BY_ID
from tfcheck.terraform.files import parse_size

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


# The check's options, declared once for `check` and for `comment github|gitlab`.
Inputs = Annotated[list[str], typer.Argument(
    help="Plan JSON files (`-` for stdin, from `terraform show -json PLANFILE`) or Terraform "
         "directories.")]
AccountIds = Annotated[list[str] | None, typer.Option(
    "--account-id", help="An account that is yours (repeatable); else taken from the plan.")]
Overrides = Annotated[list[str] | None, typer.Option(
    "--override", help="Let a soft-mandatory rule's findings pass (repeatable).")]
OverrideReason = Annotated[str, typer.Option(
    "--override-reason", help="Why the overrides are acceptable; shown in reports.")]
Source = Annotated[str | None, typer.Option(
    "--source", help="The HCL directory of a plan (default: the plan file's directory).")]
NoSource = Annotated[bool, typer.Option(
    "--no-source", help="Read only the plan, not its HCL (no file:line locations).")]
VarFiles = Annotated[list[str] | None, typer.Option(
    "--var-file", help="A .tfvars file for a directory input (repeatable).")]
Variables = Annotated[list[str] | None, typer.Option(
    "--var", help="NAME=VALUE for a directory input's variable (repeatable).")]
ConfigFile = Annotated[str | None, typer.Option(
    "--config", help="tfcheck.hcl to use (default: ./tfcheck.hcl, else one in a scanned root).")]
Baseline = Annotated[str | None, typer.Option(
    "--baseline", help="Findings recorded in this file are reported as baselined, not blocking.")]
WriteBaseline = Annotated[str | None, typer.Option(
    "--write-baseline", help="Record every current finding in this file (and baseline them).")]
Outputs = Annotated[list[str] | None, typer.Option(
    "--output", "-o", metavar="FORMAT=PATH",
    help="Also write the report in FORMAT to PATH (repeatable), e.g. sarif=tfcheck.sarif.")]
MaxFileSize = Annotated[str, typer.Option(
    "--max-file-size", metavar="SIZE",
    help="Refuse a plan or other input file larger than this, e.g. 200MB, 1GiB or bytes "
         "(.tf files are also capped at 20 MiB).")]
# ...and the comment's.
Tag = Annotated[str, typer.Option(
    "--tag", help="Names the sticky comment, for several tfcheck jobs on one pull request.")]
BehaviorOpt = Annotated[Behavior, typer.Option(
    "--behavior", help="update: edit our comment in place; new: add one each run; "
                       "delete-and-new: delete ours, then add one.")]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", help="Print the comment that would be posted; post nothing (no token needed).")]
ApiUrl = Annotated[str | None, typer.Option("--api-url", help="The forge's REST API base URL.")]


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
def check(
    inputs: Inputs,
    account_id: AccountIds = None,
    output_format: Annotated[Format, typer.Option(
        "--format", "-f", help="Output format on stdout (always printed, also with --output).")
    ] = Format.text,
    output: Outputs = None,
    override: Overrides = None,
    override_reason: OverrideReason = "",
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours in text output.")
                        ] = False,
    source: Source = None,
    no_source: NoSource = False,
    var_file: VarFiles = None,
    var: Variables = None,
    config: ConfigFile = None,
    baseline: Baseline = None,
    write_baseline: WriteBaseline = None,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Parse every .tf file again (no HCL parse cache in ~/.cache/tfcheck).")
    ] = False,
    max_file_size: MaxFileSize = "512MiB",
) -> None:
    """Check plans and exit 0 (nothing blocking), 1 (blocking findings) or 2 (bad input)."""
    outputs = _parse_outputs(output)
    result = _run(replace(_options(inputs, account_id, override, override_reason, source, no_source,
                                   var_file, var, config, baseline, write_baseline, max_file_size),
                          use_cache=not no_cache))
    color = sys.stdout.isatty() and not no_color and "NO_COLOR" not in os.environ
    typer.echo(_render(result, output_format.value, color), nl=False)
    _write_outputs(result, outputs)
    raise typer.Exit(result.exit_code)


@comment_app.command("github")
def comment_github(
    inputs: Inputs, account_id: AccountIds = None, output: Outputs = None,
    override: Overrides = None, override_reason: OverrideReason = "", source: Source = None,
    no_source: NoSource = False, var_file: VarFiles = None, var: Variables = None,
    config: ConfigFile = None, baseline: Baseline = None, max_file_size: MaxFileSize = "512MiB",
    tag: Tag = "default", behavior: BehaviorOpt = Behavior.update, dry_run: DryRun = False,
    repo: Annotated[str | None, typer.Option(
        "--repo", help="OWNER/NAME (default: GITHUB_REPOSITORY).")] = None,
    pr: Annotated[int | None, typer.Option(
        "--pr", help="Pull request number (default: from the event at GITHUB_EVENT_PATH).")] = None,
    api_url: ApiUrl = None,
) -> None:
    """Check, then post the report on a GitHub pull request (token from GITHUB_TOKEN)."""
    from tfcheck.comment import github  # httpx: imported only to post
    from tfcheck.comment.post import to_github

    body, result = _comment_body(tag, output, _options(
        inputs, account_id, override, override_reason, source, no_source, var_file, var, config,
        baseline, max_file_size=max_file_size))
    _deliver(body, result, tag, behavior, dry_run, "an unknown pull request",
             lambda: github.target(os.environ, repo=repo, pr=pr, api_url=api_url, require=False).where,
             lambda: to_github(os.environ, body, tag, behavior, repo=repo, pr=pr, api_url=api_url))


@comment_app.command("gitlab")
def comment_gitlab(
    inputs: Inputs, account_id: AccountIds = None, output: Outputs = None,
    override: Overrides = None, override_reason: OverrideReason = "", source: Source = None,
    no_source: NoSource = False, var_file: VarFiles = None, var: Variables = None,
    config: ConfigFile = None, baseline: Baseline = None, max_file_size: MaxFileSize = "512MiB",
    tag: Tag = "default", behavior: BehaviorOpt = Behavior.update, dry_run: DryRun = False,
    project: Annotated[str | None, typer.Option(
        "--project", help="Project id or path (default: CI_PROJECT_ID).")] = None,
    mr: Annotated[int | None, typer.Option(
        "--mr", help="Merge request IID (default: CI_MERGE_REQUEST_IID).")] = None,
    api_url: ApiUrl = None,
) -> None:
    """Check, then post the report on a GitLab merge request (token from GITLAB_TOKEN)."""
    from tfcheck.comment import gitlab  # httpx: imported only to post
    from tfcheck.comment.post import to_gitlab

    body, result = _comment_body(tag, output, _options(
        inputs, account_id, override, override_reason, source, no_source, var_file, var, config,
        baseline, max_file_size=max_file_size))
    _deliver(body, result, tag, behavior, dry_run, "an unknown merge request",
             lambda: gitlab.target(os.environ, project=project, mr=mr, api_url=api_url,
                                   require=False).where,
             lambda: to_gitlab(os.environ, body, tag, behavior, project=project, mr=mr,
                               api_url=api_url))


@app.command("rules")
def list_rules() -> None:
    """List the built-in rules with their severity and default enforcement level."""
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


def _options(inputs: list[str], account_id: list[str] | None, override: list[str] | None,
             override_reason: str, source: str | None, no_source: bool,
             var_file: list[str] | None, var: list[str] | None, config: str | None = None,
             baseline: str | None = None, write_baseline: str | None = None,
             max_file_size: str = "512MiB") -> Options:
    if override and not override_reason.strip():
        _fail(ConfigError("--override needs --override-reason TEXT (it is shown in every report)"))
    try:
        limit = parse_size(max_file_size)
    except ConfigError as err:
        _fail(err)
    return Options(inputs=inputs, account_ids=account_id or [],
                   overrides={rule: override_reason for rule in override or []},
                   source=source, use_source=not no_source, var_files=var_file or [],
                   variables=var or [], config=config, baseline=baseline,
                   write_baseline=write_baseline, max_file_size=limit)


def _run(options: Options) -> Result:
    try:
        return run(options)
    except TfcheckError as err:
        _fail(err)


def _render(result: Result, name: str, color: bool = False) -> str:
    return text_report.render(result, color=color) if name == "text" else REPORTERS[name](result)


def _parse_outputs(values: list[str] | None) -> list[tuple[str, Path]]:
    """FORMAT=PATH pairs, checked before the run so a typo costs nothing."""
    out: list[tuple[str, Path]] = []
    for value in values or []:
        name, sep, path = value.partition("=")
        if not sep or not path:
            _fail(ConfigError(f"--output {value!r}: expected FORMAT=PATH, e.g. sarif=tfcheck.sarif"))
        if name not in REPORTERS:
            _fail(ConfigError(f"--output {value!r}: no format {name!r} "
                              f"(one of {', '.join(REPORTERS)})"))
        if any(Path(path) == seen for _, seen in out):
            _fail(ConfigError(f"--output {value!r}: {path} is already written by another --output"))
        out.append((name, Path(path)))
    return out


def _write_outputs(result: Result, outputs: list[tuple[str, Path]]) -> None:
    for name, path in outputs:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_render(result, name), encoding="utf-8")
        except OSError as err:
            _fail(TfcheckError(f"cannot write the {name} report: {err.strerror or err}", str(path)))


def _comment_body(tag: str, output: list[str] | None, options: Options) -> tuple[str, Result]:
    """Run the check exactly as `tfcheck check` would; the comment is its markdown report."""
    try:
        marker(tag)  # a bad --tag is a usage error, found before the run
    except TfcheckError as err:
        _fail(err)
    outputs = _parse_outputs(output)
    result = _run(options)
    _write_outputs(result, outputs)
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


def _fail(err: TfcheckError) -> NoReturn:
    typer.echo(f"tfcheck: error: {one_line(str(err))}", err=True)
    raise typer.Exit(2)


def one_line(text: str) -> str:
    """An error message as one line: names from the input (a file called "a\nb.tf") may hold line
    breaks or terminal escapes, which would split the line or rewrite the screen."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


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
