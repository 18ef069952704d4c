"""The deep tier (--lm smollm2) on ctranslate2 int8 against the transformers fp32 path it replaced.

    python bench/deep_tier.py [--data ../shared/data] [--segments 600] [--speed 300]

Speed: token surprisals of the first ``--speed`` distinct MLQE-PE dev translations, one thread each
(ctranslate2 intra_threads=1, torch.set_num_threads(1)) and each backend's default threads.
Accuracy: the deep-tier fluency score (shipped 'deep' coefficients, fitted on transformers features; rule and
grammar findings from the default checks) on seeded subsamples of the held-out MQM sets (``--segments`` rows
each, whole source segments with all their systems), computed with each backend: ROC AUC for 'bad' segments,
correlation of the two scores and of the six surprisal features. Subsampled because the transformers path
is slow on this machine. Writes a section of docs/benchmarks-fluency.md and of docs/accuracy-deep.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench.accuracy_fluency as acc  # noqa: E402
from bench.docsection import replace_section  # noqa: E402
from bench.fluency_speed import sentences  # noqa: E402
from tqcheck.core.config import Settings  # noqa: E402
from tqcheck.scoring.fluency import FluencyScorer  # noqa: E402
from tqcheck.scoring.fluency.deep import CausalLM, CT2CausalLM, convert_smollm2, convert_smollm2_ct2  # noqa: E402

SPEED_SECTION = "## Deep tier: ctranslate2 int8 vs transformers (speed)"
ACCURACY_SECTION = "## Deep tier on ctranslate2 int8 vs transformers fp32 (held-out subsamples)"
SETS = ("mqm_zhen_newstest2021", "mqm_zhen_ted2021", "mqm_zhen_generalmt2023")


def speed(texts: list[str], lm, repeats: int = 2) -> float:
    """Best sentences/s of ``repeats`` passes (no per-text cache: token_surprisals directly)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        lm.token_surprisals(texts)
        best = min(best, time.perf_counter() - started)
    return len(texts) / best


def main(argv: list[str] | None = None) -> int:
    """Measure speed and accuracy of both backends and write the sections."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--segments", type=int, default=600)
    parser.add_argument("--speed", type=int, default=300)
    args = parser.parse_args(argv)
    data = (Path(args.data) if Path(args.data).is_absolute() else ROOT / args.data).resolve()
    import torch

    texts, origin = sentences(data, args.speed)
    started = time.perf_counter()
    ct2_one = CT2CausalLM("smollm2 (ctranslate2 int8)", str(convert_smollm2_ct2()), threads=1)
    ct2_load = time.perf_counter() - started
    started = time.perf_counter()
    reference = CausalLM("smollm2", str(convert_smollm2()))
    tf_load = time.perf_counter() - started
    default_threads = torch.get_num_threads()
    tf_default = speed(texts, reference)
    torch.set_num_threads(1)
    tf_one = speed(texts, reference)
    torch.set_num_threads(default_threads)
    ct2_one_speed = speed(texts, ct2_one)
    ct2_default = speed(texts, CT2CausalLM("smollm2 (ctranslate2 int8)", str(convert_smollm2_ct2())))
    command = "python bench/deep_tier.py" + (f" --segments {args.segments}" if args.segments != 600 else "") + (
        f" --speed {args.speed}" if args.speed != 300 else "")
    speed_lines = [
        SPEED_SECTION, "",
        f"Produced by `{command}`: token surprisals of {len(texts)} sentences ({origin}), best of two passes; "
        f"load average {os.getloadavg()[0]:.1f} at the end (the 2-core machine is shared, so absolute figures vary).",
        "", "| backend | 1 thread | default threads | load |", "|---|---:|---:|---:|",
        f"| transformers fp32 (before) | {tf_one:.1f} sentences/s | {tf_default:.1f} sentences/s "
        f"({default_threads} torch threads) | {tf_load:.1f} s |",
        f"| ctranslate2 int8 (now, `--lm smollm2`) | {ct2_one_speed:.1f} sentences/s | {ct2_default:.1f} "
        f"sentences/s | {ct2_load:.1f} s |",
        f"| speed-up | **{ct2_one_speed / tf_one:.1f}x** | **{ct2_default / tf_default:.1f}x** | |", "",
        "Conversion (once, cached under the user cache folder): GGUF -> transformers -> ctranslate2 int8 "
        "(`tqcheck.scoring.fluency.deep.convert_smollm2_ct2`). Any other `--lm` model runs on transformers as before.", "",
    ]
    replace_section(ROOT / "docs" / "benchmarks-fluency.md", SPEED_SECTION, "\n".join(speed_lines))
    print("\n".join(speed_lines), flush=True)

    acc.MAX_SEGMENTS = args.segments
    settings = Settings()
    checks, _ = acc.build_checks(settings)
    fast = FluencyScorer(semantic=True, lm="smollm2")
    slow = FluencyScorer(semantic=True, lm="smollm2")
    slow.deep = reference
    columns = fast.columns()
    deep_columns = [columns.index(c) for c in CausalLM.FEATURES]
    rows = []
    for name in SETS:
        frame = acc.mqm_frame(data, name)
        a = acc.run_set(frame, checks, fast)
        b = acc.run_set(frame, checks, slow)
        y = a.frame["bad"].to_numpy()
        keep = ~np.isnan(y)
        feature_r = " / ".join(f"{acc._pearson(a.features[:, k], b.features[:, k]):.3f}" for k in deep_columns)
        rows.append(f"| {acc.MQM_SETS[name]} | {int(keep.sum())} | {acc.auc(y[keep], 1 - b.scores[keep]):.3f} | "
                    f"**{acc.auc(y[keep], 1 - a.scores[keep]):.3f}** | {acc._pearson(a.scores, b.scores):.4f} | "
                    f"{feature_r} |")
        print(rows[-1], flush=True)
    lines = [
        ACCURACY_SECTION, "",
        f"Produced by `{command}`. `--lm smollm2` now runs SmolLM2 on ctranslate2 int8; the shipped 'deep' "
        "coefficients were fitted on the transformers fp32 features and are not refitted. Each held-out MQM set "
        f"is subsampled to about {args.segments} rows (seed 0, whole source segments with all their systems) "
        "because the transformers path is slow here; rule and grammar findings from the default checks.", "",
        "| set | labelled segments | AUC, transformers fp32 (before) | AUC, ctranslate2 int8 (now) | "
        "r of the two scores | r of deep_total / mean / max / top3 / over5 / p90 |",
        "|---|---:|---:|---:|---:|---|", *rows, "",
    ]
    replace_section(ROOT / "docs" / "accuracy-deep.md", ACCURACY_SECTION, "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
