"""Corpus inputs: JSON Lines and Parquet tables, and large bilingual tables read in parts.

A corpus file has one translation unit per row, with named columns (the
``source_column``, ``target_column`` and ``id_column`` settings; ``id`` is
optional). ``iter_parts`` reads such a file a part at a time — never the whole
file in memory — and yields Documents of at most ``size`` segments whose lines,
columns and offsets are those of the whole file. ``read_jsonl`` and
``read_parquet`` read a whole file into one Document (the ordinary readers).

- ``.jsonl``: one JSON object per line; line n of the report is line n of the file.
- ``.parquet``: read in record batches with pyarrow (``pip install 'tqcheck[scale]'``);
  line n of the report is row n (1-based).
- ``.tsv``/``.csv``: a header row, then one unit per row (quoted fields may span lines).
"""

from __future__ import annotations

import io
import itertools
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from tqcheck.core.document import Document, whitespace_edges
from tqcheck.core.errors import BackendError, InputError
from tqcheck.readers.inputs import EXTENSIONS, FORMATS

if TYPE_CHECKING:
    from tqcheck.core.config import Settings

def corpus_format(path: str) -> str | None:
    """The corpus format of a file by its extension (jsonl, parquet, tsv, csv: the tables of one unit per row in
    ``tqcheck.readers.inputs.FORMATS``), or None for other files."""
    suffix = Path(path).suffix.lower()
    fmt = EXTENSIONS.get(suffix)
    if fmt is None or FORMATS[fmt].parts != "rows":
        return None
    if fmt == "table":
        return "tsv" if suffix in (".tsv", ".tab") else "csv"
    return fmt


#: Corpus file extensions and their formats (from the one extension table).
CORPUS_EXTENSIONS: dict[str, str] = {ext: fmt for ext in EXTENSIONS if (fmt := corpus_format("x" + ext)) is not None}


def _setting(settings: "Settings | None", name: str, default: str) -> str:
    return default if settings is None else settings.get(name)


def _columns(settings: "Settings | None", path: str) -> tuple[str, str, str]:
    """(source, target, id) column names for ``path`` (its per-path overrides applied)."""
    if settings is not None:
        from tqcheck.core.config import settings_for_path

        settings = settings_for_path(settings, path)
    return (_setting(settings, "source_column", "source"), _setting(settings, "target_column", "target"),
            _setting(settings, "id_column", "id"))


def _language(settings: "Settings | None", path: str) -> str:
    from tqcheck.readers.units import base_language, language_pair_from_name

    return base_language(_setting(settings, "source_language", "")) or language_pair_from_name(path)[0]


class PartBuilder:
    """Builds part Documents from rows: (line number, line text, unit id, source, target)."""

    def __init__(self, path: str, fmt: str, language: str) -> None:
        self.path, self.fmt, self.language = path, fmt, language
        self.index = 0  # next segment index in the whole file
        self.origin = 0  # characters before the next part's text

    def part(self, rows: Sequence[tuple[int, str, str, str | None, str]]) -> Document:
        """One part from consecutive rows (``line text`` ends with a newline)."""
        first_line = rows[0][0] if rows else 1
        text = "".join(row[1] for row in rows)
        document = Document(path=self.path, text=text, format=self.fmt, source_language=self.language,
                            origin=self.origin, first_line=first_line)
        offset = self.origin
        for _line, line_text, unit_id, source, target, *hint in rows:
            stripped = " ".join(target.split())
            if stripped:
                at = line_text.find(stripped, hint[0] if hint else 0)
                start = offset + (at if at >= 0 else 0)
                segment = document.add_segment(stripped, start, paragraph=self.index,
                                               source=None if source is None else source.strip(),
                                               unit_id=unit_id, source_edges=whitespace_edges(source),
                                               target_edges=whitespace_edges(target))
                document.segments[-1] = _reindexed(segment, self.index)
                self.index += 1
            offset += len(line_text)
        self.origin = offset
        return document


def _reindexed(segment, index: int):
    from dataclasses import replace

    return replace(segment, index=index)


def iter_parts(path: str, settings: "Settings | None" = None, size: int | None = None,
               raw: bytes | None = None) -> Iterator[Document]:
    """The documents of a corpus file a part at a time (the file is never read whole): parts of ``size``
    segments, or by default as ``document.cut`` cuts a document (one part when the file has at most
    ``WHOLE_SEGMENTS`` segments, else parts of ``PART_SEGMENTS``). ``raw``: the file's bytes, already read
    (standard input named ``path`` by --stdin-name: the disk is not read)."""
    fmt = corpus_format(path)
    if fmt is None:
        raise InputError("not a corpus file (expected .jsonl, .parquet, .tsv or .csv)", path=path)
    source_col, target_col, id_col = _columns(settings, path)
    builder = PartBuilder(path, fmt, _language(settings, path))
    source: str | bytes = path if raw is None else raw
    rows = {"jsonl": _jsonl_rows, "parquet": _parquet_rows, "tsv": _table_rows, "csv": _table_rows}[fmt](
        path, source_col, target_col, id_col, source)
    yield from cut_rows(builder, rows, size)
    if builder.index == 0:
        raise InputError("no translation units to check", path=path)


