"""The Python API for notebooks and scripts: ``check`` and ``check_frame`` return a Report.

Nothing here prints or exits, and nothing is kept between calls: a ``Checker``
holds the loaded rules and models for as many calls as you like (and releases
them on ``close()`` or at the end of a ``with`` block); the module functions make
a Checker, use it once and close it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from tqcheck.core.document import Document
from tqcheck.core.errors import InputError, UsageError
from tqcheck.core.config import ARGUMENT_ORIGIN, make_settings  # noqa: F401 (part of the API)
from tqcheck.output.report import Report
from tqcheck.readers.frame import document_from_frame

if TYPE_CHECKING:
    import pandas as pd

    from tqcheck.core.config import Settings
    from tqcheck.engine.pipeline import Pipeline

#: Where settings given as keyword arguments come from (named in error messages).


class Checker:
    """Rules and models loaded once, for any number of ``check``/``check_frame`` calls."""

    def __init__(self, config: str | os.PathLike | None = None, *, progress: bool = False,
                 settings: "Settings | None" = None, **overrides: Any) -> None:
        self.settings = settings if settings is not None else make_settings((), config, overrides)
        self.progress = progress
        self._pipeline: "Pipeline | None" = None

    @property
    def pipeline(self) -> "Pipeline":
        """The pipeline (loaded on first use)."""
        if self._pipeline is None:
            from tqcheck.engine.pipeline import Pipeline

            self._pipeline = Pipeline(self.settings)
        return self._pipeline

    def run(self, documents: Sequence[Document]) -> Report:
        """Check ready-made documents and return the ranked Report."""
        pipeline = self.pipeline
        total = sum(len(d.segments) for d in documents) * max(pipeline.stages, 1)
        # the source check of bilingual documents is one more pass
        total += sum(len(d.segments) for d in documents if any(s.source for s in d.segments))
        with progress_bar(self.progress, total) as advance:
            return pipeline.run(list(documents), advance)

    def check(self, text_or_path: str | os.PathLike) -> Report:
        """Check a text, a file or a folder (any format tqcheck reads)."""
        return self.run(documents_for(text_or_path, self.settings))

    def check_frame(self, frame: "pd.DataFrame", source: str | None = "source", target: str = "target",
                    id: str | None = None, name: str = "<frame>") -> Report:  # noqa: A002 - the user's word
        """Check a DataFrame: one segment per row, its ``target`` column checked beside ``source``."""
        return self.run([document_from_frame(frame, source=source, target=target, id=id, name=name)])

    def close(self) -> None:
        """Release the models and any backend process; safe to call twice."""
        if self._pipeline is not None:
            self._pipeline.close()
            self._pipeline = None

    def __enter__(self) -> "Checker":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def check(text_or_path: str | os.PathLike, *, config: str | os.PathLike | None = None, progress: bool = False,
          **settings_overrides: Any) -> Report:
    """Check a text, file or folder; settings as keyword arguments (e.g. ``grammar="none"``)."""
    path = _as_path(text_or_path)
    settings = make_settings([str(path)] if path is not None else [], config, settings_overrides)
    with Checker(settings=settings, progress=progress) as checker:
        return checker.check(text_or_path)


def check_frame(frame: "pd.DataFrame", source: str | None = "source", target: str = "target",
                id: str | None = None, *, config: str | os.PathLike | None = None,  # noqa: A002
                progress: bool = False, **settings_overrides: Any) -> Report:
    """Check the rows of a DataFrame: ``target`` is checked, ``source`` (optional) is its source text."""
    with Checker(config, progress=progress, **settings_overrides) as checker:
        return checker.check_frame(frame, source=source, target=target, id=id)


def _as_path(value: str | os.PathLike) -> Path | None:
    """``value`` as a path when it names an existing file or folder (text otherwise)."""
    if isinstance(value, os.PathLike):
        return Path(value)
    if not isinstance(value, str):
        raise UsageError(f"expected a text or a path, got {type(value).__name__}")
    if "\n" in value or len(value) > 1024 or not value.strip():
        return None
    try:
        return Path(value) if Path(value).exists() else None
    except OSError:
        return None


def looks_like_path(text: str) -> bool:
    """Whether a string that names no existing file is still meant as a path: one word with a path separator or
    ending in an extension tqcheck reads (``typo.txt``, ``docs/a.md``), not a text to check."""
    from tqcheck.readers.inputs import EXTENSIONS

    value = text.strip()
    if not value or any(ch.isspace() for ch in value):
        return False
    return value.startswith(("/", "./", "../", "~/", ".\\")) or Path(value).suffix.lower() in EXTENSIONS


def documents_for(text_or_path: str | os.PathLike, settings: "Settings") -> list[Document]:
    """Documents of a text, file or folder."""
    from tqcheck.readers.inputs import document_from_text, load_documents

    path = _as_path(text_or_path)
    if path is None:
        if isinstance(text_or_path, os.PathLike):
            raise InputError("no such file or folder", path=str(text_or_path))
        if not str(text_or_path).strip():
            raise InputError("empty text: nothing to check", path="<text>")
        if looks_like_path(str(text_or_path)):
            raise InputError("no such file or folder (the text is a file name, not prose to check; "
                             "check the name of the file, or pass a pathlib.Path)", path=str(text_or_path))
        return [document_from_text(str(text_or_path))]
    return load_documents([str(path)], settings.include, settings.exclude, settings=settings)


class progress_bar:
    """A tqdm.auto bar (a widget in Jupyter, text in a terminal) as a progress callback; off when disabled."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = enabled
        self.total = total
        self._bar: Any = None

    def __enter__(self):
        if not self.enabled:
            return lambda _n: None
        from tqdm.auto import tqdm

        self._bar = tqdm(total=self.total, desc="tqcheck", unit="seg", leave=False)
        return self._bar.update

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.close()
