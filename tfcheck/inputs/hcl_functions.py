"""Terraform's built-in functions over evaluated values; whatever they cannot compute becomes Unknown."""

from __future__ import annotations

import base64
import hashlib
import math
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol, TypeVar

from tfcheck.inputs.hcl_values import (
    ConvertError,
    NeedKnown,
    Unknown,
    Value,
    as_unknown,
    equal,
    first_unknown,
    has_error,
    is_list,
    json_string,
    jsondecode,
    jsonencode,
    known,
    known_deep,
    normalize,
    pick_unknown,
    to_bool,
    to_number,
    to_string,
)

MAX_FILE_BYTES = 10 * 1024 * 1024
_MAX_RANGE = 1024  # Terraform's own limit for range()
_F = TypeVar("_F", bound=Callable[..., Value])


class Caller(Protocol):
    """What file functions need from the evaluation that calls them."""

    def base_dir(self) -> str | None: ...

    def render_template(self, text: str, variables: Mapping[str, Value]) -> Value: ...


class Unsupported(Exception):
    """Terraform could compute this, tfcheck cannot (e.g. a regex feature Python lacks): plain Unknown."""


@dataclass(frozen=True)
class Function:
    impl: Callable[..., Value]
    min_args: int
    max_args: int | None
    tolerant: bool  # receives Unknown arguments itself instead of the call becoming Unknown
    needs_caller: bool


FUNCTIONS: dict[str, Function] = {}


def call_function(name: str, args: list[Value], caller: Caller, text: Callable[[], str]) -> Value:
    """Calls a function; an unknown name, unknown argument or failure gives Unknown(text())."""
    func = FUNCTIONS.get(name)
    if func is None:
        return Unknown(text())
    if len(args) < func.min_args or (func.max_args is not None and len(args) > func.max_args):
        return Unknown(text(), error=f"wrong number of arguments to {name}")
    unknown = None if func.tolerant else pick_unknown(args)
    if unknown is not None:
        return Unknown(text(), error=unknown.error)
    try:
        result = func.impl(caller, *args) if func.needs_caller else func.impl(*args)
    except NeedKnown as exc:
        return Unknown(text(), error=exc.unknown.error)
    except Unsupported:
        return Unknown(text())
    except (ValueError, TypeError, LookupError, ArithmeticError) as exc:
        return Unknown(text(), error=f"{name}: {exc}")
    if isinstance(result, Unknown) and not result.text:  # made here (jsonencode, file): name the call
        return Unknown(text(), result.partial, result.error)
    return result


def _register(
    *names: str, args: int | tuple[int, int | None] = 1, tolerant: bool = False, caller: bool = False
) -> Callable[[_F], _F]:
    low, high = (args, args) if isinstance(args, int) else args

    def register(impl: _F) -> _F:
        for name in names:
            FUNCTIONS[name] = Function(impl, low, high, tolerant, caller)
        return impl

    return register


def _int(value: Value) -> int:
    number = to_number(value)
    if isinstance(number, float) and not number.is_integer():
        raise ConvertError("an integer is required")
    return int(number)


def _list(value: Value) -> list[Value]:
    value = known(value)
    if is_list(value):
        return list(value)
    raise ConvertError("a list is required")


def _map(value: Value) -> Mapping[str, Value]:
    value = known(value)
    if isinstance(value, Mapping):
        return value
    raise ConvertError("a map is required")


def _unify(items: list[Value]) -> list[Value]:
    """A list of mixed primitives becomes a list of strings, as Terraform's tolist/toset convert them."""
    known_items = [x for x in items if as_unknown(x) is None]
    if all(isinstance(x, (str, int, float, bool)) for x in known_items) and any(
        isinstance(x, str) for x in known_items
    ):
        return [x if as_unknown(x) else to_string(x) for x in items]
    return items


