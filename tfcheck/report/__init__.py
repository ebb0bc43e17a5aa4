"""Reporters: pure `render(result) -> str` functions; REPORTERS is the one format registry."""

from __future__ import annotations

from collections.abc import Callable

from tfcheck.enforce import Result
from tfcheck.report import json as json_report
from tfcheck.report import text

Reporter = Callable[[Result], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
}
