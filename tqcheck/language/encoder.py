"""The MiniLM-L6 sentence encoder on ONNX Runtime (int8, shipped, hash-pinned): no torch at run time.

``load_encoder()`` returns one Encoder per process (loaded lazily, on first call). ``Encoder.encode``
gives, for each text, its word-piece character offsets and last-layer token states (without [CLS]
and [SEP]) and the sentence embedding sentence-transformers all-MiniLM-L6-v2 would return
(attention-mask mean pooling over every token, specials included, then L2 normalisation).

Texts longer than ``MAX_TOKENS`` word pieces (256, counting [CLS] and [SEP], as sentence-transformers
does) are truncated: their offsets and states stop at the 254th word piece and the sentence embedding
describes that prefix only.

Determinism: the int8 model quantises activations per batch (ONNX Runtime dynamic quantisation), so a
text's vectors move slightly with its batch neighbours (cosine to itself >= 0.97 in tests, usually > 0.99).
For the same input list and batch size the output is always the same; pass ``batch_size=1`` when a text's
vectors must not depend on the other texts at all.

Threads: an Encoder runs its batches on up to ``threads`` threads at once (``load_encoder``'s default is
``tqcheck.core.limits.check_threads()``, the project's one rule: $TQCHECK_ENCODER_THREADS, else the usable cores
up to four), each batch on one ONNX Runtime thread, as the tuned MiniLM and E5-small run theirs. The batches are
the same whatever the thread count, so the outputs are the same to the bit; a parallel runner's or Dask's worker
sets the variable to 1.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tqcheck.core.errors import BackendError
from tqcheck.core.paths import MODELS

NAME = "minilm-l6-int8"
VERSION = "1"
MODEL_FILE = "minilm-l6-int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
#: SHA-256 of the shipped files (see tqcheck/models/README.md for how they were made).
MODEL_SHA256 = "fc33129ae77205846d13890837a67fa5bf678912fb0344723bcff4055f60452d"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
#: Word pieces per text, [CLS] and [SEP] included (sentence-transformers' max_seq_length).
MAX_TOKENS = 256
DIMENSION = 384
INSTALL_HINT = "pip install onnxruntime tokenizers"


@dataclass(frozen=True, eq=False)
class EncodedText:
    """One encoded text: word-piece offsets (n, 2) int32, their states (n, 384) float32, sentence (384,)."""

    offsets: np.ndarray
    states: np.ndarray
    sentence: np.ndarray


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    from tqcheck.core.threads import check_stop

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            check_stop()  # a model loading in the background never holds up the end of the program
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, expected: str) -> None:
    """BackendError naming ``path`` unless it exists and its SHA-256 is ``expected``."""
    if not path.is_file():
        raise BackendError(f"{path} is missing: reinstall tqcheck")
    actual = file_sha256(path)
    if actual != expected:
        raise BackendError(f"{path} has SHA-256 {actual}, expected {expected}; refusing to load it "
                           "(rebuild with: python -m tqcheck.training.export_encoder, or reinstall tqcheck)")


def load_tokenizer(max_tokens: int, path: Path = MODELS / TOKENIZER_FILE, sha256: str = TOKENIZER_SHA256):
    """The MiniLM word-piece tokenizer (hash-checked): no padding, truncated to ``max_tokens`` with [CLS] and
    [SEP]."""
    verify(path, sha256)
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise BackendError(f"the MiniLM encoder needs ONNX Runtime and tokenizers: {INSTALL_HINT}") from None
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_tokens)
    return tokenizer


def onnx_session(path: Path, threads: int = 1):
    """An ONNX Runtime CPU session for ``path`` (hash it first): ``threads`` intra-op threads, quiet."""
    try:
        import onnxruntime
    except ImportError:
        raise BackendError(f"the MiniLM encoder needs ONNX Runtime and tokenizers: {INSTALL_HINT}") from None
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class Encoder:
    """The loaded int8 MiniLM: tokenizer (tokenizers) and inference session (onnxruntime)."""

    def __init__(self, folder: Path = MODELS, *, threads: int = 1,
                 model_sha256: str = MODEL_SHA256, tokenizer_sha256: str = TOKENIZER_SHA256) -> None:
        model = folder / MODEL_FILE
        verify(model, model_sha256)
        self.tokenizer = load_tokenizer(MAX_TOKENS, folder / TOKENIZER_FILE, tokenizer_sha256)
        #: how many batches run at once, each on one ONNX Runtime thread (outputs never depend on it)
        self.threads = max(1, int(threads))
        self.session = onnx_session(model, 1)
        self.signature = f"{NAME}=={VERSION} sha256:{model_sha256[:16]}"
        self.dimension = DIMENSION

    def encode(self, texts: list[str], batch_size: int = 32) -> list[EncodedText]:
        """Offsets, token states and sentence embedding of each text, in input order."""
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=True) if texts else []
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        results: list[EncodedText | None] = [None] * len(encodings)
        chunks = [order[start:start + max(1, batch_size)] for start in range(0, len(order), max(1, batch_size))]
        if self.threads > 1 and len(chunks) > 1:
            from tqcheck.core.threads import map_in_threads

            # ONNX Runtime lets go of the GIL while a batch runs: the batches share the cores
            map_in_threads(lambda chunk: self._batch(encodings, chunk, results), chunks, self.threads)
        else:
            for chunk in chunks:
                self._batch(encodings, chunk, results)
        return results  # type: ignore[return-value]

    def _batch(self, encodings, chunk: list[int], results: list) -> None:
        """Encode the texts ``chunk`` (indices into ``encodings``) in one batch into ``results``."""
        width = max(len(encodings[i].ids) for i in chunk)
        ids = np.zeros((len(chunk), width), dtype=np.int64)
        mask = np.zeros((len(chunk), width), dtype=np.int64)
        for row, i in enumerate(chunk):
            n = len(encodings[i].ids)
            ids[row, :n] = encodings[i].ids
            mask[row, :n] = 1
        (states,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                            "token_type_ids": np.zeros_like(ids)})
        states = states.astype(np.float32, copy=False)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (states * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        for row, i in enumerate(chunk):
            n = len(encodings[i].ids)
            offsets = np.asarray(encodings[i].offsets[1:n - 1], dtype=np.int32).reshape(-1, 2)
            results[i] = EncodedText(offsets, np.ascontiguousarray(states[row, 1:n - 1]), pooled[row].copy())

    def sentences(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Sentence embeddings only (len(texts), 384), unit length."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return np.stack([e.sentence for e in self.encode(texts, batch_size)])


_LOCK = threading.Lock()
_LOADED: dict[int, Encoder] = {}


def load_encoder(threads: int | None = None) -> Encoder:
    """The process's Encoder for ``threads`` threads (default ``tqcheck.core.limits.check_threads()``), loaded on
    first call."""
    if threads is None:
        from tqcheck.core.limits import check_threads

        threads = check_threads()
    with _LOCK:
        if threads not in _LOADED:
            _LOADED[threads] = Encoder(threads=threads)
        return _LOADED[threads]


__all__ = ["EncodedText", "Encoder", "load_encoder", "MAX_TOKENS", "NAME", "VERSION"]
