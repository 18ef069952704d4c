"""Firing rate of every rule on human reference translations (clean English) and on MT output.

Reads the MQM zh-en newstest2020 dev split by path (never copied into the project): the
``is_reference=1`` rows are professional human translations, so a rule that fires often there
is noisy. MT rows are shown beside them for comparison. Writes docs/rules-fire-rates.md.

    python bench/rules_fire_rate.py [--data ../shared/data] [--split dev]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mqm import ROOT, documents, overlaps, read_rows, target_spans  # noqa: E402

from tqcheck.core.document import Document  # noqa: E402
from tqcheck.checks.rules import RuleCheck, builtin_rules_dir, load_paths  # noqa: E402


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
            if overlaps(f.start, f.end, target_spans(document.rows[f.segment])):  # type: ignore[attr-defined]
                hit.add((f.rule_id, f.segment))
        confirmed.update(rule for rule, _ in hit)
    return counts, confirmed, total


def section(dataset: str, split: str, data: Path, check: RuleCheck, rule_count: int) -> list[str]:
    """The Markdown section for one MQM dataset."""
    path = data / dataset / f"{split}.segments.tsv"
    if not path.is_file():
        return [f"## {dataset} ({split})", "", f"Not measured: {path} not found.", ""]
    rows = read_rows(data, dataset, split)
    references = [r for r in rows if r["is_reference"] == "1"]
    machine = [r for r in rows if r["is_reference"] == "0"]
    started = time.perf_counter()
    ref_counts, ref_confirmed, ref_total = fire_counts(check, documents(references, "ref", paragraphs=False))
    mt_counts, mt_confirmed, mt_total = fire_counts(check, documents(machine, "mt", paragraphs=False))
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
