"""Find where each top-level block of a .tf file starts and ends, without parsing it.

Parsing is most of the cost of reading HCL, and most blocks of a large configuration are
resources no rule reads. This scanner knows just enough of HCL's lexical structure (quoted
strings and their `${…}`/`%{…}` templates, heredocs, the three comment forms) to find the brace
that closes each top-level block, so a block can be set aside and parsed only if it is used.

It is not a validator: on anything outside the plain `type "label" … { … }` shape (a top-level
attribute, a label with escapes, text after a closing brace, unbalanced braces) it gives up
and the caller parses the whole file, which reports the error where there is one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tfcheck.terraform.hcl.heredoc import LONE_CR, OPENER, closing_line


@dataclass(frozen=True)
class Span:
    """One top-level block: `text[start:end]` is `type labels… { … }`, starting on `line`."""

    type: str
    labels: tuple[str, ...]
    start: int
    end: int
    line: int


class _Unsplittable(Exception):
    pass


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_LABEL = re.compile(r'"([^"\\$%\n]*)"')  # a quoted label without escapes or templates
_BLANKS = re.compile(r"[ \t]*")
_GAP = re.compile(r"(?:\s+|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.S)  # between top-level blocks
_LINE_END = re.compile(r"[ \t]*(?:#[^\n]*|//[^\n]*)?(?:\r?\n|\Z)")
_CODE = re.compile(r'["{}#/<]')  # what can change the brace depth, or hide a brace
_IN_STRING = re.compile(r'["\\$%\n]')


def split_blocks(text: str) -> list[Span] | None:
    """The top-level blocks of `text` in order, or None when it is not plainly split."""
    try:
        return _split(text)
    except (_Unsplittable, RecursionError):  # templates nested thousands deep: the parser says so
        return None


def _split(text: str) -> list[Span]:
    spans: list[Span] = []
    pos, line, size = 0, 1, len(text)
    while True:
        start = _GAP.match(text, pos).end()  # type: ignore[union-attr]  # matches empty
        if start >= size:
            return spans
        if start > 0 and text[start - 1] not in " \t\n":
            raise _Unsplittable  # a block that does not start its line
        line += text.count("\n", pos, start)
        name = _IDENT.match(text, start)
        if name is None:
            raise _Unsplittable
        at, labels = name.end(), []
        while True:
            at = _BLANKS.match(text, at).end()  # type: ignore[union-attr]
            if text.startswith("{", at):
                break
            label = _LABEL.match(text, at)
            if label is not None:
                labels.append(label.group(1))
            else:
                label = _IDENT.match(text, at)
                if label is None:  # `=` (an attribute), or anything else
                    raise _Unsplittable
                labels.append(label.group())
            at = label.end()
        end = _close(text, at + 1, 1)
        tail = _LINE_END.match(text, end)
        if tail is None:
            raise _Unsplittable
        spans.append(Span(name.group(), tuple(labels), start, end, line))
        line += text.count("\n", start, end)
        pos = end


def _close(text: str, at: int, depth: int) -> int:
    """The offset just past the `}` that brings `depth` open braces to zero."""
    while True:
        found = _CODE.search(text, at)
        if found is None:
            raise _Unsplittable
        c, i = found.group(), found.start()
        if c == "{":
            depth, at = depth + 1, i + 1
        elif c == "}":
            depth, at = depth - 1, i + 1
            if depth == 0:
                return at
        elif c == '"':
            at = _string_end(text, i + 1)
        elif c == "#" or text.startswith("//", i):
            newline = text.find("\n", i)
            if newline < 0:  # a comment to the end of the text: no closing brace after it
                raise _Unsplittable
            at = newline + 1
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            if close < 0:
                raise _Unsplittable
            at = close + 2
        elif c == "<" and text.startswith("<<", i):
            at = _heredoc_end(text, i)
        else:  # `/` dividing, `<` comparing
            at = i + 1


def _string_end(text: str, at: int) -> int:
    """The offset just past the quote closing a string that starts at `at`."""
    while True:
        found = _IN_STRING.search(text, at)
        if found is None:
            raise _Unsplittable
        c, i = found.group(), found.start()
        if c == '"':
            return i + 1
        if c == "\n":
            raise _Unsplittable  # quoted strings do not span lines
        if c == "\\":
            at = i + 2
        elif text.startswith(c + c + "{", i):  # $${ and %%{ are literal text
            at = i + 3
        elif text.startswith("{", i + 1):  # ${ … } or %{ … }: an expression, to its brace
            at = _close(text, i + 2, 1)
        else:
            at = i + 1


def _heredoc_end(text: str, at: int) -> int:
    """The offset just past the marker line ending the heredoc that starts at `at`."""
    opener = OPENER.match(text, at)
    if opener is None:
        raise _Unsplittable
    # As Terraform: the first line that is the marker between white space ends it (heredoc.py).
    found = closing_line(opener.group(1)).search(text, opener.end())
    if found is None or LONE_CR.search(text, opener.end(), found.start()):
        raise _Unsplittable
    return found.end()


def blank(text: str, spans: list[Span]) -> str:
    """`text` with each span replaced by a comment of as many lines: what is left parses to
    the other blocks, on the lines where they are written."""
    out, at = [], 0
    for span in spans:
        out += [text[at:span.start], "/*", "\n" * text.count("\n", span.start, span.end), "*/"]
        at = span.end
    out.append(text[at:])
    return "".join(out)


def alone(source: str, line: int) -> str:
    """A block's text (`text[span.start:span.end]`) as a file of its own that parses to that
    block on `line`."""
    return "/*" + "\n" * (line - 1) + "*/" + source + "\n"
