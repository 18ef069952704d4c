"""A pandas DataFrame of translations as a Document: one segment per row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tqcheck.core.document import Document, lone_surrogate, surrogate_problem, whitespace_edges
from tqcheck.core.errors import InputError, UsageError
from tqcheck.core.limits import visible

if TYPE_CHECKING:
    import pandas as pd


def document_from_frame(frame: "pd.DataFrame", source: str | None = "source", target: str = "target",
                        id: str | None = None, name: str = "<frame>") -> Document:  # noqa: A002
    """A Document with one segment per row of ``frame`` (line n is row n)."""
    columns = [str(c) for c in frame.columns]
    for role, column in (("target", target), ("source", source), ("id", id)):
        if column is not None and column not in frame.columns:
            raise UsageError(f"no {role} column {column!r} in the DataFrame (columns: {', '.join(columns)})")
    raw_targets = ["" if _missing(v) else str(v) for v in frame[target].tolist()]
    targets = [" ".join(v.split()) for v in raw_targets]
    sources = ([None if _missing(v) else str(v) for v in frame[source].tolist()]
               if source is not None else [None] * len(targets))
    labels = frame.index.tolist()
    ids = [str(v) for v in (frame[id].tolist() if id is not None else labels)]
    _refuse_surrogates(((target, raw_targets), (source, sources), (id if id is not None else "index", ids)),
                       labels, name)
    document = Document(path=name, text="\n".join(targets), format="frame")
    offset = 0
    for text, raw, source_text, unit_id in zip(targets, raw_targets, sources, ids):
        if text.strip():
            document.add_segment(text, offset, paragraph=len(document.segments), source=source_text,
                                 unit_id=unit_id, source_edges=whitespace_edges(source_text),
                                 target_edges=whitespace_edges(raw))
        offset += len(text) + 1
    return document


def _refuse_surrogates(columns, labels: list, name: str) -> None:
    """An InputError naming the first cell holding a lone UTF-16 surrogate (row, column, index label, character)
    and how many more do; such text cannot be tokenized or written (pyarrow, UTF-8 writers)."""
    bad: list[tuple[int, str, int, str]] = []
    for column, values in columns:
        if column is None:
            continue
        for row, value in enumerate(values):
            at = -1 if value is None else lone_surrogate(value)
            if at >= 0:
                bad.append((row, str(column), at, value))
    if not bad:
        return
    row, column, at, value = min(bad, key=lambda b: (b[0], b[2]))
    more = len(bad) - 1
    raise InputError(f"column {column!r} (index {visible(repr(labels[row]))}), character {at + 1}: "
                     f"{surrogate_problem(value, at)}"
                     + (f" (and {more} more cell{'s' if more != 1 else ''})" if more else ""),
                     path=name, line=row + 1)


def _missing(value: Any) -> bool:
    """Whether a cell is empty (None or NaN)."""
    return value is None or (isinstance(value, float) and value != value)
