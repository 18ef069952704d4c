"""The semantic signal: MiniLM embeddings of words and segments, from the shipped int8 ONNX encoder.

Runs on ONNX Runtime (tqcheck.encoder), never torch. A word is always encoded on its own
(``batch_size=1``), so its vector depends on the word alone and the per-process word cache cannot make
one document's scores depend on which documents came before it.
"""

from __future__ import annotations

import numpy as np

from tqcheck import encoder as _encoder

NAME = _encoder.NAME
VERSION = _encoder.VERSION
#: Word embeddings kept per run (about 1.5 kB each).
MAX_CACHED_WORDS = 100_000


class Embedder:
    """The loaded MiniLM encoder with a cache of word embeddings (unit vectors)."""

    def __init__(self, encoder: "_encoder.Encoder | None" = None) -> None:
        self.encoder = encoder or _encoder.load_encoder()
        self.dimension = self.encoder.dimension
        self.signature = self.encoder.signature
        self._words: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], batch_size: int = 1) -> np.ndarray:
        """Unit-length sentence embeddings of ``texts`` (one row each; each text on its own by default)."""
        return self.encoder.sentences(list(texts), batch_size=batch_size)

    def words(self, words: list[str]) -> np.ndarray:
        """Unit-length embeddings of single words, computed once per word and process."""
        missing = sorted({w for w in words if w not in self._words})
        if len(self._words) + len(missing) > MAX_CACHED_WORDS:
            self._words.clear()  # bounded memory on very large runs
        if missing:
            for word, vector in zip(missing, self.encode(missing)):
                self._words[word] = vector
        if not words:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._words[w] for w in words])


_SHARED: list[Embedder] = []


def shared_embedder() -> Embedder:
    """One Embedder per process, shared by the fluency scorer and semantic rules (loaded on first call)."""
    if not _SHARED:
        _SHARED.append(Embedder())
    return _SHARED[0]


def quiet_transformers() -> None:
    """Silence transformers' progress bars and info logs (the library must not print)."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:  # transformers absent: nothing to silence
        pass
