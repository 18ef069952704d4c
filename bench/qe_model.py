"""The cross-lingual quality model of issue 22 on the shared data, by the selection protocol; prints JSON figures.

    python -m bench.qe_model --mode loso      # leave one MQM set out, on the choose part only
    python -m bench.qe_model --mode folds     # in-set document folds of the choose part
    python -m bench.qe_model --mode final     # train on the whole choose part, report the untouched third (once)
    python -m bench.qe_model --mode final --model detector [--no-alignment]   # a detector folder as it checks
    python -m bench.qe_model --mode loso --model alignment   # fit the detector's alignment part per job

Length is beside every figure (tqcheck/training/qe_eval.py); E5 states cached under --cache; needs the train extra.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tqcheck.training.qe_align import AlignmentModel  # noqa: E402
from tqcheck.training.qe_data import MQM_SETS  # noqa: E402
from tqcheck.training.qe_eval import ALL_SETS, DetectorScores, evaluate, load_rows, pipeline_flags  # noqa: E402
from tqcheck.training.qe_model import StateCache, Trainer  # noqa: E402


def say(line: str) -> None:
    """Progress on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def main(argv=None) -> int:
    """Run one protocol part and print (and write) its figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "tqcheck-bench" / "qe")
    ap.add_argument("--mode", choices=("loso", "folds", "unseen", "final"), default="loso",
                    help="unseen: train on the four MQM sets' choose part, measure wmtqe2022's (the one annotated "
                         "zh-en set the 2.1 detector never trained on)")
    ap.add_argument("--model", choices=("joint", "align", "detector", "alignment"), default="joint",
                    help="joint: the trained joint transformer; align: alignment evidence and a logistic model; "
                         "detector: a detector folder as it is (--detector; nothing is trained)")
    ap.add_argument("--detector", default="", help="with --model detector: its folder (default: the shipped one)")
    ap.add_argument("--no-alignment", action="store_true", help="with --model detector: without its alignment part")
    ap.add_argument("--blend", type=lambda v: tuple(float(x) for x in v.split(",")), default=None,
                    help="with --model alignment: blend weights of the bilingual, alignment and omission logits "
                         "(default: tqcheck.training.alignment.BLEND_WEIGHTS, 0.4,0.4,0.2)")
    ap.add_argument("--pipeline", action="store_true",
                    help="with --model detector: also flags of the whole default pipeline (rules, grammar and source "
                         "checks' findings as evidence), as reports show them, per document x system")
    for name, default in (("--epochs", 2), ("--d", 64), ("--layers", 1), ("--pair-weight", 0.0)):  # pairs: copy > original
        ap.add_argument(name, type=type(default), default=default)
    ap.add_argument("--pretrained", action="store_true", help="joint: E5's own next --layers layers, trained (not --d)")
    ap.add_argument("--reads-words", action="store_true", help="--pretrained: the sentence head reads the word heads")
    ap.add_argument("--source-drops", action="store_true", help="source-word targets of synthetic drops, by alignment")
    ap.add_argument("--held", default="", help="loso: only the held-out sets whose names contain this")
    ap.add_argument("--mlqe", type=int, default=3000, help="MLQE-PE rows (with post-edit tags) of the choose part")
    ap.add_argument("--synthetic-weight", type=float, default=0.5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if not (args.data / "mqm_zhen_ted2021" / "dev.segments.tsv").exists():
        print(f"needs the shared data under {args.data}", file=sys.stderr)
        return 2
    rows = load_rows(args.data, args.mlqe)
    choose = [r for r in rows if r.part == "choose"]
    untouched = [r for r in rows if r.part == "untouched"]
    cache = StateCache(args.cache)
    sets = ALL_SETS + ("mlqe_pe_da_xen",)
    if args.mode == "loso":
        jobs = [(f"leave out {h}", [r for r in choose if r.data_set != h], [(h, [r for r in choose if r.data_set == h])])
                for h in MQM_SETS if args.held in h]
    elif args.mode == "folds":
        jobs = [(f"in-set fold {k}", [r for r in choose if r.fold != k],
                 [(f"fold {k}: {n}", [r for r in choose if r.fold == k and r.data_set == n]) for n in sets])
                for k in range(3)]
    elif args.mode == "unseen":
        jobs = [("the MQM sets' choose part", [r for r in choose if r.data_set in MQM_SETS],
                 [("choose: mqm_zhen_wmtqe2022", [r for r in choose if r.data_set == "mqm_zhen_wmtqe2022"])])]
    else:
        jobs = [("the whole choose part", choose, [(f"untouched: {n}", [r for r in untouched if r.data_set == n])
                                                   for n in sets])]
    results = []
    shared_scores = None
    for name, train, tests in jobs:
        say(f"{name}: {len(train)} training rows")
        if args.model == "detector":
            model = DetectorScores(args.detector, not args.no_alignment)
        elif args.model == "alignment":
            model = shared_scores or DetectorScores(args.detector, False)
            shared_scores = model.fit_alignment(train, say, args.blend)
        else:
            model = (AlignmentModel(cache, synthetic_weight=args.synthetic_weight) if args.model == "align" else
                     Trainer(cache, d=args.d, layers=args.layers, epochs=args.epochs, pretrained=args.pretrained,
                             reads_words=args.reads_words, source_drops=args.source_drops, pair_weight=args.pair_weight,
                             synthetic_weight=args.synthetic_weight, say=say)).fit(train)
        for test_name, test in tests:
            results.append(evaluate(model, train, test, test_name))
            if args.model in ("detector", "alignment"):
                results[-1].update(model.card_flags(test))
            if args.model == "detector" and args.pipeline:
                results[-1].update(pipeline_flags(test, args.detector, not args.no_alignment, say))
            print(json.dumps(results[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
