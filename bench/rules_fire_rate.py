"""Firing rate of every rule on human reference translations (clean English) and on MT output.

Reads the MQM zh-en newstest2020 dev split by path (never copied into the project): the
``is_reference=1`` rows are professional human translations, so a rule that fires often there
is noisy. MT rows are shown beside them for comparison. Writes docs/rules-fire-rates.md.

    python bench/rules_fire_rate.py [--data ../shared/data] [--split dev]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tqcheck.document import Document  # noqa: E402
from tqcheck.rules import RuleCheck, builtin_rules_dir, load_paths  # noqa: E402


def documents(rows: list[dict], name: str) -> list[Document]:
    """One Document per (system, doc), one segment per row, in document order (rows kept as .rows)."""
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
        document.rows = items  # type: ignore[attr-defined]
        result.append(document)
    return result


def rater_spans(row: dict) -> list[tuple[int, int]]:
    """Target-side character spans that MQM raters marked as errors in this row."""
    try:
        spans = json.loads(row.get("spans") or "[]")
    except json.JSONDecodeError:
        return []
    return [(int(s[4]), int(s[5])) for s in spans if len(s) > 5 and s[3] == "target" and s[1] != "no-error"]


def fire_counts(check: RuleCheck, docs: list[Document]) -> tuple[Counter, Counter, int]:
    """Segments flagged per rule, findings overlapping a rater-marked error span, and the segment count."""
    counts: Counter = Counter()
    confirmed: Counter = Counter()
    total = 0
    for document in docs:
        total += len(document.segments)
        findings = check.check(document)
        seen = {(f.rule_id, f.segment) for f in findings}
        counts.update(rule for rule, _ in seen)
        hit = set()
        for f in findings:
            spans = rater_spans(document.rows[f.segment])  # type: ignore[attr-defined]
            if any(start < f.end and f.start < end for start, end in spans):
                hit.add((f.rule_id, f.segment))
        confirmed.update(rule for rule, _ in hit)
    return counts, confirmed, total


def section(dataset: str, split: str, data: Path, check: RuleCheck, rule_count: int) -> list[str]:
    """The Markdown section for one MQM dataset."""
    path = data / dataset / f"{split}.segments.tsv"
    if not path.is_file():
        return [f"## {dataset} ({split})", "", f"Not measured: {path} not found.", ""]
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    references = [r for r in rows if r["is_reference"] == "1"]
    machine = [r for r in rows if r["is_reference"] == "0"]
    started = time.perf_counter()
    ref_counts, ref_confirmed, ref_total = fire_counts(check, documents(references, "ref"))
    mt_counts, mt_confirmed, mt_total = fire_counts(check, documents(machine, "mt"))
    seconds = time.perf_counter() - started
    fired = sorted(set(ref_counts) | set(mt_counts), key=lambda r: (-ref_counts[r], -mt_counts[r], r))
    ref_any, mt_any = sum(ref_counts.values()), sum(mt_counts.values())
    lines = [
        f"## {dataset} ({split})",
        "",
        f"- Human reference segments: {ref_total:,}; MT segments: {mt_total:,}; {seconds:.1f} s for both.",
        f"- Rule firings on references: {ref_any} ({1000 * ref_any / max(ref_total, 1):.1f} per 1,000 "
        f"segments); on MT output: {mt_any} ({1000 * mt_any / max(mt_total, 1):.1f} per 1,000).",
        f"- Rules that fired on neither side: {rule_count - len(fired)} of {rule_count}.",
        f"- Flagged MT segments where an MQM rater marked an error overlapping the rule's span: "
        f"{sum(mt_confirmed.values())} of {mt_any}; on references {sum(ref_confirmed.values())} of {ref_any} "
        "(raters mark errors in references too).",
        "",
        "| rule | reference segments flagged | per 1,000 | MT segments flagged | per 1,000 | MT flags rater-marked |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for rule in fired:
        lines.append(f"| {rule} | {ref_counts[rule]} | {1000 * ref_counts[rule] / max(ref_total, 1):.2f} | "
                     f"{mt_counts[rule]} | {1000 * mt_counts[rule] / max(mt_total, 1):.2f} | {mt_confirmed[rule]} |")
    return lines + [""]


def main() -> None:
    """Measure and write docs/rules-fire-rates.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--split", default="dev")
    parser.add_argument("--datasets", nargs="+", default=["mqm_zhen_newstest2020", "mqm_zhen_newstest2021",
                                                          "mqm_zhen_ted2021", "mqm_zhen_generalmt2023"])
    parser.add_argument("--out", default=str(ROOT / "docs" / "rules-fire-rates.md"))
    args = parser.parse_args()
    data = Path(args.data)
    if not data.is_dir():
        sys.exit(f"data folder not found: {data}")
    ruleset = load_paths([builtin_rules_dir()])
    check = RuleCheck(ruleset)
    lines = [
        "# Rule firing rates on MQM-annotated zh-en data",
        "",
        f"Command: `python bench/rules_fire_rate.py --split {args.split} --datasets {' '.join(args.datasets)}` "
        "(data read by path from `../shared/data`, never copied).",
        "",
        f"{len(ruleset)} rules. Reference rows (`is_reference=1`) are professional human translations, so a "
        "firing there is a likely false alarm or a translationese phrase the translator kept; a rule that "
        "fires often on references is noisy and was tightened. The rules in `rules/mt/ChineseNews.yml` were "
        "written after reading the errors raters marked in mqm_zhen_newstest2020 dev, so their figures on that "
        "set are optimistic; the other sets are held out for them.",
        "",
    ]
    for dataset in args.datasets:
        lines += section(dataset, args.split, data, check, len(ruleset))
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(line for line in lines if line.startswith(("#", "-"))))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
