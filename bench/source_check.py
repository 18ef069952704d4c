"""How often each source-check rule fires on good and on bad translations of the dev data.

Good: MQM segments no rater marked with any error, MLQE-PE rows with mean DA >= 70.
Bad: MQM segments with a major accuracy error, MLQE-PE rows with mean DA < 30.
A useful rule fires far more often on bad rows than on good ones. The check runs with ``grammar = "none"`` so
that ``source.RepeatedWord`` (which only runs without a grammar engine) is measured too.

The run-wide consistency rules (``source.InconsistentTarget``, ``source.InconsistentSource``) compare segments with
each other, so they are measured on the MQM zh-en dev sets as tqcheck would see them: each (document, system) as
one file ("file"), and all documents of one system in one set as one run ("run"); a row counts when the rule
fires on it, by label (good: no error; bad: a major accuracy error; marked: a rater marked an inconsistency).

    python -m bench.source_check --data ../shared/data
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path


from bench.mqm import MQM_SETS, documents, read_rows  # noqa: E402

from tqcheck.core.config import Settings  # noqa: E402
from tqcheck.core.document import Document, whitespace_edges  # noqa: E402
from tqcheck.checks.source import SourceCheck, inconsistencies  # noqa: E402

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
    for source, target in pairs:  # as a reader adds them: stripped, the whitespace at both ends kept
        document.add_segment(target.strip(), offset + len(whitespace_edges(target)[0]), source=source.strip(),
                             source_edges=whitespace_edges(source), target_edges=whitespace_edges(target))
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
    check = SourceCheck(Settings(values={**Settings().values, "grammar": "none"}))
    groups = labelled_pairs(data)
    started = time.perf_counter()
    total = 0
    table: dict[str, dict[str, str]] = defaultdict(dict)
    for (language, label), pairs in sorted(groups.items()):
        counts = fire_rates(check, language, pairs)
        total += len(pairs)
        column = f"{language} {label} (n={len(pairs)})"
        for rule in sorted(set(counts) | {"source.Number", "source.Untranslated", "source.Length",
                                          "source.Whitespace"}):
            table[rule][column] = f"{counts.get(rule, 0) / len(pairs):.1%}"
    seconds = time.perf_counter() - started
    columns = [f"{lang} {label} (n={len(p)})" for (lang, label), p in sorted(groups.items())]
    print("| rule | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for rule, cells in sorted(table.items()):
        print(f"| {rule} | " + " | ".join(cells.get(c, "0.0%") for c in columns) + " |")
    print(f"\n{total} pairs in {seconds:.1f} s ({total / seconds:.0f} pairs/s)")
    print()
    consistency_table(data)


def label(row: dict) -> str:
    """good (no error), bad (a major accuracy error) or other."""
    if float(row["mqm_score"] or 0) == 0:
        return "good"
    return "bad" if int(row["major_accuracy"] or 0) > 0 else "other"


def consistency_table(data: Path) -> None:
    """How often the consistency rules fire on MQM zh-en dev rows, per file and per run of one system."""
    counts: Counter = Counter()
    rows_by_label: Counter = Counter()
    for name in MQM_SETS:
        if not (data / name / "dev.segments.tsv").exists():
            continue
        docs = documents(read_rows(data, name, references=False), name, source_language="zh")
        for doc in docs:
            for row in doc.rows:
                rows_by_label[label(row)] += 1
                rows_by_label["marked"] += "nconsisten" in row["error_counts"]
        systems: dict[str, list] = defaultdict(list)
        for doc in docs:
            systems[doc.path.split("/")[1]].append(doc)
        scopes = [("file", [[d] for d in docs]), ("run", list(systems.values()))]
        for scope, runs in scopes:
            for run in runs:
                by_path = {d.path: d for d in run}
                fired = {(f.file, f.segment, f.rule_id) for f in inconsistencies(run)}
                for path, index, rule in fired:
                    row = by_path[path].rows[index]
                    counts[(scope, rule, label(row))] += 1
                    counts[(scope, rule, "marked")] += "nconsisten" in row["error_counts"]
    columns = ["good", "bad", "other", "marked"]
    print("| rule (scope) | " + " | ".join(f"{c} (n={rows_by_label[c]})" for c in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for scope in ("file", "run"):
        for rule in ("source.InconsistentTarget", "source.InconsistentSource"):
            cells = [f"{counts[(scope, rule, c)]} ({counts[(scope, rule, c)] / max(rows_by_label[c], 1):.1%})"
                     for c in columns]
            print(f"| {rule} ({scope}) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
