"""Does averaging detectors help? Scores of detectors trained with several recipes on one held-out MQM set, alone
and averaged (their final with-source scores), pooled and within-document AUC beside length.

    python bench/average_probe.py --data ../shared/data --held mqm_zhen_ted2021 --recipes 1:0,1:1,2:0

A recipe is EPOCHS:SEED (`tqcheck train --epochs --seed`). Every detector is trained as bench/accuracy.py trains
its leave-one-set-out folds, from the encoders `bench/tune_jobs.py --epochs E --train-seed S` cached before (a
missing one is fine-tuned here, slowly). An average cannot ship (two encoders exceed the model budget); this is a
diagnostic of how much of the shortfall is one model's variance.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import accuracy as A  # noqa: E402

from tqcheck.detector import NGRAM_FEATURES, count_words, ngram_rows  # noqa: E402
from tqcheck.detector.data import MQM_SETS, mqm_examples  # noqa: E402
from tqcheck.detector.train import TrainingSet  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=A.CACHE)
    ap.add_argument("--held", default="mqm_zhen_ted2021", choices=MQM_SETS)
    ap.add_argument("--recipes", default="1:0,1:1", help="comma-separated EPOCHS:SEED")
    args = ap.parse_args(argv)
    A.CACHE = args.cache
    A.SOURCE = A.CachedSourceEncoder(A.CACHE)
    recipes = [tuple(int(x) for x in r.split(":")) for r in args.recipes.split(",")]
    sets = {n: mqm_examples(args.data / n) for n in MQM_SETS}
    every = [e for n in MQM_SETS for e in sets[n]]
    found_all = A.findings_cached(every, A.CACHE)
    tr = [i for i, e in enumerate(every) if not e.group.startswith(args.held + "|")]
    te = [i for i, e in enumerate(every) if e.group.startswith(args.held + "|")]
    test = [every[i] for i in te]
    keep = [i for i, e in enumerate(test) if e.label is not None]
    y = np.array([test[i].label for i in keep])
    groups = np.array(["|".join(test[i].group.split("|")[1:3]) for i in keep])
    lengths = np.array([count_words(test[i].text) for i in keep], float)
    part_set = TrainingSet([test[i] for i in keep], [None] * len(keep),
                           ngram=ngram_rows([test[i].text for i in keep], NGRAM_FEATURES))
    items = [found_all[te[i]] for i in keep]
    print(f"{args.held}: length AUC {A.auc(y, lengths):.3f}, within-document {A.within(groups, y, lengths):.3f}")
    scores = []
    for epochs, seed in recipes:
        A.EPOCHS, A.TRAIN_SEED = epochs, seed
        trained = A.train_part([every[i] for i in tr], [None] * len(tr), [found_all[i] for i in tr], 2)
        rows, _, _ = A.detector_rows(trained[0], part_set)
        p_mono = trained[0].sentence_model.predict(rows)
        _, score = A.scores_of(trained, "with source", part_set.examples, rows, p_mono, items)
        scores.append(score)
        print(f"epochs {epochs}, seed {seed}: AUC {A.auc(y, score):.3f}, within-document "
              f"{A.within(groups, y, score):.3f} (with source)", flush=True)
    if len(scores) > 1:
        mean = np.mean(scores, axis=0)
        print(f"average of {len(scores)}: AUC {A.auc(y, mean):.3f}, within-document {A.within(groups, y, mean):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
