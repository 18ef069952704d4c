"""Throughput of the untuned MiniLM encoder (``tqcheck.language.encoder``) by thread count, and a check that its
outputs are the same to the bit whatever the count.

    python bench/encoder_threads.py                 # 1,000 sentences, threads 1 and 2, best of 3
    python bench/encoder_threads.py --threads 1 2 4 --sentences 2000
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    """Print sentences/s per thread count (after a warm-up), and fail when two counts' outputs differ."""
    from tqcheck.language.encoder import Encoder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    texts = [f"Sentence number {k} says {'a little more ' * (k % 7)}about the border of the strip."
             for k in range(args.sentences)]
    reference = None
    for threads in args.threads:
        encoder = Encoder(threads=threads)
        encoder.encode(texts[:64])
        best = float("inf")
        for _ in range(args.repeats):
            started = time.perf_counter()
            out = encoder.encode(texts)
            best = min(best, time.perf_counter() - started)
        states = np.concatenate([e.states.ravel() for e in out] + [e.sentence for e in out])
        if reference is None:
            reference = states
        elif not np.array_equal(reference, states):
            raise SystemExit(f"threads={threads}: the outputs differ from threads={args.threads[0]}")
        print(f"threads={threads}: {len(texts) / best:.0f} sentences/s")


if __name__ == "__main__":
    main()
