"""Terraform's string functions: text, format() and regular expressions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

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
register("indent", args=2)(lambda n, s: to_string(s).replace("\n", "\n" + " " * to_int(n)))
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
@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    if _backtracks(pattern):
        raise Unsupported("a pattern Python's regex engine could take exponential time on")
    # RE2 spellings Python lacks: (?<name>...) for (?P<name>...), \z for \Z.
    pattern = re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern).replace(r"\z", r"\Z")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise Unsupported(str(exc)) from exc


def _backtracks(pattern: str) -> bool:
    """Whether a repeated group repeats or alternates inside (`(a+)+`, `(a|aa)*`, `(x*y?){9}`).

    Terraform matches with RE2, in linear time; Python backtracks, and on such a pattern can take
    longer than anyone waits. A configuration is untrusted input, so those become unknown.
    """
    inner = [False]  # per open group: does something repeat or alternate in it?
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":  # a class: skip to its end (a leading ] or ^] is literal)
            i += 2 if pattern.startswith("[^", i) else 1
            i += 1 if pattern.startswith("]", i) else 0
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif c == "(":
            inner.append(False)
        elif c == ")" and len(inner) > 1:
            repeats = inner.pop()
            if repeats and _quantified(pattern, i + 1):
                return True
            inner[-1] = inner[-1] or repeats
        elif c == "|" or c in "*+" or (c == "{" and _quantified(pattern, i)):
            inner[-1] = True
        i += 1
    return False


def _quantified(pattern: str, at: int) -> bool:
    """A quantifier that repeats at `at`: *, + or {n,m} with m > 1 (not ?, not {0,1} or {1})."""
    if pattern.startswith(("*", "+"), at):
        return True
    bounds = re.match(r"\{(\d*)(,?)(\d*)\}", pattern[at:at + 24])
    if bounds is None:
        return False
    upper = bounds[3] or ("" if bounds[2] else bounds[1])
    return not upper or int(upper) > 1


def _groups(pattern: re.Pattern[str], match: re.Match[str]) -> Value:
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


def _expand(template: str, match: re.Match[str]) -> str:
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
        return _regex(needle[1:-1]).sub(lambda m: _expand(new, m), subject)
    return subject.replace(needle, new)
