"""Token surprisals of a causal LM for training sentences, computed once and cached (issue 22, English alone).

The cache is a folder outside the repository: ``surprisals-<key>.jsonl``, one line per text
(``{"sha": SHA-256 of the text, "nll": [token surprisals, nats]}``), appended batch by batch so an interrupted
run resumes where it stopped. ``key`` names the LM (its name and conversion recipe), so a different LM never
reads another's numbers. The sentence model's ``lm.*`` columns are statistics of these values
(tqcheck.scoring.detector.lm), exactly as at check time.

    nice -n 10 python -m tqcheck.training.lm_features --data ../shared/data --cache /work/cache22lm
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from tqcheck.scoring.detector.lm import LM_NAME

Say = Callable[[str], None]


def text_sha(text: str) -> str:
    """SHA-256 of a text (its cache key)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lm_signature(name: str = LM_NAME) -> str:
    """A short key naming the LM and its conversion recipe."""
    from tqcheck.scoring.fluency.deep import CT2_RECIPE, smollm2_backend

    return hashlib.sha256(f"{name}|{smollm2_backend()}|ct2-r{CT2_RECIPE}".encode()).hexdigest()[:12]


def cache_path(cache: Path, name: str = LM_NAME) -> Path:
    """The cache file of an LM in a cache folder."""
    return Path(cache) / f"surprisals-{lm_signature(name)}.jsonl"


def read_cache(path: Path) -> dict[str, np.ndarray]:
    """Cached surprisals by text SHA-256 (a torn last line of an interrupted run is skipped)."""
    out: dict[str, np.ndarray] = {}
    if not path.is_file():
        return out
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            out[row["sha"]] = np.asarray(row["nll"], dtype=np.float64)
    return out


def cached_surprisals(texts: Sequence[str], cache: Path, *, lm=None, batch: int = 64, say: Say | None = None,
                      compute: bool = True) -> list[np.ndarray | None]:
    """Token surprisals of every text, from the cache or computed (and appended to it).

    ``compute=False`` only reads: texts not in the cache come back as None.
    """
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    path = cache_path(cache)
    known = read_cache(path)
    todo = list(dict.fromkeys(t for t in texts if text_sha(t) not in known))
    if todo and compute:
        if lm is None:
            from tqcheck.scoring.fluency.deep import load_causal_lm

            lm = load_causal_lm(LM_NAME)
        started = time.perf_counter()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            for k in range(0, len(todo), batch):
                chunk = todo[k:k + batch]
                for text, values in zip(chunk, lm.token_surprisals(chunk)):
                    sha = text_sha(text)
                    known[sha] = np.asarray(values, dtype=np.float64)
                    handle.write(json.dumps({"sha": sha, "nll": [round(float(v), 4) for v in values]}) + "\n")
                handle.flush()
                if say:
                    done = min(k + batch, len(todo))
                    rate = done / max(time.perf_counter() - started, 1e-9)
                    say(f"LM surprisals {done}/{len(todo)} ({rate:.1f} sentences/s)")
    return [known.get(text_sha(t)) for t in texts]


def sample_groups(examples: Sequence, budget: int) -> list:
    """Whole translations (document x system groups) of a set, in a fixed order (SHA-256 of the group name),
    until ``budget`` sentences are taken (all of them when budget is 0): a subsample that keeps every sampled
    translation complete, so per-translation figures stay meaningful."""
    groups: dict[str, list] = {}
    for e in examples:
        groups.setdefault(e.group, []).append(e)
    order = sorted(groups, key=lambda g: hashlib.sha256(("lm-sample|" + g).encode()).hexdigest())
    out: list = []
    for g in order:
        if budget and len(out) >= budget:
            break
        out.extend(groups[g])
    return out


def sampled_parts(data: Path, per_set: int) -> dict[str, dict[str, list]]:
    """The MQM examples of every set split into ``choose`` / ``untouched`` (tqcheck.training.splits), each
    subsampled by sample_groups (``per_set`` sentences for choose, half that for untouched; 0: all)."""
    from tqcheck.training.data import shared_examples
    from tqcheck.training.splits import is_untouched

    out: dict[str, dict[str, list]] = {}
    for name, examples in shared_examples(data).items():
        choose = [e for e in examples if not is_untouched(name, e.unit)]
        untouched = [e for e in examples if is_untouched(name, e.unit)]
        out[name] = {"choose": sample_groups(choose, per_set), "untouched": sample_groups(untouched, per_set // 2)}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Compute the LM surprisals of the MQM zh-en sentences (English side), choosable units first."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument("--cache", type=Path, required=True, help="cache folder (outside the repository)")
    parser.add_argument("--limit", type=int, default=0, help="score at most this many new texts (a timing run)")
    parser.add_argument("--part", choices=("choose", "untouched", "all"), default="all",
                        help="which part of the selection protocol to score (choosable units come first)")
    parser.add_argument("--per-set", type=int, default=0,
                        help="subsample: whole translations up to this many sentences per set (half for untouched)")
    args = parser.parse_args(argv)

    def say(line: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)

    parts = sampled_parts(args.data, args.per_set)
    choose, untouched = [], []
    for part, bucket in (("choose", choose), ("untouched", untouched)):
        lists = [[e.text for e in parts[name][part]] for name in parts]
        for k in range(max(map(len, lists), default=0)):  # round robin: an interrupted run stays balanced
            bucket.extend(texts[k] for texts in lists if k < len(texts))
    texts = {"choose": choose, "untouched": untouched, "all": choose + untouched}[args.part]
    texts = list(dict.fromkeys(texts))
    known = read_cache(cache_path(args.cache))
    todo = [t for t in texts if text_sha(t) not in known]
    if args.limit:
        todo = todo[:args.limit]
    say(f"{len(texts)} distinct texts, {len(texts) - len(todo)} cached, scoring {len(todo)}")
    started = time.perf_counter()
    cached_surprisals(todo, args.cache, say=say)
    elapsed = time.perf_counter() - started
    say(f"done: {len(todo)} texts in {elapsed:.1f} s ({len(todo) / max(elapsed, 1e-9):.1f} sentences/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
