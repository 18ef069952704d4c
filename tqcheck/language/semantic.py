"""The semantic signal: MiniLM embeddings of words and segments, from the shipped int8 ONNX encoder.

Runs on ONNX Runtime (tqcheck.language.encoder), never torch. The int8 model scales activations per batch, so a
vector moves slightly with its batch neighbours: words are encoded in batches made of one call's words only
(one document's) and never cached across calls, and sentences one at a time. So a document's scores depend
on that document alone — not on which documents came before it in the run, the runner, or the result cache.
"""

from __future__ import annotations

import numpy as np

from tqcheck.language import encoder as _encoder

NAME = _encoder.NAME
VERSION = _encoder.VERSION
#: Words per encoder batch (single words are short: a batch of 64 costs little more than one word).
WORD_BATCH = 64


class Embedder:
    """The loaded MiniLM encoder, embedding words and sentences as unit vectors."""

    def __init__(self, encoder: "_encoder.Encoder | None" = None) -> None:
        self.encoder = encoder or _encoder.load_encoder()
        self.dimension = self.encoder.dimension
        self.signature = self.encoder.signature

    def encode(self, texts: list[str], batch_size: int = 1) -> np.ndarray:
        """Unit-length sentence embeddings of ``texts`` (one row each; each text on its own by default)."""
        return self.encoder.sentences(list(texts), batch_size=batch_size)

    def words(self, words: list[str]) -> np.ndarray:
        """Unit-length embeddings of single words: each distinct word once, batched with this call's words only."""
        if not words:
            return np.zeros((0, self.dimension), dtype=np.float32)
        distinct = sorted(set(words))
        vectors = dict(zip(distinct, self.encoder.sentences(distinct, batch_size=WORD_BATCH)))
        return np.stack([vectors[w] for w in words])


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