def _set(items: list[Value]) -> list[Value]:
    """Terraform sets: no duplicates; strings and numbers iterate in sorted order."""
    out: list[Value] = []
    for item in _unify(items):
        if not any(equal(known_deep(item), seen) for seen in out):
            out.append(item)
    if all(isinstance(x, str) for x in out):
        return sorted(out)
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in out):
        return sorted(out)
    return out


# --- encoding and conversion ---------------------------------------------------------------------
_register("jsonencode", tolerant=True)(jsonencode)
_register("jsondecode")(lambda text: jsondecode(to_string(text)))
_register("tostring")(lambda v: None if v is None else to_string(v))
_register("tonumber")(lambda v: None if v is None else to_number(v))
_register("tobool")(lambda v: None if v is None else to_bool(v))
_register("tolist")(lambda v: None if v is None else _unify(_list(v)))
_register("toset")(lambda v: None if v is None else _set(_list(v)))
_register("tomap")(lambda v: None if v is None else dict(_map(v)))
_register("base64encode")(lambda s: base64.b64encode(to_string(s).encode()).decode())
_register("base64decode")(lambda s: base64.b64decode(to_string(s), validate=True).decode("utf-8"))
_register("base64sha256")(lambda s: base64.b64encode(hashlib.sha256(to_string(s).encode()).digest()).decode())
for _algo in ("md5", "sha1", "sha256", "sha512"):
    _register(_algo)(lambda s, _a=_algo: hashlib.new(_a, to_string(s).encode()).hexdigest())
_register("uuid", "timestamp", args=0)(lambda: Unknown(""))  # not known until apply


@_register("can", tolerant=True)
def _can(value: Value) -> Value:
    if has_error(value):
        return False
    known_deep(value)
    return True


# --- collections ---------------------------------------------------------------------------------
_register("concat", args=(0, None))(lambda *lists: [x for lst in lists for x in _list(lst)])
_register("merge", args=(0, None))(
    lambda *ms: {k: v for m in ms if m is not None for k, v in _map(m).items()}
)
_register("keys")(lambda m: sorted(_map(m)))
_register("values")(lambda m: [_map(m)[k] for k in sorted(_map(m))])
_register("reverse")(lambda lst: _list(lst)[::-1])
_register("sort")(lambda lst: sorted(to_string(x) for x in _list(lst)))
_register("setunion", args=(1, None))(lambda *sets: _set([x for s in sets for x in _list(s)]))
_register("compact")(lambda lst: [to_string(x) for x in map(known, _list(lst)) if x is not None and x != ""])


@_register("setintersection", args=(1, None))
def _setintersection(first: Value, *rest: Value) -> Value:
    others = [known_deep(_list(r)) for r in rest]
    return _set([x for x in _list(first) if all(any(equal(x, y) for y in o) for o in others)])


@_register("setsubtract", args=2)
def _setsubtract(first: Value, second: Value) -> Value:
    other = known_deep(_list(second))
    return _set([x for x in _list(first) if not any(equal(x, y) for y in other)])


@_register("flatten")
def _flatten(lst: Value) -> list[Value]:
    return [y for x in _list(lst) for y in (_flatten(x) if is_list(known(x)) else [x])]


@_register("distinct")
def _distinct(lst: Value) -> list[Value]:
    out: list[Value] = []
    for item in _list(lst):
        if not any(equal(known_deep(item), seen) for seen in out):
            out.append(item)
    return out


@_register("length")
def _length(value: Value) -> int:
    value = known(value)
    if isinstance(value, str):  # Terraform counts grapheme clusters: combining marks add nothing
        return sum(1 for c in value if not unicodedata.combining(c))
    if is_list(value) or isinstance(value, Mapping):
        return len(value)
    raise ConvertError("length needs a string, list or map")


@_register("lookup", args=(2, 3))
def _lookup(mapping: Value, key: Value, *default: Value) -> Value:
    mapping, key = _map(mapping), to_string(key)
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise ConvertError(f"no key {key!r} in the map")


