"""Fingerprints of findings: stable ids that survive edits elsewhere in a file (below writers and baselines).

A finding is keyed by the rule id, the sentence text (whitespace collapsed, case
folded), the matched text and which occurrence of the matched text in the
sentence it is; line numbers play no part.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from tqcheck.core.finding import Finding

if TYPE_CHECKING:
    from tqcheck.output.report import Report


def normalise(text: str) -> str:
    """Sentence text as fingerprinted: whitespace collapsed, case folded."""
    return " ".join(text.split()).casefold()


def fingerprint(finding: Finding, segment_text: str) -> str:
    """A stable id of ``finding`` in its sentence: survives edits elsewhere in the file."""
    occurrence = segment_text.count(finding.matched, 0, finding.start) if finding.matched else 0
    key = "\x1f".join([finding.rule_id, normalise(segment_text), normalise(finding.matched), str(occurrence)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def segment_texts(report: "Report") -> dict[tuple[str, int], str]:
    """(file, segment index) -> segment text, for fingerprinting a report's findings."""
    return {(s.file, s.index): s.text for s in report.segments}


def fingerprints(report: "Report") -> list[str]:
    """The fingerprint of every finding of ``report``, in the report's order."""
    texts = segment_texts(report)
    return [fingerprint(f, texts.get((f.file, f.segment), f.matched)) for f in report.findings]


__all__ = ["normalise", "fingerprint", "segment_texts", "fingerprints"]
