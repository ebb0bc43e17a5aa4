"""A parse cache for .tf and .tf.json files, and parsing many files on several processes.

python-hcl2 (lark) parses a few hundred KB of HCL a second: on a large directory, parsing is
most of tfcheck's time, and the same files are parsed again on every run. The parse result of a
file (its Blocks, with python-hcl2's expression trees) is stored under a key made of

- the SHA-256 of the file's bytes, whether it is .tf or .tf.json, and the resource types
  parsed (the others are kept as text, see hcl.read),
- tfcheck's version, python-hcl2's version, the compact form's version, and a hash of the
  parsing code itself (the modules in _PARSING_MODULES), so that a change to any of them misses,

in `$XDG_CACHE_HOME/tfcheck` (else `~/.cache/tfcheck`), one file per entry, written to a
temporary name and renamed (readers never see half an entry). An entry that cannot be read,
fails its checksum or does not decode is ignored (and rewritten): the cache can make tfcheck
faster, never wrong or failing. `--no-cache` or TFCHECK_NO_CACHE=1 turns it off.

An entry is the compact form of the file's Blocks (hcl.cache_format: JSON data, nothing pickled
or marshalled), after the SHA-256 of the source it was made from. An entry that claims another
source, or whose blocks and attributes are not where that source has them, is ignored: a cache
folder someone else could write (one restored from another branch's CI run) cannot swap in the
parse of other text. It can still alter what an expression says, which only a parse can check:
turn the cache off where the cache folder is shared with untrusted runs (README, docs/ci.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tfcheck import __version__
from tfcheck.terraform.files import cache_directory, file_size_limit, max_file_size
from tfcheck.terraform.hcl import cache_format, heredoc, json_syntax, outline, parse, read
from tfcheck.terraform.hcl.cache_format import FORMAT, Unsupported, decode, encode
from tfcheck.terraform.hcl.parse import Block, hcl2_version, parser
from tfcheck.terraform.hcl.read import LazyBlock, parse_file

_MAGIC = b"tfcheck-hcl-cache-json\n"
_DIGEST = 16
_SOURCE = 64
"""The hex SHA-256 of the source an entry was made from, at its start."""
# Parse in worker processes when this many bytes of files are not in the cache.
PARALLEL_MIN_BYTES = 256 * 1024
PARALLEL_MIN_FILES = 4
# What a parse result depends on, besides the versions in the key.
_PARSING_MODULES = (parse, read, json_syntax, outline, cache_format, heredoc)


def _code_hash() -> str:
    h = hashlib.sha256()
    for module in (sys.modules[__name__], *_PARSING_MODULES):
        h.update(Path(str(module.__file__)).read_bytes())
    return h.hexdigest()


def enabled_by_environment() -> bool:
    return os.environ.get("TFCHECK_NO_CACHE", "") in ("", "0")


class ParseCache:
    """Parsed files by content hash (see the module doc); every failure is a miss."""

    def __init__(self, directory: Path | None = None) -> None:
        self.root = (directory or cache_directory()) / f"hcl-{FORMAT}"
        salt = f"{FORMAT}\0{__version__}\0{hcl2_version()}\0{_code_hash()}\0"
        self._salt = salt.encode()

    def key(self, data: bytes, json_file: bool, keep: frozenset[str] | None = None) -> str:
        """What identifies a parse: the bytes, the kind of file, the resource types parsed."""
        kept = "*" if keep is None else ",".join(sorted(keep))
        head = b"json\0" if json_file else f"hcl\0{kept}\0".encode()
        return hashlib.sha256(self._salt + head + data).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str, file: str, display: str, source: bytes) -> list[Block] | None:
        """The entry for `source` (its bytes), when there is one made from exactly that text."""
        try:
            raw = self._path(key).read_bytes()
        except OSError:
            return None
        try:
            if not raw.startswith(_MAGIC):
                return None
            head = len(_MAGIC) + _SOURCE
            claimed, digest = raw[len(_MAGIC):head], raw[head:head + _DIGEST]
            payload = raw[head + _DIGEST:]
            if claimed != hashlib.sha256(source).hexdigest().encode():
                return None
            if hashlib.sha256(payload).digest()[:_DIGEST] != digest:
                return None
            blocks = decode(payload, file, display)
            return blocks if file.endswith(".json") or _in_place(blocks, source) else None
        except Exception:  # noqa: BLE001 - a bad entry is a miss, whatever is wrong with it
            return None

    def put(self, key: str, payload: bytes, source: bytes) -> None:
        """Store an entry atomically; a cache that cannot be written is no cache, not an error."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(_MAGIC + hashlib.sha256(source).hexdigest().encode()
                            + hashlib.sha256(payload).digest()[:_DIGEST] + payload)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            pass


