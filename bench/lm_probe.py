"""English alone: does SmolLM2 evidence (lm.* columns) help the detector's monolingual sentence model? (issue 22)

    nice -n 10 python -m tqcheck.training.lm_features --data ../shared/data --cache /work/cache22lm --per-set 450
    python bench/lm_probe.py --data ../shared/data --cache /work/cache22lm --per-set 450            # choose on these
    python bench/lm_probe.py --data ../shared/data --cache /work/cache22lm --per-set 450 --only untouched  # once
    python bench/lm_probe.py --speed 200                                                             # sentences/s

The four MQM zh-en sets, English side, label "has a major error"; choices on leave-one-set-out folds of the
choosable two thirds (tqcheck.training.splits), ``--only untouched`` once at the end; whole translations subsampled
to ``--per-set`` sentences (tqcheck.training.lm_features.sample_groups). The models are the detector's logistic
regression over log_words, the ``ngram.*`` and the ``lm.*`` columns, length beside every figure (docs/detector.md).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tqcheck.scoring.detector import NGRAM_FEATURES, count_words, ngram_rows  # noqa: E402
from tqcheck.scoring.detector.lm import LM_FEATURES, statistics_matrix  # noqa: E402
from tqcheck.scoring.detector.model import SentenceModel  # noqa: E402
from tqcheck.training.build import auc  # noqa: E402
from bench.accuracy import within  # noqa: E402
from tqcheck.training.lm_features import cached_surprisals, sampled_parts  # noqa: E402

NAMES = {
    "mqm_zhen_newstest2020": "newstest2020",
    "mqm_zhen_newstest2021": "newstest2021",
    "mqm_zhen_ted2021": "TED 2021",
    "mqm_zhen_generalmt2023": "generalMT2023",
}
#: The compared column sets ("length" is the raw word count, no model).
MODELS = {
    "3-gram": ("log_words",) + tuple(f"ngram.{c}" for c in NGRAM_FEATURES),
    "3-gram + lm": ("log_words",) + tuple(f"ngram.{c}" for c in NGRAM_FEATURES) + tuple(f"lm.{c}" for c in LM_FEATURES),
    "length + lm": ("log_words",) + tuple(f"lm.{c}" for c in LM_FEATURES),
}


def say(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def table(examples: list, cache: Path) -> dict:
    """Labelled examples with every column; examples whose LM values are not cached are left out (counted)."""
    labelled = [e for e in examples if e.label is not None]
    nll = cached_surprisals([e.text for e in labelled], cache, compute=False)
    keep = [i for i, v in enumerate(nll) if v is not None]
    labelled = [labelled[i] for i in keep]
    columns = {"log_words": np.log1p([count_words(e.text) for e in labelled])}
    grams = ngram_rows([e.text for e in labelled], NGRAM_FEATURES)
    for j, c in enumerate(NGRAM_FEATURES):
        columns[f"ngram.{c}"] = grams[:, j]
    lm = statistics_matrix([nll[i] for i in keep], LM_FEATURES)
    for j, c in enumerate(LM_FEATURES):
        columns[f"lm.{c}"] = lm[:, j]
    return {"y": np.array([e.label for e in labelled]), "columns": columns,
            "length": np.array([count_words(e.text) for e in labelled], float),
            "group": np.array([e.group for e in labelled]),
            "source": np.array([e.group.split("|")[0] + "|" + e.source for e in labelled]),
            "missing": len(nll) - len(keep), "examples": labelled}


def matrix(t: dict, names: tuple[str, ...]) -> np.ndarray:
    return np.column_stack([t["columns"][n] for n in names])


def concat(tables: list[dict]) -> dict:
    return {"y": np.concatenate([t["y"] for t in tables]), "examples": [e for t in tables for e in t["examples"]],
            "columns": {k: np.concatenate([t["columns"][k] for t in tables]) for k in tables[0]["columns"]}}


def measure(train: dict, test: dict, detector_cache: Path | None = None) -> dict:
    """Pooled, per-translation and within-source AUC of every model fitted on ``train``, length beside; with
    ``detector_cache``, also the detector's own frozen-encoder route with and without the lm.* columns."""
    out = {"sentences": len(test["y"]), "bad share": float(test["y"].mean()), "missing LM": test["missing"],
           "translations": len(np.unique(test["group"]))}
    scores = {"length": test["length"]}
    for name, names in MODELS.items():
        model = SentenceModel.fit(matrix(train, names), train["y"], names)
        scores[name] = model.predict(matrix(test, names))
    if detector_cache is not None:
        scores.update(detector_scores(train, test, detector_cache))
    for name, s in scores.items():
        out[f"{name}: AUC"] = auc(test["y"], s)
        out[f"{name}: per-translation AUC"] = within(test["group"], test["y"], s)
        out[f"{name}: within-source AUC"] = within(test["source"], test["y"], s)
    return out


