"""The check's command-line options, declared once for `tfcheck`, `comment github` and `comment gitlab`;
and the one way a command ends on a usage or input error."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from tfcheck.engine import Options
from tfcheck.errors import ConfigError, TfcheckError
from tfcheck.report import REPORTERS
from tfcheck.report.text import Style
from tfcheck.terraform.files import parse_size
from tfcheck.writes import refuse_inputs


@dataclass(frozen=True)
class CheckRequest:
    """What a command that runs the check was asked: the engine's Options and the extra reports."""

    options: Options
    outputs: tuple[tuple[str, Path], ...]
    """--output FORMAT=PATH pairs, checked before the run so a typo costs nothing."""
    soft_fail: bool = False
    """--soft-fail: blocking findings are reported, and the exit code is 0."""
    style: Style = Style()
    """The text report's --quiet, --compact and --verbose (colour is decided where it prints)."""

    def exit_code(self, code: int) -> int:
        return 0 if self.soft_fail and code == 1 else code


_OPTIONS: list[tuple[str, Any, Any]] = [
    ("inputs", Annotated[list[str], typer.Argument(
        help="Plan JSON files (`-` for stdin, from `terraform show -json PLANFILE`) or Terraform "
             "directories.")], inspect.Parameter.empty),
    ("account_id", Annotated[list[str] | None, typer.Option(
        "--account-id", envvar="TFCHECK_ACCOUNT_ID",
        help="An account that is yours (repeatable); else taken from the plan.")], None),
    ("output", Annotated[list[str] | None, typer.Option(
        "--output", "-o", envvar="TFCHECK_OUTPUT", metavar="FORMAT=PATH",
        help="Also write the report in FORMAT to PATH (repeatable), e.g. sarif=tfcheck.sarif.")], None),
    ("override", Annotated[list[str] | None, typer.Option(
        "--override", envvar="TFCHECK_OVERRIDE",
        help="Let a soft-mandatory rule's findings pass (repeatable).")], None),
    ("override_reason", Annotated[str, typer.Option(
        "--override-reason", envvar="TFCHECK_OVERRIDE_REASON",
        help="Why the overrides are acceptable; shown in reports.")], ""),
    ("source", Annotated[str | None, typer.Option(
        "--source", envvar="TFCHECK_SOURCE",
        help="The HCL directory of a plan (default: the plan file's directory).")], None),
    ("no_source", Annotated[bool, typer.Option(
        "--no-source", envvar="TFCHECK_NO_SOURCE",
        help="Read only the plan, not its HCL (no file:line locations).")], False),
    ("var_file", Annotated[list[str] | None, typer.Option(
        "--var-file", envvar="TFCHECK_VAR_FILE",
        help="A .tfvars file for a directory input (repeatable).")], None),
    ("var", Annotated[list[str] | None, typer.Option(
        "--var", envvar="TFCHECK_VAR",
        help="NAME=VALUE for a directory input's variable (repeatable).")], None),
    ("workspace", Annotated[str | None, typer.Option(
        "--workspace", help="terraform.workspace of a directory input (default: $TF_WORKSPACE, "
                            "else default).")], None),
    ("config", Annotated[str | None, typer.Option(
        "--config", help="tfcheck.hcl to use (default: ./tfcheck.hcl, else one in a scanned root).")],
     None),
    ("baseline", Annotated[str | None, typer.Option(
        "--baseline", envvar="TFCHECK_BASELINE",
        help="Findings recorded in this file are reported as baselined, not blocking.")],
     None),
    ("write_baseline", Annotated[str | None, typer.Option(
        "--write-baseline", envvar="TFCHECK_WRITE_BASELINE",
        help="Record every current finding in this file (and baseline them).")],
     None),
    ("no_cache", Annotated[bool, typer.Option(
        "--no-cache", envvar="TFCHECK_NO_CACHE",
        help="Parse every .tf file again (no HCL parse cache in ~/.cache/tfcheck).")],
     False),
    ("recursive", Annotated[bool, typer.Option(
        "--recursive", "-r", envvar="TFCHECK_RECURSIVE",
        help="Check every root module below each directory input (folders with .tf files that no "
             "other folder calls as a module; a plan.json beside one is read with it).")], False),
    ("rule", Annotated[list[str] | None, typer.Option(
        "--rule", envvar="TFCHECK_RULE", metavar="RULE",
        help="Run only this rule (repeatable; also `rules = [...]` in tfcheck.hcl).")], None),
    ("skip_rule", Annotated[list[str] | None, typer.Option(
        "--skip-rule", envvar="TFCHECK_SKIP_RULE", metavar="RULE",
        help="Do not run this rule (repeatable; also `skip_rules = [...]` in tfcheck.hcl).")], None),
    ("soft_fail", Annotated[bool, typer.Option(
        "--soft-fail", envvar="TFCHECK_SOFT_FAIL",
        help="Report blocking findings but exit 0 (input and usage errors still exit 2).")], False),
    ("quiet", Annotated[bool, typer.Option(
        "--quiet", "-q", envvar="TFCHECK_QUIET",
        help="Text output: only blocking findings and the summary.")], False),
    ("compact", Annotated[bool, typer.Option(
        "--compact", envvar="TFCHECK_COMPACT", help="Text output: one line per finding.")], False),
    ("verbose", Annotated[bool, typer.Option(
        "--verbose", envvar="TFCHECK_VERBOSE",
        help="Text output: waived and baselined findings in full (else only counted).")], False),
    ("max_file_size", Annotated[str, typer.Option(
        "--max-file-size", envvar="TFCHECK_MAX_FILE_SIZE", metavar="SIZE",
        help="Refuse a plan or other input file larger than this, e.g. 200MB, 1GiB or bytes "
             "(.tf files are also capped at 20 MiB).")], "512MiB"),
]
_NAMES = frozenset(name for name, _, _ in _OPTIONS)


