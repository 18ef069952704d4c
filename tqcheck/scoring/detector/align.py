"""Alignment evidence of the bilingual detector: how much of the source the translation covers, and back (issue 22).

Every word piece of the source looks for its best counterpart among the translation's pieces, and every piece of
the translation among the source's, by the cosine of their frozen multilingual E5-small states after layer 6
(``tqcheck.language.e5``) once the states' common mean is removed. A dropped clause, name or modifier leaves source
pieces without a counterpart, so the sentence scores worse than the full translation even though it is shorter;
an unrelated or garbled translation leaves both sides uncovered.

``features`` summarises the coverage of one pair (mean, minimum, 10th percentile, mean of the three lowest, per
side; the cosine of the mean states; lengths). The card's ``bilingual.alignment`` entry (``AlignmentPart``) holds
three models over them: the logit of a major error, blended with the bilingual sentence model's; the probability
that the translation left source content out (``detector.Omission``, which quotes the source pieces with the least
coverage); and the common mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from tqcheck.scoring.detector.model import SentenceModel, logit, sigmoid

FEATURES: tuple[str, ...] = (
    "translation.mean", "translation.min", "translation.p10", "translation.low3", "source.mean", "source.min",
    "source.p10", "source.low3", "cosine", "log.pieces", "log.source_pieces", "log.ratio", "log.words")
#: At most this many runs of uncovered source pieces are quoted by an omission finding.
MAX_QUOTED_RUNS = 2


def content_states(states: np.ndarray) -> np.ndarray:
    """The states of the pieces between <s> and </s>, as float32."""
    x = states[1:-1] if len(states) > 2 else states
    return np.asarray(x, np.float32)


def _unit(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    x = x - mean
    return x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-9)


def similarity(source_states: np.ndarray, target_states: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Cosine of every translation piece (rows) with every source piece (columns), <s> and </s> left out."""
    return _unit(content_states(target_states), mean) @ _unit(content_states(source_states), mean).T


def pair_evidence(source_states: np.ndarray, target_states: np.ndarray, target: str,
                  mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The FEATURES of one pair and every source piece's coverage (the cosine of its best counterpart in the
    translation), from one similarity matrix of their frozen token states (<s> and </s> included)."""
    t0, s0 = content_states(target_states), content_states(source_states)
    mt, ms = t0.mean(0) - mean, s0.mean(0) - mean
    cosine = float(mt @ ms / (np.linalg.norm(mt) * np.linalg.norm(ms) + 1e-9))
    sim = similarity(source_states, target_states, mean)
    out: list[float] = []
    for cover in (sim.max(1), sim.max(0)):
        out += [float(cover.mean()), float(cover.min()), float(np.percentile(cover, 10)),
                float(np.sort(cover)[:3].mean())]
    out += [cosine, math.log(len(t0) + 1), math.log(len(s0) + 1), math.log((len(t0) + 1) / (len(s0) + 1)),
            math.log(len(target.split()) + 1)]
    return np.array(out, np.float64), sim.max(0)


def features(source_states: np.ndarray, target_states: np.ndarray, target: str, mean: np.ndarray) -> np.ndarray:
    """The FEATURES of one pair from its frozen token states (pieces x dimensions, <s> and </s> included)."""
    return pair_evidence(source_states, target_states, target, mean)[0]


def source_coverage(source_states: np.ndarray, target_states: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Per source piece between <s> and </s>: the cosine of its best counterpart in the translation."""
    return similarity(source_states, target_states, mean).max(0)


def _quotable(source: str, a: int, b: int) -> bool:
    """Whether a piece at ``source[a:b]`` is content a reader would miss (has a place and a letter or digit)."""
    return b > a and any(c.isalnum() for c in source[a:b])


def uncovered_runs(source: str, offsets: Sequence[tuple[int, int]], coverage: np.ndarray, threshold: float,
                   limit: int = MAX_QUOTED_RUNS) -> list[tuple[int, int, float]]:
    """Character spans of ``source`` made of consecutive pieces whose coverage is below ``threshold``, widened to
    whole words in scripts written with spaces, least covered first (at most ``limit``). ``offsets`` are the
    content pieces' (start, end) in ``source``; pieces without a place in the text are skipped."""
    runs: list[list[int]] = []
    for k, (value, (a, b)) in enumerate(zip(coverage, offsets)):
        if not _quotable(source, a, b):
            continue  # punctuation alone is not content a reader misses
        if value >= threshold:
            continue
        if runs and runs[-1][-1] == k - 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    spans = []
    for run in runs:
        start, end = int(offsets[run[0]][0]), int(offsets[run[-1]][1])
        while start > 0 and source[start - 1].isalnum() and source[start - 1].isascii():
            start -= 1
        while end < len(source) and source[end].isalnum() and source[end].isascii():
            end += 1
        spans.append((start, end, float(min(coverage[k] for k in run))))
    spans.sort(key=lambda s: s[2])
    return spans[:limit]


