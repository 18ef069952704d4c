"""The detector's heads: a token MLP over encoder states and a calibrated sentence model, in plain NumPy."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import re

import numpy as np

#: Names of the sentence features, in the order of the sentence model's weights.
SENTENCE_FEATURES: tuple[str, ...] = (
    "noisy_or_logit",   # logit of 1 - prod(1 - p_token): the chance that some token is marked
    "expected_marked",  # log1p of the sum of token probabilities: how many tokens are expected marked
    "worst_logit",      # logit of the worst token
    "worst3",           # mean of the three worst token probabilities
    "log_words",        # log of the number of words: length is a strong prior
)
#: Sentence features that may only raise P(major): the evidence of the token head (and of a tuned detector's
#: sentence head).
INCREASING: tuple[str, ...] = SENTENCE_FEATURES[:4] + ("tuned_sentence",)
#: Sentence features of a tuned detector (tqcheck.training.tune): the token features of its tuned encoder, then the
#: logit of its sentence head.
TUNED_FEATURES: tuple[str, ...] = SENTENCE_FEATURES + ("tuned_sentence",)


def logit(p: np.ndarray | float) -> np.ndarray:
    """Log-odds, clipped away from 0 and 1."""
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p) - np.log1p(-p)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, safe for large arguments."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def token_features(states: np.ndarray, projection: "Projection | None" = None) -> np.ndarray:
    """Per-token input of the token head: the token's state, its neighbours' and the sentence mean.

    With ``projection`` the states are first reduced to its principal components (a cheaper head).
    """
    states = np.asarray(states, dtype=np.float32)
    if projection is not None:
        states = projection.apply(states)
    n, d = states.shape
    if n == 0:
        return np.zeros((0, 3 * d), dtype=np.float32)
    mean = np.broadcast_to(states.mean(axis=0), (n, d))
    padded = np.vstack([np.zeros((1, d), np.float32), states, np.zeros((1, d), np.float32)])
    context = 0.5 * (padded[:-2] + padded[2:])
    return np.hstack([states, context, mean]).astype(np.float32)


def token_targets(offsets: np.ndarray, spans: Sequence[tuple[int, int, float]]) -> np.ndarray:
    """Soft target per token: the share of raters whose marked span overlaps it (at most 1)."""
    y = np.zeros(len(offsets), dtype=np.float32)
    for start, end, weight in spans:
        hit = (offsets[:, 0] < end) & (offsets[:, 1] > start)
        y[hit] += weight
    return np.minimum(y, 1.0)


def sentence_features(p: np.ndarray, words: int) -> np.ndarray:
    """The sentence features (see SENTENCE_FEATURES) of one sentence's token probabilities."""
    p = np.asarray(p, dtype=np.float64)
    if p.size == 0:
        p = np.zeros(1)
    noisy_or = 1.0 - math.exp(float(np.sum(np.log1p(-np.clip(p, 0, 1 - 1e-6)))))
    top = np.sort(p)[::-1][:3]
    return np.array([logit(noisy_or), math.log1p(float(p.sum())), logit(float(p.max())), float(top.mean()),
                     math.log(max(words, 1))], dtype=np.float64)


@dataclass
class Projection:
    """Principal components of encoder states (fitted on training tokens): a smaller input for the token head."""

    mean: np.ndarray
    components: np.ndarray

    def apply(self, states: np.ndarray) -> np.ndarray:
        """States reduced to the components."""
        return ((states - self.mean) @ self.components).astype(np.float32)

    @classmethod
    def fit(cls, states: np.ndarray, dims: int, seed: int = 0, sample: int = 50_000) -> "Projection":
        """The first ``dims`` principal components of (a sample of) ``states``."""
        rng = np.random.default_rng(seed)
        rows = states if len(states) <= sample else states[np.sort(rng.choice(len(states), sample, replace=False))]
        rows = np.asarray(rows, dtype=np.float64)
        mean = rows.mean(axis=0)
        _, _, vt = np.linalg.svd(rows - mean, full_matrices=False)
        components = vt[:dims].T
        components *= np.sign(components[np.argmax(np.abs(components), axis=0), np.arange(dims)])
        return cls(mean.astype(np.float32), components.astype(np.float32))