@_register("element", args=2)
def _element(lst: Value, index: Value) -> Value:
    items, i = _list(lst), _int(index)
    if i < 0 or not items:
        raise ConvertError("element needs a non-empty list and a non-negative index")
    return items[i % len(items)]  # Terraform wraps around


@_register("coalesce", "coalescelist", args=(1, None), tolerant=True)
def _coalesce(*args: Value) -> Value:
    for arg in args:
        known(arg)  # an unknown before the first usable value could itself be the answer
        if arg is not None and arg != "" and arg != []:
            return arg
    raise ConvertError("no non-null, non-empty argument")


@_register("contains", args=2)
def _contains(lst: Value, value: Value) -> bool:
    known_deep(value)
    pending = None
    for item in _list(lst):
        pending = pending or first_unknown(item)
        if equal(item, value):
            return True
    if pending is not None:
        raise NeedKnown(pending)
    return False


@_register("zipmap", args=2)
def _zipmap(keys: Value, values: Value) -> dict[str, Value]:
    names, items = [to_string(k) for k in _list(keys)], _list(values)
    if len(names) != len(items):
        raise ConvertError("zipmap needs lists of the same length")
    return dict(zip(names, items, strict=True))


@_register("slice", args=3)
def _slice(lst: Value, start: Value, end: Value) -> list[Value]:
    items, low, high = _list(lst), _int(start), _int(end)
    if not 0 <= low <= high <= len(items):
        raise ConvertError("slice bounds out of range")
    return items[low:high]


@_register("one")
def _one(lst: Value) -> Value:
    items = _list(lst)
    if len(items) > 1:
        raise ConvertError("one needs a list of zero or one elements")
    return items[0] if items else None


@_register("range", args=(1, 3))
def _range(*args: Value) -> list[Value]:
    nums = [to_number(a) for a in args]
    start, limit = (0, nums[0]) if len(nums) == 1 else (nums[0], nums[1])
    step = nums[2] if len(nums) == 3 else (1 if start <= limit else -1)
    if step == 0 or (start < limit and step < 0) or (start > limit and step > 0):
        raise ConvertError("range step must move from start towards limit")
    out: list[Value] = []
    while (start < limit) if step > 0 else (start > limit):
        if len(out) == _MAX_RANGE:
            raise ConvertError(f"more than {_MAX_RANGE} values")
        out.append(normalize(start))
        start += step
    return out


# --- numbers -------------------------------------------------------------------------------------
_register("abs")(lambda n: abs(to_number(n)))
_register("ceil")(lambda n: math.ceil(to_number(n)))
_register("floor")(lambda n: math.floor(to_number(n)))
_register("signum")(lambda n: (to_number(n) > 0) - (to_number(n) < 0))
_register("max", args=(1, None))(lambda *ns: max(to_number(n) for n in ns))
_register("min", args=(1, None))(lambda *ns: min(to_number(n) for n in ns))


@_register("pow", args=2)
def _pow(base: Value, exponent: Value) -> Value:
    b, e = to_number(base), to_number(exponent)
    if isinstance(b, int) and isinstance(e, int) and 0 <= e <= 1024:  # bounded: no runaway big ints
        return b**e
    return normalize(float(b) ** float(e))


@_register("parseint", args=2)
def _parseint(text: Value, base: Value) -> int:
    digits, radix = to_string(text), _int(base)
    if not 2 <= radix <= 36 or not re.fullmatch(r"[-+]?[0-9a-zA-Z]+", digits):
        raise ConvertError("parseint needs digits and a base from 2 to 36")
    return int(digits, radix)


