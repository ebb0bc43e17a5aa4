"""`tfcheck test DIR`: run policy test cases (like `sentinel test`) and compare with expectations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tfcheck.engine import Options, run
from tfcheck.errors import ConfigError, InputError, TfcheckError
from tfcheck.terraform.eval.expressions import Unknown, evaluate
from tfcheck.terraform.eval.scope import ModuleScope
from tfcheck.terraform.files import json_document, read_text
from tfcheck.terraform.hcl.parse import parse_document

Expectation = Counter[tuple[str, str | None, str]]
_EMPTY = ModuleScope({})
_OPTIONS_WITH_VALUE = {"--account-id", "--var", "--var-file", "--override", "--override-reason",
                       "--source", "--config"}


@dataclass
class CaseResult:
    case: Path
    passed: bool
    problems: list[str] = field(default_factory=list)


def discover(root: Path) -> list[Path]:
    """Case directories: those holding expect.hcl (or a fixture's expected.json)."""
    if not root.is_dir():
        raise InputError("not a directory of test cases", str(root))
    found = {p.parent for name in ("expect.hcl", "expected.json") for p in root.rglob(name)
             if "before" not in p.relative_to(root).parts}
    if not found:
        raise InputError("no test cases (directories with expect.hcl) below", str(root))
    return sorted(found)


def run_case(case: Path) -> CaseResult:
    roots: list[str] = []
    if (case / "expect.hcl").is_file():
        runs = [_read_expect_hcl(case / "expect.hcl")]
    else:
        runs, roots = _read_expected_json(case / "expected.json")
    # A case of several root modules ("roots": folders of the case) checks them in one run, each
    # by its plan.json if it has one; a run with --recursive searches the case folder instead.
    targets = [str(_target(case / root)) for root in roots] or [str(_target(case))]
    result = CaseResult(case, True)
    for args, wanted, exit_code in runs:
        options = _options([str(case)] if roots and "--recursive" in args else targets, args, case)
        try:
            got_result = run(options)
        except TfcheckError as err:
            result.passed = False
            result.problems.append(f"error: {err}")
            continue
        got: Expectation = Counter((j.finding.rule, j.finding.address, j.outcome.value)
                                   for j in got_result.judged)
        for item in sorted((wanted - got).elements(), key=str):
            result.problems.append(f"missing: {_show(item)}")
        for item in sorted((got - wanted).elements(), key=str):
            result.problems.append(f"unexpected: {_show(item)}")
        if exit_code is not None and got_result.exit_code != exit_code:
            result.problems.append(f"exit code {got_result.exit_code}, expected {exit_code}")
    result.passed = not result.problems
    return result


def _show(item: tuple[str, str | None, str]) -> str:
    rule, address, outcome = item
    return f"{rule} on {address or '(whole configuration)'} ({outcome})"


def _target(folder: Path) -> Path:
    return folder / "plan.json" if (folder / "plan.json").is_file() else folder


def _options(targets: Sequence[str], args: Sequence[str], case: Path) -> Options:
    values: dict[str, list[str]] = {}
    flags: set[str] = set()
    it = iter(args)
    for arg in it:
        if arg in _OPTIONS_WITH_VALUE:
            values.setdefault(arg, []).append(next(it, ""))
        elif arg in ("--no-source", "--recursive"):
            flags.add(arg)
        else:
            raise ConfigError(f"test case argument {arg!r} is not supported", str(case))
    config = values.get("--config", [None])[-1]
    if config is None and (case / "tfcheck.hcl").is_file():
        config = str(case / "tfcheck.hcl")
    reason = values.get("--override-reason", [""])[-1]
    return Options(inputs=list(targets), account_ids=values.get("--account-id", []),
                   overrides={r: reason for r in values.get("--override", [])},
                   source=values.get("--source", [None])[-1], use_source="--no-source" not in flags,
                   var_files=values.get("--var-file", []), variables=values.get("--var", []),
                   recursive="--recursive" in flags,
                   # A case is checked with its own tfcheck.hcl or none: never one found in the
                   # working directory, nor TFCHECK_CONFIG, so it passes the same wherever it runs.
                   config=config, config_search=False)


def _read_expected_json(path: Path) -> tuple[list[tuple[list[str], Expectation, int | None]], list[str]]:
    """{"runs": [{"args": [...], "findings": [{"rule", "address", "outcome"}], "exit_code": N}]},
    and optionally "roots": [folders of the case]; anything else is an error naming the file (a
    test case can come with the change under review). Returns the runs and the roots."""
    display = str(path)
    doc = json_document(read_text(display, display), display, error=ConfigError)
    runs = doc.get("runs") if isinstance(doc, dict) else None
    if not isinstance(runs, list):
        raise ConfigError('expected {"runs": [...]}', display)
    roots = doc.get("roots", [])
    if (not isinstance(roots, list)
            or not all(isinstance(r, str) and r and not Path(r).is_absolute()
                       and ".." not in Path(r).parts and (path.parent / r).is_dir() for r in roots)):
        raise ConfigError('"roots" must list folders of the test case', display)
    out = []
    for number, item in enumerate(runs, start=1):
        if isinstance(item, dict) and "error" in item:
            continue
        args, findings = (item.get("args"), item.get("findings")) if isinstance(item, dict) else (0, 0)
        code = item.get("exit_code") if isinstance(item, dict) else None
        if (not isinstance(args, list) or not all(isinstance(a, str) for a in args)
                or not isinstance(findings, list) or not all(_expected(f) for f in findings)
                or not (code is None or (isinstance(code, int) and not isinstance(code, bool)))):
            raise ConfigError(f"run {number}: expected args (strings), findings (rule, address, "
                              "outcome) and exit_code (a number)", display)
        out.append((args, Counter((f["rule"], f["address"], f["outcome"]) for f in findings), code))
    return out, roots


def _expected(finding: object) -> bool:
    return (isinstance(finding, dict) and isinstance(finding.get("rule"), str)
            and isinstance(finding.get("outcome"), str)
            and (finding.get("address") is None or isinstance(finding.get("address"), str)))


def _read_expect_hcl(path: Path) -> tuple[list[str], Expectation, int | None]:
    display = str(path)
    attrs, blocks = parse_document(path.read_text(encoding="utf-8-sig"), display)
    wanted: Expectation = Counter()
    args: list[str] = []
    exit_code = None
    for name, attr in attrs.items():
        value = evaluate(attr.expr, _EMPTY)
        if name == "args" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            args = value
        elif name == "exit_code" and isinstance(value, int) and not isinstance(value, bool):
            exit_code = value
        else:
            raise ConfigError(f"unknown or invalid setting {name!r} (expected args = [..] or "
                              "exit_code = N)", display, attr.line)
    for block in blocks:
        if block.type == "expect_none":
            continue
        if block.type != "expect":
            raise ConfigError(f"unknown block {block.type!r} (expected expect or expect_none)",
                              display, block.line)
        fields: dict[str, object] = {}
        for name in ("rule", "address", "outcome"):
            setting = block.attrs.get(name)
            value = evaluate(setting.expr, _EMPTY) if setting else None
            if name != "address" and (not isinstance(value, str) or isinstance(value, Unknown)):
                raise ConfigError(f"expect needs {name} = \"…\"", display, block.line)
            fields[name] = value
        address = fields["address"]
        wanted[(str(fields["rule"]), address if isinstance(address, str) else None,
                str(fields["outcome"]))] += 1
    if wanted and any(b.type == "expect_none" for b in blocks):
        raise ConfigError("expect_none and expect blocks exclude each other", display)
    return args, wanted, exit_code
