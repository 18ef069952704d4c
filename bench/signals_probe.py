"""Do CoLA acceptability and MLQE-PE direct assessments help the detector's sentence model? Leave one MQM set out.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python bench/signals_probe.py --data ../shared/data
    # the same with other seeds of the token heads and folds, CoLA only (the seed-to-seed spread):
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python bench/signals_probe.py --seed 1 --only cola

About 7 minutes on the 2-core dev machine (3.5 with --only cola), once bench/accuracy.py's caches exist.

For each of the four MQM zh-en dev sets, the detector is trained exactly as bench/accuracy.py trains it
(`train_part`'s data: the other three sets and their synthetic damage, `fit_detector`) and then its sentence model
is refitted with extra sentence-level rows beside the MQM rows:

- CoLA (`cola/dev.tsv`, every row): unacceptable = 1, acceptable = 0;
- MLQE-PE DA (`mlqe_pe_da_xen/dev.tsv`): per language pair, the bottom quarter of the z-scored direct assessment = 1,
  the top half = 0, the middle left out;

at a row weight of 0.1, 0.3 or 1 (an MQM row weighs 1). The extra rows carry no spans and get token weight 0: the
token heads, the projection, the 3-gram columns' meaning and the span threshold are those of the baseline, so
the extra data can only change how token evidence and length are weighed into P(major). Their sentence rows are
the final token head's predictions (that head never trained on them, so they are out of sample like the MQM rows'
out-of-fold ones). The intercept is refitted on the MQM rows, and the finding weights and every threshold (flag,
major; per set, the strictest over sets) are computed by `fit_evidence` on the MQM rows only, so the comparison is
about ranking. Every metric is bench/accuracy.py's `evaluate` (target only), length beside.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import accuracy as acc  # noqa: E402
from tqcheck.scoring.detector import NGRAM_FEATURES, ngram_rows  # noqa: E402
from tqcheck.training.build import fit_evidence  # noqa: E402
from tqcheck.training.data import MQM_SETS, Example, cola_examples, mqm_examples  # noqa: E402
from tqcheck.scoring.detector.model import INCREASING, SentenceModel  # noqa: E402
from tqcheck.training.synthetic import corrupt  # noqa: E402
from tqcheck.training.train import TrainingSet, fit_detector, sentence_rows  # noqa: E402

WEIGHTS = (0.1, 0.3, 1.0)
def da_examples(folder: Path) -> list[Example]:
    """MLQE-PE DA dev rows: bottom quarter of each pair's z-mean = 1, top half = 0 (middle left out)."""
    import pandas as pd

    frame = pd.read_csv(folder / "dev.tsv", sep="\t", keep_default_na=False, quoting=3)
    frame = frame[frame["da_z_mean"].astype(str) != ""]
    out = []
    for lp, rows in sorted(frame.groupby("lp")):
        z = rows["da_z_mean"].astype(float).to_numpy()
        low, mid = np.quantile(z, 0.25), np.quantile(z, 0.5)
        for (_, row), v in zip(rows.iterrows(), z):
            label = 1.0 if v <= low else 0.0 if v > mid else None
            if label is not None:
                out.append(Example(text=str(row["target"]), label=label, group=f"da|{lp}|{row['doc_id']}", kind="da"))
    return out


def encode_in_chunks(examples: list[Example], size: int = 2000) -> list:
    """bench/accuracy.py's cached encodings, in chunks (each its own cache file)."""
    out = []
    for k in range(0, len(examples), size):
        out += acc.encode_cached(examples[k:k + size], acc.CACHE)
    return out


