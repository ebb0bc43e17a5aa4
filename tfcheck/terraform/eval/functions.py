"""Calls Terraform's built-in functions; holds the conversion, encoding, number and file functions."""

from __future__ import annotations

import base64
import hashlib
import math
import os
import re
from collections.abc import Callable
from pathlib import Path

from tfcheck.errors import InputError
from tfcheck.terraform.confine import readable_by_functions

# Importing the other function modules registers their functions.
from tfcheck.terraform.eval import (
    collection_functions,  # noqa: F401
    string_functions,  # noqa: F401
)
from tfcheck.terraform.eval.budget import (
    MAX_STRING,
    BudgetExceeded,
    charge_items,
    charge_string,
    measure,
)
from tfcheck.terraform.eval.function_registry import (
    FUNCTIONS,
    Caller,
    Function,
    Unsupported,
    register,
    to_int,
    to_list,
    to_map,
    to_set,
    unify,
)
from tfcheck.terraform.eval.values import (
    ConvertError,
    NeedKnown,
    Unknown,
    Value,
    has_error,
    jsondecode,
    jsonencode,
    known_deep,
    normalize,
    pick_unknown,
    to_bool,
    to_number,
    to_string,
)
from tfcheck.terraform.files import read_limited

__all__ = ["FUNCTIONS", "Function", "call_function"]

MAX_FILE_BYTES = 10 * 1024 * 1024


def call_function(name: str, args: list[Value], caller: Caller, text: Callable[[], str]) -> Value:
    """Calls a function; an unknown name, unknown argument or failure gives Unknown(text())."""
    func = FUNCTIONS.get(name)
    if func is None:
        return Unknown(text())
    if len(args) < func.min_args or (func.max_args is not None and len(args) > func.max_args):
        return Unknown(text(), error=f"wrong number of arguments to {name}")
    unknown = None if func.tolerant else pick_unknown(args)
    # cty refines the unknown result of a function as not null, unless it may return null.
    not_null = name not in MAY_RETURN_NULL
    if unknown is not None:
        return Unknown(text(), error=unknown.error, not_null=not_null)
    try:
        if measure(args, MAX_STRING) > MAX_STRING:  # what encoding or joining them would copy
            raise BudgetExceeded(f"the arguments of {name}() hold more than {MAX_STRING} "
                                 "characters and elements")
        result = func.impl(caller, *args) if func.needs_caller else func.impl(*args)
        if isinstance(result, str):
            charge_string(len(result))
        elif isinstance(result, (list, dict)):
            charge_items(len(result))
    except BudgetExceeded as exc:  # the call that spent it is the expression to name
        raise exc.at(None, None, " ".join(text().split())[:160]) from None
    except MemoryError:  # never an unknown that could pass: the budget says why
        raise BudgetExceeded(f"{name}() ran out of memory").at(
            None, None, " ".join(text().split())[:160]) from None
    except NeedKnown as exc:
        return Unknown(text(), error=exc.unknown.error, not_null=not_null)
    except Unsupported:
        return Unknown(text())
    except InputError:  # a path out of the scanned tree (confine): the run stops, nothing is read
        raise
    except (ValueError, TypeError, LookupError, ArithmeticError) as exc:
        return Unknown(text(), error=f"{name}: {exc}")
    except Exception:  # noqa: BLE001 - input is untrusted: a function's flaw must not end the run
        return Unknown(text())
    if isinstance(result, Unknown) and not result.text:  # made here (jsonencode, file): name the call
        return Unknown(text(), result.partial, result.error, not_null=not_null)
    return result


#: Functions whose result may be null (an element or a looked-up value of a collection).
MAY_RETURN_NULL = frozenset({"lookup", "element", "one", "try", "coalesce", "sensitive",
                             "nonsensitive", "tomap", "toset", "tolist", "type"})


