"""What checking one document gives: one immutable value that a Report merges with others.

A ``DocumentResult`` carries everything a report needs from one document (or one
part of a large document): its segments, findings, fluency scores, cross-lingual
similarities, the notices the checks gave and a few metrics. Nothing of it lives
on in the pipeline, so results can be computed anywhere (this process, a worker
process, a Dask worker) and merged in any order into the same report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from tqcheck.core.document import Document, Segment
from tqcheck.core.finding import Finding, SegmentScore

#: Scores are added up in these integer units, so a sum (and the mean) does not depend on the order of the parts
#: (floating-point addition does); 1e-9 is far below the 4 decimals a report shows (convention).
FLUENCY_UNITS = 10 ** 9


@dataclass(frozen=True)
class Counts:
    """Statistics of one document that add up to a run's (sacrebleu's shape: statistics per document, the
    aggregate computed last). The report's summary, the partitioned summary and the gate read them."""

    segments: int = 0
    words: int = 0
    findings: int = 0
    critical: int = 0
    major: int = 0
    minor: int = 0
    #: MQM penalty: minor 1, major 5, critical 10.
    penalty: int = 0
    #: Segments with a major or critical finding or a score below the flag threshold.
    flagged: int = 0
    #: Scored segments, and the sum of their scores in FLUENCY_UNITS.
    scored: int = 0
    score_units: int = 0
    #: The lowest score and where it is: (score, file, line); None when nothing was scored.
    lowest: tuple[float, str, int] | None = None
    #: Scored segments below the ``min_fluency`` the counts were taken with (the gate's criterion).
    below_min_fluency: int = 0

    @classmethod
    def of(cls, segments: Iterable[Segment], findings_of: Callable[[Segment], list[Finding]],
           score_of: Callable[[Segment], float | None], flag_threshold: float,
           min_fluency: float = -1.0) -> "Counts":
        """The counts of ``segments`` with their findings and scores (``min_fluency`` < 0: not counted)."""
        totals: Counter = Counter()
        lowest: tuple[float, str, int] | None = None
        for segment in segments:
            found = findings_of(segment)
            severities = Counter(f.severity.value for f in found)
            score = score_of(segment)
            totals.update(severities)
            totals.update(segments=1, words=len(segment.text.split()), findings=len(found),
                          penalty=sum(f.severity.penalty for f in found),
                          flagged=int(severities["major"] + severities["critical"] > 0
                                      or (score is not None and score < flag_threshold)))
            if score is not None:
                totals.update(scored=1, score_units=round(score * FLUENCY_UNITS),
                              below_min_fluency=int(0 <= min_fluency and score < min_fluency))
                here = (score, segment.file, segment.line)
                lowest = here if lowest is None or here < lowest else lowest
        return cls(lowest=lowest, **{k: totals[k] for k in _ADDED})

    def __add__(self, other: "Counts") -> "Counts":
        lows = [c.lowest for c in (self, other) if c.lowest is not None]
        return Counts(lowest=min(lows) if lows else None,
                      **{k: getattr(self, k) + getattr(other, k) for k in _ADDED})

    @property
    def fluency_mean(self) -> float | None:
        """The mean score, or None when nothing was scored."""
        return self.score_units / FLUENCY_UNITS / self.scored if self.scored else None

    @property
    def fluency_min(self) -> float | None:
        """The lowest score, or None when nothing was scored."""
        return None if self.lowest is None else self.lowest[0]

    @property
    def penalty_per_1000_words(self) -> float:
        """MQM penalty per 1,000 words; 0 for no words."""
        return 1000.0 * self.penalty / self.words if self.words else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The counts as plain data (``from_dict`` reads them back)."""
        data: dict[str, Any] = {k: getattr(self, k) for k in _ADDED}
        data["lowest"] = None if self.lowest is None else list(self.lowest)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Counts":
        """Counts from ``to_dict``'s shape."""
        lowest = data.get("lowest")
        return cls(lowest=None if lowest is None else (float(lowest[0]), str(lowest[1]), int(lowest[2])),
                   **{k: int(data.get(k, 0)) for k in _ADDED})

    def severity_count(self, severity: str) -> int:
        """Findings of one severity (``minor``, ``major``, ``critical``)."""
        return int(getattr(self, severity))


_ADDED = ("segments", "words", "findings", "critical", "major", "minor", "penalty", "flagged", "scored",
          "score_units", "below_min_fluency")


def total(counts: Iterable[Counts]) -> Counts:
    """The sum of ``counts`` (an empty sum is all zeros)."""
    out = Counts()
    for item in counts:
        out = out + item
    return out


@dataclass(frozen=True)
class DocumentResult:
    """Findings, scores and similarities of one document (or one part of it), ready to merge."""

    document: Document
    findings: tuple[Finding, ...] = ()
    #: (segment index, score) for every scored segment.
    scores: tuple[tuple[int, SegmentScore], ...] = ()
    #: (segment index, source/target cosine similarity) when a cross-lingual model measured it.
    similarities: tuple[tuple[int, float], ...] = ()
    notices: tuple[str, ...] = ()
    #: Names and versions of the checks and models that produced this result.
    signature: tuple[tuple[str, str], ...] = ()
    #: Where the document comes in the run: (input position, part number). The merge orders by it.
    order: tuple[int, ...] = (0, 0)
    #: How the work went (segments, seconds per stage, worker); never part of a report's bytes.
    metrics: tuple[tuple[str, float | str], ...] = field(default=(), compare=False)

    @property
    def path(self) -> str:
        """The checked file's name as reported."""
        return self.document.path

    def counts(self, flag_threshold: float, min_fluency: float = -1.0) -> Counts:
        """The statistics of this result (``Counts``), which add up over a run."""
        by_segment: dict[int, list[Finding]] = {}
        for finding in self.findings:
            by_segment.setdefault(finding.segment, []).append(finding)
        scores = {index: score.score for index, score in self.scores}
        return Counts.of(self.document.segments, lambda s: by_segment.get(s.index, []),
                         lambda s: scores.get(s.index), flag_threshold, min_fluency)

    def with_order(self, *order: int) -> "DocumentResult":
        """The same result placed at ``order`` in a run."""
        from dataclasses import replace

        return replace(self, order=tuple(order))


__all__ = ["DocumentResult", "Counts", "total", "FLUENCY_UNITS"]
