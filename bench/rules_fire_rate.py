"""Firing rate of every rule on human reference translations (clean English) and on MT output.

Reads the MQM zh-en newstest2020 dev split by path (never copied into the project): the
``is_reference=1`` rows are professional human translations, so a rule that fires often there
is noisy. MT rows are shown beside them for comparison. Writes docs/rules-fire-rates.md.

    python bench/rules_fire_rate.py [--data ../shared/data] [--split dev]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tqcheck.document import Document  # noqa: E402
from tqcheck.rules import RuleCheck, builtin_rules_dir, load_paths  # noqa: E402


def documents(rows: list[dict], name: str) -> list[Document]:
    """One Document per (system, doc), one segment per row, in document order."""
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        grouped[(row["system"], row["doc"])].append(row)
    result = []
    for (system, doc), items in sorted(grouped.items()):
        items.sort(key=lambda r: int(r["doc_seg_idx"]))
        text = "\n".join(r["target"] for r in items)
        document = Document(path=f"{name}/{system}/{doc}", text=text)
        offset = 0
        for row in items:
            document.add_segment(row["target"], offset)
            offset += len(row["target"]) + 1
        result.append(document)
    return result


def fire_counts(check: RuleCheck, docs: list[Document]) -> tuple[Counter, int]:
    """Segments flagged per rule, and the number of segments."""
    counts: Counter = Counter()
    total = 0
    for document in docs:
        total += len(document.segments)
        seen = {(f.rule_id, f.segment) for f in check.check(document)}
        counts.update(rule for rule, _ in seen)
    return counts, total


def main() -> None:
    """Measure and write docs/rules-fire-rates.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--split", default="dev")
    parser.add_argument("--out", default=str(ROOT / "docs" / "rules-fire-rates.md"))
    args = parser.parse_args()
    path = Path(args.data) / "mqm_zhen_newstest2020" / f"{args.split}.segments.tsv"
    if not path.is_file():
        sys.exit(f"data not found: {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    references = [r for r in rows if r["is_reference"] == "1"]
    machine = [r for r in rows if r["is_reference"] == "0"]
    ruleset = load_paths([builtin_rules_dir()])
    check = RuleCheck(ruleset)
    started = time.perf_counter()
    ref_counts, ref_total = fire_counts(check, documents(references, "ref"))
    mt_counts, mt_total = fire_counts(check, documents(machine, "mt"))
    seconds = time.perf_counter() - started
    fired = sorted(set(ref_counts) | set(mt_counts), key=lambda r: (-ref_counts[r], -mt_counts[r], r))
    ref_any = sum(ref_counts.values())
    lines = [
        "# Rule firing rates on the MQM zh-en newstest2020 data",
        "",
        f"Command: `python bench/rules_fire_rate.py --split {args.split}` "
        f"(data: `mqm_zhen_newstest2020/{args.split}.segments.tsv`, read by path).",
        "",
        f"- {len(ruleset)} rules; human reference segments: {ref_total:,}; MT segments: {mt_total:,}; "
        f"{seconds:.1f} s for both.",
        f"- Reference segments are professional translations, so every firing there is a likely false alarm "
        f"(or a translationese phrase the human kept). Rule firings on references: {ref_any} "
        f"({1000 * ref_any / max(ref_total, 1):.1f} per 1,000 segments).",
        f"- Rules that never fired on either side: {len(ruleset) - len(fired)} (they target errors these "
        "news systems do not make; their own examples still test them).",
        "",
        "| rule | reference segments flagged | per 1,000 | MT segments flagged | per 1,000 |",
        "|---|---:|---:|---:|---:|",
    ]
    for rule in fired:
        lines.append(f"| {rule} | {ref_counts[rule]} | {1000 * ref_counts[rule] / ref_total:.2f} | "
                     f"{mt_counts[rule]} | {1000 * mt_counts[rule] / mt_total:.2f} |")
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:10]))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
