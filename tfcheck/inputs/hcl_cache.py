"""A parse cache for .tf and .tf.json files, and parsing many files on several processes.

python-hcl2 (lark) parses about 200 KB of HCL a second: on a large directory, parsing is most
of tfcheck's time, and the same files are parsed again on every run. The parse result of a
file (its Blocks, with python-hcl2's expression trees) is stored under a key made of

- the SHA-256 of the file's bytes (and whether it is .tf or .tf.json),
- tfcheck's version, python-hcl2's version, this format's version, and a hash of the parsing
  code itself (hcl_parse.py and this file), so that a change to any of them misses,

in `$XDG_CACHE_HOME/tfcheck` (else `~/.cache/tfcheck`), one file per entry, written to a
temporary name and renamed (readers never see half an entry). An entry that cannot be read,
fails its checksum or does not decode is ignored (and rewritten): the cache can make tfcheck
faster, never wrong or failing. `--no-cache` or TFCHECK_NO_CACHE=1 turns it off.

The trees are stored as nested tuples (marshal, one blob per attribute; nothing is pickled, so
reading an entry runs no code from it): no lark metadata, no parent links (they are rebuilt),
node classes by name (python-hcl2's only), the token classes python-hcl2 makes at run time by
token name. An attribute's tree is built when it is first evaluated: reading an entry is ~50
times faster than parsing the file, and what nothing evaluates costs nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Sequence
from functools import partial
from importlib import import_module
from pathlib import Path
from typing import Any, cast

from hcl2.rules.abstract import LarkElement, LarkRule
from hcl2.rules.tokens import StaticStringToken, StringToken
from lark.tree import Meta

from tfcheck import __version__
from tfcheck.inputs import hcl_split
from tfcheck.inputs.files import file_size_limit, max_file_size
from tfcheck.inputs.hcl_parse import Attr, Block, LazyBlock, parse_file

FORMAT = 4
_MAGIC = b"tfcheck-hcl-cache\n"
_DIGEST = 16
# Parse in worker processes when this many bytes of files are not in the cache.
PARALLEL_MIN_BYTES = 256 * 1024
PARALLEL_MIN_FILES = 4
# Deeper expression trees are not cached: they are built when first evaluated, deep in the
# evaluator's own recursion.
MAX_DEPTH = 120


class Unsupported(Exception):
    """A tree holds something the compact form does not know: that file is not cached."""


# --------------------------------------------------------------------------- the compact form

_RULE_KEYS = frozenset({"_index", "_parent", "_children", "_meta"})
_TOKEN_KEYS = frozenset({"_index", "_parent", "_value"})
_REBUILT = frozenset({"_parent", "_children", "_meta", "_value", "_index"})
_PRIMITIVES = (str, int, float, bool, type(None))


class _Detached:
    """The parent of a cached expression's root (an attribute that is not cached): python-hcl2
    only asks whether a parent is an expression, which it is not."""

    parent = None


_DETACHED = _Detached()
_META = Meta()


class _Encoder:
    """A node -> (class number, children or token value[, other attributes]).

    `_index` is the node's position among its parent's children (python-hcl2 sets it so):
    written only when it is not; `_parent` and `_meta` are rebuilt, not written."""

    def __init__(self) -> None:
        self.classes: list[tuple[str, ...]] = []
        self._ids: dict[type, tuple[int, bool]] = {}

    def _register(self, cls: type) -> tuple[int, bool]:
        if not issubclass(cls, LarkElement):
            raise Unsupported(cls.__name__)
        entry = self._ids[cls] = (len(self.classes), issubclass(cls, LarkRule))
        self.classes.append(_class_key(cls))
        return entry

    def node(self, obj: Any, pos: int, depth: int) -> Any:
        cls = obj.__class__
        ci, is_rule = self._ids.get(cls) or self._register(cls)
        if depth > MAX_DEPTH:
            raise Unsupported("nested too deeply")
        state = obj.__dict__
        if is_rule:
            payload: Any = [None if c is None else self.node(c, i, depth + 1)
                            for i, c in enumerate(state["_children"])]
            plain = state.keys() == _RULE_KEYS
        else:
            payload = state["_value"]
            if not isinstance(payload, _PRIMITIVES):
                raise Unsupported(cls.__name__)
            plain = state.keys() == _TOKEN_KEYS
        if plain and state["_index"] == pos:
            return (ci, payload)
        extras = [(k, v) for k, v in state.items() if k not in _REBUILT]
        if state.get("_index", pos) != pos:
            extras.append(("_index", state["_index"]))
        if any(not isinstance(v, _PRIMITIVES) for _, v in extras):
            raise Unsupported(cls.__name__)
        return (ci, payload, tuple(extras))

    def block(self, block: Block) -> Any:
        if isinstance(block, LazyBlock):  # kept as text, as it was
            return (block.type, block.labels, block.line, block.source)
        return (block.type, block.labels, block.line,
                tuple((a.name, a.line, marshal.dumps(self.node(a.expr, -1, 0)))
                      for a in block.attrs.values()),
                tuple(self.block(b) for b in block.blocks))


def _class_key(cls: type) -> tuple[str, ...]:
    """How to find a node class again: by module and name, or by token name for the token
    classes python-hcl2 makes at run time (StringToken["NAME"])."""
    if issubclass(cls, StringToken) and "lark_name" in vars(cls) and cls not in (
            StringToken, StaticStringToken):
        if issubclass(cls, StaticStringToken):
            default = getattr(cls, "_default_value", None)
            if not isinstance(default, str):
                raise Unsupported(cls.__name__)
            return ("static", cls.lark_name(), default)
        return ("token", cls.lark_name())
    return ("class", cls.__module__, cls.__qualname__)


def _find_class(key: Sequence[str]) -> type:
    # StringToken[...] makes (or finds) python-hcl2's class for that token name.
    if key[0] == "token":
        return cast(Any, StringToken)[key[1]]
    if key[0] == "static":
        return cast(Any, StaticStringToken)[(key[1], key[2])]
    if key[0] == "class" and key[1].startswith("hcl2."):
        obj: Any = import_module(key[1])
        for part in key[2].split("."):
            obj = getattr(obj, part)
        if isinstance(obj, type) and issubclass(obj, LarkElement):
            return obj
    raise ValueError(f"not a node class: {key!r}")


def encode(blocks: list[Block]) -> bytes:
    """The compact form of a file's blocks (raises Unsupported)."""
    enc = _Encoder()
    try:
        body = tuple(enc.block(b) for b in blocks)
    except RecursionError:
        raise Unsupported("nested too deeply") from None
    return marshal.dumps((FORMAT, tuple(enc.classes), body))


