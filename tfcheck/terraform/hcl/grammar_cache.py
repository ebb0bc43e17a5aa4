"""lark's compiled HCL grammar, kept where no one else can write it and loaded as data, never code.

Building the parser from python-hcl2's grammar takes 1.4 s (more on a busy machine), loading a
built one 0.1-0.3 s. lark's own cache is a pickle: loading a pickle someone else wrote runs their
code. So the built grammar is kept

- beside tfcheck's code when that folder is writable (as trusted as the code itself), in lark's
  own format, or else
- in a per-user folder (`$XDG_CACHE_HOME/tfcheck/grammar`) made 0700, used only while it and the
  file are owned by this user and writable by no one else, as JSON (lark's own serialized form:
  tables and rules, no objects), named and tagged with a hash of the grammar text and the versions
  of lark, python-hcl2 and this format; a file that does not match is rebuilt.

TFCHECK_NO_CACHE=1 or --no-cache skips the per-user folder: the grammar is built in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lark
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

from tfcheck.terraform.files import cache_directory

FORMAT = 1
_FOLDER_ALLOWED = [True]
"""False once a run asked for no cache (--no-cache): for the rest of the process."""
_DROPPED_OPTIONS = ("postlex",)
"""Options that are objects: given again on every load, never stored."""


def load_or_build(grammar: str, build: Callable[[], Lark], load_options: dict[str, Any],
                  versions: str, use_folder: bool) -> Lark:
    """The parser from the per-user folder when a trusted file there matches, else built (and
    stored there for the next run)."""
    folder = cache_directory() / "grammar"
    if not use_folder or not _FOLDER_ALLOWED[0] or not _private_folder(folder):
        return build()
    key = hashlib.sha256(f"{grammar}\0{lark.__version__}\0{versions}\0{FORMAT}".encode())
    path = folder / f"hcl2-{key.hexdigest()[:32]}.json"
    with contextlib.suppress(Exception):  # anything wrong with the file: build it again
        if _private_file(path):
            doc = json.loads(path.read_bytes(), object_pairs_hook=_int_keys)
            if doc.get("key") == key.hexdigest():
                return Lark._load_from_dict(doc["data"], doc["memo"], **load_options)
    built = build()
    data, memo = built.memo_serialize([TerminalDef, Rule])
    data["options"] = {k: v for k, v in data["options"].items() if k not in _DROPPED_OPTIONS}
    _store(path, json.dumps({"key": key.hexdigest(), "data": data, "memo": memo}).encode())
    return built


def refuse_folder() -> None:
    """--no-cache: the grammar is not read from (nor written to) the per-user folder either."""
    _FOLDER_ALLOWED[0] = False


def _int_keys(pairs: list[tuple[str, Any]]) -> dict[Any, Any]:
    """JSON has only string keys; lark's tables and memo are keyed by state and object numbers."""
    return {int(k) if k.isdigit() else k: v for k, v in pairs}


def _private_folder(folder: Path) -> bool:
    """The folder exists (made now, 0700, if not) as this user's own, and no one else may write in it."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and _owned(info) and not info.st_mode & 0o077


def _private_file(path: Path) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and _owned(info) and not info.st_mode & 0o022


def _owned(info: os.stat_result) -> bool:
    return not hasattr(os, "getuid") or info.st_uid == os.getuid()


def _store(path: Path, payload: bytes) -> None:
    """Written whole (a temporary file, then a rename), readable by this user only; a folder that
    cannot be written only means building again next time."""
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(payload)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError:
        pass
