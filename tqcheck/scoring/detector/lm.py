"""Causal-LM evidence for the detector's monolingual sentence model (issue 22, English alone).

SmolLM2-135M (``--lm smollm2``: ctranslate2 int8, tqcheck.scoring.fluency.deep) gives the surprisal (negative
log-probability, nats) of every token of a sentence after its start token; the sentence model may use summary
statistics of them as columns named ``lm.<feature>``. A detector card without ``lm.*`` columns never loads the
LM (``lm_rows`` returns an empty matrix), so it scores exactly as before.

Training computes the same statistics from the same token surprisals (tqcheck.training.lm_features caches them),
so the columns a card names are built identically at check time.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from tqcheck.core.errors import ConfigError

#: LM features the sentence model may use (named "lm.<feature>"), each a statistic of the token surprisals:
#: ``mean`` (mean token NLL), ``max`` (the least likely token: minus the minimum token log-probability),
#: ``p90`` (90th percentile of the token NLLs).
LM_FEATURES: tuple[str, ...] = ("mean", "max", "p90")
#: The causal LM the lm.* columns come from (the name load_causal_lm takes).
LM_NAME = "smollm2"


def lm_statistics(values: np.ndarray) -> tuple[float, ...]:
    """The LM_FEATURES of one sentence's token surprisals (nats); zeros for a sentence with no scored token."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return (0.0,) * len(LM_FEATURES)
    return (float(values.mean()), float(values.max()), float(np.percentile(values, 90)))


def statistics_matrix(surprisals: Sequence[np.ndarray], columns: Sequence[str]) -> np.ndarray:
    """(texts x columns) matrix of the named LM features from each text's token surprisals."""
    unknown = [c for c in columns if c not in LM_FEATURES]
    if unknown:
        raise ConfigError(f"the detector card names unknown LM columns {unknown}; known: {list(LM_FEATURES)}")
    index = [LM_FEATURES.index(c) for c in columns]
    out = np.zeros((len(surprisals), len(index)))
    for i, values in enumerate(surprisals):
        out[i] = np.asarray(lm_statistics(values))[index]
    return out


def lm_rows(texts: Sequence[str], columns: Sequence[str], lm=None) -> np.ndarray:
    """The named ``lm.*`` features of every text: a (texts x columns) matrix.

    No columns: an empty matrix, and the LM is never loaded. ``lm``: a loaded causal LM (its
    ``token_surprisals``); by default SmolLM2 through ``load_causal_lm`` (loaded once per process).
    """
    if not columns:
        return np.zeros((len(texts), 0))
    if lm is None:
        from tqcheck.scoring.fluency.deep import load_causal_lm

        lm = load_causal_lm(LM_NAME)
    texts = list(texts)
    distinct = list(dict.fromkeys(texts))
    by_text = dict(zip(distinct, lm.token_surprisals(distinct))) if distinct else {}
    return statistics_matrix([by_text[t] for t in texts], columns)


__all__ = ["LM_FEATURES", "LM_NAME", "lm_statistics", "statistics_matrix", "lm_rows"]
