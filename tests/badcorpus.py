"""The corpus of broken and hostile inputs under fixtures/bad (see its README): load, build, run.

Every case becomes one directory (the working directory of its run) holding its input, and one
command line. Families of small cases are kept in one spec file each; inputs that git cannot or
should not hold (symbolic link loops, FIFOs, 10,000 levels of nesting, files of many megabytes)
are made when the test runs, by the named `setup` or generator.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES, ROOT

CORPUS = FIXTURES / "bad"
TIMEOUT = 10.0
"""Seconds a case may take in-process before it counts as a hang (most take well under one)."""
MINIMAL_TF = 'resource "aws_secretsmanager_secret" "s" {\n  name = "corpus"\n}\n'


@dataclass(frozen=True)
class Case:
    id: str
    """`family/name`: the pytest id."""
    exit_code: int
    error: str | None
    """Exit 2: a fragment of the one line on stderr."""
    build: Callable[[Path], None] = field(compare=False)
    """Writes the input into the (empty) working directory of the run."""
    args: tuple[str, ...] = ("input.json",)
    output: str | None = None
    """Exit 0/1: a fragment of stdout."""
    setup: str | None = None
    xfail: str | None = None
    description: str = ""


# --- families -----------------------------------------------------------------------------------
def directory_cases() -> list[Case]:
    """fixtures/bad/cases/<name>/: the input files and expect.json."""
    out = []
    for folder in sorted((CORPUS / "cases").iterdir()):
        spec = json.loads((folder / "expect.json").read_text())
        out.append(Case(f"cases/{folder.name}", spec["exit_code"], spec.get("error"),
                        _copy_from(folder), tuple(spec["args"]), spec.get("output"),
                        spec.get("setup"), spec.get("xfail"), spec.get("description", "")))
    return out


def _copy_from(folder: Path) -> Callable[[Path], None]:
    def build(cwd: Path) -> None:
        shutil.copytree(folder, cwd, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("expect.json"), symlinks=True)
    return build


TEXT_FAMILIES = {
    # spec file: (the file each text becomes, the files beside it, the command line)
    "hcl-errors.txt": ("main.tf", {}, (".",)),
    "tfjson-errors.txt": ("main.tf.json", {}, (".",)),
    "tfvars-errors.txt": ("terraform.tfvars",
                          {"main.tf": 'variable "consumers" {\n  type    = list(string)\n  default = []\n}\n'
                                      + MINIMAL_TF}, (".",)),
    "config-errors.txt": ("tfcheck.hcl", {"main.tf": MINIMAL_TF}, (".",)),
    "plan-texts.txt": ("input.json", {}, ("input.json",)),
}


def text_cases() -> list[Case]:
    """fixtures/bad/<family>.txt: `=== name | exit code | fragment` and the file's text below it."""
    out = []
    for spec_name, (target, beside, args) in TEXT_FAMILIES.items():
        for name, code, fragment, text in parse_text_spec((CORPUS / spec_name).read_text()):
            files = {**beside, target: text}
            out.append(Case(f"{spec_name.removesuffix('.txt')}/{name}", code, fragment if code == 2 else None,
                            _write(files), args, fragment if code != 2 else None))
    return out


def parse_text_spec(text: str) -> Iterator[tuple[str, int, str | None, str]]:
    head: list[str] | None = None
    body: list[str] = []
    for line in [*text.splitlines(keepends=True), "=== "]:
        if line.startswith("=== "):
            if head is not None:
                name, code, fragment = (head + ["", ""])[:3]
                yield name, int(code), fragment or None, "".join(body)
            head = [part.strip() for part in line[4:].rstrip("\n").split(" | ", 2)]
            body = []
        elif head is not None:
            body.append(line)
        # lines before the first === are the file's own comments


def _write(files: dict[str, str | bytes]) -> Callable[[Path], None]:
    def build(cwd: Path) -> None:
        for rel, content in files.items():
            path = cwd / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
    return build


def mutation_cases() -> list[Case]:
    """fixtures/bad/plan-mutations.json: one edit of a real plan each."""
    spec = json.loads((CORPUS / "plan-mutations.json").read_text())
    out = []
    for case in spec["cases"]:
        base = case.get("base", spec["base"])
        out.append(Case(f"plan-mutations/{case['name']}", case["exit_code"], case.get("error"),
                        _mutated(base, case), ("input.json", *case.get("args", ["--no-source"])),
                        case.get("output"), xfail=case.get("xfail"),
                        description=case.get("description", "")))
    return out


def _mutated(base: str, case: dict[str, Any]) -> Callable[[Path], None]:
    def build(cwd: Path) -> None:
        doc = json.loads((ROOT / base).read_text())
        for edit in case.get("edits", [case]):
            apply_edit(doc, edit)
        (cwd / "input.json").write_text(json.dumps(doc))
    return build