# --- strings -------------------------------------------------------------------------------------
_register("lower")(lambda s: to_string(s).lower())
_register("upper")(lambda s: to_string(s).upper())
_register("trimspace")(lambda s: to_string(s).strip())
_register("chomp")(lambda s: to_string(s).rstrip("\r\n"))
_register("trim", args=2)(lambda s, cut: to_string(s).strip(to_string(cut)))
_register("trimprefix", args=2)(lambda s, p: to_string(s).removeprefix(to_string(p)))
_register("trimsuffix", args=2)(lambda s, p: to_string(s).removesuffix(to_string(p)))
_register("startswith", args=2)(lambda s, p: to_string(s).startswith(to_string(p)))
_register("endswith", args=2)(lambda s, p: to_string(s).endswith(to_string(p)))
_register("strrev")(lambda s: to_string(s)[::-1])
_register("split", args=2)(lambda sep, s: _split(to_string(sep), to_string(s)))
_register("join", args=(2, None))(
    lambda sep, *ls: to_string(sep).join(to_string(x) for y in ls for x in _list(y))
)


def _split(sep: str, text: str) -> list[Value]:
    return list(text) if sep == "" else list(text.split(sep))


@_register("substr", args=3)
def _substr(text: Value, offset: Value, length: Value) -> str:
    chars, start, count = to_string(text), _int(offset), _int(length)
    if start < 0:
        start = max(0, len(chars) + start)
    return chars[start:] if count < 0 else chars[start : start + count]


@_register("format", args=(1, None))
def _format(fmt: Value, *args: Value) -> str:
    return format_string(to_string(fmt), list(args))


@_register("formatlist", args=(1, None))
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
        return format(_int(number), f"{align}{sign}{alt}{zero}{width}{verb}")
    return format(float(number), f"{align}{sign}{zero}{width}{prec}{verb}")


# --- regular expressions -------------------------------------------------------------------------
@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    # RE2 spellings Python lacks: (?<name>...) for (?P<name>...), \z for \Z.
    pattern = re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern).replace(r"\z", r"\Z")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise Unsupported(str(exc)) from exc


def _groups(pattern: re.Pattern[str], match: re.Match[str]) -> Value:
    if pattern.groupindex:
        return {name: match[name] for name in pattern.groupindex}
    return list(match.groups()) if pattern.groups else match[0]


@_register("regex", args=2)
def _regex_fn(pattern: Value, text: Value) -> Value:
    compiled = _regex(to_string(pattern))
    match = compiled.search(to_string(text))
    if match is None:
        raise ConvertError("pattern did not match")
    return _groups(compiled, match)


@_register("regexall", args=2)
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


@_register("replace", args=3)
def _replace(text: Value, search: Value, replacement: Value) -> str:
    subject, needle, new = to_string(text), to_string(search), to_string(replacement)
    if len(needle) > 1 and needle.startswith("/") and needle.endswith("/"):
        return _regex(needle[1:-1]).sub(lambda m: _expand(new, m), subject)
    return subject.replace(needle, new)


# --- files and the AWS provider ------------------------------------------------------------------
def _path(caller: Caller, path: Value) -> Path:
    target = Path(os.path.expanduser(to_string(path)))
    base = caller.base_dir()
    return Path(base) / target if base is not None and not target.is_absolute() else target


def _read(caller: Caller, path: Value) -> Value:
    target = _path(caller, path)
    try:
        if target.stat().st_size > MAX_FILE_BYTES:
            return Unknown("")
        data = target.read_bytes()
    except OSError:  # absent here; it may exist where Terraform runs
        return Unknown("")
    return data.decode("utf-8")  # Terraform rejects non-UTF-8 files too


_register("file", caller=True)(_read)
_register("fileexists", caller=True)(lambda caller, path: _path(caller, path).is_file())


@_register("templatefile", args=2, caller=True)
def _templatefile(caller: Caller, path: Value, variables: Value) -> Value:
    text = _read(caller, path)
    return text if isinstance(text, Unknown) else caller.render_template(text, _map(variables))


_ARN_PARTS = ("partition", "service", "region", "account_id", "resource")
_register("provider::aws::arn_build", args=5)(lambda *parts: ":".join(["arn", *map(to_string, parts)]))


@_register("provider::aws::arn_parse")
def _arn_parse(arn: Value) -> dict[str, Value]:
    parts = to_string(arn).split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ConvertError("not an ARN")
    return dict(zip(_ARN_PARTS, parts[1:], strict=True))
