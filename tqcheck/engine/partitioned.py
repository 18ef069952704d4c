"""Partitioned reports for large runs: one table per part plus a summary, never the whole corpus in memory.

``check_partitioned`` reads the inputs a part at a time (corpus files through
``tqcheck.readers.corpus.iter_parts``, TMX and XLIFF files parsed incrementally through
``tqcheck.readers.tmx/xliff.iter_parts``, other files whole and then cut), checks the parts
with any runner (a bounded number in flight) and writes each part's sentence
table as soon as it is checked: ``part-FFFFF-PPPPP.parquet`` (or ``.csv``,
``.jsonl``), FFFFF the input's position and PPPPP the part's. The rows are the
sentence table's columns without the run-wide ``rank``, in reading order.
``_summary.json`` holds the run's counts, fluency mean and minimum, penalty,
notices, signature, the parts and the 20 worst sentences (ranked as in the
report).

The folder is tqcheck's only when it made it: a new folder (created, with a ``.tqcheck-partitioned`` marker)
or an empty one. A folder that holds anything else — or any input of the run — is refused (exit 2), never
emptied. The tables are written into a temporary folder created inside it and moved into place when the run
is complete; only then are the previous run's tables and summary (files tqcheck recognises by name, in a
folder with its marker) deleted. A symlink to a folder is written through, never replaced.
"""

from __future__ import annotations

import heapq
import importlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from tqcheck.core.errors import BackendError, OutputError, TqcheckError, UsageError
from tqcheck.output.report import SEGMENT_COLUMNS, Report, summary_of
from tqcheck.readers.inputs import EXTENSIONS, FORMATS
from tqcheck.core.result import Counts, DocumentResult, total

if TYPE_CHECKING:
    from tqcheck.core.config import Settings
    from tqcheck.engine.runners import Advance, Task

#: Formats of the part tables.
PART_FORMATS = ("parquet", "csv", "jsonl")
#: Sentences listed in the summary (worst first). Origin: convention.
WORST = 20
ROW_COLUMNS: tuple[str, ...] = SEGMENT_COLUMNS[1:]


def iter_tasks(paths: Sequence[str], settings: "Settings", part_segments: int | None = None,
               stdin_name: str = "<stdin>") -> Iterator["Task"]:
    """The parts of every input in run order, read lazily (corpus files a part at a time), cut as
    ``document.cut`` cuts (``part_segments``: parts of that size)."""
    from tqcheck.readers.corpus import corpus_format, iter_parts
    from tqcheck.readers.inputs import collect_files, default_include, load_documents
    from tqcheck.core.document import cut
    from tqcheck.engine.runners import Task

    include = default_include() if settings.include is None else settings.include
    for position, name in enumerate(collect_files(paths, include, settings.exclude)):
        streamed = None if name == "-" else STREAMED_XML.get(Path(name).suffix.lower())
        if name != "-" and (corpus_format(name) is not None or streamed is not None):
            from tqcheck.core.config import settings_for_path
            from tqcheck.core.limits import input_limit

            _check_size(name, input_limit(settings))
            if streamed is not None:  # TMX and XLIFF parsed incrementally, a part at a time
                parts = importlib.import_module(streamed).iter_parts(name, settings_for_path(settings, name),
                                                                     part_segments)
            else:
                parts = iter_parts(name, settings, part_segments)
        else:
            [document] = load_documents([name], None, (), stdin_name=stdin_name, settings=settings)
            parts = iter(cut(document, part_segments))
        for number, part in enumerate(parts):
            yield Task((position, number), part)


#: XML formats read a part at a time (extension -> module with ``iter_parts``).
STREAMED_XML: dict[str, str] = {ext: FORMATS[fmt].module for ext, fmt in EXTENSIONS.items()
                                 if FORMATS[fmt].parts == "xml"}


