"""What checking one document gives: one immutable value that a Report merges with others.

A ``DocumentResult`` carries everything a report needs from one document (or one
part of a large document): its segments, findings, fluency scores, cross-lingual
similarities, the notices the checks gave and a few metrics. Nothing of it lives
on in the pipeline, so results can be computed anywhere (this process, a worker
process, a Dask worker) and merged in any order into the same report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tqcheck.core.document import Document
from tqcheck.core.finding import Finding, SegmentScore


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

    def with_order(self, *order: int) -> "DocumentResult":
        """The same result placed at ``order`` in a run."""
        from dataclasses import replace

        return replace(self, order=tuple(order))


__all__ = ["DocumentResult"]