def apply_edit(doc: Any, edit: dict[str, Any]) -> None:
    """`set` a path to `value`, or `delete` it. A path step is a key, an index, or an object
    {"field": value} that picks the first list item with that field (e.g. {"type": "aws_kms_key"})."""
    path = edit.get("set", edit.get("delete"))
    parent = doc
    for step in path[:-1]:
        parent = parent[_step(parent, step)]
    last = _step(parent, path[-1])
    if "delete" in edit:
        del parent[last]
    else:
        parent[last] = copy.deepcopy(edit["value"])


def _step(container: Any, step: Any) -> Any:
    if isinstance(step, dict):
        (key, wanted), = step.items()
        return next(i for i, item in enumerate(container) if item.get(key) == wanted)
    return step


def policy_cases() -> list[Case]:
    """fixtures/bad/policies.json: each document as a secret policy and as a key policy of a real plan."""
    spec = json.loads((CORPUS / "policies.json").read_text())
    out = []
    for case in spec["cases"]:
        for target, rtype in (("secret", "aws_secretsmanager_secret_policy"), ("key", "aws_kms_key")):
            expect = case.get(target, case)
            if "document" in case:
                value: Any = json.dumps(case["document"])
            elif "text" in case:
                value = case["text"]
            else:
                value = case["value"]
            edit = {"set": ["resource_changes", {"type": rtype}, "change", "after", "policy"],
                    "value": value}
            out.append(Case(f"policies/{case['name']}-{target}", expect["exit_code"],
                            expect.get("error"), _mutated(spec["base"], {"edits": [edit]}),
                            ("input.json", "--no-source"), expect.get("output"),
                            xfail=expect.get("xfail")))
    return out


def generated_cases() -> list[Case]:
    """fixtures/bad/generated.json: inputs too large or too deep to commit, made by GENERATORS."""
    spec = json.loads((CORPUS / "generated.json").read_text())
    out = []
    for case in spec["cases"]:
        make = GENERATORS[case["generator"]]
        params = case.get("params", {})
        out.append(Case(f"generated/{case['name']}", case["exit_code"], case.get("error"),
                        lambda cwd, make=make, params=params: make(cwd, **params),
                        tuple(case.get("args", ["input.json"])), case.get("output"),
                        case.get("setup"), case.get("xfail"), case.get("description", "")))
    return out


def all_cases() -> list[Case]:
    return [*directory_cases(), *text_cases(), *mutation_cases(), *policy_cases(), *generated_cases()]


# --- generators ---------------------------------------------------------------------------------
def _base_plan(base: str) -> dict[str, Any]:
    return json.loads((ROOT / base).read_text())


def _nested(depth: int, leaf: Any = "x", kind: str = "list") -> str:
    open_, close = ("[", "]") if kind == "list" else ('{"a":', "}")
    return open_ * depth + json.dumps(leaf) + close * depth


def gen_deep_plan(cwd: Path, depth: int, where: str, base: str) -> None:
    """A real plan with `depth` levels of nesting at `where` (written as raw text: json.dumps
    would refuse to build what the reader is meant to refuse)."""
    doc = _base_plan(base)
    marker = "@@DEEP@@"
    apply_edit(doc, {"set": json.loads(where), "value": marker})
    deep = _nested(depth, kind="object")
    (cwd / "input.json").write_text(json.dumps(doc).replace(json.dumps(marker), deep))


def gen_deep_policy(cwd: Path, depth: int, base: str) -> None:
    doc = _base_plan(base)
    apply_edit(doc, {"set": ["resource_changes", {"type": "aws_secretsmanager_secret_policy"}, "change",
                             "after", "policy"], "value": _nested(depth)})
    (cwd / "input.json").write_text(json.dumps(doc))


def gen_deep_hcl(cwd: Path, depth: int, file: str = "main.tf", shape: str = "list") -> None:
    open_, close = {"list": ("[", "]"), "paren": ("(", ")"), "object": ("{a = ", "}"),
                    "call": ("tolist(", ")"), "template": ('"${', '}"')}[shape]
    text = f"locals {{\n  x = {open_ * depth}1{close * depth}\n}}\n"
    (cwd / file).write_text(text if file != "main.tf" else text + MINIMAL_TF)
    if file != "main.tf":
        (cwd / "main.tf").write_text(MINIMAL_TF)


def gen_big_string_plan(cwd: Path, megabytes: int, where: str, base: str) -> None:
    doc = _base_plan(base)
    apply_edit(doc, {"set": json.loads(where), "value": "A" * (megabytes * 1024 * 1024)})
    (cwd / "input.json").write_text(json.dumps(doc))