ENCODED: dict = {}
DATA: list = []


def detector_scores(train: dict, test: dict, cache: Path) -> dict[str, np.ndarray]:
    """The detector's own monolingual route (frozen MiniLM, token head, out-of-fold sentence model: fit_detector)
    trained on ``train`` with the lm.* columns, and its sentence model refitted on the same out-of-fold rows
    without them; both score ``test``."""
    from tqcheck.language.encoder import load_encoder
    from tqcheck.scoring.detector.model import INCREASING
    from tqcheck.training.train import TrainingSet, encode, fit_detector, sentence_rows

    extra = [f"ngram.{c}" for c in NGRAM_FEATURES] + [f"lm.{c}" for c in LM_FEATURES]
    if not ENCODED:  # every sampled sentence encoded once (one cache file, whatever the LM cache holds)
        everything = [e for parts in sampled_parts(DATA[0], DATA[1]).values() for p in parts.values() for e in p]
        ENCODED.update(zip((e.text for e in everything),
                           encode(everything, load_encoder(2), say, cache=cache / "encodings")))

    def part(t: dict) -> TrainingSet:
        return TrainingSet(t["examples"], [ENCODED[e.text] for e in t["examples"]], {"mqm": 1.0},
                           matrix(t, tuple(extra)))

    fitted = fit_detector(part(train), folds=2, ngram_columns=NGRAM_FEATURES, lm_columns=LM_FEATURES, say=say)
    k = len(LM_FEATURES)
    plain = SentenceModel.fit(fitted.oof_rows[:, :-k], fitted.oof_labels, fitted.sentence_model.names[:-k],
                              increasing=INCREASING)
    rows, _ = sentence_rows(fitted.token_head, fitted.projection, part(test))
    return {"detector": plain.predict(rows[:, :-k]), "detector + lm": fitted.sentence_model.predict(rows)}


def report(results: dict[str, dict], part: str) -> list[str]:
    lines = [f"| {part}: held-out set | sentences (translations) | bad share | length AUC | 3-gram | 3-gram + lm | "
             "length + lm | per-translation: length | 3-gram | 3-gram + lm | length + lm | within-source: length | "
             "3-gram + lm |", "|" + "---|" * 13]
    for name, r in results.items():
        def f(key: str) -> str:
            v = r[key]
            return "–" if isinstance(v, float) and math.isnan(v) else f"{v:.3f}"
        lines.append(f"| {NAMES.get(name, name)} | {r['sentences']} ({r['translations']}) | {r['bad share']:.2f} | "
                     f"{f('length: AUC')} | {f('3-gram: AUC')} | {f('3-gram + lm: AUC')} | {f('length + lm: AUC')} | "
                     f"{f('length: per-translation AUC')} | {f('3-gram: per-translation AUC')} | "
                     f"{f('3-gram + lm: per-translation AUC')} | {f('length + lm: per-translation AUC')} | "
                     f"{f('length: within-source AUC')} | {f('3-gram + lm: within-source AUC')} |")
    keys = [k for k in next(iter(results.values())) if k.endswith("AUC")]
    mean = {k: float(np.nanmean([r[k] for r in results.values()])) for k in keys}
    lines.append("| **mean** | | | " + " | ".join(f"{mean[k]:.3f}" for k in (
        "length: AUC", "3-gram: AUC", "3-gram + lm: AUC", "length + lm: AUC", "length: per-translation AUC",
        "3-gram: per-translation AUC", "3-gram + lm: per-translation AUC", "length + lm: per-translation AUC",
        "length: within-source AUC", "3-gram + lm: within-source AUC")) + " |")
    return lines


