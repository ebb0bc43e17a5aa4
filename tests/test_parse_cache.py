"""The HCL parse cache: the same trees as parsing, bad entries ignored, --no-cache; parallel parsing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2 import parser as hcl2_parser
from hcl2.rules.base import BlockRule

from tests.conftest import FIXTURES
from tfcheck.errors import InputError
from tfcheck.terraform.hcl import cache as hcl_cache
from tfcheck.terraform.hcl import parse as hcl_parse
from tfcheck.terraform.hcl.cache import ParseCache, parse_files
from tfcheck.terraform.hcl.cache_format import decode, encode
from tfcheck.terraform.hcl.parse import Block
from tfcheck.terraform.hcl.read import parse_file

SOURCES = sorted([*FIXTURES.rglob("*.tf"), *FIXTURES.rglob("*.tf.json")])


def _parsed() -> list[tuple[Path, list[Block]]]:
    out = []
    for path in SOURCES:
        try:
            out.append((path, parse_file(path, str(path), path.name)))
        except InputError:
            continue  # the syntax-error fixtures
    return out


def _same_tree(a: Any, b: Any, where: str) -> None:
    assert type(a) is type(b), where
    if a is None:
        return
    da, db = vars(a), vars(b)
    assert set(da) - {"_meta"} == set(db) - {"_meta"}, where
    for key, value in da.items():
        if key in ("_parent", "_meta"):
            continue
        if key == "_children":
            assert len(value) == len(db[key]), where
            for i, (x, y) in enumerate(zip(value, db[key], strict=True)):
                _same_tree(x, y, f"{where}/{i}")
                if y is not None:
                    assert y._parent is b, where
        else:
            assert value == db[key], (where, key)


def _same_blocks(xs: list[Block], ys: list[Block], where: str) -> None:
    assert len(xs) == len(ys), where
    for x, y in zip(xs, ys, strict=True):
        assert (x.type, x.labels, x.file, x.line, list(x.attrs)) == (
            y.type, y.labels, y.file, y.line, list(y.attrs)), where
        for name, attr in x.attrs.items():
            other = y.attrs[name]
            assert attr.line == other.line
            _same_tree(attr.expr, other.expr, f"{where}:{name}")
            assert attr.expr.serialize() == other.expr.serialize()
        _same_blocks(x.blocks, y.blocks, where)


def test_every_fixture_round_trips() -> None:
    parsed = _parsed()
    assert len(parsed) > 100
    for path, blocks in parsed:
        _same_blocks(blocks, decode(encode(blocks), path.name, str(path)), str(path))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ParseCache:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return ParseCache()


def _items(directory: Path) -> list[tuple[Path, str, str]]:
    return [(p, str(p), p.name) for p in sorted(directory.glob("*.tf"))]


def test_cache_respects_xdg_and_hits(cache: ParseCache, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache.root.parent == tmp_path / "xdg" / "tfcheck"
    items = _items(FIXTURES / "plans" / "platform-stack-large")
    first = parse_files(items, cache)
    assert len(list(cache.root.rglob("*"))) > len(items)

    def no_parse(*_args: Any) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(hcl_cache, "parse_file", no_parse)
    second = parse_files(items, cache)
    for (path, _, _), a, b in zip(items, first, second, strict=True):
        _same_blocks(a, b, str(path))


def _entries(cache: ParseCache) -> list[Path]:
    return [p for p in cache.root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage"])
def test_a_bad_entry_is_a_miss(cache: ParseCache, damage: str) -> None:
    items = _items(FIXTURES / "plans" / "platform-stack-large")
    expected = parse_files(items, cache)
    for entry in _entries(cache):
        data = entry.read_bytes()
        entry.write_bytes({"flip": data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:],
                           "truncate": data[: len(data) // 2], "empty": b"",
                           "garbage": b"\x00" * 100}[damage])
    again = parse_files(items, cache)  # parsed again, and the entries rewritten
    for (path, _, _), a, b in zip(items, expected, again, strict=True):
        _same_blocks(a, b, str(path))
    assert all(cache.get(cache.key(p.read_bytes(), False), p.name, str(p), p.read_bytes()) is not None
               for p, _, _ in items)


def test_a_cache_that_cannot_be_written_is_no_cache(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    items = _items(FIXTURES / "plans" / "platform-stack-large")
    assert [len(b) for b in parse_files(items, ParseCache())] == [
        len(parse_file(p, d, r)) for p, d, r in items]


def test_parallel_parsing_gives_the_same_blocks_and_errors(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hcl_cache, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(hcl_cache, "PARALLEL_MIN_FILES", 2)
    items = _items(FIXTURES / "plans" / "platform-stack-large")
    sequential = parse_files(items, None, processes=1)
    parallel = parse_files(items, None, processes=2)
    for (path, _, _), a, b in zip(items, sequential, parallel, strict=True):
        _same_blocks(a, b, str(path))
    broken = tmp_path / "b.tf"
    broken.write_text('resource "x" "y" {\n  a = = 1\n}\n')
    later = tmp_path / "c.tf"
    later.write_text("resource {\n")
    with pytest.raises(InputError) as expected:
        parse_file(broken, str(broken), broken.name)
    with pytest.raises(InputError) as got:
        parse_files([*items, (broken, str(broken), broken.name), (later, str(later), later.name)],
                    None, processes=2)
    assert (got.value.message, got.value.file, got.value.line) == (
        expected.value.message, expected.value.file, expected.value.line)


def test_no_cache_option_and_environment(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    directory = str(FIXTURES / "plans" / "platform-stack-large")
    first = cli(directory, "--no-cache", "--format", "json")
    assert not (tmp_path / "xdg").exists()
    monkeypatch.setenv("TFCHECK_NO_CACHE", "1")
    cli(directory, "--format", "json")
    assert not (tmp_path / "xdg").exists()
    monkeypatch.delenv("TFCHECK_NO_CACHE")
    cold = cli(directory, "--format", "json")
    assert (tmp_path / "xdg" / "tfcheck").is_dir()
    warm = cli(directory, "--format", "json")
    assert first.out == cold.out == warm.out
    assert first.code == cold.code == warm.code


def test_the_fast_parser_builds_python_hcl2s_own_trees_and_lines() -> None:
    """hcl_parse parses without lark's per-node positions and with its own transformer loop:
    the expression trees must be python-hcl2's, and block and attribute lines lark's."""
    checked = 0
    for path in (p for p in SOURCES if p.suffix == ".tf"):
        try:
            text = path.read_text(encoding="utf-8-sig")
            reference = hcl2.parses(text).body  # lark's positions on every node
        except Exception:  # noqa: BLE001 - the fixtures of bad input
            continue
        expected = [hcl_parse._block(child, str(path)) for child in reference.children
                    if isinstance(child, BlockRule)]
        _same_blocks(expected, hcl_parse.parse_text(text, str(path)), str(path))
        checked += 1
    assert checked > 200


def test_tfchecks_grammar_cache_leaves_python_hcl2s_alone() -> None:
    """lark keys its cache file by the parser's options: sharing python-hcl2's file would make
    each of the two rebuild the grammar (1.4 s) whenever the other had run last."""
    hcl2.parses("a = 1\n")  # python-hcl2's own cache file, as python-hcl2 leaves it
    before = hcl2_parser.PARSER_FILE.read_bytes() if hcl2_parser.PARSER_FILE.exists() else None
    hcl_parse.parser.cache_clear()
    try:
        assert hcl_parse.parse_text("locals {\n  a = 1\n}\n", "t.tf")[0].attrs["a"].line == 2
    finally:
        hcl_parse.parser.cache_clear()
    after = hcl2_parser.PARSER_FILE.read_bytes() if hcl2_parser.PARSER_FILE.exists() else None
    assert after == before
