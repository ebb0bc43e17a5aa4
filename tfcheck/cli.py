"""Command line: translates options into an engine call and a Result into output and an exit code."""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import Annotated, NoReturn

import typer

from tfcheck import __version__
from tfcheck.engine import Options, run
from tfcheck.errors import TfcheckError
from tfcheck.report import REPORTERS
from tfcheck.report import text as text_report
from tfcheck.rules import ALL_RULES, RULES_BY_ID

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="Check Terraform plans for AWS secrets shared across accounts in ways "
                       "that break or are unsafe.")
SUBCOMMANDS = ("check", "rules", "explain")


class Format(str, Enum):
    text = "text"
    json = "json"


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
    inputs: Annotated[list[str], typer.Argument(
        help="Plan JSON files (`-` for stdin, from `terraform show -json PLANFILE`) or Terraform "
             "directories.")],
    account_id: Annotated[list[str] | None, typer.Option(
        "--account-id", help="An account that is yours (repeatable); else taken from the plan.")
    ] = None,
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")
                             ] = Format.text,
    override: Annotated[list[str] | None, typer.Option(
        "--override", help="Let a soft-mandatory rule's findings pass (repeatable).")] = None,
    override_reason: Annotated[str, typer.Option(
        "--override-reason", help="Why the overrides are acceptable; shown in reports.")] = "",
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours in text output.")
                        ] = False,
    source: Annotated[str | None, typer.Option(
        "--source", help="The HCL directory of a plan (default: the plan file's directory).")
    ] = None,
    no_source: Annotated[bool, typer.Option(
        "--no-source", help="Read only the plan, not its HCL (no file:line locations).")] = False,
    var_file: Annotated[list[str] | None, typer.Option(
        "--var-file", help="A .tfvars file for a directory input (repeatable).")] = None,
    var: Annotated[list[str] | None, typer.Option(
        "--var", help="NAME=VALUE for a directory input's variable (repeatable).")] = None,
) -> None:
    """Check plans and exit 0 (nothing blocking), 1 (blocking findings) or 2 (bad input)."""
    options = Options(inputs=inputs, account_ids=account_id or [],
                      overrides={rule: override_reason for rule in override or []},
                      source=source, use_source=not no_source, var_files=var_file or [],
                      variables=var or [])
    try:
        result = run(options)
    except TfcheckError as err:
        _fail(err)
    if output_format is Format.text:
        color = sys.stdout.isatty() and not no_color and "NO_COLOR" not in os.environ
        typer.echo(text_report.render(result, color=color), nl=False)
    else:
        typer.echo(REPORTERS[output_format.value](result), nl=False)
    raise typer.Exit(result.exit_code)


@app.command("rules")
def list_rules() -> None:
    """List the built-in rules with their severity and default enforcement level."""
    width = max(len(r.id) for r in ALL_RULES)
    typer.echo(f"{'RULE':<{width}}  {'SEVERITY':<8}  {'LEVEL':<14}  SUMMARY")
    for rule in ALL_RULES:
        typer.echo(f"{rule.id:<{width}}  {rule.severity.value:<8}  {rule.level.value:<14}  "
                   f"{rule.summary()}")


@app.command()
def explain(rule_id: Annotated[str, typer.Argument(help="A rule id, see `tfcheck rules`.")]
            ) -> None:
    """Print a rule's documentation: what, why, and how to fix it."""
    rule = RULES_BY_ID.get(rule_id)
    if rule is None:
        _fail(TfcheckError(f"no rule {rule_id!r}; see `tfcheck rules`"))
    typer.echo(f"{rule.id}  ({rule.severity.value}, {rule.level.value})\n")
    typer.echo(rule.doc())


def _fail(err: TfcheckError) -> NoReturn:
    typer.echo(f"tfcheck: error: {err}", err=True)
    raise typer.Exit(2)


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
