"""Cross-lingual meaning check: cosine similarity of source and target sentence embeddings.

Works with any sentence-transformers model that embeds both languages into one
space (e.g. paraphrase-multilingual-MiniLM-L12-v2, LaBSE), loaded from a local
path or the local cache only (never downloaded). Off, with one notice, when the
``crosslingual_model`` setting is empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from tqcheck.core.document import Segment
from tqcheck.core.errors import BackendError
from tqcheck.core.finding import Finding

if TYPE_CHECKING:
    from tqcheck.core.config import Settings

#: Source/target cosine similarity below which a segment gets a finding (major below MAJOR_SIMILARITY).
#: Origin: convention, round cut-offs set when the check was written (dfa3a6f); no page measures them (the
#: multilingual model is optional and not shipped), so treat them as a starting point for your model.
MIN_SIMILARITY = 0.5
MAJOR_SIMILARITY = 0.3

OFF_NOTICE = ("cross-lingual meaning check off: no multilingual sentence-embedding model configured "
              "(set crosslingual_model to a local model folder, e.g. paraphrase-multilingual-MiniLM-L12-v2; "
              "tqcheck never downloads models)")


class MeaningCheck:
    """Embeds sources and targets with one model and compares them."""

    def __init__(self, model_name: str = "", model: Any = None) -> None:
        self.model_name = model_name
        self._model = model
        self.notices: list[str] = [] if (model_name or model is not None) else [OFF_NOTICE]

    @property
    def available(self) -> bool:
        """Whether a model is configured."""
        return bool(self.model_name) or self._model is not None

    def model(self) -> Any:
        """The loaded model (loaded on first use, offline only)."""
        if self._model is None:
            self._model = load_model(self.model_name)
        return self._model

    def similarities(self, segments: Sequence[Segment]) -> list[float]:
        """Cosine similarity of each segment's source and target text."""
        model = self.model()
        sources = model.encode([s.source or "" for s in segments], normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        targets = model.encode([s.text for s in segments], normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        return [round(float(a @ b), 4) for a, b in zip(sources, targets)]

    def finding(self, segment: Segment, similarity: float) -> Finding | None:
        """A finding when the similarity is very low, else None."""
        if similarity >= MIN_SIMILARITY:
            return None
        return segment.finding(
            0, len(segment.text), rule_id="source.Meaning",
            message=f"the translation's meaning is far from its source (cross-lingual similarity {similarity:.2f})",
            severity="major" if similarity < MAJOR_SIMILARITY else "minor",
            category="accuracy/mistranslation", origin="source", confidence=similarity,
            engine=f"crosslingual:{self.model_name or 'model'}")

    def signature(self) -> dict[str, str]:
        """The model used, when any."""
        return {"crosslingual_model": self.model_name} if self.available else {}


def load_model(name: str) -> Any:
    """A sentence-transformers model from a local folder or the local cache; BackendError otherwise."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise BackendError("the cross-lingual check needs sentence-transformers: pip install sentence-transformers",
                           key="crosslingual_model") from None
    try:
        return SentenceTransformer(name, device="cpu", local_files_only=True)
    except Exception as exc:
        raise BackendError(f"cannot load the cross-lingual model {name!r} offline ({type(exc).__name__}); "
                           "give a local model folder or unset crosslingual_model", key="crosslingual_model") from None


def make_meaning_check(settings: "Settings | None") -> MeaningCheck:
    """The meaning check configured by ``crosslingual_model`` (off with a notice when empty)."""
    name = ""
    if settings is not None:
        try:
            name = settings.get("crosslingual_model") or ""
        except KeyError:
            name = ""
    return MeaningCheck(name)
