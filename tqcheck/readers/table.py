"""Bilingual TSV/CSV tables: a header row naming the source, target and (optional) id columns."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from tqcheck.core.document import Document
from tqcheck.core.errors import InputError
from tqcheck.readers.units import Unit, base_language, bilingual_document, language_pair_from_name, line_offsets, setting
from tqcheck.readers.inputs import decode

if TYPE_CHECKING:
    from tqcheck.core.config import Settings

#: Other common names tried when the default column name is absent.
ALIASES = {
    "source": ("source", "src", "source_text", "original", "source_sentence"),
    "target": ("target", "tgt", "target_text", "translation", "mt", "target_sentence"),
    "id": ("id", "unit_id", "key", "segment_id", "seg_id"),
}


class _Recorded:
    """Lines handed to csv.reader, remembering the raw text of the current row (quoted line breaks included)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = iter(lines)
        self.buffer: list[str] = []

    def __iter__(self) -> "_Recorded":
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.buffer.append(line)
        return line

    def take(self) -> str:
        """The raw text read since the last call."""
        text = "".join(self.buffer)
        self.buffer = []
        return text


def table_rows(lines: Iterable[str], delimiter: str, path: str,
               error: type = InputError) -> Iterator[tuple[int, str, list[str]]]:
    """(first line, raw text, cells) of every row of a CSV/TSV table, the header first, read a line at a time
    (``lines`` keep their line ends), parsed strictly: the one TSV/CSV reader of whole tables (``read``) and of
    tables read in parts (``tqcheck.readers.corpus``).

    A stray quote, or a quote never closed, is an ``error`` naming the line where its row starts; so is a
    quoted cell that swallowed whole rows (a line inside it with as many separators as the header has).
    """
    recorded = _Recorded(lines)
    reader = csv.reader(recorded, delimiter=delimiter, strict=True)
    line, columns = 1, 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = "a quoted cell is never closed" if "end of data" in str(exc) else str(exc)
            raise error(f"malformed row: {reason}", path=path, line=line) from None
        if columns > 1 and reader.line_num > line:
            for cell in row:
                for inner in cell.split("\n")[1:]:
                    if inner.count(delimiter) >= columns - 1:
                        raise error("malformed row: a quoted cell holds whole rows (an unterminated quote?)",
                                    path=path, line=line)
        columns = columns or len(row)
        yield line, recorded.take(), row
        line = reader.line_num + 1


def csv_rows(text: str, delimiter: str, path: str, error: type = InputError) -> list[tuple[int, list[str]]]:
    """(first line, cells) of every row of a CSV/TSV text, parsed strictly (``table_rows``)."""
    return [(line, row) for line, _, row in table_rows(io.StringIO(text, newline=""), delimiter, path, error)]


def read(path: str, raw: bytes, settings: "Settings | None" = None) -> Document:
    """A TSV (``.tsv``) or CSV (``.csv``) file with a header row; each row is one unit."""
    text = decode(raw, path)
    delimiter = "\t" if Path(path).suffix.lower() in (".tsv", ".tab") else ","
    rows = csv_rows(text, delimiter, path)
    if not rows:
        raise InputError("empty file: no header row", path=path, line=1)
    header = [h.strip().lstrip("\ufeff") for h in rows[0][1]]
    source_col = _column(header, setting(settings, "source_column", "source"), "source", path, "source_column")
    target_col = _column(header, setting(settings, "target_column", "target"), "target", path, "target_column")
    id_col = _column(header, setting(settings, "id_column", "id"), "id", path, "id_column", required=False)
    lines = line_offsets(text)
    units = []
    for number, (line, row) in enumerate(rows[1:], start=1):
        next_line = rows[number + 1][0] if number + 1 < len(rows) else len(lines) + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(f"row has {len(row)} columns, the header has {len(header)}", path=path, line=line)
        start = lines[line - 1]
        end = lines[next_line - 1] if next_line - 1 < len(lines) else len(text)
        offsets = field_offsets(text[start:end], delimiter, target_col)
        target = row[target_col]
        if offsets is None or len(offsets) != len(target):
            char_map = None
        elif isinstance(offsets, range):  # an unquoted field: its characters are a slice of the file
            char_map = range(start + offsets.start, start + offsets.stop)
        else:
            char_map = [start + o for o in offsets]
        unit_id = row[id_col].strip() if id_col is not None else str(line)
        units.append(Unit(unit_id, row[source_col], target, start, char_map))
    pair_source, _ = language_pair_from_name(path)
    language = base_language(setting(settings, "source_language", "")) or pair_source
    return bilingual_document(path, text, "tsv" if delimiter == "\t" else "csv", units, source_language=language)


def _column(header: list[str], name: str, role: str, path: str, key: str, required: bool = True) -> int | None:
    """Index of the column ``name`` (case-insensitive; the usual aliases when the default name is absent)."""
    lowered = [h.lower() for h in header]
    candidates = (name,) + (ALIASES[role] if name == role else ())
    for candidate in candidates:
        if candidate.lower() in lowered:
            found = [k for k, h in enumerate(lowered) if h == candidate.lower()]
            if len(found) > 1:  # which one holds the text cannot be told: never a silent pick of the first
                raise InputError(f"{len(found)} columns are named {candidate!r} (columns "
                                 f"{', '.join(str(k + 1) for k in found)}): the {role} column is ambiguous; rename "
                                 "all but one", path=path, line=1)
            return found[0]
    if not required:
        return None
    raise InputError(f"no {role} column {name!r} in the header (columns: {', '.join(header)}); "
                     f"set {key} in the configuration", path=path, line=1)


def field_offsets(record: str, delimiter: str, index: int) -> Sequence[int] | None:
    """Offsets (within ``record``) of each character of field ``index`` after CSV unquoting."""
    if '"' not in record:  # no quoting: the field is a plain slice (most rows of a large table)
        end = len(record)
        for stop in ("\n", "\r"):
            at = record.find(stop, 0, end)
            end = at if at >= 0 else end
        start = 0
        for _ in range(index):
            at = record.find(delimiter, start, end)
            if at < 0:
                return None
            start = at + 1
        at = record.find(delimiter, start, end)
        return range(start, end if at < 0 else at)
    field = 0
    i = 0
    n = len(record)
    while field <= index and i <= n:
        offsets: list[int] = []
        if i < n and record[i] == '"':
            i += 1
            while i < n:
                if record[i] == '"':
                    if i + 1 < n and record[i + 1] == '"':
                        offsets.append(i)
                        i += 2
                        continue
                    i += 1
                    break
                offsets.append(i)
                i += 1
            while i < n and record[i] not in (delimiter, "\n", "\r"):
                offsets.append(i)
                i += 1
        else:
            while i < n and record[i] not in (delimiter, "\n", "\r"):
                offsets.append(i)
                i += 1
        if field == index:
            return offsets
        if i >= n or record[i] != delimiter:
            return None
        i += 1
        field += 1
    return None
