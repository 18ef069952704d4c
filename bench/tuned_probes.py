"""Probes of levers for the fine-tuned detector that bench/accuracy.py does not cover, on its leave-one-set-out
folds and with its cached encoders (`bench/tune_jobs.py` fills the cache; a missing encoder is fine-tuned here,
slowly). Every line printed is one held-out set scored one way; length is the baseline beside it.

    python bench/tuned_probes.py average --data ../shared/data --held mqm_zhen_ted2021 --recipes 1:0,1:1,2:0
    python bench/tuned_probes.py cola --data ../shared/data [--weights 0.1,0.3,1.0] [--held SET,...]
    python bench/tuned_probes.py interaction --data ../shared/data [--held SET,...] [--c 0.1]

**average**: does averaging detectors help? The final with-source scores of detectors trained with several
recipes on one held-out MQM set, alone and averaged, pooled and within-document AUC. A recipe is EPOCHS:SEED
(`tqcheck train --epochs --seed`). An average cannot ship (two encoders exceed the model budget); it shows how
much of a shortfall is one model's variance.

**cola**: does CoLA help the fine-tuned detector's sentence model? The detector trained as bench/accuracy.py
trains it, then its monolingual sentence model refitted with CoLA's sentences (unacceptable = 1) at a row
weight, its intercept refitted and its thresholds recalibrated on the MQM rows. CoLA's sentences are scored half
by each fold encoder (neither saw CoLA), like the MQM rows' out-of-fold outputs. Weight 0 is the benchmark's
detector: its lines reproduce bench/accuracy.py's figures.

**interaction**: does the source encoder say more than the cosine the bilingual model reads? A logistic model
over the products and absolute differences of the source's and the translation's unit embeddings, fitted on
the three training sets, alone and stacked (on its out-of-fold scores) with log length and the cosine.
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
from signals_probe import with_extra  # noqa: E402

from tqcheck.scoring.detector import NGRAM_FEATURES, count_words, ngram_rows  # noqa: E402
from tqcheck.training.build import fit_evidence, fit_tuned_detector  # noqa: E402
from tqcheck.training.data import MQM_SETS, cola_examples  # noqa: E402
from tqcheck.training.synthetic import corrupt  # noqa: E402
from tqcheck.training.train import TrainingSet, calibrate, group_folds, tuned_rows  # noqa: E402
from tqcheck.training.tune import TunedModel, TuneSettings, job_key  # noqa: E402


def average(args) -> int:
    """Scores of detectors of several recipes on one held-out set, alone and averaged."""
    recipes = [tuple(int(x) for x in r.split(":")) for r in args.recipes.split(",")]
    every, found_all = A.probe_data(args)
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



def cola(args) -> int:
    """CoLA rows in the tuned detector's monolingual sentence model, per held-out set and weight."""
    every, found_all = A.probe_data(args)
    cola = cola_examples(args.data / "cola")
    texts = [e.text for e in cola]
    y_cola = np.array([e.label for e in cola])
    settings = TuneSettings(seed=A.SEED)
    for held in args.held.split(","):
        tr = [i for i, e in enumerate(every) if not e.group.startswith(held + "|")]
        te = [i for i, e in enumerate(every) if e.group.startswith(held + "|")]
        train = [every[i] for i in tr]
        examples = train + corrupt(train, per_example=A.SYNTHETIC, seed=A.SEED)  # as bench/accuracy.py
        base = fit_tuned_detector(examples, ngram_rows([e.text for e in examples], NGRAM_FEATURES), folds=2,
                                  seed=A.SEED, cache=A.CACHE, say=A.say)
        fold = group_folds(examples, 2, A.SEED)
        outputs: list = [None] * len(cola)
        for k in (0, 1):
            path = A.CACHE / f"tuned-{job_key([e for e, f in zip(examples, fold) if f != k], settings)}.onnx"
            mine = [i for i in range(len(cola)) if i % 2 == k]
            for i, o in zip(mine, TunedModel(path, max_length=settings.max_length).predict([texts[i] for i in mine])):
                outputs[i] = o
        rows = tuned_rows(outputs, texts, ngram_rows(texts, NGRAM_FEATURES))
        found = [found_all[i] for i in tr]
        for weight in [0.0] + [float(w) for w in args.weights.split(",")]:
            fitted = with_extra(base, rows, y_cola, weight)
            fitted.flag_threshold, fitted.major_span_threshold = calibrate(fitted.oof_probability, fitted.oof_labels,
                                                                           fitted.oof_datasets)
            weights, part, _ = fit_evidence(fitted, examples, [found[i] for i in fitted.oof_index],
                                            source_encoder=A.SOURCE)
            result = A.evaluate((fitted, weights, part), [every[i] for i in te], [None] * len(te),
                                [found_all[i] for i in te])
            for mode in ("target only", "with source"):
                r = result[mode]
                print(f"{A.NAMES[held]:>14} CoLA {weight:<4} {mode:>12}: AUC {r['AUC']:.4f} "
                      f"(+{r['AUC'] - r['AUC length']:.3f}) within {r['within AUC']:.4f} "
                      f"(+{r['within AUC'] - r['within AUC length']:.3f}) clean flagged {r['clean flagged']:.3f} "
                      f"major right {r['major precision']:.3f}", flush=True)
    return 0


