"""Waiver address patterns: `*` and `?` are the only wildcards; everything else matches itself."""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    # fnmatch would read `[...]` as a character class, so `aws_x.y["stripe"]` (an instance
    # address) would match `aws_x.ys` and never itself. Addresses hold brackets and quotes
    # literally: only `*` (any run of characters) and `?` (one character) are special.
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.DOTALL)


def address_matches(pattern: str, address: str) -> bool:
    """True when `address` matches `pattern` whole (case-sensitive, as Terraform addresses are)."""
    return _compile(pattern).fullmatch(address) is not None
