"""The small interfaces every check and scorer implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Callable, ClassVar

from tqcheck.core.document import Document
from tqcheck.core.finding import Finding, SegmentScore

#: Called with the number of segments just processed (drives progress bars).
Progress = Callable[[int], None]


def no_progress(_: int) -> None:
    """Progress callback that does nothing."""


class Check(ABC):
    """Turns the segments of a document into findings."""

    name: ClassVar[str] = "check"
    #: Whether the check stops work on wall-clock budgets (the rules' regex timeouts): it then runs before the
    #: scorer's work starts beside the checks (``Scorer.prepare``), so that work never makes it time out.
    wall_clock_budgets: ClassVar[bool] = False

    @abstractmethod
    def check(self, document: Document, progress: Progress = no_progress) -> list[Finding]:
        """Findings for every segment of ``document``."""

    def signature(self) -> dict[str, str]:
        """Names and versions that make this check's results reproducible."""
        return {}

    def close(self) -> None:
        """Release external resources (servers, processes); safe to call twice."""


@dataclass
class FluencyResult:
    """Per-segment scores (same order as the segments) and the spans behind them."""

    scores: list[SegmentScore]
    findings: list[Finding] = field(default_factory=list)


class Scorer(ABC):
    """Gives every segment a fluency score from 0 (broken) to 1 (fluent)."""

    name: ClassVar[str] = "fluency"

    @abstractmethod
    def score(self, document: Document, findings: list[Finding],
              progress: Progress = no_progress) -> FluencyResult:
        """Scores for every segment; ``findings`` are those of the other checks."""

    def prepare(self, document: Document) -> None:
        """Called before the checks of ``document`` run: a scorer may start the work that does not depend on
        their findings (on another thread); ``score`` of the same document then uses it."""

    def signature(self) -> dict[str, str]:
        """Names and versions that make these scores reproducible."""
        return {}

    def close(self) -> None:
        """Release resources; safe to call twice."""