def check_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command the check's options; it receives them as one `request: CheckRequest`.

    Typer reads a command's parameters from its signature, so the wrapper's signature is the
    command's own parameters (less `request`) with the shared ones added in front.
    """
    own = inspect.signature(command)
    hints = typing.get_type_hints(command, include_extras=True)
    kinds = inspect.Parameter.KEYWORD_ONLY
    shared = [inspect.Parameter(name, kinds, default=default, annotation=annotation)
              for name, annotation, default in _OPTIONS]
    rest = [p.replace(kind=kinds, annotation=hints.get(p.name, p.annotation))
            for p in own.parameters.values() if p.name != "request"]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        values = {name: kwargs.pop(name) for name in _NAMES}
        try:
            request = _request(**values)
        except TfcheckError as err:
            fail(err)
        command(request=request, **kwargs)

    wrapper.__signature__ = own.replace(parameters=[*shared, *rest])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in [*shared, *rest]}
    return wrapper


def _request(*, inputs: list[str], account_id: list[str] | None, output: list[str] | None,
             override: list[str] | None, override_reason: str, source: str | None, no_source: bool,
             var_file: list[str] | None, var: list[str] | None, workspace: str | None,
             config: str | None,
             baseline: str | None, write_baseline: str | None, no_cache: bool,
             max_file_size: str, recursive: bool, rule: list[str] | None,
             skip_rule: list[str] | None, soft_fail: bool, quiet: bool, compact: bool,
             verbose: bool) -> CheckRequest:
    if override and not override_reason.strip():
        raise ConfigError("--override needs --override-reason TEXT (it is shown in every report)")
    options = Options(inputs=inputs, account_ids=account_id or [],
                      overrides={rule: override_reason for rule in override or []},
                      source=source, use_source=not no_source, var_files=var_file or [],
                      variables=var or [], config=config, baseline=baseline,
                      write_baseline=write_baseline, use_cache=not no_cache,
                      max_file_size=parse_size(max_file_size), recursive=recursive,
                      only_rules=rule or [], skip_rules=skip_rule or [], workspace=workspace)
    outputs = parse_outputs(output)
    # A report is never written over what this run reads (the plan, a .tf file, the config).
    # The baseline may be refreshed in place (--baseline F --write-baseline F); a report may not.
    written = [("--output", str(path)) for _, path in outputs]
    refuse_inputs(written, inputs, [*(var_file or []), config, baseline])
    if write_baseline:
        refuse_inputs([("--write-baseline", write_baseline), *written], inputs,
                      [*(var_file or []), config])
    return CheckRequest(options, outputs, soft_fail,
                        Style(quiet=quiet, compact=compact, verbose=verbose))


def parse_outputs(values: list[str] | None) -> tuple[tuple[str, Path], ...]:
    """FORMAT=PATH pairs; a typo is a usage error before anything runs."""
    out: list[tuple[str, Path]] = []
    for value in values or []:
        name, sep, path = value.partition("=")
        if not sep or not path:
            raise ConfigError(f"--output {value!r}: expected FORMAT=PATH, e.g. sarif=tfcheck.sarif")
        if name not in REPORTERS:
            raise ConfigError(f"--output {value!r}: no format {name!r} (one of {', '.join(REPORTERS)})")
        if any(Path(path) == seen for _, seen in out):
            raise ConfigError(f"--output {value!r}: {path} is already written by another --output")
        out.append((name, Path(path)))
    return tuple(out)


def fail(err: TfcheckError) -> NoReturn:
    """One line on stderr and exit 2: what every user error ends in."""
    typer.echo(f"tfcheck: error: {one_line(str(err))}", err=True)
    raise typer.Exit(2)


def one_line(text: str) -> str:
    """An error message as one line: names from the input (a file called "a\\nb.tf") may hold line
    breaks or terminal escapes, which would split the line or rewrite the screen."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
