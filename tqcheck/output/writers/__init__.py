"""Writers: a registry of named output formats that all read one Report."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from typing import ClassVar

from tqcheck.core.errors import UsageError
from tqcheck.core.files import check_writable, write_atomic, write_files
from tqcheck.output.report import Report

__all__ = ["Writer", "register", "writer_names", "get_writer", "write_atomic", "write_files", "check_writable",
           "WRITER_MODULES"]

#: Writer name -> module that defines it (imported only when the writer is used).
WRITER_MODULES: dict[str, str] = {
    "csv": "tqcheck.output.writers.csv",
    "terminal": "tqcheck.output.writers.terminal",
    "line": "tqcheck.output.writers.line",
    "json": "tqcheck.output.writers.json",
    "jsonl": "tqcheck.output.writers.json",
    "sarif": "tqcheck.output.writers.sarif",
    "github": "tqcheck.output.writers.github",
    "junit": "tqcheck.output.writers.junit",
    "junit-sentences": "tqcheck.output.writers.junit",
    "html": "tqcheck.output.writers.html",
}

_REGISTRY: dict[str, type["Writer"]] = {}


class Writer(ABC):
    """Renders a Report as text in one format."""

    name: ClassVar[str]
    extension: ClassVar[str] = ".txt"
    #: True when the writer's natural place is a file (csv); False for streams (github).
    to_file: ClassVar[bool] = False

    @abstractmethod
    def render(self, report: Report) -> str:
        """The whole output as one string."""


def register(cls: type[Writer]) -> type[Writer]:
    """Class decorator adding a writer to the registry under ``cls.name``."""
    _REGISTRY[cls.name] = cls
    return cls


def writer_names() -> list[str]:
    """Every known writer name, sorted."""
    return sorted(WRITER_MODULES)


def get_writer(name: str) -> Writer:
    """A writer instance by name; unknown names are a UsageError listing the valid ones."""
    if name not in WRITER_MODULES:
        raise UsageError(f"unknown format {name!r} (valid: {', '.join(writer_names())})")
    if name not in _REGISTRY:
        importlib.import_module(WRITER_MODULES[name])
    return _REGISTRY[name]()
