"""Terraform's string functions: text, format() and regular expressions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import re2

from tfcheck.terraform.eval.budget import charge_string, check_string
from tfcheck.terraform.eval.function_registry import Unsupported, register, to_int, to_list
from tfcheck.terraform.eval.values import (
    ConvertError,
    Value,
    is_list,
    json_string,
    jsonencode,
    known_deep,
    to_bool,
    to_number,
    to_string,
)

# --- strings -------------------------------------------------------------------------------------
register("lower")(lambda s: to_string(s).lower())
register("upper")(lambda s: to_string(s).upper())
register("trimspace")(lambda s: to_string(s).strip())
register("chomp")(lambda s: to_string(s).rstrip("\r\n"))
register("trim", args=2)(lambda s, cut: to_string(s).strip(to_string(cut)))
register("trimprefix", args=2)(lambda s, p: to_string(s).removeprefix(to_string(p)))
register("trimsuffix", args=2)(lambda s, p: to_string(s).removesuffix(to_string(p)))
register("startswith", args=2)(lambda s, p: to_string(s).startswith(to_string(p)))
register("endswith", args=2)(lambda s, p: to_string(s).endswith(to_string(p)))
register("strrev")(lambda s: to_string(s)[::-1])
# Terraform's title upper-cases the first letter of every word (letters after a non-letter).
register("title")(lambda s: re.sub(r"(?<![^\W\d_])([^\W\d_])", lambda m: m[1].upper(), to_string(s)))


@register("indent", args=2)
def _indent(n: Value, s: Value) -> str:
    text, width = to_string(s), max(to_int(n), 0)
    charge_string(len(text) + width * (text.count("\n") + 1))  # before building it
    return text.replace("\n", "\n" + " " * width)


register("split", args=2)(lambda sep, s: _split(to_string(sep), to_string(s)))
register("join", args=(2, None))(
    lambda sep, *ls: to_string(sep).join(to_string(x) for y in ls for x in to_list(y))
)


def _split(sep: str, text: str) -> list[Value]:
    return list(text) if sep == "" else list(text.split(sep))


@register("substr", args=3)
def _substr(text: Value, offset: Value, length: Value) -> str:
    chars, start, count = to_string(text), to_int(offset), to_int(length)
    if start < 0:
        start = max(0, len(chars) + start)
    return chars[start:] if count < 0 else chars[start : start + count]


@register("format", args=(1, None))
def _format(fmt: Value, *args: Value) -> str:
    return format_string(to_string(fmt), list(args))


@register("formatlist", args=(1, None))
def _formatlist(fmt: Value, *args: Value) -> list[Value]:
    lengths = {len(a) for a in args if is_list(a)}
    if len(lengths) > 1:
        raise ConvertError("formatlist needs lists of the same length")
    count = lengths.pop() if lengths else 1
    return [format_string(to_string(fmt), [a[i] if is_list(a) else a for a in args]) for i in range(count)]


_VERB = re.compile(r"%([-+ 0#]*)(\d{0,4})(?:\.(\d{0,4}))?(.?)", re.S)


def format_string(fmt: str, args: list[Value]) -> str:
    """Terraform's format(): the verbs %v %s %q %d %t %b %o %x %X %e %E %f and %%."""
    out, pos, used = [], 0, 0
    for match in _VERB.finditer(fmt):
        out.append(fmt[pos : match.start()])
        pos = match.end()
        if match[4] == "%":
            out.append("%")
            continue
        if used == len(args):
            raise ConvertError("not enough arguments for the format string")
        out.append(_format_one(args[used], match[1], match[2], match[3], match[4]))
        used += 1
    if used < len(args):
        raise ConvertError("too many arguments for the format string")
    return "".join(out) + fmt[pos:]


def _format_one(value: Value, flags: str, width: str, precision: str | None, verb: str) -> str:
    align = "<" if "-" in flags else ""
    sign = "+" if "+" in flags else " " if " " in flags else ""
    zero = "0" if "0" in flags and not align else ""
    prec = "" if precision is None else f".{precision or 0}"
    if not verb or verb not in "vsqtdboxXeEfFgG" or (verb in "gG" and not precision):
        # %[n]s argument indexes, and Go's shortest %g which picks exponents unlike Python's.
        raise Unsupported(f"format verb %{verb}")
    if verb in ("v", "s", "q", "t"):
        value = known_deep(value)
        if verb == "v" and ("#" in flags or is_list(value) or isinstance(value, Mapping)):
            text = jsonencode(value)
        elif verb == "v" and value is None:
            text = "null"
        elif verb == "t":
            text = "true" if to_bool(value) else "false"
        else:
            text = json_string(to_string(value)) if verb == "q" else to_string(value)
        return format(text, f"{align or '>'}{width}{prec}")
    number = to_number(value)
    if verb in ("d", "b", "o", "x", "X"):
        alt = "#" if "#" in flags else ""
        return format(to_int(number), f"{align}{sign}{alt}{zero}{width}{verb}")
    return format(float(number), f"{align}{sign}{zero}{width}{prec}{verb}")


# --- regular expressions -------------------------------------------------------------------------
# Terraform's regex functions are Go's regexp: RE2 syntax, matched in time linear in the text.
# google-re2 is that engine: no pattern takes exponential time (Python's re backtracks), and
# the syntax is Terraform's (no lookaround or backreferences, `$` only at the end of the text).
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # an invalid pattern is the configuration's error, not a log line
_RE2_OPTIONS.max_mem = 32 << 20  # a compiled program beyond this is refused, not built


@lru_cache(maxsize=256)
def _regex(pattern: str) -> Any:
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        message = exc.args[0] if exc.args else "invalid pattern"
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        raise Unsupported(str(message)) from None


def _groups(pattern: Any, match: Any) -> Value:
    if pattern.groupindex:
        return {name: match[name] for name in pattern.groupindex}
    return list(match.groups()) if pattern.groups else match[0]


@register("regex", args=2)
def _regex_fn(pattern: Value, text: Value) -> Value:
    compiled = _regex(to_string(pattern))
    match = compiled.search(to_string(text))
    if match is None:
        raise ConvertError("pattern did not match")
    return _groups(compiled, match)


@register("regexall", args=2)
def _regexall(pattern: Value, text: Value) -> list[Value]:
    compiled = _regex(to_string(pattern))
    return [_groups(compiled, m) for m in compiled.finditer(to_string(text))]


_GO_GROUP = re.compile(r"\$(?:\$|\{(\w+)\}|(\w+))")


def _expand(template: str, match: Any) -> str:
    """Go's regexp replacement: $1, ${1}, $name, ${name}; $$ is a dollar; a missing group is empty."""

    def group(ref: re.Match[str]) -> str:
        name = ref[1] or ref[2]
        if name is None:
            return "$"
        key: int | str = int(name) if name.isdigit() else name
        try:
            return match[key] or ""
        except IndexError:
            return ""

    return _GO_GROUP.sub(group, template)


@register("replace", args=3)
def _replace(text: Value, search: Value, replacement: Value) -> str:
    subject, needle, new = to_string(text), to_string(search), to_string(replacement)
    if len(needle) > 1 and needle.startswith("/") and needle.endswith("/"):
        built = [len(subject)]

        def expansion(match: Any) -> str:
            text = _expand(new, match)
            built[0] += len(text)
            check_string(built[0])  # an empty match at every position multiplies the text
            return text

        return _regex(needle[1:-1]).sub(expansion, subject)
    matches = subject.count(needle)  # an empty needle matches between every two characters
    charge_string(len(subject) + matches * max(len(new) - len(needle), 0))
    return subject.replace(needle, new)
