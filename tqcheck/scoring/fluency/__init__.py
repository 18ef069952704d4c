"""Fluency score: 3-gram surprisal, semantic fit and findings combined into P(no major error)."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from tqcheck.core.interfaces import FluencyResult, Progress, Scorer, no_progress
from tqcheck.core.config import Settings
from tqcheck.core.document import Document, Segment
from tqcheck.core.finding import Finding, SegmentScore
from tqcheck.scoring.fluency.combiner import Combiner, load_combiner
from tqcheck.scoring.fluency.features import (FEATURES, SEMANTIC, DocumentSignals, FeatureExtractor, WordSignal, candidate,
                                      finding_counts)

#: At most this many spans are reported per segment.
MAX_SPANS = 2


class FluencyScorer(Scorer):
    """Scores segments with the shipped combiner; models are loaded once and reused for every document."""

    name = "fluency"

    def __init__(self, *, semantic: bool = True, lm: str = "", flag_threshold: float = 0.5,
                 combiner: Combiner | None = None) -> None:
        from tqcheck.scoring.fluency.ngram import NgramLM

        self.notices: list[str] = []
        self.flag_threshold = flag_threshold
        self.deep = None
        if lm:
            from tqcheck.scoring.fluency.deep import load_causal_lm

            self.deep = load_causal_lm(lm)
        variant = "deep" if self.deep is not None else "default"
        self.combiner = combiner or load_combiner(variant=variant)
        data = self.combiner.data
        embedder = None
        if semantic:
            from tqcheck.language.semantic import shared_embedder

            embedder = shared_embedder()
        generic = np.asarray(data["generic_centroid"], dtype=np.float32) if data.get("generic_centroid") else None
        self.extractor = FeatureExtractor(NgramLM(), embedder, generic=generic, word_norm=data.get("word_norm"))
        self.spans = data.get("spans", {"minor": 3.0, "major": 4.5, "run": 3.0})

    def signals(self, document: Document, findings: Sequence[Finding] = (),
                progress: Progress | None = None) -> DocumentSignals:
        """Features and word signals of ``document`` (the combiner's inputs)."""
        texts = [s.text for s in document.segments]
        grammar, rules = finding_counts(findings, len(texts), document.path)
        signals = self.extractor.document(texts, grammar, rules, progress)
        if self.deep is not None:
            deep = self.deep.features(texts)
            signals.features = np.hstack([signals.features, deep])
        return signals

    def columns(self) -> list[str]:
        """Names of the feature columns ``signals`` returns."""
        extra = list(self.deep.FEATURES) if self.deep is not None else []
        return list(FEATURES) + extra

    def score(self, document: Document, findings: list[Finding],
              progress: Progress = no_progress) -> FluencyResult:
        """Scores for every segment and the spans behind the low ones."""
        if not document.segments:
            return FluencyResult([], [])
        signals = self.signals(document, findings, progress)
        columns = self.columns()
        used = [i for i, c in enumerate(columns) if self.extractor.embedder is not None or c not in SEMANTIC]
        probability = self.combiner.probability(signals.features[:, used], [columns[i] for i in used])
        probability = self.cap(probability, signals.features[:, columns.index("sem_word_max")])
        scores = [SegmentScore(round(float(p), 4), {c: round(float(v), 4) for c, v in zip(columns, row)})
                  for p, row in zip(probability, signals.features)]
        spans: list[Finding] = []
        for segment, p, words in zip(document.segments, probability, signals.words):
            if p < self.flag_threshold:
                spans.extend(self.segment_spans(segment, words))
        return FluencyResult(scores, spans)

    def cap(self, probability: np.ndarray, word_max: np.ndarray) -> np.ndarray:
        """A segment with a major semantic span scores at most ``major_span_cap`` (fitted on the dev data)."""
        limit = self.combiner.data.get("major_span_cap")
        if limit is None or self.extractor.embedder is None:
            return probability
        return np.where(word_max >= float(self.spans["major"]), np.minimum(probability, float(limit)), probability)

    def segment_spans(self, segment: Segment, words: list[WordSignal]) -> list[Finding]:
        """Spans for the words that drive a segment's low score."""
        found: list[Finding] = []
        minor, major = float(self.spans["minor"]), float(self.spans["major"])
        ranked = sorted((w for w in words if candidate(w) and w.score >= minor), key=lambda w: -w.score)
        for w in ranked[:MAX_SPANS]:
            semantic = w.misfit is not None
            found.append(segment.finding(
                w.word.start, w.word.end, rule_id="fluency.UnexpectedWord" if not semantic else "semantic.UnexpectedWord",
                message=f"unexpected word in this context: '{w.word.text}'",
                severity="major" if w.score >= major else "minor",
                category="accuracy/mistranslation", origin="semantic" if semantic else "fluency",
                confidence=round(1.0 / (1.0 + math.exp(-(w.score - minor))), 3), engine="tqcheck.fluency"))
        taken = {(f.start, f.end) for f in found}
        found.extend(f for f in self._runs(segment, words) if not any(a < f.end and f.start < b for a, b in taken))
        return found

    def _runs(self, segment: Segment, words: list[WordSignal]) -> list[Finding]:
        """Runs of two or more surprising words in a row (fluency/coherence)."""
        limit = float(self.spans["run"])
        runs, current = [], []
        for w in words:
            if w.adjusted is not None and w.adjusted >= limit:
                current.append(w)
                continue
            if len(current) >= 2:
                runs.append(current)
            current = []
        if len(current) >= 2:
            runs.append(current)
        result = []
        for run in runs[:1]:
            worst = max(w.adjusted for w in run)
            result.append(segment.finding(
                run[0].word.start, run[-1].word.end, rule_id="fluency.SurprisingSequence",
                message="unusual word sequence: check that this reads as intended", severity="minor",
                category="fluency/coherence", origin="fluency",
                confidence=round(1.0 / (1.0 + math.exp(-(worst - limit))), 3), engine="tqcheck.fluency"))
        return result

    def signature(self) -> dict[str, str]:
        """Model names, versions, coefficient version and hash."""
        from tqcheck.scoring.fluency import ngram

        sig = {"ngram": ngram.NAME, "coefficients": f"model-v{self.combiner.version}",
               "coefficients.sha256": self.combiner.sha256[:16]}
        if self.extractor.embedder is not None:
            sig["semantic"] = self.extractor.embedder.signature
        from tqcheck.language.frequency import wordfreq_version

        found = wordfreq_version()
        if found:
            sig["wordfreq"] = found
        if self.deep is not None:
            sig["lm"] = self.deep.name
        return sig


def make_scorer(settings: Settings) -> Scorer | None:
    """The fluency scorer for ``settings``, or None when fluency scoring is off."""
    if not settings.fluency:
        return None
    threshold = settings.flag_threshold if settings.flag_threshold >= 0 else 0.5
    return FluencyScorer(semantic=settings.semantic, lm=settings.lm, flag_threshold=threshold)


__all__ = ["FluencyScorer", "make_scorer", "FEATURES"]