def _check_size(name: str, limit: int) -> None:
    """Corpus, TMX and XLIFF files are read in parts, so only a sanity bound applies: 1,000 times max_input_mb."""
    size = os.path.getsize(name)
    if size > 1000 * limit:
        raise UsageError(f"{name}: {size} bytes is more than 1,000 x max_input_mb; raise max_input_mb")


def part_rows(result: DocumentResult, flag_threshold: float) -> list[dict[str, Any]]:
    """The sentence-table rows of one result, in reading order, without the run-wide rank."""
    rows = Report.merge([result], flag_threshold=flag_threshold).rows()
    rows.sort(key=lambda row: row["segment"])
    for row in rows:
        del row["rank"]
    return rows


@dataclass
class Summary:
    """Counts over every part, independent of the order the parts arrive in: each result's ``Counts`` added to its
    file's (the gate reads them per file, as it reads a report's)."""

    flag_threshold: float = 0.5
    #: The gate's ``min_fluency`` of a file (per-path overrides), for ``Counts.below_min_fluency``.
    min_fluency: Callable[[str], float] | None = None
    #: file -> (input position, the file's Counts so far)
    by_file: dict[str, tuple[int, Counts]] = field(default_factory=dict)
    notices: set[str] = field(default_factory=set)
    signature: dict[str, str] = field(default_factory=dict)
    parts: list[dict[str, Any]] = field(default_factory=list)
    worst: list[tuple] = field(default_factory=list)

    def add(self, result: DocumentResult, rows: list[dict[str, Any]], name: str) -> None:
        """Count one part."""
        threshold = self.min_fluency(result.path) if self.min_fluency is not None else -1.0
        position, counts = self.by_file.get(result.path, (result.order[0], Counts()))
        self.by_file[result.path] = (min(position, result.order[0]),
                                     counts + result.counts(self.flag_threshold, threshold))
        self.notices.update(result.notices)
        self.signature.update(result.signature)
        self.parts.append({"part": name, "file": result.path, "segments": len(rows),
                           "first_line": rows[0]["line"] if rows else None})
        for row in rows:
            key = (1.0 if row["fluency"] is None else row["fluency"], -row["penalty"], -row["findings"],
                   row["file"], row["segment"])
            item = (tuple(-k if isinstance(k, (int, float)) else _Desc(k) for k in key), row)
            if len(self.worst) < WORST:
                heapq.heappush(self.worst, item)
            elif item[0] > self.worst[0][0]:
                heapq.heapreplace(self.worst, item)

    def counts(self) -> dict[str, Counts]:
        """The counts of every file, in input order."""
        return {path: counts for path, (_, counts) in sorted(self.by_file.items(), key=lambda i: (i[1][0], i[0]))}

    def to_dict(self) -> dict[str, Any]:
        """The summary as written to _summary.json."""
        worst = [row for _, row in sorted(self.worst, key=lambda item: item[0], reverse=True)]
        files = self.counts()
        return {
            "tool": "tqcheck",
            "signature": dict(sorted(self.signature.items())),
            "summary": summary_of(total(files.values()), len(files)),
            "files": [{"file": path, **counts.to_dict()} for path, counts in files.items()],
            "notices": sorted(self.notices),
            "parts": sorted(self.parts, key=lambda p: p["part"]),
            "worst": worst,
        }


class _Desc:
    """Reverses the order of a string inside a heap key (the heap keeps the largest negated key)."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __lt__(self, other: "_Desc") -> bool:
        return self.value > other.value

    def __gt__(self, other: "_Desc") -> bool:
        return self.value < other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.value == other.value


def write_part(folder: Path, name: str, rows: list[dict[str, Any]], fmt: str) -> None:
    """One part's table in ``fmt``."""
    path = folder / f"{name}.{fmt}"
    if fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise BackendError("Parquet reports need pyarrow: pip install 'tqcheck[scale]'") from None
        pq.write_table(pa.Table.from_pylist(rows, schema=_schema()), path)
    elif fmt == "csv":
        import csv

        from tqcheck.output.writers.csv import cell_text  # the report's own cells: formulas neutralised

        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(ROW_COLUMNS)
            for row in rows:
                writer.writerow([cell_text(row[c]) for c in ROW_COLUMNS])
    else:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            for row in rows:
                handle.write(json.dumps({c: row[c] for c in ROW_COLUMNS}, ensure_ascii=False) + "\n")


