"""Dask entry point: check the rows of a Dask DataFrame where they live.

``check_dataframe(ddf, target="target", source="source")`` returns a lazy Dask
DataFrame with one row per checked segment (the sentence table's columns, without
the run-wide ``rank``); each partition is checked on a worker by that worker's
pipeline, loaded once per worker process. Needs ``pip install 'tqcheck[scale]'``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from tqcheck.core.errors import BackendError, UsageError
from tqcheck.output.report import SEGMENT_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

    from tqcheck.core.config import Settings

#: Columns of the per-segment results (the sentence table without the run-wide rank) and their dtypes.
RESULT_DTYPES: dict[str, str] = {
    "file": "object", "line": "int64", "column": "int64", "segment": "int64", "unit_id": "object",
    "sentence": "object", "source": "object", "fluency": "float64", "similarity": "float64",
    "flagged": "bool", "findings": "int64", "critical": "int64", "major": "int64", "minor": "int64",
    "penalty": "int64", "categories": "object", "rules": "object", "engines": "object", "spans": "object",
    "messages": "object", "suggestions": "object",
}
assert tuple(RESULT_DTYPES) == SEGMENT_COLUMNS[1:], "RESULT_DTYPES must follow SEGMENT_COLUMNS"


def empty_results() -> "pd.DataFrame":
    """An empty per-segment results frame with the right columns and dtypes (Dask's ``meta``)."""
    import pandas as pd

    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in RESULT_DTYPES.items()})


def check_partition(frame: "pd.DataFrame", settings: "Settings", target: str, source: str | None,
                    id: str | None, name: str) -> "pd.DataFrame":  # noqa: A002 - the user's word
    """Per-segment results of one pandas partition, in row order (runs on a worker)."""
    import pandas as pd

    from tqcheck.readers.frame import document_from_frame
    from tqcheck.output.report import Report
    from tqcheck.engine.pipeline import flag_threshold
    from tqcheck.engine.runners import Task, check_task

    if frame.empty:
        return empty_results()
    document = document_from_frame(frame, source=source, target=target, id=id, name=name)
    report = Report.merge([check_task(Task((0, 0), document), settings)], flag_threshold=flag_threshold(settings))
    rows = sorted(report.rows(), key=lambda row: row["segment"])
    result = pd.DataFrame(rows, columns=list(SEGMENT_COLUMNS)).drop(columns=["rank"])
    result["fluency"] = result["fluency"].astype("float64")
    result["similarity"] = result["similarity"].astype("float64")
    return result.astype(RESULT_DTYPES).reset_index(drop=True)


def check_dataframe(ddf: Any, target: str = "target", source: str | None = "source", id: str | None = None,  # noqa: A002
                    *, config: str | os.PathLike | None = None, name: str = "<frame>", **settings: Any) -> Any:
    """A lazy Dask DataFrame of per-segment results for the rows of ``ddf`` (settings as keyword arguments)."""
    try:
        import dask.dataframe as dd
    except ImportError:
        raise BackendError("tqcheck.engine.dask needs dask: pip install 'tqcheck[scale]'") from None
    if not isinstance(ddf, dd.DataFrame):
        raise UsageError(f"expected a dask DataFrame, got {type(ddf).__name__}")
    columns = [str(c) for c in ddf.columns]
    for role, column in (("target", target), ("source", source), ("id", id)):
        if column is not None and column not in ddf.columns:
            raise UsageError(f"no {role} column {column!r} in the DataFrame (columns: {', '.join(columns)})")
    from tqcheck.core.config import make_settings

    effective = make_settings((), config, settings)
    return ddf.map_partitions(check_partition, effective, target, source, id, name, meta=empty_results(),
                              enforce_metadata=False, align_dataframes=False)


__all__ = ["check_dataframe", "check_partition", "empty_results", "RESULT_DTYPES"]
