"""Small, fast stand-ins for the real checks, shared by the gate tests (no models)."""

from __future__ import annotations

import re
from pathlib import Path

from tqcheck.core.interfaces import Check, FluencyResult, Progress, Scorer, no_progress
from tqcheck.core.config import Settings
from tqcheck.core.document import Document
from tqcheck.core.finding import Finding, SegmentScore
from tqcheck.readers.inputs import load_documents
from tqcheck.engine.pipeline import Pipeline
from tqcheck.output.report import Report

#: word -> (rule id, severity, category)
WORDS = {
    "striptease": ("Demo.Striptease", "major", "accuracy/mistranslation"),
    "exports": ("Demo.Exports", "minor", "accuracy/mistranslation"),
    "occupied": ("Demo.Occupied", "critical", "accuracy/mistranslation"),
}
WORD_RE = re.compile(r"\b(" + "|".join(WORDS) + r")\b", re.IGNORECASE)


class WordCheck(Check):
    """Flags the words of WORDS wherever they occur."""

    name = "words"

    def check(self, document: Document, progress: Progress = no_progress) -> list[Finding]:
        """One finding per listed word."""
        found = []
        for segment in document.segments:
            for match in WORD_RE.finditer(segment.text):
                rule_id, severity, category = WORDS[match.group(1).lower()]
                found.append(segment.finding(match.start(), match.end(), rule_id=rule_id,
                                             message=f"'{match.group(1)}' is a likely mistranslation",
                                             severity=severity, category=category, origin="rules",
                                             suggestions=["(check the source)"]))
            progress(1)
        return found

    def signature(self) -> dict[str, str]:
        """Version of the stand-in."""
        return {"version": "1"}


class LengthScorer(Scorer):
    """Deterministic fluency: 1.0 minus 0.3 per finding in the sentence, floor 0."""

    def score(self, document: Document, findings: list[Finding], progress: Progress = no_progress) -> FluencyResult:
        """One score per segment."""
        per_segment = {}
        for finding in findings:
            per_segment[finding.segment] = per_segment.get(finding.segment, 0) + 1
        scores = [SegmentScore(max(0.0, 1.0 - 0.3 * per_segment.get(s.index, 0)) - s.index * 1e-5)
                  for s in document.segments]
        return FluencyResult(scores)


def run(paths: list[str | Path], settings: Settings | None = None, scored: bool = True) -> Report:
    """Report of the stand-in checks over files on disk."""
    settings = settings or Settings()
    documents = load_documents([str(p) for p in paths])
    pipeline = Pipeline(settings, checks=[WordCheck()], scorer=LengthScorer() if scored else None)
    return pipeline.run(documents)
