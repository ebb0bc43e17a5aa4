"""Which root modules a run checks: its inputs as given, or every root found below a folder (--recursive)."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tfcheck.errors import InputError, TfcheckError

PLAN_NAME = "plan.json"
"""A plan beside a root module's .tf files, read with them when --recursive finds that root."""
_SKIP = {".terraform", ".git", "node_modules"}
_MAX_TF_BYTES = 20 * 1024 * 1024
# Terraform takes only `./` and `../` sources as local paths; registry and git sources name no folder.
_LOCAL = ("./", "../")


@dataclass(frozen=True)
class Root:
    """One root module to check, and how the reports name it."""

    input: str
    """What is read: a Terraform directory, a plan JSON file, or `-` (stdin)."""
    name: str
    """The root as findings name it: its folder (or plan) in a run of several roots, else ""."""
    anchor: str
    """The file a finding without a source line is placed at: the plan, or a .tf file of the
    folder ("" for stdin)."""


def is_terraform_file(path: str) -> bool:
    return path.endswith((".tf", ".tf.json"))


def resolve(inputs: Sequence[str], recursive: bool) -> tuple[list[Root], list[str]]:
    """The roots to check, in order, and notes on inputs taken other than as named."""
    found: list[str] = []
    notes: list[str] = []
    for given in inputs:
        path = Path(given)
        if given != "-" and path.is_file() and is_terraform_file(given):
            folder = _display(path.parent)
            notes.append(f"{given} is a Terraform file: its folder {folder} was checked as one "
                         "root module, as `terraform plan` would")
            found.append(folder)
        elif given != "-" and path.is_file() and given.endswith((".tfvars", ".tfvars.json")):
            raise InputError("is a variables file, not a plan: pass it with --var-file, and the "
                             "folder it is for as the input", given)
        elif recursive and given != "-" and path.is_dir():
            below = discover(path)
            if not below:
                raise InputError("no Terraform root module (a folder with .tf files) below", given)
            found += [_with_plan(folder) for folder in below]
        else:
            found.append(given)
    found = list(dict.fromkeys(found))
    named = recursive or len(found) > 1
    folders = [_folder(i) for i in found]
    roots = []
    for item, folder in zip(found, folders, strict=True):
        unique = folders.count(folder) == 1
        name = (folder if unique else _display(Path(item))) if named else ""
        roots.append(Root(item, name, _anchor(item)))
    return roots, notes


def discover(top: Path) -> list[str]:
    """Every root module below `top`: a folder with .tf files that no folder in the tree calls as
    a local module (.terraform and hidden folders skipped, symbolic links not followed)."""
    folders: dict[Path, list[Path]] = {}
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP and not d.startswith("."))
        files = sorted(Path(dirpath, f) for f in filenames if is_terraform_file(f))
        if files:
            folders[Path(dirpath)] = files
    called: set[Path] = set()
    for folder, files in folders.items():
        here = folder.resolve()
        for file in files:
            for target in _local_calls(file):
                callee = (here / target).resolve()
                if callee != here:
                    called.add(callee)
    return [_display(folder) for folder in sorted(folders) if folder.resolve() not in called]


def _local_calls(file: Path) -> list[str]:
    """The local sources of the module blocks of one file, as Terraform reads them.

    The block scanner finds the `module` blocks (it knows strings, heredocs and comments: a call
    written in a comment or a heredoc is no call), and only those are parsed. A file that cannot
    be read or parsed calls nothing: its folder and the folders it names are then checked as
    roots of their own, more rather than less (the check reports the file's error itself).
    """
    from tfcheck.terraform.eval.expressions import evaluate
    from tfcheck.terraform.eval.scope import ModuleScope
    from tfcheck.terraform.hcl.json_syntax import parse_json
    from tfcheck.terraform.hcl.outline import split_blocks
    from tfcheck.terraform.hcl.parse import parse_text

    try:
        if file.stat().st_size > _MAX_TF_BYTES:
            return []  # the reader refuses it later, with its own clear error
        text = file.read_text(encoding="utf-8-sig")
        if file.name.endswith(".json"):
            blocks = parse_json(text, str(file))
        else:
            spans = split_blocks(text)
            if spans is None:
                blocks = parse_text(text, str(file))
            else:
                blocks = [b for s in spans if s.type == "module"
                          for b in parse_text(text[s.start:s.end] + "\n", str(file))]
    except (OSError, UnicodeDecodeError, TfcheckError):
        return []
    out = []
    for block in blocks:
        if block.type == "module" and "source" in block.attrs:
            source = evaluate(block.attrs["source"].expr, ModuleScope({}))
            if isinstance(source, str) and source.startswith(_LOCAL):
                out.append(source)
    return out


def _with_plan(folder: str) -> str:
    plan = posixpath.join(folder, PLAN_NAME)
    return plan if Path(plan).is_file() else folder


def _folder(item: str) -> str:
    if item == "-" or Path(item).is_dir():
        return item if item == "-" else _display(Path(item))
    return _display(Path(item).parent)


def _anchor(item: str) -> str:
    if item == "-":
        return ""
    path = Path(item)
    if not path.is_dir():
        return item
    files = sorted(p.name for p in path.iterdir() if p.is_file() and is_terraform_file(p.name))
    first = "main.tf" if "main.tf" in files else (files[0] if files else "")
    return _display(path / first) if first else item


def _display(path: Path) -> str:
    """A path as reports show it: normalised, with forward slashes."""
    return posixpath.normpath(path.as_posix())


def repository_prefix(cwd: Path | None = None) -> str:
    """The working directory's path inside its git repository ("" at the top or outside one):
    code scanning resolves SARIF paths against the repository top, not where tfcheck ran."""
    here = (cwd or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / ".git").exists():
            rel = here.relative_to(folder).as_posix()
            return "" if rel == "." else rel
    return ""