def interaction(args) -> int:
    """Does the source encoder say more than the cosine? A logistic model over the products and absolute
    differences of the source's and the translation's unit embeddings (1,024 inputs), fitted on the training sets
    (its out-of-fold scores by the benchmark's document folds), beside length and cosine alone."""
    from sklearn.linear_model import LogisticRegression

    from tqcheck.training.data import mqm_examples
    from tqcheck.training.train import group_folds

    encoder = A.CachedSourceEncoder(args.cache)
    sets = {n: [e for e in mqm_examples(args.data / n) if e.label is not None and e.source] for n in MQM_SETS}

    def inputs(examples):
        u = encoder.encode([e.source for e in examples])
        v = encoder.encode([e.text for e in examples])
        u = u / np.linalg.norm(u, axis=1, keepdims=True)
        v = v / np.linalg.norm(v, axis=1, keepdims=True)
        base = np.c_[np.log1p([count_words(e.text) for e in examples]), (u * v).sum(1)]
        return np.hstack([u * v, np.abs(u - v)]), base

    for held in args.held.split(","):
        train = [e for n in MQM_SETS if n != held for e in sets[n]]
        test = sets[held]
        z_train, base_train = inputs(train)
        z_test, base_test = inputs(test)
        y_train = np.array([e.label for e in train])
        y = np.array([e.label for e in test])
        groups = np.array(["|".join(e.group.split("|")[1:3]) for e in test])
        fold = group_folds(train, 2, A.SEED)
        oof = np.zeros(len(train))
        for k in (0, 1):
            part = LogisticRegression(C=args.c, max_iter=2000).fit(z_train[fold != k], y_train[fold != k])
            oof[fold == k] = part.decision_function(z_train[fold == k])
        alone = LogisticRegression(C=args.c, max_iter=2000).fit(z_train, y_train).decision_function(z_test)
        base = LogisticRegression(max_iter=1000).fit(base_train, y_train).decision_function(base_test)
        both = LogisticRegression(max_iter=1000).fit(np.c_[base_train, oof], y_train).decision_function(
            np.c_[base_test, alone])
        length = base_test[:, 0]
        print(f"{A.NAMES[held]:>14}: interaction alone {A.auc(y, alone):.3f} / {A.within(groups, y, alone):.3f}; "
              f"length + cosine {A.auc(y, base):.3f} / {A.within(groups, y, base):.3f}; + interaction "
              f"{A.auc(y, both):.3f} / {A.within(groups, y, both):.3f}; length {A.auc(y, length):.3f} / "
              f"{A.within(groups, y, length):.3f}", flush=True)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="probe", required=True)
    avg = sub.add_parser("average", help="detectors of several recipes, alone and averaged")
    A.add_data_arguments(avg)
    avg.add_argument("--held", default="mqm_zhen_ted2021", choices=MQM_SETS)
    avg.add_argument("--recipes", default="1:0,1:1", help="comma-separated EPOCHS:SEED")
    col = sub.add_parser("cola", help="CoLA rows in the sentence model")
    A.add_data_arguments(col)
    col.add_argument("--held", default=",".join(MQM_SETS), help="comma-separated held-out sets")
    col.add_argument("--weights", default="0.1,0.3,1.0", help="CoLA row weights to try (0 is always run)")
    inter = sub.add_parser("interaction", help="source x translation embedding interactions beside the cosine")
    A.add_data_arguments(inter)
    inter.add_argument("--held", default=",".join(MQM_SETS), help="comma-separated held-out sets")
    inter.add_argument("--c", type=float, default=0.1, help="inverse L2 strength of the interaction model")
    args = ap.parse_args(argv)
    return {"average": average, "cola": cola, "interaction": interaction}[args.probe](args)


if __name__ == "__main__":
    raise SystemExit(main())
