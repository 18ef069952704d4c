"""What a detector reads at check time, built exactly as training builds it: the example type, the rows of the
sentence model (frozen-encoder and tuned), the tuned int8 encoder on ONNX Runtime and the finding-evidence keys.
Training (``tqcheck.training``) imports these; nothing here imports training."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from tqcheck.scoring.detector.model import (SENTENCE_FEATURES, TUNED_FEATURES, Projection, TokenHead, count_words,
                                            sentence_features, token_features)

#: File name of a tuned encoder inside a detector folder.
TUNED_FILE = "tuned-int8.onnx"
#: Word pieces per sentence, [CLS] and [SEP] included (training and checking).
MAX_LENGTH = 128
#: Severities and origins of the findings that add evidence to the score: one noisy-or weight per
#: ``origin.severity`` key, fitted on the training data (the source check runs where a source is given).
SEVERITIES = ("minor", "major", "critical")
ORIGINS = ("rules", "grammar", "source")


@dataclass(frozen=True)
class Example:
    """One annotated sentence.

    ``label`` is 1.0 when reviewers marked a major error, 0.0 when they marked none, ``None`` when the sentence
    label is unknown or ambiguous (the sentence still teaches its tokens). ``spans`` are character spans of
    marked errors with the share of raters who marked each (``(start, end, weight)``); ``spans_known`` is False
    when some marked error has no place in the text (an omission), so its tokens must not count as clean.
    """

    text: str
    label: float | None
    spans: tuple[tuple[int, int, float], ...] = ()
    spans_known: bool = False
    group: str = ""
    kind: str = ""
    source: str = ""
    original: str = ""  # for synthetic damage: the clean sentence it was made from
    unit: str = ""  # the split unit of the selection protocol (tqcheck.training.splits): document, section, source


@dataclass
class Encoded:
    """Encoder output of one example: word-piece character offsets and hidden states."""

    offsets: np.ndarray
    states: np.ndarray


@dataclass
class TrainingSet:
    """Examples with their encodings and weights (token weight per example kind)."""

    examples: list[Example]
    encoded: list[Encoded]
    token_weight: dict[str, float] = field(default_factory=lambda: {"mqm": 1.0, "user": 1.0})
    ngram: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.ngram is None:
            self.ngram = np.zeros((len(self.examples), 0))

    def subset(self, keep: Sequence[int]) -> "TrainingSet":
        """The rows ``keep`` of this set."""
        keep = list(keep)
        return TrainingSet([self.examples[i] for i in keep], [self.encoded[i] for i in keep], self.token_weight,
                           self.ngram[keep])


def sentence_rows(head: TokenHead, projection: Projection, data: TrainingSet) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sentence features of every example under ``head`` (token evidence, then the 3-gram columns), and its
    token probabilities."""
    rows, probs = [], []
    for e, enc in zip(data.examples, data.encoded):
        p = head.predict(token_features(enc.states, projection))
        rows.append(sentence_features(p, count_words(e.text)))
        probs.append(p)
    base = np.array(rows).reshape(len(rows), len(SENTENCE_FEATURES))
    return np.hstack([base, data.ngram]), probs


def tuned_rows(outputs: Sequence, texts: Sequence[str], ngram: np.ndarray) -> np.ndarray:
    """Sentence rows of a tuned detector: the token features of the tuned encoder's probabilities, its sentence
    head's logit, then the 3-gram columns (the order of TUNED_FEATURES + ngram names)."""
    rows = [np.concatenate([sentence_features(o.probabilities, count_words(t)), [o.sentence_logit]])
            for o, t in zip(outputs, texts)]
    base = np.array(rows).reshape(len(rows), len(TUNED_FEATURES))
    return np.hstack([base, ngram])


def _tokenizer(max_length: int):
    """The shipped MiniLM tokenizer (hash-checked), truncated to ``max_length`` word pieces."""
    from tqcheck.language.encoder import load_tokenizer

    return load_tokenizer(max_length)


def _log_words(text: str) -> float:
    return math.log1p(count_words(text))


@dataclass(frozen=True)
class TunedOutput:
    """One sentence under a tuned encoder: word-piece offsets (specials dropped), the probability of each piece
    lying in a major span, and the sentence head's logit."""

    offsets: np.ndarray
    probabilities: np.ndarray
    sentence_logit: float


class TunedModel:
    """A tuned int8 encoder on ONNX Runtime; every sentence runs alone (its output does not depend on others),
    so ``threads`` sentences run at once (each on one ONNX Runtime thread; default
    ``tqcheck.core.limits.check_threads()``) and give the same outputs as one at a time."""

    def __init__(self, path: Path, *, max_length: int = MAX_LENGTH, threads: int | None = None,
                 sha256: str | None = None) -> None:
        from tqcheck.language.encoder import verify

        path = Path(path)
        if sha256 is not None:
            verify(path, sha256)
        from tqcheck.language.encoder import onnx_session

        if threads is None:
            from tqcheck.core.limits import check_threads

            threads = check_threads()
        self.threads = max(1, int(threads))
        self.session = onnx_session(path, 1)
        self.tokenizer = _tokenizer(max_length)
        self.path = path

    def _one(self, text: str, enc) -> TunedOutput:
        ids = np.asarray([enc.ids], np.int64)
        token_logits, sentence_logit = self.session.run(None, {
            "input_ids": ids, "attention_mask": np.ones_like(ids),
            "log_words": np.asarray([_log_words(text)], np.float32)})
        n = ids.shape[1]
        offsets = np.asarray(enc.offsets[1:n - 1], np.int32).reshape(-1, 2)
        z = np.asarray(token_logits[0, 1:n - 1], np.float64)
        return TunedOutput(offsets, (0.5 * (1.0 + np.tanh(0.5 * z))).astype(np.float32), float(sentence_logit[0]))

    def predict(self, texts: Sequence[str]) -> list[TunedOutput]:
        """Token probabilities and sentence logit of every text, in order."""
        texts = list(texts)
        if not texts:
            return []
        encoded = self.tokenizer.encode_batch(texts)
        from tqcheck.core.threads import map_in_threads

        # ONNX Runtime lets go of the GIL while a sentence runs: the sentences share the cores
        return map_in_threads(self._one, texts, self.threads, encoded)


def evidence_key(finding) -> str:
    """The finding-weight key of a finding: its origin and severity (``rules.major``)."""
    severity = str(getattr(finding.severity, "value", finding.severity))
    origin = finding.origin if finding.origin in ORIGINS else "rules"
    return f"{origin}.{severity}"


