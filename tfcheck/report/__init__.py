"""Reporters: pure `render(result) -> str` functions; REPORTERS is the one format registry."""

from __future__ import annotations

from collections.abc import Callable

from tfcheck.enforce import Result
from tfcheck.report import github, gitlab, junit, markdown, sarif, text
from tfcheck.report import json as json_report

Reporter = Callable[[Result], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "markdown": markdown.render,
    "github": github.render,
    "gitlab": gitlab.render,
}
