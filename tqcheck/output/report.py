"""The report: segments, findings and scores of a run, ranked worst first.

A Report is a merge of per-document results (``Report.merge``): the results are
put in their run order first, so any order of arrival gives the same report.
Views (the HTML fragment, plots) sit above the report: it names them in
``VIEWS`` and imports them only when a notebook asks for one.
"""

from __future__ import annotations

import importlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

import tqcheck
from tqcheck.core.document import Document, Segment
from tqcheck.core.finding import Finding, SegmentScore, Severity
from tqcheck.core.result import Counts, DocumentResult, total

if TYPE_CHECKING:  # pandas is imported lazily: `tqcheck --help` must start fast
    import pandas as pd

    from tqcheck.core.context import RunContext

#: Columns of the sentence table (`Report.to_frame()` and the CSV report), in order.
SEGMENT_COLUMNS: tuple[str, ...] = (
    "rank", "file", "line", "column", "segment", "unit_id", "sentence", "source", "fluency",
    "similarity", "flagged", "findings", "critical", "major", "minor", "penalty", "categories", "rules",
    "engines", "spans", "messages", "suggestions",
)


#: Notebook views of a report: name -> "module:function" (modules above the report, imported on use).
VIEWS: dict[str, str] = {
    "html": "tqcheck.output.writers.html:render_fragment",
    "plot": "tqcheck.output.plot:plot_report",
}


def view(name: str) -> Any:
    """The function behind a notebook view (imported on first use)."""
    module, _, function = VIEWS[name].partition(":")
    return getattr(importlib.import_module(module), function)


def score_format(value: float | None) -> str:
    """Fixed float formatting used by every writer (4 decimals)."""
    return "" if value is None else f"{value:.4f}"


