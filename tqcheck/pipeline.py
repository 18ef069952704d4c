"""The flow: documents -> checks -> fluency scores -> Report (one direction)."""

from __future__ import annotations

from typing import Sequence

import tqcheck
from tqcheck.checks import Check, Progress, Scorer, no_progress
from tqcheck.config import Settings
from tqcheck.document import Document, rule_matches
from tqcheck.finding import Finding, SegmentScore
from tqcheck.report import Report


def build_checks(settings: Settings) -> list[Check]:
    """The checks a run needs (rules, grammar), each loaded once."""
    checks: list[Check] = []
    from tqcheck.rules import RuleCheck, load_rules

    checks.append(RuleCheck(load_rules(settings)))
    if settings.grammar != "none":
        from tqcheck.grammar import make_grammar_check

        grammar = make_grammar_check(settings)
        if grammar is not None:
            checks.append(grammar)
    return checks


def build_scorer(settings: Settings) -> Scorer | None:
    """The fluency scorer, or None when fluency scoring is off."""
    if not settings.fluency:
        return None
    from tqcheck.fluency import make_scorer

    return make_scorer(settings)


class Pipeline:
    """Checks and a scorer loaded once and run over any number of documents."""

    def __init__(self, settings: Settings, checks: Sequence[Check] | None = None,
                 scorer: Scorer | None | bool = True) -> None:
        self.settings = settings
        self.checks: list[Check] = list(checks) if checks is not None else []
        self.scorer: Scorer | None = None
        self._source_check: Check | None = None
        self._registry = None
        try:
            if checks is None:
                self.checks = build_checks(settings)
            self.scorer = build_scorer(settings) if scorer is True else (scorer or None)
        except BaseException:
            self.close()
            raise

    @property
    def stages(self) -> int:
        """How many passes over the segments a run makes (for progress totals)."""
        return len(self.checks) + (1 if self.scorer is not None else 0)

    def _checks_for(self, document: Document) -> list[Check]:
        if not any(s.source is not None for s in document.segments):
            return self.checks
        if self._source_check is None:
            from tqcheck.source import make_source_check

            self._source_check = make_source_check(self.settings)
        return self.checks + ([self._source_check] if self._source_check is not None else [])

    def check_document(self, document: Document, progress: Progress = no_progress
                       ) -> tuple[list[Finding], dict[tuple[str, int], SegmentScore]]:
        """Findings (suppressions and disabled rules removed) and scores of one document."""
        raw: list[Finding] = []
        for check in self._checks_for(document):
            raw.extend(check.check(document, progress))
        findings = without_spelling_of_untranslated([f for f in raw if self._keep(document, f)])
        scores: dict[tuple[str, int], SegmentScore] = {}
        if self.scorer is not None and document.segments:
            result = self.scorer.score(document, findings, progress)
            for segment, score in zip(document.segments, result.scores):
                scores[(document.path, segment.index)] = score
            taken = {(f.segment, f.start, f.end) for f in findings}
            covered = [(f.segment, f.start, f.end) for f in findings]
            raw.extend(result.findings)
            findings.extend(f for f in result.findings
                            if self._keep(document, f) and not _overlaps(f, taken, covered))
        if document.suppressions:
            findings.extend(self._bad_suppressions(document, raw))
        return findings, scores

    def _bad_suppressions(self, document: Document, raw: list[Finding]) -> list[Finding]:
        """``tqcheck.BadSuppression`` findings for comments naming unknown ids or suppressing nothing."""
        from tqcheck.rule_ids import registry
        from tqcheck.suppression import bad_suppressions

        if self._registry is None:
            self._registry = registry(self.settings)
        return [f for f in bad_suppressions(document, raw, self._registry) if self._selected(f)]

    def _keep(self, document: Document, finding: Finding) -> bool:
        return self._selected(finding) and not document.is_suppressed(finding)

    def _selected(self, finding: Finding) -> bool:
        """Whether ``enable`` (empty: every id) and ``disable`` let this finding's id through."""
        enable, disable = self.settings.enable, self.settings.disable
        if enable and not any(rule_matches(finding.rule_id, p) for p in enable):
            return False
        return not any(rule_matches(finding.rule_id, p) for p in disable)

    def run(self, documents: Sequence[Document], progress: Progress = no_progress) -> Report:
        """Check every document and return the ranked Report."""
        findings: list[Finding] = []
        scores: dict[tuple[str, int], SegmentScore] = {}
        for document in documents:
            found, scored = self.check_document(document, progress)
            findings.extend(found)
            scores.update(scored)
        paths = {d.path for d in documents}
        similarity = {k: v for k, v in (getattr(self._source_check, "similarity", None) or {}).items()
                      if k[0] in paths}
        return Report(list(documents), findings, scores, signature=self.signature(),
                      notices=self.notices(), flag_threshold=self.settings.flag_threshold,
                      similarity=similarity)

    def notices(self) -> list[str]:
        """Once-only messages from the checks and the scorer, in order, without repeats."""
        parts = [*self.checks, self._source_check, self.scorer]
        return list(dict.fromkeys(n for p in parts if p is not None for n in getattr(p, "notices", [])))

    def signature(self) -> dict[str, str]:
        """tqcheck's version and every check's and model's names and versions."""
        signature = {"tqcheck": tqcheck.__version__}
        for part in [*self.checks, self._source_check, self.scorer]:
            if part is not None:
                signature.update({f"{part.name}.{k}": str(v) for k, v in part.signature().items()})
        return dict(sorted(signature.items()))

    def close(self) -> None:
        """Shut down every backend (servers, processes)."""
        for part in [*self.checks, self._source_check, self.scorer]:
            if part is not None:
                part.close()

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def without_spelling_of_untranslated(findings: list[Finding]) -> list[Finding]:
    """Drop spelling findings inside text already reported as untranslated (one finding says it all)."""
    untranslated = [(f.segment, f.start, f.end) for f in findings if f.category == "accuracy/untranslated"]
    if not untranslated:
        return findings
    return [f for f in findings
            if not (f.category == "fluency/spelling"
                    and any(seg == f.segment and start <= f.start and f.end <= end
                            for seg, start, end in untranslated))]


def _overlaps(finding: Finding, taken: set[tuple[int, int, int]],
              covered: list[tuple[int, int, int]]) -> bool:
    """Whether a score span repeats a span the checks already reported (same segment, overlapping)."""
    if (finding.segment, finding.start, finding.end) in taken:
        return True
    return any(seg == finding.segment and start < finding.end and finding.start < end
               for seg, start, end in covered)


def run(documents: Sequence[Document], settings: Settings, progress: Progress = no_progress) -> Report:
    """Check ``documents`` with ``settings`` (loads and closes the backends)."""
    with Pipeline(settings) as pipeline:
        return pipeline.run(documents, progress)
