"""Train the fine-tuned encoders the benchmark and the shipped detector need, on every core, ahead of time.

    OMP_NUM_THREADS=1 python bench/tune_jobs.py --data ../shared/data --worker 0 &
    OMP_NUM_THREADS=1 python bench/tune_jobs.py --data ../shared/data --worker 1 &

Each worker takes the next job nobody has claimed (a claim is a file created exclusively in the cache) and trains
it with ``tqcheck.training.tune.trained``: the same examples, settings and cache key that bench/accuracy.py
(``--tuned``) and ``tqcheck train --tune`` use, so they find the models here instead of training them one after
another on one core. Jobs, in order: for each held-out MQM set (TED first) the encoder on the other three sets
with their synthetic damage and one per document fold trained without it; the shipped detector's three; the
document split's three.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# the benchmark's seed, its recipe options and its document split
from accuracy import SEED, add_recipe_arguments  # noqa: E402

from tqcheck.training.build import gather  # noqa: E402
from tqcheck.training.data import MQM_SETS, mqm_examples, postedit_examples  # noqa: E402
from tqcheck.training.synthetic import corrupt  # noqa: E402
from tqcheck.training.splits import choose_part, split_test_units  # noqa: E402
from tqcheck.training.train import fold_numbers  # noqa: E402
from tqcheck.training.tune import TuneSettings, job_key, trained  # noqa: E402

CACHE = Path.home() / ".cache" / "tqcheck-bench"


def jobs(data: Path, folds: int = 2, synthetic: float = 0.5, seed: int = SEED, folds_by: str = "document",
         postedit: bool = False):
    """(name, examples) of every fine-tune, in the order they are wanted."""
    sets = choose_part({n: mqm_examples(data / n) for n in MQM_SETS})  # never the untouched third
    extra = postedit_examples(data / "mlqe_pe_xen_postedits") if postedit else []  # as bench/accuracy.py --postedit

    def three(name, train):
        all_examples = train + corrupt(train, per_example=synthetic, seed=seed) + extra
        fold = fold_numbers(all_examples, folds, seed, folds_by)
        out = [(f"{name} fold {k}", [e for e, f in zip(all_examples, fold) if f != k]) for k in sorted(set(fold))]
        return out + [(f"{name} all", all_examples)]

    out = []
    for held in ("mqm_zhen_ted2021", "mqm_zhen_newstest2020", "mqm_zhen_newstest2021", "mqm_zhen_generalmt2023"):
        out += three(f"leave out {held}", [e for n in MQM_SETS if n != held for e in sets[n]])
    shipped, _ = gather([], data)
    out += three("shipped", shipped)
    test_units = split_test_units(sets)
    out += three("document split", [e for n in MQM_SETS for e in sets[n] if f"{n}|{e.unit}" not in test_units])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--worker", type=int, default=0, help="a name for this worker's log lines")
    ap.add_argument("--only", default="", help="run only jobs whose name contains this")
    add_recipe_arguments(ap)
    args = ap.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    settings = TuneSettings(epochs=args.epochs, seed=args.train_seed, edit_head=args.postedit_head)

    def say(line):
        print(f"[{time.strftime('%H:%M:%S')}] w{args.worker} {line}", flush=True)

    for name, examples in jobs(args.data, synthetic=args.synthetic, seed=args.train_seed,
                               folds_by=args.folds_by, postedit=args.postedit or args.postedit_head):
        if args.only and args.only not in name:
            continue
        key = job_key(examples, settings)
        if (args.cache / f"tuned-{key}.onnx").is_file():
            continue
        try:
            os.close(os.open(args.cache / f"tuned-{key}.claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            continue
        say(f"{name}: {len(examples)} examples")
        started = time.time()
        trained(examples, args.cache, settings, say)
        say(f"{name}: done in {(time.time() - started) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