def cut_rows(builder: "PartBuilder", rows: Iterable[tuple], size: int | None = None) -> Iterator[Document]:
    """Part Documents from rows (a row's fifth field is its target; rows with a blank target are no segment),
    cut as ``iter_parts`` says; a part ends with the row of its last segment."""
    from tqcheck.core.document import PART_SEGMENTS, WHOLE_SEGMENTS

    batches = _batches(rows, size or PART_SEGMENTS)
    if size is None:  # one part when the whole file has at most WHOLE_SEGMENTS segments
        held: list[list[tuple]] = []
        kept = 0
        for batch in batches:
            held.append(batch)
            kept += sum(1 for row in batch if row[4].strip())
            if kept > WHOLE_SEGMENTS:
                break
        else:
            if kept:
                yield builder.part([row for batch in held for row in batch])
            return
        batches = itertools.chain(held, batches)
    for batch in batches:
        if any(row[4].strip() for row in batch):
            yield builder.part(batch)


def _batches(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    """Consecutive rows holding ``size`` segments each (the last may hold fewer, or none)."""
    batch: list[tuple] = []
    kept = 0
    for row in rows:
        batch.append(row)
        if row[4].strip():
            kept += 1
        if kept >= size:
            yield batch
            batch, kept = [], 0
    if batch:
        yield batch


def read_whole(path: str, settings: "Settings | None" = None, raw: bytes | None = None) -> Document:
    """A corpus file as one Document (its parts joined); ``raw``: its bytes, already read (else the file)."""
    return Document.joined(list(iter_parts(path, settings, size=1 << 62, raw=raw)))


def read_jsonl(path: str, raw: bytes | None = None, settings: "Settings | None" = None) -> Document:
    """Reader for ``.jsonl`` files (one JSON object per line, named source/target/id keys); ``raw``: the bytes
    read already (standard input, or the file read within its size limit), else the file ``path``."""
    return read_whole(path, settings, raw)


def read_parquet(path: str, raw: bytes | None = None, settings: "Settings | None" = None) -> Document:
    """Reader for ``.parquet`` files (named source/target/id columns); ``raw`` as for ``read_jsonl``."""
    return read_whole(path, settings, raw)


def _open(source: str | bytes):
    """A binary handle on a file name, or on bytes already read."""
    return io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")


#: A JSON escape of a UTF-16 surrogate (``\ud800``): where one stands alone, the text is not Unicode.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _lone_surrogate(value: object) -> str | None:
    """The first string in ``value`` (a decoded JSON value) holding a lone surrogate, else None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value
        return None
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list):
        for item in value:
            found = _lone_surrogate(item)
            if found is not None:
                return found
    return None


def _missing(role: str, name: str, available: Sequence[str], path: str, line: int | None = None) -> InputError:
    key = f"{role}_column"
    return InputError(f"no {role} column {name!r} (columns: {', '.join(available)}); set {key} in the "
                      "configuration", path=path, line=line)


def _resolve(names: Sequence[str], source_col: str, target_col: str, id_col: str, path: str,
             line: int | None = None) -> tuple[str, str | None, str | None]:
    """The (target, source, id) keys present in ``names``: the configured names, else their usual aliases
    (as for TSV tables); a missing target is an InputError."""
    from tqcheck.readers.table import ALIASES

    def find(name: str, role: str) -> str | None:
        for candidate in (name,) + (ALIASES[role] if name == role else ()):
            for present in names:
                if present.lower() == candidate.lower():
                    return present
        return None

    target = find(target_col, "target")
    if target is None:
        raise _missing("target", target_col, list(names), path, line)
    return target, find(source_col, "source"), find(id_col, "id")


def _jsonl_rows(path: str, source_col: str, target_col: str, id_col: str, source: str | bytes = ""):
    keys: tuple[str, str | None, str | None] | None = None
    with _open(source if isinstance(source, bytes) else path) as binary:
        handle = _TextLines(binary, path)
        for number, line in enumerate(iter(handle.readline, ""), start=1):
            if not line.strip():
                yield number, line if line.endswith("\n") else line + "\n", str(number), None, ""
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"not valid JSON: {exc.msg}", path=path, line=number) from None
            except RecursionError:
                raise InputError("JSON nested too deeply", path=path, line=number) from None
            except ValueError:  # Python refuses to read an integer of more than 4,300 digits
                raise InputError("not valid JSON: an integer of more than 4,300 digits", path=path,
                                 line=number) from None
            if not isinstance(record, dict):
                raise InputError("expected one JSON object per line", path=path, line=number)
            if _SURROGATE_ESCAPE.search(line):
                bad = _lone_surrogate(record)
                if bad is not None:
                    at = next(i for i, c in enumerate(bad) if "\ud800" <= c <= "\udfff")
                    raise InputError(f"a lone UTF-16 surrogate (\\u{ord(bad[at]):04x}) in a string: not Unicode "
                                     "text", path=path, line=number)
            if keys is None or keys[0] not in record:
                keys = _resolve(list(record), source_col, target_col, id_col, path, number)
            target_key, source_key, id_key = keys
            target = record[target_key]
            source = record.get(source_key) if source_key else None
            if not isinstance(target, str) or (source is not None and not isinstance(source, str)):
                raise InputError(f"{target_key!r} and {source_key!r} must be strings", path=path, line=number)
            unit_id = record.get(id_key) if id_key else None
            yield (number, line if line.endswith("\n") else line + "\n",
                   str(number) if unit_id is None else str(unit_id), source, target,
                   max(line.find(f'"{target_key}"'), 0))


def _parquet_rows(path: str, source_col: str, target_col: str, id_col: str, source: str | bytes = ""):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise BackendError("Parquet inputs need pyarrow: pip install 'tqcheck[scale]'") from None
    try:
        table = pq.ParquetFile(io.BytesIO(source) if isinstance(source, bytes) else path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise InputError(f"not a Parquet file: {exc}", path=path) from None
    target_col, source_col, id_col = _resolve(table.schema_arrow.names, source_col, target_col, id_col, path)
    columns = [c for c in (id_col, source_col, target_col) if c is not None]
    number = 0
    for batch in table.iter_batches(batch_size=4096, columns=columns):
        data = batch.to_pydict()
        targets = data[target_col]
        sources = data[source_col] if source_col else [None] * len(targets)
        ids = data[id_col] if id_col else [None] * len(targets)
        for unit_id, source, target in zip(ids, sources, targets):
            number += 1
            target = "" if target is None else str(target)
            line_text = " ".join(target.split()) + "\n"
            yield number, line_text, str(number) if unit_id is None else str(unit_id), \
                None if source is None else str(source), target


def _table_rows(path: str, source_col: str, target_col: str, id_col: str, source: str | bytes = ""):
    from tqcheck.readers.table import _column, field_offsets, table_rows

    delimiter = "\t" if Path(path).suffix.lower() in (".tsv", ".tab") else ","
    with _open(source if isinstance(source, bytes) else path) as binary:
        rows = table_rows(iter(_TextLines(binary, path).readline, ""), delimiter, path)
        first = next(rows, None)
        if first is None:
            raise InputError("empty file: no header row", path=path, line=1)
        header = [h.strip() for h in first[2]]
        source_index = _column(header, source_col, "source", path, "source_column")
        target_index = _column(header, target_col, "target", path, "target_column")
        id_index = _column(header, id_col, "id", path, "id_column", required=False)
        yield 1, _line_ended(first[1]), "", None, ""  # the header row: text of the file, no unit
        for line, raw, row in rows:
            raw = _line_ended(raw)
            if not any(cell.strip() for cell in row):
                yield line, raw, str(line), None, ""
                continue
            if len(row) != len(header):
                raise InputError(f"row has {len(row)} columns, the header has {len(header)}", path=path, line=line)
            unit_id = row[id_index].strip() if id_index is not None else str(line)
            offsets = field_offsets(raw, delimiter, target_index)
            yield line, raw, unit_id, row[source_index], row[target_index], offsets[0] if offsets else 0


def _line_ended(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


class _TextLines:
    """UTF-8 lines of a binary file (BOM skipped); a line that is not UTF-8, or longer than a whole input
    may be (max_input_mb), is an InputError naming its line."""

    def __init__(self, binary: io.BufferedIOBase, path: str) -> None:
        from tqcheck.core.limits import input_limit

        self.binary = binary
        self.path = path
        self.number = 0
        self.longest = input_limit()

    def readline(self) -> str:
        """The next line, decoded ('' at the end)."""
        raw = self.binary.readline(self.longest + 1)
        if not raw:
            return ""
        self.number += 1
        if len(raw) > self.longest:
            raise InputError(f"line longer than {self.longest:,} bytes (max_input_mb)", path=self.path,
                             line=self.number)
        if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text (invalid byte 0x{raw[exc.start]:02x}); save it as UTF-8",
                             path=self.path, line=self.number) from None


__all__ = ["iter_parts", "read_jsonl", "read_parquet", "read_whole", "corpus_format", "CORPUS_EXTENSIONS"]