def with_extra(fitted, extra_rows: np.ndarray, extra_y: np.ndarray, weight: float):
    """A copy of ``fitted`` whose sentence model also learned from the extra rows at ``weight``."""
    out = copy.copy(fitted)
    if len(extra_rows) and weight > 0:
        x = np.vstack([fitted.oof_rows, extra_rows])
        y = np.concatenate([fitted.oof_labels, extra_y])
        w = np.concatenate([np.ones(len(fitted.oof_rows)), np.full(len(extra_rows), weight)])
        model = SentenceModel.fit(x, y, fitted.sentence_model.names, weight=w, increasing=INCREASING)
        model.refit_intercept(fitted.oof_rows, fitted.oof_labels)
        out.sentence_model = model
    out.oof_probability = out.sentence_model.predict(fitted.oof_rows)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--folds", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None, help="JSON of every figure")
    ap.add_argument("--seed", type=int, default=acc.SEED, help="seed of the token heads and folds (robustness)")
    ap.add_argument("--only", default="cola,da,both", help="comma-separated ingredients to try")
    args = ap.parse_args(argv)
    acc.CACHE.mkdir(parents=True, exist_ok=True)
    acc.SOURCE = acc.CachedSourceEncoder(acc.CACHE)
    sets = {n: mqm_examples(args.data / n) for n in MQM_SETS}
    every = [e for n in MQM_SETS for e in sets[n]]
    enc_all = acc.encode_cached(every, acc.CACHE)
    found_all = acc.findings_cached(every, acc.CACHE)
    extra = {"cola": cola_examples(args.data / "cola"), "da": da_examples(args.data / "mlqe_pe_da_xen")}
    for name, ex in extra.items():
        acc.say(f"{name}: {len(ex)} rows, {np.mean([e.label for e in ex]):.3f} labelled 1")
    extra_enc = {name: encode_in_chunks(ex) for name, ex in extra.items()}
    extra_ngram = {name: ngram_rows([e.text for e in ex], NGRAM_FEATURES) for name, ex in extra.items()}
    index, k = {}, 0
    for n in MQM_SETS:
        index[n] = list(range(k, k + len(sets[n])))
        k += len(sets[n])
    results: dict = {}
    for held in MQM_SETS:
        acc.say(f"leave out {held}")
        tr = [i for n in MQM_SETS if n != held for i in index[n]]
        train = [every[i] for i in tr]
        synthetic = corrupt(train, seed=acc.SEED)  # as acc.train_part
        all_examples = train + synthetic
        all_enc = [enc_all[i] for i in tr] + acc.encode_cached(synthetic, acc.CACHE)
        data = TrainingSet(all_examples, all_enc, {"mqm": 1.0, "user": 1.0, "synthetic": 1.0},
                           ngram_rows([e.text for e in all_examples], NGRAM_FEATURES))
        base = fit_detector(data, folds=args.folds, seed=args.seed, ngram_columns=NGRAM_FEATURES, say=acc.say)
        found_oof = [found_all[tr[i]] for i in base.oof_index]  # oof_index points at MQM rows (listed first)
        rows = {name: sentence_rows(base.token_head, base.projection,
                                    TrainingSet(ex, extra_enc[name], ngram=extra_ngram[name]))[0]
                for name, ex in extra.items()}
        ys = {name: np.array([e.label for e in ex]) for name, ex in extra.items()}
        only = args.only.split(",")
        variants = [("baseline", 0.0, ())] + [(f"+{n} {w}", w, (n,)) for n in ("cola", "da") if n in only
                                              for w in WEIGHTS] + \
            [(f"+both {w}", w, ("cola", "da")) for w in WEIGHTS if "both" in only]
        te = index[held]
        for label, w, names in variants:
            x = np.vstack([rows[n] for n in names]) if names else np.zeros((0, base.oof_rows.shape[1]))
            y = np.concatenate([ys[n] for n in names]) if names else np.zeros(0)
            fitted = with_extra(base, x, y, w)
            weights, part, _ = fit_evidence(fitted, all_examples, found_oof, source_encoder=acc.SOURCE)
            r = acc.evaluate((fitted, weights, part), [every[i] for i in te], [enc_all[i] for i in te],
                             [found_all[i] for i in te])["target only"]
            r["coef"] = dict(zip(fitted.sentence_model.names, np.round(fitted.sentence_model.coef, 4).tolist()))
            results.setdefault(held, {})[label] = r
            acc.say(f"{held} {label}: AUC {r['AUC']:.3f} within {r['within AUC']:.3f} (length {r['AUC length']:.3f}/"
                    f"{r['within AUC length']:.3f}) clean flagged {r['clean flagged']:.3f}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    print_table(results)
    return 0


def print_table(results: dict) -> None:
    """Markdown tables: every variant, pooled / within-doc AUC and clean flagged, length beside."""
    labels = list(next(iter(results.values())))
    print("| held-out set | " + " | ".join(labels) + " | length |")
    print("|---" * (len(labels) + 2) + "|")
    for held, by in results.items():
        first = by[labels[0]]
        print(f"| {acc.NAMES[held]} | " + " | ".join(f"{by[v]['AUC']:.3f} / {by[v]['within AUC']:.3f}" for v in labels)
              + f" | {first['AUC length']:.3f} / {first['within AUC length']:.3f} |")
    print()
    print("| held-out set (change from baseline: pooled / within-doc) | " + " | ".join(labels[1:]) + " |")
    print("|---" * len(labels) + "|")
    for held, by in results.items():
        b = by["baseline"]
        print(f"| {acc.NAMES[held]} | " + " | ".join(f"{by[v]['AUC'] - b['AUC']:+.4f} / "
                                                    f"{by[v]['within AUC'] - b['within AUC']:+.4f}" for v in labels[1:])
              + " |")
    print()
    print("| held-out set (clean flagged) | " + " | ".join(labels) + " |")
    print("|---" * (len(labels) + 1) + "|")
    for held, by in results.items():
        print(f"| {acc.NAMES[held]} | " + " | ".join(f"{by[v]['clean flagged']:.3f}" for v in labels) + " |")


if __name__ == "__main__":
    raise SystemExit(main())
