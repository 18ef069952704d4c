"""Does CoLA help the fine-tuned detector's sentence model? Leave-one-set-out over the four MQM sets, the
detector trained as bench/accuracy.py trains it, then its monolingual sentence model refitted with CoLA's
sentences (unacceptable = 1) at a row weight, intercept refitted and thresholds recalibrated on the MQM rows.

    python bench/cola_tuned_probe.py --data ../shared/data [--weights 0.1,0.3,1.0] [--held SET,...]

CoLA's sentences are scored half by each fold encoder (neither saw CoLA), like the MQM rows' out-of-fold outputs.
The encoders come from the cache `bench/tune_jobs.py` fills (a missing one is fine-tuned here, slowly). Weight 0
is the benchmark's detector: its rows reproduce bench/accuracy.py's figures. Prints pooled and within-document
AUC (margin over length), clean sentences flagged and major findings right, English only and with the source.
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

from tqcheck.detector import NGRAM_FEATURES, ngram_rows  # noqa: E402
from tqcheck.detector.build import fit_evidence, fit_tuned_detector  # noqa: E402
from tqcheck.detector.data import MQM_SETS, cola_examples, mqm_examples  # noqa: E402
from tqcheck.detector.synthetic import corrupt  # noqa: E402
from tqcheck.detector.train import calibrate, group_folds, tuned_rows  # noqa: E402
from tqcheck.detector.tune import TunedModel, TuneSettings, job_key  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=A.CACHE)
    ap.add_argument("--held", default=",".join(MQM_SETS), help="comma-separated held-out sets")
    ap.add_argument("--weights", default="0.1,0.3,1.0", help="CoLA row weights to try (0 is always run)")
    args = ap.parse_args(argv)
    A.CACHE = args.cache
    A.SOURCE = A.CachedSourceEncoder(A.CACHE)
    sets = {n: mqm_examples(args.data / n) for n in MQM_SETS}
    every = [e for n in MQM_SETS for e in sets[n]]
    found_all = A.findings_cached(every, A.CACHE)
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


if __name__ == "__main__":
    raise SystemExit(main())
