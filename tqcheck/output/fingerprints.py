"""Fingerprints of findings: stable ids that survive edits elsewhere (below writers and baselines).

A finding is keyed by its rule id, its own words and a little context: the word just before and the word
just after it in its sentence (whitespace collapsed, case folded). Line numbers, the rest of the sentence
and the rest of the file play no part, so fixing one slip in a sentence keeps the fingerprints of the
sentence's other findings; a finding whose neighbouring word changes gets a new one.

Baselines of version 1 were keyed by the whole sentence (``sentence_fingerprint``); they still load and are
matched with that scheme.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from tqcheck.core.finding import Finding

if TYPE_CHECKING:
    from tqcheck.output.report import Report

#: Words of context on each side of a finding that its fingerprint includes.
CONTEXT_WORDS = 1

_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Text as fingerprinted: whitespace collapsed, case folded."""
    return " ".join(text.split()).casefold()


def context(finding: Finding, segment_text: str, words: int = CONTEXT_WORDS) -> tuple[str, str]:
    """The ``words`` words before and after ``finding`` in its sentence (normalised; empty at an edge)."""
    start = max(0, min(finding.start, len(segment_text)))
    end = max(start, min(finding.end, len(segment_text)))
    before = _WORD.findall(segment_text[:start])[-words:] if words else []
    after = _WORD.findall(segment_text[end:])[:words] if words else []
    return normalise(" ".join(before)), normalise(" ".join(after))


def fingerprint(finding: Finding, segment_text: str) -> str:
    """A stable id of ``finding``: its rule, its words and the word on each side (survives edits elsewhere in
    its sentence and its file)."""
    before, after = context(finding, segment_text)
    key = "\x1f".join(["2", finding.rule_id, normalise(finding.matched), before, after])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def sentence_fingerprint(finding: Finding, segment_text: str) -> str:
    """The version-1 id of ``finding``: its rule, its whole sentence, its words and their occurrence in the
    sentence (any edit of the sentence changes it); old baselines are matched with it."""
    occurrence = segment_text.count(finding.matched, 0, finding.start) if finding.matched else 0
    key = "\x1f".join([finding.rule_id, normalise(segment_text), normalise(finding.matched), str(occurrence)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def segment_texts(report: "Report") -> dict[tuple[str, int], str]:
    """(file, segment index) -> segment text, for fingerprinting a report's findings."""
    return {(s.file, s.index): s.text for s in report.segments}


def fingerprints(report: "Report", scheme: int = 2) -> list[str]:
    """The fingerprint of every finding of ``report``, in the report's order (``scheme`` 1: the version-1,
    whole-sentence ids of old baselines)."""
    texts = segment_texts(report)
    make = sentence_fingerprint if scheme == 1 else fingerprint
    return [make(f, texts.get((f.file, f.segment), f.matched)) for f in report.findings]


__all__ = ["normalise", "context", "fingerprint", "sentence_fingerprint", "segment_texts", "fingerprints",
           "CONTEXT_WORDS"]
