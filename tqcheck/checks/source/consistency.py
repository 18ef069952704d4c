"""Inconsistent translations across a file and a whole run: the same source translated differently
(``source.InconsistentTarget``) and one translation used for different sources (``source.InconsistentSource``).

As Xbench's "inconsistency in target" and "inconsistency in source", over every bilingual segment of a run. This
is not a per-segment check: the engine checks documents in parts, in worker processes, in any order, and no part
sees another. It runs once over the merged documents, in run order (``engine.pipeline.with_run_findings``), so
the findings are the same whatever the runner and the number of jobs; results from the cache take part like
fresh ones. (Partitioned runs, which never hold the whole corpus, do not run it.)

Texts are compared after Unicode normalisation (NFKC) with runs of whitespace as one space; case and
punctuation count (``Save`` and ``Save.`` are two translations). The translation used most often (the first one
on a tie) is the reference: every segment that differs from it gets a finding naming the reference and where it
is first used. Segments without a letter (numbers, codes) are left out.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from tqcheck.core.document import Document, Segment
from tqcheck.core.finding import Finding
from tqcheck.checks.source.rule import RULE_PREFIX

#: Longest text quoted in a message, in characters.
QUOTE_CHARS = 60


@dataclass(frozen=True)
class Entry:
    """One bilingual segment of the run, with its comparison keys."""

    segment: Segment
    source_key: str
    target_key: str


def text_key(text: str) -> str:
    """The form two texts are compared in: NFKC, whitespace runs as one space, no spaces at the ends."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _quoted(text: str) -> str:
    return repr(text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1] + "…")


def _where(segment: Segment) -> str:
    return f"{segment.file}:{segment.line}"


def entries(documents: Iterable[Document]) -> list[Entry]:
    """Every segment with a source and a letter on both sides, in run order."""
    found = []
    for document in documents:
        for segment in document.segments:
            source = segment.source
            if source and any(ch.isalpha() for ch in source) and any(ch.isalpha() for ch in segment.text):
                found.append(Entry(segment, text_key(source), text_key(segment.text)))
    return found


def _deviations(group: Sequence[Entry], key: str) -> tuple[Entry, int, list[Entry]]:
    """The group's reference entry (the most frequent value of ``key``, the first on a tie), how often that value
    is used, and the entries whose value differs from it."""
    counts = Counter(getattr(e, key) for e in group)
    first = {}
    for e in group:
        first.setdefault(getattr(e, key), e)
    value = max(counts, key=lambda v: (counts[v], -group.index(first[v])))
    return first[value], counts[value], [e for e in group if getattr(e, key) != value]


def inconsistencies(documents: Sequence[Document]) -> list[Finding]:
    """``source.InconsistentTarget`` and ``source.InconsistentSource`` findings over ``documents`` (in run order)."""
    found: list[Finding] = []
    by_source: dict[str, list[Entry]] = {}
    by_target: dict[str, list[Entry]] = {}
    for entry in entries(documents):
        by_source.setdefault(entry.source_key, []).append(entry)
        by_target.setdefault(entry.target_key, []).append(entry)
    for group in by_source.values():
        if len({e.target_key for e in group}) < 2:
            continue
        reference, count, others = _deviations(group, "target_key")
        for entry in others:
            segment = entry.segment
            found.append(segment.finding(
                0, len(segment.text), rule_id=f"{RULE_PREFIX}.InconsistentTarget",
                message=f"the same source is translated {_quoted(reference.segment.text)} at "
                        f"{_where(reference.segment)}" + (f" and {count - 1} more place(s)" if count > 1 else ""),
                severity="minor", category="fluency/inconsistency", origin="source",
                suggestions=(reference.segment.text,), engine="tqcheck.source"))
    for group in by_target.values():
        if len({e.source_key for e in group}) < 2:
            continue
        reference, count, others = _deviations(group, "source_key")
        for entry in others:
            segment = entry.segment
            found.append(segment.finding(
                0, len(segment.text), rule_id=f"{RULE_PREFIX}.InconsistentSource",
                message=f"the same translation is used for another source, {_quoted(reference.segment.source or '')}, "
                        f"at {_where(reference.segment)}",
                severity="minor", category="fluency/inconsistency", origin="source", engine="tqcheck.source"))
    return found


#: Examples that run as tests (tests/test_source_qa.py): each a list of (source, translation) segments of one
#: file; "bad" lists get the rule's finding, "good" lists do not.
EXAMPLES = {
    "source.InconsistentTarget": {
        "bad": [[("Speichern", "Save"), ("Speichern", "Store"), ("Speichern", "Save")]],
        "good": [[("Speichern", "Save"), ("Speichern", "Save"), ("Löschen", "Delete")], [("12", "12"), ("12", "twelve")]],
    },
    "source.InconsistentSource": {
        "bad": [[("Speichern", "Save"), ("Sichern", "Save")]],
        "good": [[("Speichern", "Save"), ("Speichern", "Save")]],
    },
}
