"""Annotated examples for the learned detector: the shipped MQM/MLQE-PE/CoLA sets and a user's own files."""

from __future__ import annotations

import csv
import io
import html
import json
import re
from pathlib import Path
from typing import Iterable, Iterator

from tqcheck.core.errors import InputError
from tqcheck.scoring.detector.rows import Example  # noqa: F401 (re-exported: the training data's type)
from tqcheck.training.splits import unit_of

#: The MQM folders of the shared data, in a fixed order (leave-one-set-out folds follow it).
MQM_SETS: tuple[str, ...] = (
    "mqm_zhen_newstest2020",
    "mqm_zhen_newstest2021",
    "mqm_zhen_ted2021",
    "mqm_zhen_generalmt2023",
)
#: Severities that count as a major error.
MAJOR = ("major", "critical")
#: Annotated files larger than this are refused (a training file, not a corpus).
MAX_FILE_BYTES = 512 * 1024 * 1024
_SPAN_MARK = re.compile(r"</?v>")


# ---------------------------------------------------------------- the shared data sets

def _read_tsv(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a tab-separated file with a header (strict quoting; bad rows name their line)."""
    if not path.is_file():
        raise InputError(f"{path}: no such annotated file")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", strict=True)
        try:
            yield from reader
        except csv.Error as exc:
            raise InputError(f"{path}:{reader.line_num}: {exc}") from None
        except UnicodeDecodeError:
            raise InputError(f"{path}:{reader.line_num + 1}: not UTF-8 text; save it as UTF-8") from None


def mqm_label(n_raters: int, n_raters_with_major: int) -> float | None:
    """Sentence label from rater counts: bad when most raters (or the only one) marked a major error.

    With three raters, one of three is ambiguous (None); with one rater, that rater decides.
    """
    need = 2 if n_raters >= 3 else 1
    if n_raters_with_major >= need:
        return 1.0
    if n_raters_with_major == 0:
        return 0.0
    return None


def mqm_examples(folder: Path) -> list[Example]:
    """Examples of one MQM set (``dev.segments.tsv``): sentence labels and major spans weighted by raters."""
    out = []
    for row in _read_tsv(folder / "dev.segments.tsv"):
        n_raters = max(int(row["n_raters"] or 1), 1)
        spans, known = [], True
        for item in json.loads(row["spans"] or "[]"):
            _, severity, _, side, start, end = item[:6]
            if severity not in MAJOR:
                continue
            if side == "target" and int(start) >= 0 and int(end) > int(start):
                spans.append((int(start), int(end), 1.0 / n_raters))
            elif side == "target" or not str(item[2]).lower().startswith("source"):
                known = False
        out.append(Example(text=row["target"], label=mqm_label(n_raters, int(row["n_raters_with_major"])),
                           spans=tuple(spans), spans_known=known, group=f"{folder.name}|{row['doc']}|{row['system']}",
                           kind="mqm", source=row["source"],
                           unit=unit_of(row["doc"], row["source"], data_set=folder.name,
                                        position=int(row["doc_seg_idx"] or 0))))
    return out


def tag_spans(text: str, tokens: str, tags: str) -> list[tuple[int, int]]:
    """Character spans in ``text`` of the runs of BAD-tagged tokens of its tokenised form (WMT QE word tags).

    Tokens are HTML-unescaped (Moses writes &apos; and &quot;) and found left to right; a token not found in the
    text is skipped, and a run of BAD tokens ends at an OK token or at the end.
    """
    spans: list[tuple[int, int]] = []
    cursor, run = 0, None
    for token, tag in zip(tokens.split(), tags.split()):
        if token == "<EOS>":
            break
        word = html.unescape(token)
        at = text.find(word, cursor)
        if at < 0:
            continue
        end = at + len(word)
        cursor = end
        if tag == "BAD":
            run = (run[0], end) if run else (at, end)
        elif run:
            spans.append(run)
            run = None
    if run:
        spans.append(run)
    return spans


def postedit_examples(folder: Path) -> list[Example]:
    """MLQE-PE post-edits: the words a translator changed, as token-level evidence only (no sentence label)."""
    out = []
    for row in _read_tsv(folder / "dev.tsv"):
        spans = tag_spans(row["target"], row["mt_tokens"], row["word_tags"])
        out.append(Example(text=row["target"], label=None, spans=tuple((a, b, 1.0) for a, b in spans),
                           spans_known=True, group=f"{folder.name}|{row['lp']}|{row['doc_id']}", kind="postedit",
                           source=row["source"],
                           unit=unit_of(f"{row['lp']}|{row['doc_id']}" if row["doc_id"] else "", row["source"])))
    return out


def cola_examples(folder: Path) -> list[Example]:
    """CoLA: unacceptable English as sentence-level evidence of a fluency error (no spans)."""
    return [Example(text=row["sentence"], label=1.0 - float(row["label"]), group=f"cola|{row['source_code']}",
                    kind="cola") for row in _read_tsv(folder / "dev.tsv")]


# ---------------------------------------------------------------- a user's own annotated file

def read_annotated(path: Path) -> list[Example]:
    """Examples from a user's TSV/CSV/JSONL: sentence labels and/or error spans (see docs/detector.md).

    Accepted shapes: one row per sentence with ``target`` (or ``text``) and ``label`` (1 = has a major error)
    and/or ``spans`` (JSON ``[[start, end], ...]`` or ``[[start, end, severity], ...]``); or an MQM export, one
    row per error with ``target`` holding ``<v>…</v>`` around the span and ``severity`` (rows of one segment are
    grouped by ``seg_id``/``doc`` when present, else by the target text).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MiB")
    rows = list(_rows(path, _text(path)))
    if not rows:
        raise InputError(f"{path}: no annotated rows")
    first = rows[0][1]
    target_key = "target" if "target" in first else "text" if "text" in first else None
    if target_key is None:
        raise InputError(f"{path}:1: needs a 'target' (or 'text') column; found {', '.join(first)}")
    if "severity" in first and "label" not in first and "spans" not in first:
        return _mqm_export(path, rows, target_key)
    if "label" not in first and "spans" not in first:
        raise InputError(f"{path}:1: needs a 'label' or 'spans' column (or 'severity' for an MQM export)")
    return [_sentence_row(path, line, row, target_key) for line, row in rows]


def _text(path: Path) -> str:
    """The text of an annotated file (UTF-8, a BOM skipped); bytes that are not UTF-8 name their line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(f"{path}:{line}: not UTF-8 text (invalid byte 0x{raw[exc.start]:02x}); save it as "
                         "UTF-8") from None


def _rows(path: Path, text: str | None = None) -> Iterator[tuple[int, dict]]:
    """(line, row) pairs of a JSONL, CSV or TSV file (``text``: its text, already read)."""
    if text is None:
        text = _text(path)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        for number, line in enumerate(io.StringIO(text, newline=None), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not JSON ({exc.msg})") from None
            except RecursionError:
                raise InputError(f"{path}:{number}: JSON nested too deeply") from None
            except ValueError:  # Python refuses to read an integer of more than 4,300 digits
                raise InputError(f"{path}:{number}: not JSON (an integer of more than 4,300 digits)") from None
            if not isinstance(row, dict):
                raise InputError(f"{path}:{number}: a JSON object per line is expected")
            try:
                json.dumps(row, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise InputError(f"{path}:{number}: a lone UTF-16 surrogate (\\ud800-\\udfff) in a string: not "
                                 "Unicode text") from None
            yield number, row
        return
    delimiter = "," if path.suffix.lower() == ".csv" else "\t"
    with io.StringIO(text, newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter, strict=True)
        try:
            for row in reader:
                if None in row:
                    raise InputError(f"{path}:{reader.line_num}: more fields than the header has")
                yield reader.line_num, row
        except csv.Error as exc:
            raise InputError(f"{path}:{reader.line_num}: {exc}") from None


def _sentence_row(path: Path, line: int, row: dict, target_key: str) -> Example:
    """One sentence row with a label and/or spans."""
    text = str(row[target_key])
    label = None
    if str(row.get("label", "")).strip() != "":
        try:
            label = float(row["label"])
        except ValueError:
            raise InputError(f"{path}:{line}: label {row['label']!r} is not 0 or 1") from None
        if label not in (0.0, 1.0):
            raise InputError(f"{path}:{line}: label {row['label']!r} is not 0 or 1")
    spans: list[tuple[int, int, float]] = []
    raw = row.get("spans", "")
    if raw not in ("", None):
        try:
            items = raw if isinstance(raw, list) else json.loads(raw)
        except (ValueError, RecursionError):
            raise InputError(f"{path}:{line}: spans must be a JSON list of [start, end] pairs") from None
        for item in items:
            if not isinstance(item, list) or len(item) < 2 or not all(isinstance(v, int) for v in item[:2]):
                raise InputError(f"{path}:{line}: spans must be a JSON list of [start, end] pairs")
            start, end = item[0], item[1]
            if not 0 <= start < end <= len(text):
                raise InputError(f"{path}:{line}: span [{start}, {end}] is outside the text ({len(text)} characters)")
            if len(item) < 3 or str(item[2]).lower() in MAJOR:
                spans.append((start, end, 1.0))
        if label is None:
            label = 1.0 if spans else 0.0
    return Example(text=text, label=label, spans=tuple(spans), spans_known=raw not in ("", None),
                   group=str(row.get("doc", row.get("group", ""))) or f"{path.name}:{line}", kind="user",
                   source=str(row.get("source", "")))


def _mqm_export(path: Path, rows: list[tuple[int, dict]], target_key: str) -> list[Example]:
    """Sentences of an MQM export (one row per error, the span between <v> and </v> in the target)."""
    segments: dict[tuple, dict] = {}
    for line, row in rows:
        marked = str(row[target_key])
        text = _SPAN_MARK.sub("", marked)
        key = (row.get("doc", ""), row.get("seg_id", row.get("doc_id", "")), row.get("system", ""), text)
        seg = segments.setdefault(key, {"text": text, "raters": set(), "major_raters": set(), "spans": [],
                                         "known": True, "group": str(row.get("doc", "")) or path.name,
                                         "source": _SPAN_MARK.sub("", str(row.get("source", "")))})
        rater = row.get("rater", "")
        seg["raters"].add(rater)
        severity = str(row.get("severity", "")).strip().lower()
        if severity not in MAJOR:
            continue
        seg["major_raters"].add(rater)
        start = marked.find("<v>")
        end = marked.find("</v>")
        if 0 <= start < end:
            seg["spans"].append((start, end - 3))
        else:
            seg["known"] = False
    out = []
    for seg in segments.values():
        n = max(len(seg["raters"]), 1)
        out.append(Example(text=seg["text"], label=mqm_label(n, len(seg["major_raters"])),
                           spans=tuple((a, b, 1.0 / n) for a, b in seg["spans"] if b > a),
                           spans_known=seg["known"], group=seg["group"], kind="user", source=seg["source"]))
    return out


def shared_examples(data: Path, sets: Iterable[str] = MQM_SETS) -> dict[str, list[Example]]:
    """The MQM sets found under ``data`` by folder name (the shared dev data)."""
    return {name: mqm_examples(data / name) for name in sets if (data / name / "dev.segments.tsv").is_file()}
