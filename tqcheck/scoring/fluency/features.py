"""Per-segment features and per-word signals of one document (the inputs of the combiner)."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from tqcheck.core.finding import Finding
from tqcheck.scoring.fluency.ngram import NgramLM, TokenScore
from tqcheck.scoring.fluency.tokens import Word, words, zipf

#: Feature names, in the order of the combiner's coefficients.
FEATURES: tuple[str, ...] = (
    "log_words",       # log(1 + words): longer sentences carry more errors
    "lm_mean",         # mean 3-gram surprisal (log10) of known words
    "lm_total",        # total 3-gram surprisal of the sentence
    "adj_mean",        # mean surprisal minus the word's own rarity (wordfreq)
    "adj_max",         # the worst frequency-adjusted token
    "adj_top3",        # mean of the three worst adjusted tokens
    "adj_excess",      # sum of the positive adjusted surprisals (how much is unexpected, in total)
    "oov_rate",        # share of words the 3-gram model does not know
    "rare_share",      # share of lower-case words with Zipf frequency below 2.5
    "names",           # capitalised words after the first (names, untranslated terms)
    "punctuation",     # commas, colons, brackets, dashes and quotes
    "sem_word_max",    # the candidate word that fits worst (adjusted surprisal + embedding misfit)
    "sem_misfit_max",  # the candidate word least similar to the document's topic (embedding)
    "sem_misfit_mean", # mean misfit of the segment's candidate words
    "grammar",         # grammar findings in the segment
    "rules",           # rule findings in the segment, weighted by severity
)
SEMANTIC = ("sem_word_max", "sem_misfit_max", "sem_misfit_mean")
#: Words per document embedded to describe its topic, and candidate words per segment.
TOPIC_WORDS = 40
CANDIDATES = 2
#: Segments between progress reports.
PROGRESS_EVERY = 100
#: Only words at least this surprising (adjusted, log10) become semantic candidates.
CANDIDATE_MIN_ADJUSTED = 0.3
_PUNCTUATION = re.compile(r"[,;:()\[\]\-–—\"“”]")


@dataclass
class WordSignal:
    """What the signals say about one word: adjusted surprisal, semantic misfit, combined score."""

    word: Word
    adjusted: float | None
    misfit: float | None = None
    score: float = 0.0


@dataclass
class DocumentSignals:
    """Feature matrix (segments x FEATURES) and per-word signals of each segment."""

    features: np.ndarray
    words: list[list[WordSignal]] = field(default_factory=list)


def lm_words(tokens: list[Word]) -> list[Word]:
    """Words as the 3-gram model should see them: possessive 's dropped."""
    result = []
    for w in tokens:
        lower = w.lower
        if lower.endswith("'s") and len(lower) > 2:
            lower = lower[:-2]
        result.append(Word(w.text, lower, w.start, w.end, w.is_number, w.capitalised))
    return result


def is_name(word: Word) -> bool:
    """A capitalised word not at the start of its sentence, or an uncommon capitalised word at the start."""
    if not word.capitalised:
        return False
    return word.start > 0 or zipf(word.lower) < 3.0


def finding_counts(findings: Sequence[Finding], n_segments: int, path: str) -> tuple[np.ndarray, np.ndarray]:
    """Grammar finding counts and severity-weighted rule finding counts per segment."""
    grammar = np.zeros(n_segments)
    rules = np.zeros(n_segments)
    for f in findings:
        if f.file != path or not 0 <= f.segment < n_segments:
            continue
        if f.origin == "grammar":
            grammar[f.segment] += 1
        elif f.origin == "rules":
            rules[f.segment] += f.severity.rank
    return grammar, rules


