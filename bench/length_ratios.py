"""Per-language-pair length-ratio statistics for the source check, from human-rated dev data.

For every X->English pair in MLQE-PE (good translations: mean DA >= 70) and the
zh->en MQM sets (segments no rater marked with any error), computes the mean and
standard deviation of log((target chars + 1) / (source chars + 1)) (whitespace not
counted), plus a pooled entry ``*`` (every pair but zh-en: alphabetic scripts) used
for unknown pairs. Prints a Python dict
to paste into tqcheck/checks/source/length.py (LENGTH_RATIOS) and, with --evaluate, how often the
check's rule (|z| > Z) flags segments that MQM raters marked with a major omission
or addition versus error-free ones.

    python -m bench.length_ratios --data ../shared/data [--evaluate]
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
import sys
from collections import defaultdict
from pathlib import Path

csv.field_size_limit(sys.maxsize)


def log_ratio(source: str, target: str) -> float:
    """log((target chars + 1) / (source chars + 1)), whitespace not counted."""
    s = sum(1 for c in source if not c.isspace())
    t = sum(1 for c in target if not c.isspace())
    return math.log((t + 1) / (s + 1))


def rows(path: Path):
    """Rows of a TSV file as dicts."""
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter="\t")


def mlqe_ratios(data: Path) -> dict[str, list[float]]:
    """log ratios of good MLQE-PE translations (dev split), by pair (source language-en)."""
    ratios: dict[str, list[float]] = defaultdict(list)
    for row in rows(data / "mlqe_pe_da_xen" / "dev.tsv"):
        if row["da_mean"] and float(row["da_mean"]) >= 70:
            ratios[row["lp"]].append(log_ratio(row["source"], row["target"]))
    return ratios


MQM_SETS = ("mqm_zhen_newstest2020", "mqm_zhen_newstest2021", "mqm_zhen_ted2021", "mqm_zhen_generalmt2023")


def mqm_rows(data: Path):
    """Segment rows of every zh-en MQM dev set."""
    for name in MQM_SETS:
        path = data / name / "dev.segments.tsv"
        if path.exists():
            yield from rows(path)


def stats(values: list[float]) -> tuple[float, float, int]:
    """(mean, standard deviation, count) rounded for shipping."""
    return round(statistics.fmean(values), 3), round(statistics.stdev(values), 3), len(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
    parser.add_argument("--evaluate", action="store_true", help="flag rates on MQM omission/addition rows")
    parser.add_argument("--z", type=float, default=3.0, help="threshold |z| for --evaluate")
    args = parser.parse_args()
    data = Path(args.data)
    if not (data / "mlqe_pe_da_xen").is_dir():
        sys.exit(f"no data at {data} (pass --data DIR)")
    ratios = mlqe_ratios(data)
    for row in mqm_rows(data):
        if float(row["mqm_score"] or 0) == 0 and row["is_reference"] == "0":
            ratios["zh-en"].append(log_ratio(row["source"], row["target"]))
    table = {pair: stats(values) for pair, values in sorted(ratios.items())}
    pooled = [v for pair, values in ratios.items() if pair != "zh-en" for v in values]  # alphabetic scripts
    table["*"] = stats(pooled)
    print("LENGTH_RATIOS = {")
    for pair, (mean, sd, count) in table.items():
        key = pair.split("-")[0] if pair != "*" else "*"
        print(f"    {key!r}: ({mean}, {sd}),  # {pair}, {count} segments")
    print("}")
    if args.evaluate:
        mean, sd, _ = table["zh-en"]
        groups: dict[str, list[float]] = defaultdict(list)
        for row in mqm_rows(data):
            z = (log_ratio(row["source"], row["target"]) - mean) / sd
            if int(row["major_omission"] or 0) > 0:
                groups["major omission"].append(z)
            if int(row["major_addition"] or 0) > 0:
                groups["major addition"].append(z)
            if float(row["mqm_score"] or 0) == 0:
                groups["no error"].append(z)
        print(f"\nzh-en, rule |z| > {args.z} (short: z < -{args.z}, long: z > {args.z}):")
        for name, values in groups.items():
            short = sum(1 for z in values if z < -args.z) / len(values)
            long = sum(1 for z in values if z > args.z) / len(values)
            print(f"  {name:15s} n={len(values):5d}  flagged short {short:6.1%}  flagged long {long:6.1%}")


if __name__ == "__main__":
    main()