def decode(data: bytes, file: str, display: str) -> list[Block]:
    """The blocks of a compact form, every block's `file` set to `file` and errors naming
    `display` (raises on bad data).

    Expression trees are built when first used (Attr.lazy)."""
    fmt, class_keys, body = marshal.loads(data)
    if fmt != FORMAT:
        raise ValueError("another format")
    classes = tuple(_find_class(k) for k in class_keys)
    rules = tuple(issubclass(c, LarkRule) for c in classes)

    def block(item: Any) -> Block:
        if len(item) == 4:
            btype, labels, line, source = item
            if not isinstance(source, str):
                raise ValueError("not a block's text")
            return LazyBlock(btype, tuple(labels), file, line, source, display)
        btype, labels, line, attrs, nested = item
        out = Block(btype, tuple(labels), file, line)
        for name, aline, blob in attrs:
            if not isinstance(blob, bytes):
                raise ValueError("not a packed expression")
            out.attrs[name] = Attr.lazy(name, partial(_build, blob, classes, rules), aline)
        out.blocks = [block(b) for b in nested]
        return out

    return [block(b) for b in body]


def _build(blob: bytes, classes: tuple[type, ...], rules: tuple[bool, ...]) -> Any:
    """The python-hcl2 tree of one packed expression (parent links rebuilt)."""
    new = object.__new__
    meta = _META

    def node(item: Any, parent: Any, pos: int) -> Any:
        ci = item[0]
        obj = new(classes[ci])
        if rules[ci]:  # a rule: its children point back at it
            obj.__dict__ = {"_index": pos, "_parent": parent, "_meta": meta, "_children": [
                None if c is None else node(c, obj, i) for i, c in enumerate(item[1])]}
        else:
            obj.__dict__ = {"_index": pos, "_parent": parent, "_value": item[1]}
        if len(item) > 2:
            obj.__dict__.update(item[2])
        return obj

    return node(marshal.loads(blob), _DETACHED, -1)


# --------------------------------------------------------------------------- the cache

def _code_hash() -> str:
    h = hashlib.sha256()
    for module in (sys.modules[__name__], sys.modules[parse_file.__module__], hcl_split):
        h.update(Path(str(module.__file__)).read_bytes())
    return h.hexdigest()


def _hcl2_version() -> str:
    try:
        from hcl2.version import version
    except ImportError:  # pragma: no cover - older python-hcl2 layouts
        return "unknown"
    return str(version)


def default_directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "tfcheck"


def enabled_by_environment() -> bool:
    return os.environ.get("TFCHECK_NO_CACHE", "") in ("", "0")


class ParseCache:
    """Parsed files by content hash (see the module doc); every failure is a miss."""

    def __init__(self, directory: Path | None = None) -> None:
        self.root = (directory or default_directory()) / f"hcl-{FORMAT}"
        salt = f"{FORMAT}\0{__version__}\0{_hcl2_version()}\0{_code_hash()}\0"
        self._salt = salt.encode()

    def key(self, data: bytes, json_file: bool, keep: frozenset[str] | None = None) -> str:
        """What identifies a parse: the bytes, the kind of file, the resource types parsed."""
        kept = "*" if keep is None else ",".join(sorted(keep))
        head = b"json\0" if json_file else f"hcl\0{kept}\0".encode()
        return hashlib.sha256(self._salt + head + data).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str, file: str, display: str) -> list[Block] | None:
        try:
            raw = self._path(key).read_bytes()
        except OSError:
            return None
        try:
            if not raw.startswith(_MAGIC):
                return None
            digest, payload = raw[len(_MAGIC):len(_MAGIC) + _DIGEST], raw[len(_MAGIC) + _DIGEST:]
            if hashlib.sha256(payload).digest()[:_DIGEST] != digest:
                return None
            return decode(payload, file, display)
        except Exception:  # noqa: BLE001 - a bad entry is a miss, whatever is wrong with it
            return None

    def put(self, key: str, payload: bytes) -> None:
        """Store an entry atomically; a cache that cannot be written is no cache, not an error."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(_MAGIC + hashlib.sha256(payload).digest()[:_DIGEST] + payload)
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
    missing: list[int] = []
    size = 0
    for i, (path, display, rel) in enumerate(files):
        if cache is not None:
            data = _read(path)
            if data is not None:
                keys[i] = cache.key(data, path.name.endswith(".json"), keep)
                out[i] = cache.get(keys[i], rel, display)  # type: ignore[arg-type]
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
        if cache is not None and keys[i] is not None and payload is not None:
            cache.put(keys[i], payload)  # type: ignore[arg-type]
    return [blocks or [] for blocks in out]


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