def quoted_spans(source: str, offsets: Sequence[tuple[int, int]], coverage: np.ndarray, threshold: float,
                 flagged: bool) -> list[tuple[int, int, float]]:
    """The source spans an omission finding quotes: the uncovered runs, or, when the evidence says something is
    missing (``flagged``) and no piece is below ``threshold``, the least covered word."""
    spans = uncovered_runs(source, offsets, coverage, threshold)
    if flagged and not spans:
        live = [c for c, (a, b) in zip(coverage, offsets) if _quotable(source, a, b)]
        if live:
            spans = uncovered_runs(source, offsets, coverage, float(min(live)) + 1e-6, limit=1)
    return spans


@dataclass
class Omission:
    """What a detector says a translation left out: P(dropped content) and the source spans it would quote."""

    probability: float
    spans: tuple[tuple[int, int, float], ...]
    flagged: bool


@dataclass
class AlignmentPart:
    """The alignment half of a bilingual detector (the card's ``bilingual.alignment``)."""

    encoder: str
    mean: np.ndarray
    sentence_model: SentenceModel
    #: p = sigmoid(detector * logit(p_bilingual) + alignment * alignment_logit + omission * logit(p_omission)
    #: + intercept)
    blend: dict[str, float]
    omission_model: SentenceModel
    omission_threshold: float
    piece_threshold: float
    metrics: dict = field(default_factory=dict)

    def alignment_logit(self, x: np.ndarray) -> np.ndarray:
        """The alignment model's logit of a major error for feature rows ``x``."""
        return logit(np.clip(self.sentence_model.predict(x), 1e-6, 1 - 1e-6))

    def blended(self, p_bilingual: np.ndarray, x: np.ndarray, p_omission: np.ndarray | None = None) -> np.ndarray:
        """P(major error) from the bilingual sentence model's probability and the alignment features
        (``p_omission``: ``omission(x)`` when the caller has it already)."""
        b = self.blend
        z = (b["detector"] * logit(np.clip(np.asarray(p_bilingual, float), 1e-6, 1 - 1e-6))
             + b["alignment"] * self.alignment_logit(x) + b["intercept"])
        if b.get("omission"):
            p = self.omission(x) if p_omission is None else p_omission
            z = z + b["omission"] * logit(np.clip(p, 1e-6, 1 - 1e-6))
        return sigmoid(z)

    def omission(self, x: np.ndarray) -> np.ndarray:
        """P(the translation left source content out) for feature rows ``x``."""
        return self.omission_model.predict(x)

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"encoder": self.encoder, "mean": [round(float(v), 6) for v in self.mean],
                "sentence_model": self.sentence_model.to_dict(),
                "blend": {k: float(v) for k, v in self.blend.items()},
                "omission_model": self.omission_model.to_dict(), "omission_threshold": self.omission_threshold,
                "piece_threshold": self.piece_threshold, "metrics": self.metrics}

    @classmethod
    def from_dict(cls, data: dict) -> "AlignmentPart":
        """The part written by ``to_dict``."""
        return cls(str(data["encoder"]), np.asarray(data["mean"], np.float32),
                   SentenceModel.from_dict(data["sentence_model"]),
                   {k: float(data["blend"].get(k, 0.0)) for k in ("detector", "alignment", "omission", "intercept")},
                   SentenceModel.from_dict(data["omission_model"]), float(data["omission_threshold"]),
                   float(data["piece_threshold"]), dict(data.get("metrics", {})))


def pair_rows(part: AlignmentPart, texts: Sequence[str], sources: Sequence[str], states) -> tuple[np.ndarray, list]:
    """The FEATURES of every (translation, source) pair and, per pair, (source coverage, source piece offsets);
    ``states(texts)`` gives (states, offsets) per text (``tqcheck.language.e5``)."""
    unique = list(dict.fromkeys(list(texts) + list(sources)))
    encoded = dict(zip(unique, states(unique)))
    rows, cover = [], []
    for text, source in zip(texts, sources):
        (t_states, _), (s_states, s_offsets) = encoded[text], encoded[source]
        row, coverage = pair_evidence(s_states, t_states, text, part.mean)
        rows.append(row)
        content = list(s_offsets[1:-1]) if len(s_offsets) > 2 else list(s_offsets)
        cover.append((coverage, content))
    return (np.stack(rows) if rows else np.zeros((0, len(FEATURES)))), cover


__all__ = ["FEATURES", "AlignmentPart", "Omission", "features", "pair_evidence", "source_coverage", "uncovered_runs",
           "quoted_spans", "pair_rows", "similarity", "content_states", "MAX_QUOTED_RUNS"]