def _schema() -> Any:
    import pyarrow as pa

    types = {"line": pa.int64(), "column": pa.int64(), "segment": pa.int64(), "fluency": pa.float64(),
             "similarity": pa.float64(), "flagged": pa.bool_(), "findings": pa.int64(), "critical": pa.int64(),
             "major": pa.int64(), "minor": pa.int64(), "penalty": pa.int64()}
    return pa.schema([(c, types.get(c, pa.string())) for c in ROW_COLUMNS])


def check_partitioned(paths: Sequence[str], settings: "Settings", folder: str | Path, fmt: str = "parquet", *,
                      jobs: int | None = None, dask: str | None = None, advance: "Advance" = lambda n: None,
                      stdin_name: str = "<stdin>", part_segments: int | None = None) -> dict[str, Any]:
    """Check ``paths`` part by part into ``folder`` (part tables and _summary.json); returns the summary."""
    from tqcheck.engine.runners import make_runner

    if fmt not in PART_FORMATS:
        raise UsageError(f"unknown partition format {fmt!r} (valid: {', '.join(PART_FORMATS)})")
    folder = Path(folder)
    created = prepare_folder(folder, _input_files(paths, settings))
    try:
        temporary = Path(tempfile.mkdtemp(prefix=TEMPORARY_PREFIX, dir=folder))
    except OSError as exc:
        _abandon(folder, created)
        raise OutputError(f"cannot write in the report folder: {exc.strerror or exc}", path=str(folder)) from None
    from tqcheck.core.config import settings_for_path
    from tqcheck.engine.pipeline import flag_threshold

    threshold = flag_threshold(settings)
    summary = Summary(flag_threshold=threshold, min_fluency=lambda path: settings_for_path(settings, path).min_fluency)
    tasks = iter_tasks(paths, settings, part_segments, stdin_name)
    try:
        # runs of unknown size: worker processes when more than one core (or --jobs N) is asked for
        with make_runner(jobs, dask, segments=1 << 62) as runner:
            for result in runner.results(tasks, settings, advance):
                rows = part_rows(result, threshold)
                name = f"part-{result.order[0]:05d}-{result.order[1]:05d}"
                write_part(temporary, name, rows, fmt)
                summary.add(result, rows, f"{name}.{fmt}")
        data = summary.to_dict()
        (temporary / SUMMARY).write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                                         encoding="utf-8")
        _move_into(temporary, folder)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        _abandon(folder, created)
        raise
    return data


#: The marker of a folder tqcheck made for --partitioned output, and the files it writes there.
MARKER = ".tqcheck-partitioned"
MARKER_TEXT = ("This folder holds tqcheck --partitioned output: part tables and _summary.json.\n"
               "tqcheck replaces them on its next run into this folder and refuses a folder holding anything else.\n")
SUMMARY = "_summary.json"
TEMPORARY_PREFIX = ".tqcheck-tmp-"
_PART_NAME = re.compile(r"part-\d{5,}-\d{5,}\.(?:parquet|csv|jsonl)")
_TEMPORARY_NAME = re.compile(re.escape(TEMPORARY_PREFIX) + r"[A-Za-z0-9_]+")


def _is_output_file(name: str) -> bool:
    return name == SUMMARY or bool(_PART_NAME.fullmatch(name))


def _regular(path: Path) -> bool:
    try:
        return path.is_file() and not path.is_symlink()
    except OSError:
        return False


