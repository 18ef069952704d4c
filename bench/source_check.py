"""How often each source-check rule fires on good and on bad translations of the dev data.

Good: MQM segments no rater marked with any error, MLQE-PE rows with mean DA >= 70.
Bad: MQM segments with a major accuracy error, MLQE-PE rows with mean DA < 30.
A useful rule fires far more often on bad rows than on good ones.

    python -m bench.source_check --data ../shared/data
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path


from bench.mqm import MQM_SETS, read_rows  # noqa: E402

from tqcheck.core.config import Settings  # noqa: E402
from tqcheck.core.document import Document  # noqa: E402
from tqcheck.checks.source import SourceCheck  # noqa: E402

csv.field_size_limit(sys.maxsize)


def rows(path: Path):
    """Rows of a TSV file as dicts."""
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter="\t")


def labelled_pairs(data: Path) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(language, good|bad) -> [(source, target)] from the dev files."""
    groups: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for name in MQM_SETS:
        if not (data / name / "dev.segments.tsv").exists():
            continue
        for row in read_rows(data, name, references=False):
            if float(row["mqm_score"] or 0) == 0:
                groups[("zh", "good")].append((row["source"], row["target"]))
            elif int(row["major_accuracy"] or 0) > 0:
                groups[("zh", "bad")].append((row["source"], row["target"]))
    for row in rows(data / "mlqe_pe_da_xen" / "dev.tsv"):
        if not row["da_mean"]:
            continue
        language = row["lp"].split("-")[0]
        da = float(row["da_mean"])
        if da >= 70:
            groups[(language, "good")].append((row["source"], row["target"]))
        elif da < 30:
            groups[(language, "bad")].append((row["source"], row["target"]))
    return groups


def fire_rates(check: SourceCheck, language: str, pairs: list[tuple[str, str]]) -> Counter:
    """Number of pairs on which each rule fires (at least once)."""
    document = Document(path=f"{language}.tsv", text="\n".join(t for _, t in pairs), format="tsv",
                        source_language=language)
    offset = 0
    for source, target in pairs:
        document.add_segment(target, offset, source=source)
        offset += len(target) + 1
    fired = {(f.segment, f.rule_id) for f in check.check(document)}
    return Counter(rule for _, rule in fired)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
    args = parser.parse_args()
    data = Path(args.data)
    if not (data / "mlqe_pe_da_xen").is_dir():
        sys.exit(f"no data at {data} (pass --data DIR)")
    check = SourceCheck(Settings())
    groups = labelled_pairs(data)
    started = time.perf_counter()
    total = 0
    table: dict[str, dict[str, str]] = defaultdict(dict)
    for (language, label), pairs in sorted(groups.items()):
        counts = fire_rates(check, language, pairs)
        total += len(pairs)
        column = f"{language} {label} (n={len(pairs)})"
        for rule in sorted(set(counts) | {"source.Number", "source.Untranslated", "source.Length"}):
            table[rule][column] = f"{counts.get(rule, 0) / len(pairs):.1%}"
    seconds = time.perf_counter() - started
    columns = [f"{lang} {label} (n={len(p)})" for (lang, label), p in sorted(groups.items())]
    print("| rule | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for rule, cells in sorted(table.items()):
        print(f"| {rule} | " + " | ".join(cells.get(c, "0.0%") for c in columns) + " |")
    print(f"\n{total} pairs in {seconds:.1f} s ({total / seconds:.0f} pairs/s)")


if __name__ == "__main__":
    main()
