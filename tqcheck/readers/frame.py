"""A pandas DataFrame of translations as a Document: one segment per row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tqcheck.core.document import Document, whitespace_edges
from tqcheck.core.errors import UsageError

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
    ids = [str(v) for v in (frame[id].tolist() if id is not None else frame.index.tolist())]
    document = Document(path=name, text="\n".join(targets), format="frame")
    offset = 0
    for text, raw, source_text, unit_id in zip(targets, raw_targets, sources, ids):
        if text.strip():
            document.add_segment(text, offset, paragraph=len(document.segments), source=source_text,
                                 unit_id=unit_id, source_edges=whitespace_edges(source_text),
                                 target_edges=whitespace_edges(raw))
        offset += len(text) + 1
    return document


def _missing(value: Any) -> bool:
    """Whether a cell is empty (None or NaN)."""
    return value is None or (isinstance(value, float) and value != value)
