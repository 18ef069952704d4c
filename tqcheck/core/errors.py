"""Errors a user can cause; the CLI prints them on one line and exits 2."""

from __future__ import annotations


class TqcheckError(Exception):
    """Base of every error caused by input, configuration or environment."""

    def __init__(self, message: str, *, path: str = "", line: int | None = None,
                 column: int | None = None, key: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.key = key

    def __str__(self) -> str:
        where = self.path
        if where and self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.key:
            where = f"{where}: {self.key}" if where else self.key
        return f"{where}: {self.message}" if where else self.message


class InputError(TqcheckError):
    """A file to check cannot be read or parsed."""


class ConfigError(TqcheckError):
    """A configuration value or file is invalid."""


class RuleError(TqcheckError):
    """A rule file is invalid."""


class BackendError(TqcheckError):
    """An optional backend is missing or cannot start; the message says how to fix it."""


class UsageError(TqcheckError):
    """A command-line option has an invalid value."""


class OutputError(TqcheckError):
    """A report, baseline or standard output cannot be written (full disk, a folder in the way, ...)."""
