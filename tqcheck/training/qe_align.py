"""Alignment evidence from frozen E5-small token states: how much of the source the translation covers, and back.

The second candidate of issue 22, and the one that did better on the folds (docs/accuracy.md): no trained
transformer, only how well every source word piece finds a counterpart among the translation's word pieces (and
every translation piece among the source's), by cosine of their layer-6 states after removing the states' common
mean, summarised per sentence (mean, minimum, 10th percentile, mean of the three lowest), with the cosine of the
mean states and lengths; a logistic sentence model (``SentenceModel``) turns them into the logit of a major error.
A dropped clause, name or modifier leaves source pieces without a counterpart, so it scores worse than the full
translation even though it is shorter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from tqcheck.scoring.detector.align import FEATURES, content_states, features
from tqcheck.scoring.detector.model import SentenceModel
from tqcheck.training.qe_data import QERow
from tqcheck.training.qe_model import StateCache

def common_mean(cache: StateCache, texts: Sequence[str], sample: int = 3000) -> np.ndarray:
    """The mean token state of up to ``sample`` texts (removed before cosines, which it would otherwise inflate)."""
    return np.concatenate([content_states(cache[t][0]) for t in list(texts)[:sample]]).mean(axis=0)


@dataclass
class AlignmentModel:
    """Alignment features and their logistic sentence model."""

    cache: StateCache
    synthetic_weight: float = 0.5
    model: SentenceModel | None = None
    mean: np.ndarray | None = None

    def _x(self, rows: Sequence[QERow]) -> np.ndarray:
        self.cache.ensure([t for r in rows for t in (r.source, r.target)])
        return np.stack([features(self.cache[r.source][0], self.cache[r.target][0], r.target, self.mean)
                         for r in rows]) if rows else np.zeros((0, len(FEATURES)))

    def fit(self, rows: Sequence[QERow]) -> "AlignmentModel":
        """Fit on the labelled MQM rows and synthetic damage of ``rows`` (never the untouched third)."""
        if any(r.part == "untouched" for r in rows):
            raise ValueError("the untouched third is never trained on (tqcheck.training.splits)")
        labelled = [r for r in rows if r.label is not None and (r.kind in ("mqm", "wmtqe") or r.kind.startswith("syn:"))]
        self.cache.ensure([t for r in labelled for t in (r.source, r.target)])
        self.mean = common_mean(self.cache, sorted({r.target for r in labelled} | {r.source for r in labelled}))
        weight = np.array([self.synthetic_weight if r.kind.startswith("syn:") else 1.0 for r in labelled])
        self.model = SentenceModel.fit(self._x(labelled), np.array([r.label for r in labelled]), FEATURES,
                                       weight=weight)
        return self

    def predict(self, rows: Sequence[QERow]) -> list[dict]:
        """Per row: ``major``, the logit of a major error (as ``Trainer.predict``, without word probabilities)."""
        if not rows:
            return []
        p = np.clip(self.model.predict(self._x(rows)), 1e-9, 1 - 1e-9)
        return [{"major": float(v), "mqm": math.nan, "da": math.nan, "tgt": np.zeros(0), "src": np.zeros(0),
                 "toff": [], "soff": []} for v in np.log(p / (1 - p))]


__all__ = ["AlignmentModel", "FEATURES", "features", "common_mean"]