def gen_big_policy(cwd: Path, megabytes: int, base: str) -> None:
    """A valid policy whose Sid is enormous, and one statement per kilobyte besides."""
    doc = _base_plan(base)
    statement = {"Sid": "S" * (megabytes * 1024 * 1024), "Effect": "Allow",
                 "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                 "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    apply_edit(doc, {"set": ["resource_changes", {"type": "aws_secretsmanager_secret_policy"}, "change",
                             "after", "policy"], "value": json.dumps({"Statement": [statement]})})
    (cwd / "input.json").write_text(json.dumps(doc))


def gen_big_hcl_string(cwd: Path, megabytes: int) -> None:
    (cwd / "main.tf").write_text(f'locals {{\n  x = "{"A" * (megabytes * 1024 * 1024)}"\n}}\n' + MINIMAL_TF)


def gen_big_file(cwd: Path, file: str, megabytes: int) -> None:
    """A file of `megabytes` (a comment line repeated: any reader must refuse it by its size)."""
    line = "#" * 1023 + "\n"
    with open(cwd / file, "w") as out:
        for _ in range(megabytes * 1024):
            out.write(line)
    if file != "main.tf" and file.endswith((".tf", ".tfvars", ".hcl")):
        (cwd / "main.tf").write_text(MINIMAL_TF)


def gen_huge_number_plan(cwd: Path, digits: int, base: str) -> None:
    doc = _base_plan(base)
    marker = "@@NUMBER@@"
    doc["variables"] = {**doc.get("variables", {}), "huge": {"value": marker}}
    (cwd / "input.json").write_text(json.dumps(doc).replace(json.dumps(marker), "7" * digits))


def gen_many_resources_hcl(cwd: Path, count: int) -> None:
    (cwd / "main.tf").write_text(f'resource "aws_secretsmanager_secret" "s" {{\n  count = {count}\n'
                                 '  name  = "s-${count.index}"\n}\n')


def gen_deep_tfvars_json(cwd: Path, depth: int) -> None:
    (cwd / "main.tf").write_text(MINIMAL_TF)
    (cwd / "terraform.tfvars.json").write_text('{"x": ' + _nested(depth) + "}")


def gen_deep_baseline(cwd: Path, depth: int) -> None:
    (cwd / "main.tf").write_text(MINIMAL_TF)
    (cwd / "baseline.json").write_text(_nested(depth))


def gen_binary(cwd: Path, file: str, size: int, seed: int) -> None:
    """Deterministic noise (a fixed linear congruential sequence), not a random draw."""
    state, out = seed, bytearray()
    for _ in range(size):
        state = (state * 1103515245 + 12345) % 2**31
        out.append(state >> 16 & 0xFF)
    (cwd / file).write_bytes(bytes(out))
    if file.endswith(".tf"):
        pass  # a binary .tf file is the whole input


GENERATORS: dict[str, Callable[..., None]] = {
    "deep-plan": gen_deep_plan, "deep-policy": gen_deep_policy, "deep-hcl": gen_deep_hcl,
    "big-string-plan": gen_big_string_plan, "big-policy": gen_big_policy,
    "big-hcl-string": gen_big_hcl_string, "big-file": gen_big_file,
    "huge-number-plan": gen_huge_number_plan, "many-resources-hcl": gen_many_resources_hcl,
    "deep-tfvars-json": gen_deep_tfvars_json, "deep-baseline": gen_deep_baseline, "binary": gen_binary,
}


# --- setups: what a case needs made when it runs ---------------------------------------------------
def setup_symlink_loop(cwd: Path) -> None:
    """Two links that point at each other (a, b) and one that points at itself, among .tf files."""
    os.symlink("b.tf", cwd / "a.tf")
    os.symlink("a.tf", cwd / "b.tf")
    os.symlink("self.tf", cwd / "self.tf")
    os.symlink("loop-dir", cwd / "loop-dir")


def setup_symlink_loop_plan(cwd: Path) -> None:
    os.symlink("input.json", cwd / "input.json")


def setup_symlink_loop_module(cwd: Path) -> None:
    os.symlink("ring-b", cwd / "ring-a")
    os.symlink("ring-a", cwd / "ring-b")


def setup_dangling_symlink(cwd: Path) -> None:
    os.symlink("does-not-exist.tf", cwd / "dangling.tf")


def setup_directory_named_like_a_plan(cwd: Path) -> None:
    (cwd / "input.json").mkdir()


def setup_directory_named_like_tf(cwd: Path) -> None:
    (cwd / "main.tf").mkdir()
    (cwd / "main.tf" / "inner.tf").write_text(MINIMAL_TF)


def setup_unreadable_plan(cwd: Path) -> None:
    """A plan the process cannot read. chmod 000 does not stop root (CI runs as root): a link to
    /proc/self/mem does, for anyone (reading it at offset 0 fails with EIO)."""
    (cwd / "input.json").unlink(missing_ok=True)
    if os.geteuid() != 0:
        (cwd / "input.json").write_text("{}")
        (cwd / "input.json").chmod(0)
    else:
        os.symlink("/proc/self/mem", cwd / "input.json")


def setup_unreadable_tf(cwd: Path) -> None:
    """As root, a link to /proc/self/mem: now refused before it is read, as a link out of the
    scanned folder (issue 16); the expected error names the file either way."""
    if os.geteuid() != 0:
        (cwd / "unreadable.tf").write_text(MINIMAL_TF)
        (cwd / "unreadable.tf").chmod(0)
    else:
        os.symlink("/proc/self/mem", cwd / "unreadable.tf")


def setup_unreadable_config(cwd: Path) -> None:
    if os.geteuid() != 0:
        (cwd / "tfcheck.hcl").write_text("")
        (cwd / "tfcheck.hcl").chmod(0)
    else:
        os.symlink("/proc/self/mem", cwd / "tfcheck.hcl")


def setup_newline_in_file_name(cwd: Path) -> None:
    """A .tf file whose name holds a line break and a terminal escape, with a syntax error."""
    (cwd / "evil\n\x1b[31mname.tf").write_text('resource "aws_kms_key" "k" {\n  policy = \n}\n')


@contextmanager
def fifo_plan(cwd: Path, content: bytes) -> Iterator[None]:
    """input.json is a named pipe a thread writes `content` into (as `<(terraform show -json)` is)."""
    fifo = cwd / "input.json"
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)

    def feed() -> None:
        # BrokenPipeError: the reader stopped early (a size limit), as it should
        with open(fifo, "wb") as out, contextlib.suppress(BrokenPipeError):
            out.write(content)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        yield
    finally:
        # A blocking open here would wait forever when the writer is alive but past its own
        # open (it finished as the reader closed): a non-blocking open releases a writer still
        # waiting for a reader, and waits for no one.
        writer.join(timeout=1)
        if writer.is_alive():  # nobody opened the pipe: open it once to release the writer
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
            writer.join()
        writer.join(5)


