"""The one error hierarchy: every problem a user can cause is a TfcheckError with a clear line."""

from __future__ import annotations


class TfcheckError(Exception):
    """Base of every error tfcheck reports to the user (exit code 2)."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line:
                where += f":{self.line}" + (f":{self.column}" if self.column else "")
            where += ": "
        return where + self.message


class InputError(TfcheckError):
    """A plan, HCL file or policy document that tfcheck cannot read."""


class ConfigError(TfcheckError):
    """A tfcheck.hcl or command-line option that is wrong."""


class PolicyError(ValueError):
    """A policy document of the wrong shape; callers wrap it in InputError with the file."""
