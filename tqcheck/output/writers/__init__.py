"""Writers: a registry of named output formats that all read one Report."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from typing import ClassVar

from tqcheck.core.errors import UsageError
from tqcheck.core.files import check_writable, write_atomic, write_files
from tqcheck.output.report import Report

__all__ = ["Writer", "register", "writer_names", "get_writer", "write_atomic", "write_files", "check_writable",
           "WRITER_MODULES", "shown_notices"]

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


def shown_notices(report: Report) -> list[str]:
    """The notices a view shows, each once: the "cross-lingual meaning check off" notice only when it matters,
    that is when no scorer read the sources either (the detector's bilingual model compares every translation
    with its source; its signature names its source encoder)."""
    from tqcheck.checks.crosslingual import OFF_NOTICE

    sources_read = any(key.endswith("source_encoder") and value for key, value in report.signature.items())
    return [n for n in dict.fromkeys(report.notices) if not (n == OFF_NOTICE and sources_read)]