@dataclass
class Report:
    """Everything a run found, ready for writers and notebooks."""

    documents: list[Document]
    findings: list[Finding]
    scores: dict[tuple[str, int], SegmentScore] = field(default_factory=dict)
    signature: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    flag_threshold: float = 0.5
    #: Cross-lingual source/target similarity by (file, segment index), when a model measured it.
    similarity: dict[tuple[str, int], float] = field(default_factory=dict)
    #: The run's context: writers describe rules from its registry (None: the shipped packs' registry).
    context: "RunContext | None" = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.findings = sorted(self.findings, key=lambda f: f.sort_key)
        self._by_segment: dict[tuple[str, int], list[Finding]] = defaultdict(list)
        for finding in self.findings:
            self._by_segment[(finding.file, finding.segment)].append(finding)

    @classmethod
    def merge(cls, results: Iterable[DocumentResult], flag_threshold: float = 0.5,
              context: "RunContext | None" = None) -> "Report":
        """One report from per-document results, in any order: they are sorted by their run order first.

        Parts of one file (a large file is checked in parts) become one document again.
        Notices are the sorted union of every result's notices; the signature is the union of theirs.
        """
        ordered = sorted(results, key=lambda r: (r.order, r.path))
        documents: list[Document] = []
        parts: list[Document] = []
        findings: list[Finding] = []
        scores: dict[tuple[str, int], SegmentScore] = {}
        similarity: dict[tuple[str, int], float] = {}
        signature: dict[str, str] = {}
        notices: set[str] = set()
        parts_order: tuple[int, ...] = ()
        for result in ordered:
            if parts and (result.path != parts[0].path or result.order[:1] != parts_order[:1]):
                documents.append(Document.joined(parts))
                parts = []
            if not parts:
                parts_order = result.order
            parts.append(result.document)
            path = result.path
            findings.extend(result.findings)
            scores.update(((path, index), score) for index, score in result.scores)
            similarity.update(((path, index), value) for index, value in result.similarities)
            signature.update(result.signature)
            notices.update(result.notices)
        if parts:
            documents.append(Document.joined(parts))
        signature.setdefault("tqcheck", tqcheck.__version__)
        return cls(documents, findings, scores, signature=dict(sorted(signature.items())),
                   notices=sorted(notices), flag_threshold=flag_threshold, similarity=similarity, context=context)

    # -- lookups ---------------------------------------------------------
    @property
    def segments(self) -> list[Segment]:
        """Every segment of every document, in reading order."""
        return [s for d in self.documents for s in d.segments]

    def findings_for(self, segment: Segment) -> list[Finding]:
        """Findings of one segment, in text order."""
        return self._by_segment.get((segment.file, segment.index), [])

    def score_of(self, segment: Segment) -> float | None:
        """Fluency score of one segment, or None when fluency was not scored."""
        entry = self.scores.get((segment.file, segment.index))
        return None if entry is None else entry.score

    def _similarity_of(self, segment: Segment) -> float | None:
        """Cross-lingual source/target similarity of a segment, when a model measured it."""
        value = self.similarity.get((segment.file, segment.index))
        return None if value is None else round(value, 4)

    def penalty(self, findings: list[Finding] | None = None) -> int:
        """MQM penalty (minor 1, major 5, critical 10) of ``findings`` (default: all)."""
        return sum(f.severity.penalty for f in (self.findings if findings is None else findings))

    @property
    def word_count(self) -> int:
        """Words over all documents."""
        return sum(d.word_count for d in self.documents)

    def ranked_segments(self) -> list[Segment]:
        """Segments ordered worst first: low score, then heavy findings, then position."""

        def key(segment: Segment) -> tuple:
            found = self.findings_for(segment)
            score = self.score_of(segment)
            return (
                1.0 if score is None else score,
                -self.penalty(found),
                -len(found),
                segment.file,
                segment.index,
            )

        return sorted(self.segments, key=key)

    # -- tables ------------------------------------------------------------
    def rows(self) -> list[dict[str, Any]]:
        """One dict per segment, ranked worst first, with the SEGMENT_COLUMNS keys."""
        rows = []
        for rank, segment in enumerate(self.ranked_segments(), start=1):
            found = self.findings_for(segment)
            counts = Counter(f.severity.value for f in found)
            score = self.score_of(segment)
            rows.append({
                "rank": rank,
                "file": segment.file,
                "line": segment.line,
                "column": segment.column,
                "segment": segment.index,
                "unit_id": segment.unit_id,
                "sentence": segment.text.strip(),
                "source": segment.source or "",
                "fluency": None if score is None else round(score, 4),
                "similarity": self._similarity_of(segment),
                "flagged": (counts.get("major", 0) + counts.get("critical", 0) > 0
                            or (score is not None and score < self.flag_threshold)),
                "findings": len(found),
                "critical": counts.get("critical", 0),
                "major": counts.get("major", 0),
                "minor": counts.get("minor", 0),
                "penalty": self.penalty(found),
                "categories": "; ".join(sorted({f.category for f in found})),
                "rules": "; ".join(dict.fromkeys(r for f in found for r in (f.rules or (f.rule_id,)))),
                "engines": "; ".join(dict.fromkeys(f.engine or f.origin for f in found)),
                "spans": " | ".join(f"{f.start}-{f.end} {f.matched}" for f in found),
                "messages": " | ".join(f"{f.matched}: {f.message}" for f in found),
                "suggestions": " | ".join(
                    f"{f.matched} -> {' / '.join(f.suggestions)}" for f in found if f.suggestions),
            })
        return rows

    def to_frame(self) -> "pd.DataFrame":
        """The sentence table as a pandas DataFrame, ranked worst first."""
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=list(SEGMENT_COLUMNS))

    def findings_frame(self) -> "pd.DataFrame":
        """One row per finding (the flat ``Finding.to_dict()`` shape)."""
        import pandas as pd

        columns = list(Finding.__dataclass_fields__)
        return pd.DataFrame([f.to_dict() for f in self.findings], columns=columns)

    def worst(self, n: int = 10) -> "pd.DataFrame":
        """The ``n`` worst sentences."""
        return self.to_frame().head(n)

    def counts(self, min_fluency: Callable[[str], float] | None = None) -> dict[str, Counts]:
        """The statistics of every document by file (``Counts``; ``min_fluency(file)``: the gate's threshold of
        that file, for ``Counts.below_min_fluency``). Read from ``findings`` as they are now (a caller may
        have replaced the list)."""
        by_segment: dict[tuple[str, int], list[Finding]] = defaultdict(list)
        for finding in self.findings:
            by_segment[(finding.file, finding.segment)].append(finding)
        return {d.path: Counts.of(d.segments, lambda s: by_segment.get((s.file, s.index), []), self.score_of,
                                  self.flag_threshold, min_fluency(d.path) if min_fluency is not None else -1.0)
                for d in self.documents}

    def summary(self) -> dict[str, Any]:
        """Counts and averages for a one-line summary: the documents' ``Counts`` added up."""
        return summary_of(total(self.counts().values()), len(self.documents))

    # -- notebooks ---------------------------------------------------------
    def __repr__(self) -> str:
        """Short: the counts and the worst sentence (``to_frame()``, ``worst()`` or the notebook view show all)."""
        from tqcheck.core.limits import one_line

        s = self.summary()

        def count(n: int, word: str) -> str:
            return f"{n} {word}{'' if n == 1 else 's'}"

        text = (f"<Report: {count(s['files'], 'file')}, {count(s['segments'], 'sentence')}, "
                f"{count(s['findings'], 'finding')} ({s['critical']} critical, {s['major']} major, "
                f"{s['minor']} minor), {s['flagged']} flagged")
        ranked = self.ranked_segments()
        if ranked:
            worst = ranked[0]
            score = self.score_of(worst)
            shown = one_line(" ".join(worst.text.split()), 80)
            text += (f"; worst: {one_line(worst.file, 80)}:{worst.line} {shown!r}"
                     + ("" if score is None else f" (fluency {score_format(score)})"))
        return text + ">"

    def _repr_html_(self) -> str:
        """Notebook view: the worst sentences with highlighted findings (the ``html`` writer's fragment)."""
        return view("html")(self)

    def plot(self, **figure_options: Any) -> Any:
        """A matplotlib Figure: fluency distribution and findings by category."""
        return view("plot")(self, **figure_options)

    def worst_severity(self) -> Severity | None:
        """The highest severity among the findings, or None when there are none."""
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=lambda s: s.rank)


def summary_of(counts: Counts, files: int) -> dict[str, Any]:
    """The summary a report and a partitioned run write, from the run's ``Counts``."""
    mean, lowest = counts.fluency_mean, counts.fluency_min
    return {
        "files": files,
        "segments": counts.segments,
        "words": counts.words,
        "findings": counts.findings,
        "critical": counts.critical,
        "major": counts.major,
        "minor": counts.minor,
        "flagged": counts.flagged,
        "fluency_mean": None if mean is None else float(score_format(mean)),
        "fluency_min": None if lowest is None else float(score_format(lowest)),
        "penalty": counts.penalty,
        "penalty_per_1000_words": round(1000 * counts.penalty / counts.words, 2) if counts.words else 0.0,
    }