def detector_report(results: dict[str, dict], part: str) -> list[str]:
    lines = [f"| {part}: held-out set | length AUC | detector | detector + lm | per-translation: length | detector | "
             "detector + lm |", "|" + "---|" * 7]
    keys = ("length: AUC", "detector: AUC", "detector + lm: AUC", "length: per-translation AUC",
            "detector: per-translation AUC", "detector + lm: per-translation AUC")
    for name, r in results.items():
        lines.append(f"| {NAMES.get(name, name)} | " + " | ".join(f"{r[k]:.3f}" for k in keys) + " |")
    lines.append("| **mean** | " + " | ".join(f"{np.nanmean([r[k] for r in results.values()]):.3f}" for k in keys)
                 + " |")
    return lines


def speed(n: int, data: Path) -> None:
    """Sentences/s of the lm.* columns after loading (SmolLM2 int8 on this machine, as it is loaded now)."""
    import os

    from tqcheck.scoring.detector.lm import lm_rows
    from tqcheck.scoring.fluency.deep import load_causal_lm
    from tqcheck.training.data import shared_examples

    texts = list(dict.fromkeys(e.text for e in shared_examples(data)["mqm_zhen_newstest2021"]))[:n]
    lm = load_causal_lm("smollm2")
    lm_rows(texts[:8], LM_FEATURES, lm)  # warm up
    start, cpu = time.perf_counter(), time.process_time()
    lm_rows(texts, LM_FEATURES, lm)
    wall, used = time.perf_counter() - start, time.process_time() - cpu
    print(f"{len(texts)} sentences: {len(texts) / wall:.1f} sentences/s wall, {used / len(texts) * 1000:.0f} ms CPU "
          f"per sentence, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=Path("/work/cache22lm"))
    ap.add_argument("--per-set", type=int, default=450)
    ap.add_argument("--only", choices=("loso", "untouched"), default="loso",
                    help="loso: leave-one-set-out on the choosable documents; untouched: the untouched third, once")
    ap.add_argument("--detector", action="store_true",
                    help="also train the detector's frozen-encoder route (token head + sentence model) per fold")
    ap.add_argument("--speed", type=int, default=0, help="measure the LM columns' speed on this many sentences")
    args = ap.parse_args()
    if args.speed:
        speed(args.speed, args.data)
        return 0
    parts = sampled_parts(args.data, args.per_set)
    DATA[:] = [args.data, args.per_set]
    choose = {name: table(p["choose"], args.cache) for name, p in parts.items()}
    results = {}
    if args.only == "loso":
        for held in choose:
            train = concat([t for name, t in choose.items() if name != held])
            results[held] = measure(train, choose[held], args.cache if args.detector else None)
    else:
        train = concat(list(choose.values()))
        for name, p in parts.items():
            results[name] = measure(train, table(p["untouched"], args.cache), args.cache if args.detector else None)
    for line in report(results, args.only):
        print(line)
    if args.detector:
        print()
        for line in detector_report(results, args.only):
            print(line)
    missing = sum(r["missing LM"] for r in results.values())
    if missing:
        print(f"\n{missing} labelled test sentences had no cached LM values and were left out")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
