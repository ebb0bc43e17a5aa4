"""Files tfcheck writes (--output, --write-baseline): whole or not at all, and never over an input.

A report or baseline is written to a temporary file in the same folder, flushed, then renamed over
the old one: a full disk or a crash leaves the old file as it was, and two runs writing the same
baseline at once each leave a whole file (the last rename wins), never a mix of both.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from tfcheck.errors import ConfigError

# What a scanned directory holds that tfcheck reads: a report written over one would replace it.
_READ_IN_DIRECTORIES = (".tf", ".tf.json", ".tfvars", ".tfvars.json", ".hcl")


def write_whole(path: str | Path, text: str) -> None:
    """Replace `path` with `text` in one rename; OSError when it cannot (the old file is kept)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # as a file created with open() would be
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def refuse_inputs(outputs: Iterable[tuple[str, str]], inputs: Sequence[str],
                  other_inputs: Sequence[str | None]) -> None:
    """ConfigError when an output (option, path) resolves to a file tfcheck reads: a plan, a
    --var-file, the --config or --baseline, or a Terraform or tfvars file in a scanned folder."""
    files = {_real(p) for p in [*inputs, *other_inputs] if p and p != "-" and not Path(p).is_dir()}
    seen: set[Path] = set()
    folders = [_real(p) for p in inputs if p != "-" and Path(p).is_dir()]
    for option, path in outputs:
        real = _real(path)
        inside = any(real.parent == folder for folder in folders) and real.name.endswith(
            _READ_IN_DIRECTORIES)
        if real in files or inside or real.is_dir():
            raise ConfigError(f"{option} {path}: that is an input of this run (or a folder), not a "
                              "place to write a report")
        if real in seen:
            raise ConfigError(f"{option} {path}: another output of this run is written there")
        seen.add(real)


def _real(path: str | Path) -> Path:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # a link loop: compared as written
        return Path(os.path.abspath(path))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