SETUPS: dict[str, Callable[[Path], None]] = {
    "symlink-loop": setup_symlink_loop, "symlink-loop-plan": setup_symlink_loop_plan,
    "symlink-loop-module": setup_symlink_loop_module, "dangling-symlink": setup_dangling_symlink,
    "directory-named-like-a-plan": setup_directory_named_like_a_plan,
    "directory-named-like-tf": setup_directory_named_like_tf,
    "unreadable-plan": setup_unreadable_plan, "unreadable-tf": setup_unreadable_tf,
    "unreadable-config": setup_unreadable_config, "newline-in-file-name": setup_newline_in_file_name,
}
STREAMS = {"fifo-plan": b'{"format_version": "1.2", "resource_changes": [',
           "fifo-plan-2mb": b" " * (2 * 1024 * 1024) + b"{}"}


@contextmanager
def materialized(case: Case, cwd: Path) -> Iterator[None]:
    """The case's input in `cwd`, with its setup done, for the duration of the run."""
    case.build(cwd)
    if case.setup in STREAMS:
        with fifo_plan(cwd, STREAMS[case.setup]):
            yield
        return
    if case.setup is not None:
        SETUPS[case.setup](cwd)
    yield


# --- running ------------------------------------------------------------------------------------
class Hang(BaseException):
    """A case ran past TIMEOUT (BaseException: the CLI's catch-all must not swallow it)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_result(case: Case, code: int, out: str, err: str, elapsed: float) -> None:
    assert code != 3, f"internal error (a crash): {err}"
    assert "Traceback" not in err, err
    assert code == case.exit_code, f"exit {code}, expected {case.exit_code}; stderr: {err!r}"
    if case.exit_code == 2:
        assert out == "", "an error prints nothing on stdout"
        lines = err.splitlines()
        assert len(lines) == 1 and err.endswith("\n"), f"not exactly one line: {err!r}"
        assert lines[0].startswith("tfcheck: error: "), lines[0]
        assert case.error is None or case.error in lines[0], f"{case.error!r} not in {lines[0]!r}"
    else:
        assert err == "", f"a result with something on stderr: {err!r}"
        assert case.output is None or case.output in out, f"{case.output!r} not in the report"


def run_case(case: Case, cwd: Path, cli: Callable[..., Any]) -> tuple[int, str, str, float]:
    """In-process, in `cwd`, under TIMEOUT: (exit code, stdout, stderr, seconds)."""
    start = time.monotonic()
    with materialized(case, cwd), time_limit(TIMEOUT):
        result = cli(*case.args)
    return result.code, result.out, result.err, time.monotonic() - start