# --------------------------------------------------------------------------- parsing many files

def parse_files(files: Sequence[tuple[Path, str, str]], cache: ParseCache | None,
                processes: int | None = None, keep: frozenset[str] | None = None
                ) -> list[list[Block]]:
    """The blocks of each (path, display, rel) file, in order: from the cache when it has them,
    else parsed (on several processes when there is enough to parse), then cached. `keep`:
    as for parse_file.

    Errors are those of parse_file, for the first file in order that has one."""
    out: list[list[Block] | None] = [None] * len(files)
    keys: list[str | None] = [None] * len(files)
    sources: list[bytes | None] = [None] * len(files)
    missing: list[int] = []
    size = 0
    for i, (path, display, rel) in enumerate(files):
        if cache is not None:
            data = _read(path)
            if data is not None:
                keys[i] = cache.key(data, path.name.endswith(".json"), keep)
                out[i] = cache.get(keys[i], rel, display, data)  # type: ignore[arg-type]
                sources[i] = data
                if out[i] is not None:
                    continue
                size += len(data)
        else:
            size += _size(path)
        missing.append(i)
    encoded: dict[int, bytes | None] = {}
    workers = _workers(processes)
    if workers > 1 and len(missing) >= PARALLEL_MIN_FILES and size >= PARALLEL_MIN_BYTES:
        encoded = _parse_in_pool([files[i] for i in missing], missing, workers, keep)
    for i in missing:
        path, display, rel = files[i]
        payload = encoded.get(i)
        blocks = None
        if payload is not None:
            try:
                blocks = decode(payload, rel, display)
            except Exception:  # noqa: BLE001 - parse it here instead
                blocks = None
        if blocks is None:
            blocks = parse_file(path, display, rel, keep)  # raises this file's error, if any
            if cache is not None and keys[i] is not None:
                try:
                    payload = encode(blocks)
                except Unsupported:
                    payload = None
        out[i] = blocks
        source = sources[i]
        if cache is not None and keys[i] is not None and payload is not None and source is not None:
            cache.put(keys[i], payload, source)  # type: ignore[arg-type]
    return [blocks or [] for blocks in out]


def _in_place(blocks: list[Block], source: bytes) -> bool:
    """Every block starts, and every attribute is named, on the line of `source` it claims; a
    block kept as text is that text, at its line."""
    lines = source.decode("utf-8-sig", errors="replace").splitlines()

    def at(line: int) -> str:
        return lines[line - 1].lstrip() if 1 <= line <= len(lines) else "\0"

    def check(block: Block) -> bool:
        if isinstance(block, LazyBlock):
            return "\n".join(lines[block.line - 1:]).lstrip().startswith(block.source.lstrip()[:4096])
        if not at(block.line).startswith(block.type) and block.type != "dynamic":
            return False
        return (all(at(a.line).startswith((a.name, f'"{a.name}"')) for a in block.attrs.values())
                and all(check(b) for b in block.blocks))

    return all(check(b) for b in blocks)


def _read(path: Path) -> bytes | None:
    try:
        if path.stat().st_size > max_file_size():
            return None  # parse_file reports it, before reading
        return path.read_bytes()
    except OSError:
        return None  # parse_file reports it


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _workers(processes: int | None) -> int:
    if processes is not None:
        return processes
    if sys.platform != "linux":
        return 1  # fork is the cheap way to start workers; elsewhere parse in-process
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover
        return os.cpu_count() or 1


def _parse_in_pool(files: list[tuple[Path, str, str]], indexes: list[int], workers: int,
                   keep: frozenset[str] | None) -> dict[int, bytes | None]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    parser()  # built (or loaded) once here: the forked workers inherit it
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=min(workers, len(files)), mp_context=context) as pool:
            chunk = max(1, len(files) // (workers * 32))
            limit = max_file_size()  # this run's --max-file-size, for the workers too
            results = list(pool.map(_parse_one, [(str(p), d, r, limit, keep) for p, d, r in files],
                                    chunksize=chunk))
    except Exception:  # noqa: BLE001 - no pool (a sandbox, a broken worker): parse in-process
        return {}
    return dict(zip(indexes, results, strict=True))


def _parse_one(item: tuple[str, str, str, int, frozenset[str] | None]) -> bytes | None:
    """In a worker: the compact form of one file, None when it has an error (the main process
    parses it again to report the error)."""
    path, display, rel, limit, keep = item
    try:
        with file_size_limit(limit):
            return encode(parse_file(Path(path), display, rel, keep))
    except Exception:  # noqa: BLE001 - reported by the main process
        return None
