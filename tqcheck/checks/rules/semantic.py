"""Optional semantic condition for context rules: sentence-topic similarity with the offline MiniLM model.

The model is loaded on first use only (a rule with ``semantic_topic`` and a sentence containing one of
its tokens), and shared by every rule of the process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def embedder() -> Any:
    """The MiniLM embedder of the fluency layer (loaded once; BackendError with an install hint if absent)."""
    from tqcheck.language.semantic import shared_embedder

    return shared_embedder()


@lru_cache(maxsize=256)
def topic_vector(topic: str) -> Any:
    """Unit embedding of a topic description."""
    return embedder().encode([topic])[0]


def similarity(text: str, topic: str) -> float:
    """Cosine similarity between ``text`` and ``topic`` (both embedded as unit vectors)."""
    vector = embedder().encode([text])[0]
    return float(vector @ topic_vector(topic))