class FeatureExtractor:
    """Computes features with the loaded 3-gram model and (optionally) the embedder."""

    def __init__(self, lm: NgramLM, embedder=None, *, generic: np.ndarray | None = None,
                 word_norm: dict[str, float] | None = None) -> None:
        self.lm = lm
        self.embedder = embedder
        self.generic = generic
        norm = word_norm or {}
        self.adj_mean = norm.get("adj_mean", 0.0)
        self.adj_sd = norm.get("adj_sd", 1.0)
        self.misfit_mean = norm.get("misfit_mean", 0.0)
        self.misfit_sd = norm.get("misfit_sd", 1.0)

    def document(self, texts: Sequence[str], grammar: np.ndarray | None = None,
                 rules: np.ndarray | None = None, progress: Callable[[int], None] | None = None) -> DocumentSignals:
        """Signals of a document given as its segment texts in order (``progress`` gets segment counts)."""
        n = len(texts)
        col = {name: i for i, name in enumerate(FEATURES)}
        feats = np.zeros((n, len(FEATURES)))
        all_signals: list[list[WordSignal]] = []
        for i, text in enumerate(texts):
            tokens = lm_words(words(text))
            scored = self.lm.score(tokens)
            all_signals.append([WordSignal(t.word, t.adjusted if t.known else None) for t in scored])
            feats[i, :col["sem_word_max"]] = self._lm_features(text, tokens, scored)
            if progress is not None and (i + 1) % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY)
        if self.embedder is not None and n:
            feats[:, col["sem_word_max"]:col["grammar"]] = self._semantic(all_signals)
        else:
            self._word_scores(all_signals)
            feats[:, col["sem_word_max"]] = [max((s.score for s in sig if candidate(s)), default=0.0)
                                             for sig in all_signals]
        feats[:, col["grammar"]] = grammar if grammar is not None else 0.0
        feats[:, col["rules"]] = rules if rules is not None else 0.0
        if progress is not None and n % PROGRESS_EVERY:
            progress(n % PROGRESS_EVERY)
        return DocumentSignals(feats, all_signals)

    @staticmethod
    def _lm_features(text: str, tokens: list[Word], scored: list[TokenScore]) -> list[float]:
        alpha = [t for t in scored if not t.word.is_number]
        known = [t for t in alpha if t.known]
        surprisal = [t.surprisal for t in known]
        adjusted = sorted((t.adjusted for t in known), reverse=True)
        lower = [t.word for t in alpha if not t.word.capitalised]
        rare = sum(1 for w in lower if zipf(w.lower) < 2.5)
        return [
            math.log1p(len(tokens)),
            float(np.mean(surprisal)) if surprisal else 0.0,
            float(np.sum(surprisal)),
            float(np.mean(adjusted)) if adjusted else 0.0,
            adjusted[0] if adjusted else 0.0,
            float(np.mean(adjusted[:3])) if adjusted else 0.0,
            float(sum(a for a in adjusted if a > 0)),
            1.0 - len(known) / len(alpha) if alpha else 0.0,
            rare / len(lower) if lower else 0.0,
            float(sum(1 for t in alpha if t.word.capitalised and t.word.start > 0)),
            float(len(_PUNCTUATION.findall(text))),
        ]

    def _word_scores(self, signals: list[list[WordSignal]]) -> None:
        for sig in signals:
            for s in sig:
                parts = []
                if s.adjusted is not None:
                    parts.append((s.adjusted - self.adj_mean) / self.adj_sd)
                if s.misfit is not None:
                    parts.append((s.misfit - self.misfit_mean) / self.misfit_sd)
                s.score = float(sum(parts))

    def topic(self, signals: list[list[WordSignal]]) -> np.ndarray:
        """Unit vector of the document's topic: its most frequent content words, embedded."""
        counts = Counter(s.word.lower for sig in signals for s in sig if candidate(s))
        top = sorted(counts, key=lambda w: (-counts[w], zipf(w), w))[:TOPIC_WORDS]
        if not top:
            return np.zeros(self.embedder.dimension, dtype=np.float32)
        vectors = self._centred(self.embedder.words(top))
        return _unit((vectors * np.array([counts[w] for w in top], dtype=np.float32)[:, None]).sum(0))

    def _centred(self, vectors: np.ndarray) -> np.ndarray:
        if self.generic is None or not len(vectors):
            return vectors
        vectors = vectors - self.generic
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)

    def _semantic(self, signals: list[list[WordSignal]]) -> np.ndarray:
        """Misfit to the document's topic of each segment's most surprising content words."""
        topic = self.topic(signals)
        chosen = []
        for sig in signals:
            pool = [s for s in sig if candidate(s) and (s.adjusted is None or s.adjusted >= CANDIDATE_MIN_ADJUSTED)]
            pool.sort(key=lambda s: -(s.adjusted if s.adjusted is not None else 99.0))
            chosen.append(pool[:CANDIDATES])
        flat = [s.word.lower for pool in chosen for s in pool]
        vectors = self._centred(self.embedder.words(flat))
        k = 0
        out = np.zeros((len(signals), 3))
        for i, pool in enumerate(chosen):
            for s in pool:
                s.misfit = -float(vectors[k] @ topic)
                k += 1
        self._word_scores(signals)
        for i, pool in enumerate(chosen):
            misfits = [s.misfit for s in pool]
            out[i] = (max((s.score for s in signals[i] if candidate(s)), default=0.0),
                      max(misfits, default=self.misfit_mean), float(np.mean(misfits)) if misfits else self.misfit_mean)
        return out


def candidate(signal: WordSignal) -> bool:
    """Words that may carry a semantic span: content words that are not names."""
    return signal.word.is_content and not is_name(signal.word)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 1e-9 else vector