def _stale_temporary(path: Path) -> bool:
    """A temporary folder a killed run left: a real folder with tqcheck's name holding only its tables."""
    if not (_TEMPORARY_NAME.fullmatch(path.name) and path.is_dir() and not path.is_symlink()):
        return False
    try:
        return all(_is_output_file(p.name) and _regular(p) for p in path.iterdir())
    except OSError:
        return False


def _input_files(paths: Sequence[str], settings: "Settings") -> list[str]:
    """The files the run reads, as it will find them ([] when they cannot be listed: reading reports why)."""
    from tqcheck.readers.inputs import collect_files, default_include

    include = default_include() if settings.include is None else settings.include
    try:
        return [f for f in collect_files(paths, include, settings.exclude) if f != "-"]
    except (TqcheckError, OSError):
        return []


def prepare_folder(folder: Path, inputs: Sequence[str] = ()) -> bool:
    """Make ``folder`` ready for a run's tables; returns whether tqcheck created it. UsageError when it holds
    anything but an earlier run's output, or one of the ``inputs``; OutputError when it cannot be made."""
    if os.path.lexists(folder) and not folder.is_dir():
        raise OutputError("not a folder", path=str(folder))
    try:
        resolved = folder.resolve()
        for name in inputs:
            if Path(name).resolve().is_relative_to(resolved):
                raise UsageError(f"{folder}: --partitioned folder holds the input {name}; name a new or empty "
                                 "folder outside the inputs")
    except (OSError, RuntimeError):
        pass
    if not folder.exists():
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise OutputError(f"cannot create report folder: {exc.strerror or exc}", path=str(folder)) from None
        created = True
    else:
        created = False
        try:
            entries = list(folder.iterdir())
        except OSError as exc:
            raise OutputError(f"cannot read report folder: {exc.strerror or exc}", path=str(folder)) from None
        ours = any(e.name == MARKER and _regular(e) for e in entries)
        foreign = [e for e in entries if not (ours and (e.name == MARKER or (_is_output_file(e.name) and _regular(e))
                                                        or _stale_temporary(e)))]
        if foreign:
            shown = foreign[0].name + (f" and {len(foreign) - 1} more" if len(foreign) > 1 else "")
            raise UsageError(f"{folder}: --partitioned folder is not empty and was not made by tqcheck "
                             f"--partitioned (it holds {shown}); name a new or empty folder")
    try:
        from tqcheck.core.files import write_atomic

        write_atomic(folder / MARKER, MARKER_TEXT)
    except TqcheckError:
        _abandon(folder, created)
        raise
    return created


def _abandon(folder: Path, created: bool) -> None:
    """After a failed run: a folder tqcheck created and left empty (but for its marker) is removed again."""
    if not created:
        return
    try:
        entries = list(folder.iterdir())
        if all(e.name == MARKER for e in entries):
            for entry in entries:
                entry.unlink()
            folder.rmdir()
    except OSError:
        pass


def _move_into(temporary: Path, folder: Path) -> None:
    """Replace the previous run's tables in ``folder`` by the complete new ones in ``temporary`` (summary
    last), then remove ``temporary`` and any temporary folder an earlier killed run left."""
    for entry in list(folder.iterdir()):
        if entry != temporary and _is_output_file(entry.name) and _regular(entry):
            entry.unlink()
    written = sorted(temporary.iterdir(), key=lambda p: (p.name == SUMMARY, p.name))
    for path in written:
        os.replace(path, folder / path.name)
    temporary.rmdir()
    for entry in list(folder.iterdir()):
        if entry != temporary and _stale_temporary(entry):
            shutil.rmtree(entry, ignore_errors=True)


def file_counts(data: dict[str, Any]) -> dict[str, Counts]:
    """The per-file ``Counts`` of a partitioned run's summary (``_summary.json``), for the gate."""
    return {item["file"]: Counts.from_dict(item) for item in data.get("files", [])}


__all__ = ["check_partitioned", "prepare_folder", "MARKER", "file_counts", "iter_tasks", "part_rows", "Summary",
           "PART_FORMATS"]
