"""Confinement: a path read because of what the scanned files say must lead inside the scanned tree.

Everything in a pull request's checkout is written by its author, symbolic links included. A
committed `x.auto.tfvars.json` linked to `~/.terraform.d/credentials.tfrc.json`, a module
`source` or a `modules.json` entry pointing at another folder, or `file("/proc/self/environ")`
would put what the CI holds into a report. So every such path is resolved (links followed) and
must stay inside the scanned root, or the git work tree that contains it; anything else is an
input error naming the path as written, and nothing of the target is read. Paths the user gives on
the command line are trusted as given and never pass through here.
"""

from __future__ import annotations

import os
import stat
from functools import lru_cache
from pathlib import Path

from tfcheck.errors import InputError

OUTSIDE = ("leads outside the scanned folder and its repository (a symbolic link or a path "
           "written in the configuration): tfcheck does not read it")
_STATE_SUFFIXES = (".tfstate", ".tfstate.backup")


def boundary(root: Path) -> Path:
    """The git work tree holding the scanned root (its modules may be anywhere in it), else the
    root itself; resolved."""
    return _work_tree(root.resolve())


@lru_cache(maxsize=64)
def _work_tree(real: Path) -> Path:  # cached by absolute path: a relative one moves with chdir
    for folder in (real, *real.parents):
        if (folder / ".git").exists():
            return folder
    return real


def confined(path: Path, root: Path, display: str) -> Path:
    """`path` with its links followed, when it stays within boundary(root); else InputError."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
        raise InputError("is a symbolic link loop", display) from None
    if not real.is_relative_to(boundary(root)):
        raise InputError(OUTSIDE, display)
    return real


def readable_by_functions(path: Path, root: Path, display: str) -> Path:
    """What file(), templatefile() and fileexists() may read: a confined path, outside
    .git and Terraform's working data (its fetched modules aside), and not a plan or a state,
    which hold every secret value in clear (a CI may leave them in the checkout)."""
    real = confined(path, root, display)
    refuse_special(real, display)
    inside = real.relative_to(boundary(root)).parts
    if ".git" in inside or (".terraform" in inside and "modules" not in inside):
        raise InputError("is git's or Terraform's own data, not configuration: tfcheck does not "
                         "read it", display)
    if real.name.endswith(_STATE_SUFFIXES) or _is_plan_or_state(real):
        raise InputError("is a Terraform plan or state, which holds secret values: tfcheck does "
                         "not read it through file()", display)
    return real


def _is_plan_or_state(path: Path) -> bool:
    """A JSON object that names terraform_version near its start: what `terraform show -json`
    and a state file begin with (both put it among their first keys)."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(4096)
    except OSError:
        return False
    return head.lstrip().startswith(b"{") and b'"terraform_version"' in head


def special(path: Path) -> bool:
    """A FIFO, socket or device where a file is expected (reading one may never end)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def refuse_special(path: Path, display: str) -> None:
    if special(path):
        raise InputError("is not a regular file (a FIFO, socket or device): tfcheck does not read "
                         "it", display)
