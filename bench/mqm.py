"""Reading the MQM zh-en sets of ``../shared/data`` for the benchmarks (read in place, never copied).

One row of ``<set>/<split>.segments.tsv`` is one system's translation of one source sentence, rated by
one or three raters. Benchmarks that check text turn the rows of one (system, document) into one
Document, one segment per row, in document order; the rows stay attached as ``document.rows``.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent

from tqcheck.core.document import Document  # noqa: E402

#: The four MQM zh-en sets with sentence-level error annotations (newest last).
MQM_SETS = ("mqm_zhen_newstest2020", "mqm_zhen_newstest2021", "mqm_zhen_ted2021", "mqm_zhen_generalmt2023")
#: The shared data folder as seen from the repository root.
DEFAULT_DATA = ROOT.parent / "shared" / "data"


class Span(NamedTuple):
    """One rater-annotated error span on the target side (offsets into the row's target text)."""

    start: int
    end: int
    category: str
    severity: str


def read_rows(data: Path, name: str, split: str = "dev", references: bool = True) -> list[dict]:
    """Rows of ``<data>/<name>/<split>.segments.tsv`` as dicts (human references left out unless asked)."""
    path = Path(data) / name / f"{split}.segments.tsv"
    csv.field_size_limit(10_000_000)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return rows if references else [r for r in rows if r["is_reference"] != "1"]


def grouped(rows: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """Rows by (document, system), each group in sentence order, groups sorted by key."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["doc"], row["system"])].append(row)
    for items in groups.values():
        items.sort(key=lambda r: int(r["doc_seg_idx"]))
    return dict(sorted(groups.items()))


def document_of(rows: list[dict], path: str, *, source_language: str = "", paragraphs: bool = True) -> Document:
    """A Document whose segments are the rows' target sentences (rows kept as ``.rows``).

    With ``paragraphs`` every sentence is its own paragraph (a grammar engine never joins two);
    with ``source_language`` every segment carries the row's source text for the source checks.
    """
    texts = [r["target"].replace("\n", " ") for r in rows]
    gap = "\n\n" if paragraphs else "\n"
    document = Document(path=path, text=gap.join(texts), format="tsv" if source_language else "text",
                        source_language=source_language)
    offset = 0
    for i, (text, row) in enumerate(zip(texts, rows)):
        document.add_segment(text, offset, paragraph=i if paragraphs else 0,
                             source=row["source"] if source_language else None)
        offset += len(text) + len(gap)
    document.rows = rows  # type: ignore[attr-defined]
    return document


def documents(rows: list[dict], name: str, **options) -> list[Document]:
    """One Document per (document, system) of ``rows`` (see ``document_of`` for the options)."""
    return [document_of(items, f"{name}/{system}/{doc}", **options) for (doc, system), items in grouped(rows).items()]


def target_spans(row: dict, severities: tuple[str, ...] = ()) -> list[Span]:
    """Locatable target-side error spans of a row ("no-error" marks and offsets of -1 left out),
    only those of the given ``severities`` when some are named."""
    spans = []
    for item in json.loads(row.get("spans") or "[]"):
        if len(item) < 6:
            continue
        _rater, severity, category, side, start, end = item[:6]
        if side != "target" or severity == "no-error" or int(start) < 0 or int(end) <= int(start):
            continue
        if severities and severity not in severities:
            continue
        spans.append(Span(int(start), int(end), category, severity))
    return spans


def overlaps(start: int, end: int, spans: list[Span]) -> bool:
    """Whether the character span [start, end) shares a character with one of ``spans``."""
    return any(s.start < end and start < s.end for s in spans)


def has_major(row: dict) -> bool:
    """A rater marked a major or critical translation error (source errors not counted)."""
    return int(row["n_raters_with_major"] or 0) > 0 or int(row["n_major"] or 0) + int(row["n_critical"] or 0) > 0


def is_clean(row: dict) -> bool:
    """No rater marked any translation error (major, minor, critical or non-translation)."""
    counted = ("n_major", "n_minor", "n_critical", "n_non_translation")
    return not has_major(row) and sum(int(row[c] or 0) for c in counted) == 0
