"""Reading input files within a size limit (--max-file-size), with one clear error for every failure."""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any, BinaryIO

from tfcheck.errors import ConfigError, InputError, TfcheckError

DEFAULT_MAX_FILE_SIZE = 512 * 1024 * 1024
_CHUNK = 1024 * 1024
_LIMIT: ContextVar[int] = ContextVar("max_file_size", default=DEFAULT_MAX_FILE_SIZE)
_UNITS = {"": 1, "b": 1,
          "k": 1024, "kib": 1024, "m": 1024**2, "mib": 1024**2, "g": 1024**3, "gib": 1024**3,
          "t": 1024**4, "tib": 1024**4,
          "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)


def max_file_size() -> int:
    """The limit of this run (--max-file-size), else DEFAULT_MAX_FILE_SIZE."""
    return _LIMIT.get()


@contextlib.contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """Every read_limited(..., max_file_size(), ...) inside the block uses `limit`."""
    token = _LIMIT.set(limit)
    try:
        yield
    finally:
        _LIMIT.reset(token)


def parse_size(text: str) -> int:
    """`200MB`, `1.5GiB`, `512M`, `1048576` -> bytes (MB = 1000², MiB and M = 1024²)."""
    match = _SIZE.fullmatch(text)
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS:
        raise ConfigError(f"--max-file-size {text!r}: expected a size such as 200MB, 1GiB or "
                          "a number of bytes")
    size = int(float(match.group(1)) * _UNITS[unit])
    if size < 1:
        raise ConfigError(f"--max-file-size {text!r}: must be at least one byte")
    return size


def format_size(size: int) -> str:
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


def read_limited(path: str, limit: int, name: str) -> bytes:
    """The bytes of `path` (`-` is stdin), refusing more than `limit` before reading them all.

    A regular file is measured first (its size is known without reading it); a pipe, a device
    or stdin is read in chunks, never more than limit + 1 bytes. `name` names the file in errors.
    """
    try:
        if path == "-":
            return _read_stream(sys.stdin.buffer, limit, name)
        with open(path, "rb") as stream:
            info = os.fstat(stream.fileno())
            if stat.S_ISREG(info.st_mode):
                if info.st_size > limit:
                    raise _too_large(name, limit, info.st_size)
                data = stream.read()
                if len(data) > limit:  # grew while we read it
                    raise _too_large(name, limit)
                return data
            return _read_stream(stream, limit, name)
    except FileNotFoundError:
        raise InputError("no such file", name) from None
    except IsADirectoryError:
        raise InputError("is a directory", name) from None
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", name) from None


def _read_stream(stream: BinaryIO, limit: int, name: str) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise _too_large(name, limit)
    return b"".join(chunks)


def _too_large(name: str, limit: int, size: int | None = None) -> InputError:
    what = f"the file is {format_size(size)}, more" if size is not None else "more"
    return InputError(f"{what} than the {format_size(limit)} tfcheck reads (--max-file-size)", name)


def json_document(text: str, display: str, too_deep: str = "nested too deeply",
                  error: type[TfcheckError] = InputError) -> Any:
    """json.loads, with each way it fails as one error naming the file (and line)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise error(f"invalid JSON: {err.msg}", display, err.lineno, err.colno) from None
    except RecursionError:
        raise error(too_deep, display) from None
    except ValueError:  # an integer of more digits than Python converts
        raise error("invalid JSON: a number has too many digits", display) from None


def cache_directory() -> Path:
    """Where tfcheck keeps what it can make again: $XDG_CACHE_HOME/tfcheck, else ~/.cache/tfcheck."""
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "tfcheck"


def read_text(path: str, display: str) -> str:
    """A text file within the size limit, as UTF-8 (a byte-order mark dropped)."""
    try:
        return read_limited(path, max_file_size(), display).decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text (byte {err.start})", display) from None