@dataclass
class TokenHead:
    """A one-hidden-layer perceptron giving each token the probability that a reviewer marks it."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probability per row of ``x`` (token features)."""
        if len(x) == 0:
            return np.zeros(0, dtype=np.float32)
        h = np.maximum((x - self.mu) / self.sigma @ self.w1 + self.b1, 0.0)
        return sigmoid(h @ self.w2 + self.b2).astype(np.float32)

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, weight: np.ndarray, *, hidden: int = 64, epochs: int = 6,
            batch: int = 512, lr: float = 1e-3, l2: float = 1e-4, seed: int = 0, progress=None) -> "TokenHead":
        """Fit by Adam on the weighted binary cross-entropy with soft targets (deterministic for a seed)."""
        rng = np.random.default_rng(seed)
        mu = x.mean(axis=0).astype(np.float32)
        sigma = (x.std(axis=0) + 1e-3).astype(np.float32)
        d = x.shape[1]
        params = [rng.normal(0, math.sqrt(2.0 / d), (d, hidden)).astype(np.float32), np.zeros(hidden, np.float32),
                  rng.normal(0, math.sqrt(1.0 / hidden), hidden).astype(np.float32), np.zeros(1, np.float32)]
        base = float(np.average(y, weights=weight))
        params[3][0] = float(logit(base))
        m = [np.zeros_like(p) for p in params]
        v = [np.zeros_like(p) for p in params]
        step = 0
        n = len(x)
        for epoch in range(epochs):
            order = rng.permutation(n)
            for s in range(0, n, batch):
                idx = order[s:s + batch]
                xb = (x[idx] - mu) / sigma
                yb, wb = y[idx], weight[idx]
                pre = xb @ params[0] + params[1]
                h = np.maximum(pre, 0.0)
                p = sigmoid(h @ params[2] + params[3][0])
                g = (p - yb) * wb / max(float(wb.sum()), 1e-9)
                grads = [None, None, h.T @ g + l2 * params[2], np.array([g.sum()], np.float32)]
                gh = np.outer(g, params[2]) * (pre > 0)
                grads[0] = xb.T @ gh + l2 * params[0]
                grads[1] = gh.sum(axis=0)
                step += 1
                for k in range(4):
                    m[k] = 0.9 * m[k] + 0.1 * grads[k]
                    v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
                    mhat = m[k] / (1 - 0.9 ** step)
                    vhat = v[k] / (1 - 0.999 ** step)
                    params[k] = (params[k] - lr * mhat / (np.sqrt(vhat) + 1e-8)).astype(np.float32)
            if progress:
                progress(epoch + 1, epochs)
        return cls(params[0], params[1], params[2], params[3], mu, sigma)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The head's arrays by name, for saving."""
        return {f"{prefix}{k}": getattr(self, k) for k in ("w1", "b1", "w2", "b2", "mu", "sigma")}

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> "TokenHead":
        """The head saved by ``arrays``."""
        return cls(*(np.asarray(arrays[f"{prefix}{k}"], np.float32) for k in ("w1", "b1", "w2", "b2", "mu", "sigma")))


def _newton(z1: np.ndarray, y: np.ndarray, sw: np.ndarray, l2: float) -> np.ndarray:
    """Weights (last: intercept, not penalised) of an L2-penalised logistic regression, by Newton's method."""
    w = np.zeros(z1.shape[1])
    penalty = np.full(z1.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = sigmoid(z1 @ w)
        grad = z1.T @ (sw * (p - y)) + penalty * w
        hess = (z1 * (sw * p * (1 - p))[:, None]).T @ z1 + np.diag(penalty + 1e-9)
        delta = np.linalg.solve(hess, grad)
        w -= delta
        if np.max(np.abs(delta)) < 1e-8:
            break
    return w


@dataclass
class SentenceModel:
    """Logistic regression from sentence features (and finding counts) to P(a reviewer marks a major error)."""

    names: tuple[str, ...]
    coef: np.ndarray
    intercept: float
    mu: np.ndarray
    sigma: np.ndarray

    def predict(self, x: np.ndarray) -> np.ndarray:
        """P(major error) per row of ``x``."""
        return sigmoid(((np.atleast_2d(x) - self.mu) / self.sigma) @ self.coef + self.intercept)

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, names: Sequence[str], *, l2: float = 1.0,
            weight: np.ndarray | None = None, increasing: Sequence[str] = ()) -> "SentenceModel":
        """Fit by Newton's method on the L2-penalised log-loss (standardised features).

        Features named in ``increasing`` may only raise the probability: one whose weight comes out negative is
        left out and the rest refitted (evidence of marked words never makes a sentence look safer).
        """
        mu = x.mean(axis=0)
        sigma = x.std(axis=0) + 1e-6
        z = (x - mu) / sigma
        sw = np.ones(len(y)) if weight is None else np.asarray(weight, float)
        sw = sw / sw.mean()
        active = list(range(x.shape[1]))
        while True:
            w = _newton(np.hstack([z[:, active], np.ones((len(z), 1))]), y, sw, l2)
            wrong = [k for k, c in zip(active, w[:-1]) if names[k] in increasing and c < 0]
            if not wrong:
                break
            active.remove(min(wrong, key=lambda k: w[active.index(k)]))
        coef = np.zeros(x.shape[1])
        coef[active] = w[:-1]
        return cls(tuple(names), coef, float(w[-1]), mu, sigma)

    def refit_intercept(self, x: np.ndarray, y: np.ndarray) -> None:
        """Refit the intercept alone (weights fixed) by maximum likelihood on ``x``, ``y``: calibration in the large
        after a fit that saw other data."""
        z = ((np.atleast_2d(x) - self.mu) / self.sigma) @ self.coef
        b = self.intercept
        for _ in range(100):
            p = sigmoid(z + b)
            step = float(np.sum(p - y)) / (float(np.sum(p * (1 - p))) + 1e-9)
            b -= step
            if abs(step) < 1e-10:
                break
        self.intercept = float(b)

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"names": list(self.names), "coef": [round(float(c), 8) for c in self.coef],
                "intercept": round(self.intercept, 8), "mu": [round(float(c), 8) for c in self.mu],
                "sigma": [round(float(c), 8) for c in self.sigma]}

    @classmethod
    def from_dict(cls, data: dict) -> "SentenceModel":
        """The model written by ``to_dict``."""
        return cls(tuple(data["names"]), np.array(data["coef"], float), float(data["intercept"]),
                   np.array(data["mu"], float), np.array(data["sigma"], float))


_WORD = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]", re.UNICODE)


def count_words(text: str) -> int:
    """Words and punctuation marks of a sentence, as the detector counts them."""
    return sum(1 for m in _WORD.finditer(text) if m.group()[0].isalnum())
