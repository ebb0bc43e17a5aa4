"""One evaluation budget for reading a directory: instances, string and collection sizes, time.

A configuration is untrusted input: `indent(1e9, …)`, a module called 1000 times by a module
called 1000 times, or a template that doubles a string twenty times would take gigabytes or
hours. What
exceeds the budget is an input error naming the file and the expression (exit 2): never an
unknown value, which could end in a pass for what was not checked.

The limits are far above what real configurations reach (the largest policy AWS accepts is
20 KB; Terraform itself refuses `range()` of more than 1024 values).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: Resource and module instances expanded in one configuration. The benchmark's 10,000-unit
#: directory expands about 50,000 and needs 1.3 GB; a module fan-out stopped at this limit holds
#: 0.46 GB (250,000 would hold 1.1 GB, over the 1 GB that hostile input may take).
MAX_INSTANCES = 100_000
#: Characters of one string an expression builds.
MAX_STRING = 4_000_000
#: Elements of one list, set or map an expression builds.
MAX_ITEMS = 1_000_000
#: Characters and elements built by all expressions together (memory stays well below 1 GB).
MAX_TOTAL = 100_000_000
#: Seconds of evaluation for one directory.
MAX_SECONDS = 120.0


class BudgetExceeded(Exception):
    """The evaluation budget is spent: where (file, line, expression) is added on the way out."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what
        self.file: str | None = None
        self.line: int | None = None
        self.expression: str | None = None

    def at(self, file: str | None, line: int | None, expression: str | None) -> BudgetExceeded:
        """Records where it happened; the innermost place (the first to say) wins."""
        if self.file is None and file:
            self.file, self.line = file, line
        if self.expression is None and expression:
            self.expression = expression
        return self


class _Budget:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.built = 0
        self.instances = 0


_CURRENT: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("tfcheck_budget",
                                                                          default=None)


@contextmanager
def evaluation_budget() -> Iterator[None]:
    """A fresh budget for what is evaluated inside (one directory and its modules)."""
    token = _CURRENT.set(_Budget(MAX_SECONDS))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def charge_string(size: int) -> None:
    """Before building a string of `size` characters."""
    check_string(size)
    _charge(size)


def check_string(size: int) -> None:
    """While building a string, now `size` characters long (charged once built)."""
    if size > MAX_STRING:
        raise BudgetExceeded(f"a string of {size} characters (at most {MAX_STRING})")


def charge_items(size: int) -> None:
    """Before building a collection of `size` elements."""
    if size > MAX_ITEMS:
        raise BudgetExceeded(f"a collection of {size} elements (at most {MAX_ITEMS})")
    _charge(size)


def charge_instances(count: int) -> None:
    """Before expanding `count` more resource or module instances."""
    budget = _CURRENT.get()
    if budget is None:
        return
    budget.instances += count
    if budget.instances > MAX_INSTANCES:
        raise BudgetExceeded(f"more than {MAX_INSTANCES} resource and module instances")


def tick() -> None:
    """Called now and then while evaluating: past the deadline, stop."""
    budget = _CURRENT.get()
    if budget is not None and time.monotonic() > budget.deadline:
        raise BudgetExceeded(f"more than {MAX_SECONDS:.0f} seconds of evaluation")


def _charge(size: int) -> None:
    budget = _CURRENT.get()
    if budget is None:
        return
    budget.built += size
    if budget.built > MAX_TOTAL:
        raise BudgetExceeded(f"more than {MAX_TOTAL} characters and elements built in all")


def measure(value: object, limit: int) -> int:
    """Characters and elements of a value, counted (shared parts each time they appear, as
    encoding or joining would copy them) until `limit` is passed: then some size above it."""
    size, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            size += len(item)
        elif isinstance(item, (list, tuple)):
            size += len(item)
            stack.extend(item)
        elif isinstance(item, dict):
            size += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        else:
            size += 1
        if size > limit:
            return size
    return size