# --- encoding and conversion ---------------------------------------------------------------------
register("jsonencode", tolerant=True)(jsonencode)
register("jsondecode")(lambda text: jsondecode(to_string(text)))
register("tostring")(lambda v: None if v is None else to_string(v))
register("tonumber")(lambda v: None if v is None else to_number(v))
register("tobool")(lambda v: None if v is None else to_bool(v))
register("tolist")(lambda v: None if v is None else unify(to_list(v)))
register("toset")(lambda v: None if v is None else to_set(to_list(v)))
register("tomap")(lambda v: None if v is None else dict(to_map(v)))
register("base64encode")(lambda s: base64.b64encode(to_string(s).encode()).decode())
register("base64decode")(lambda s: base64.b64decode(to_string(s), validate=True).decode("utf-8"))
register("base64sha256")(lambda s: base64.b64encode(hashlib.sha256(to_string(s).encode()).digest()).decode())
for _algo in ("md5", "sha1", "sha256", "sha512"):
    register(_algo)(lambda s, _a=_algo: hashlib.new(_a, to_string(s).encode()).hexdigest())
register("uuid", "timestamp", args=0)(lambda: Unknown(""))  # not known until apply


@register("can", tolerant=True)
def _can(value: Value) -> Value:
    if has_error(value):
        return False
    known_deep(value)
    return True


# --- numbers -------------------------------------------------------------------------------------
register("abs")(lambda n: abs(to_number(n)))
register("ceil")(lambda n: math.ceil(to_number(n)))
register("floor")(lambda n: math.floor(to_number(n)))
register("signum")(lambda n: (to_number(n) > 0) - (to_number(n) < 0))
register("max", args=(1, None))(lambda *ns: max(to_number(n) for n in ns))
register("min", args=(1, None))(lambda *ns: min(to_number(n) for n in ns))


@register("pow", args=2)
def _pow(base: Value, exponent: Value) -> Value:
    b, e = to_number(base), to_number(exponent)
    if isinstance(b, int) and isinstance(e, int) and 0 <= e <= 1024:  # bounded: no runaway big ints
        return b**e
    return normalize(float(b) ** float(e))


@register("parseint", args=2)
def _parseint(text: Value, base: Value) -> int:
    digits, radix = to_string(text), to_int(base)
    if not 2 <= radix <= 36 or not re.fullmatch(r"[-+]?[0-9a-zA-Z]+", digits):
        raise ConvertError("parseint needs digits and a base from 2 to 36")
    return int(digits, radix)


# --- files and the AWS provider ------------------------------------------------------------------
def _path(caller: Caller, path: Value) -> Path:
    target = Path(os.path.expanduser(to_string(path)))
    base = caller.base_dir()
    return Path(base) / target if base is not None and not target.is_absolute() else target


def _confined(caller: Caller, path: Value) -> Path | None:
    """Where `path` leads, when a configuration may read there (confine.readable_by_functions: in
    the scanned tree, not git's or Terraform's data, not a plan or state); None when there is no
    root to judge from. Anywhere else is an input error: the configuration is untrusted input, and
    file("/proc/self/environ") or "~/.aws/credentials" would put the CI's credentials into a report."""
    root = caller.root_dir()
    if root is None:
        return None
    written = to_string(path)
    return readable_by_functions(_path(caller, path), Path(root), written)


def _read(caller: Caller, path: Value) -> Value:
    target = _confined(caller, path)
    # Absent here (it may exist where Terraform runs), or not a file.
    if target is None or not target.is_file():
        return Unknown("")
    try:
        data = read_limited(str(target), MAX_FILE_BYTES, str(target))
    except InputError:
        return Unknown("")
    return data.decode("utf-8")  # Terraform rejects non-UTF-8 files too


def _exists(caller: Caller, path: Value) -> Value:
    target = _confined(caller, path)
    return Unknown("") if target is None else target.is_file()


register("file", caller=True)(_read)
register("fileexists", caller=True)(_exists)


@register("templatefile", args=2, caller=True)
def _templatefile(caller: Caller, path: Value, variables: Value) -> Value:
    text = _read(caller, path)
    return text if isinstance(text, Unknown) else caller.render_template(text, to_map(variables))


_ARN_PARTS = ("partition", "service", "region", "account_id", "resource")
register("provider::aws::arn_build", args=5)(lambda *parts: ":".join(["arn", *map(to_string, parts)]))


@register("provider::aws::arn_parse")
def _arn_parse(arn: Value) -> dict[str, Value]:
    parts = to_string(arn).split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ConvertError("not an ARN")
    return dict(zip(_ARN_PARTS, parts[1:], strict=True))
