"""Read one `.tf` or `.tf.json` file into Blocks; resource blocks no rule reads stay text."""

from __future__ import annotations

from pathlib import Path

from tfcheck.errors import InputError
from tfcheck.terraform.files import read_text
from tfcheck.terraform.hcl.json_syntax import parse_json
from tfcheck.terraform.hcl.outline import alone, blank, split_blocks
from tfcheck.terraform.hcl.parse import Attr, Block, parse_text


class LazyBlock(Block):
    """A top-level block kept as its text and parsed when first read (see hcl.outline): a
    resource no rule reads, unless something refers to it, costs a scan and no parse.

    A syntax error in it is reported when it is read, with its file and line."""

    def __init__(self, type: str, labels: tuple[str, ...], file: str, line: int, source: str,
                 display: str) -> None:
        self.type, self.labels, self.file, self.line = type, labels, file, line
        self.source = source
        self.display = display
        self._parsed: Block | None = None

    def parsed(self) -> Block:
        if self._parsed is None:
            blocks = parse_text(alone(self.source, self.line), self.display)
            if len(blocks) != 1 or (blocks[0].type, blocks[0].labels) != (self.type, self.labels):
                raise InputError("this block could not be read on its own", self.display, self.line)
            _relocate(blocks, self.file)
            self._parsed = blocks[0]
        return self._parsed

    @property
    def attrs(self) -> dict[str, Attr]:  # type: ignore[override]
        return self.parsed().attrs

    @property
    def blocks(self) -> list[Block]:  # type: ignore[override]
        return self.parsed().blocks


def parse_file(path: Path, display: str, rel: str | None = None,
               keep: frozenset[str] | None = None) -> list[Block]:
    """The top-level blocks of one file; `display` names it in errors, `rel` in locations.

    `keep`: the resource types rules read; other resource blocks of a .tf file are LazyBlocks
    (None: every block is parsed)."""
    text = read_text(str(path), display)
    if path.name.endswith(".json"):
        blocks = parse_json(text, display)
    elif keep is None:
        blocks = parse_text(text, display)
    else:
        blocks = parse_kept(text, display, keep)
    if rel is not None:
        _relocate(blocks, rel)
    return blocks


def parse_kept(text: str, display: str, keep: frozenset[str]) -> list[Block]:
    """The blocks of a .tf text, resource blocks of types not in `keep` as LazyBlocks (hcl.outline:
    the text with those blocks blanked out is parsed; a text it cannot split, whole)."""
    skipped = [s for s in split_blocks(text) or () if s.type == "resource"
               and len(s.labels) == 2 and s.labels[0] not in keep]
    if not skipped:
        return parse_text(text, display)
    try:
        blocks = parse_text(blank(text, skipped), display)
    except InputError:
        return parse_text(text, display)  # which reports the error as it is in the file
    lazy = [LazyBlock(s.type, s.labels, display, s.line, text[s.start:s.end], display)
            for s in skipped]
    return sorted([*blocks, *lazy], key=lambda b: b.line)


def _relocate(blocks: list[Block], rel: str) -> None:
    for block in blocks:
        block.file = rel
        if not isinstance(block, LazyBlock):  # which relocates its blocks when it parses them
            _relocate(block.blocks, rel)
