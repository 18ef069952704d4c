"""How the grammar check's findings agree with human MQM annotations (WMT zh→en news).

    python bench/grammar_accuracy.py                      # dev split, writes docs/benchmarks-grammar-accuracy.md
    python bench/grammar_accuracy.py --split test --no-write
    python bench/grammar_accuracy.py --data ../shared/data

Every (document, MT system) of ``mqm_zhen_newstest2021/<split>.segments.tsv``
becomes one Document (one segment per translated sentence), checked with Harper.
A finding *agrees* when its span overlaps a span that an MQM rater marked on the
same target sentence (any category); "spelling-marked" counts overlaps with
Fluency/Spelling spans only. The spelling rows compare Harper's raw
misspellings with what the document-aware spelling filter keeps: names and
terms dropped, name variants turned into minor `spelling.NameVariant` findings.
Human references (ref-A, ref-B) are left out. The data is read in place, never
copied.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mqm import ROOT, Span, document_of, grouped, overlaps, read_rows, target_spans  # noqa: E402

OUTPUT = ROOT / "docs" / "benchmarks-grammar-accuracy.md"
DATASET = "mqm_zhen_newstest2021"


def load(data: Path, split: str) -> dict[tuple[str, str], list[dict]]:
    """Rows of the split grouped by (document, system), in sentence order (MT systems only)."""
    if not (data / DATASET / f"{split}.segments.tsv").is_file():
        sys.exit(f"bench/grammar_accuracy.py: {data / DATASET / f'{split}.segments.tsv'} not found (use --data DIR)")
    return grouped(read_rows(data, DATASET, split, references=False))


def agrees(start: int, end: int, spans: list[Span], spelling_only: bool = False) -> bool:
    """Whether [start, end) overlaps a marked span (of Fluency/Spelling when ``spelling_only``)."""
    return overlaps(start, end, [s for s in spans if not spelling_only or "Spelling" in s.category])


def measure(data: Path, split: str) -> dict:
    """Counts of findings and of agreeing findings, raw and after the spelling filter."""
    from tqcheck.core.config import Settings
    from tqcheck.checks.grammar import make_grammar_check
    from tqcheck.checks.grammar.merge import merge_issues

    groups = load(data, split)
    settings = Settings()
    settings.apply({"grammar": "harper"}, "bench")
    check = make_grammar_check(settings)
    engine = check.engines[0]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # findings, agree (any), agree (spelling)
    sentences = 0
    for (doc_id, system), rows in sorted(groups.items()):
        doc = document_of(rows, f"{doc_id}/{system}")
        sentences += len(doc.segments)
        spans = [target_spans(r) for r in rows]
        raw = engine.issues(doc)
        kept = merge_issues(check.spelling.apply(raw, doc))
        kept_keys = {(i.segment.index, i.start, i.end) for i in kept}

        def tally(label: str, issues) -> None:
            for issue in issues:
                marked = spans[issue.segment.index]
                entry = counts[label]
                entry[0] += 1
                entry[1] += agrees(issue.start, issue.end, marked)
                entry[2] += agrees(issue.start, issue.end, marked, spelling_only=True)

        tally("misspellings before the filter", [i for i in raw if i.misspelling])
        tally("misspellings after the filter", [i for i in kept if i.misspelling])
        tally("dropped: names, terms, accepted words, web addresses",
              [i for i in raw if i.misspelling and (i.segment.index, i.start, i.end) not in kept_keys])
        tally("spelling.NameVariant findings", [i for i in kept if i.rule_id == "spelling.NameVariant"])
        tally("all grammar findings after filter and merge", kept)
        for issue in kept:
            tally(f"category {issue.category}", [issue])
    check.close()
    marked_spelling = sum(1 for rows in groups.values() for r in rows for s in target_spans(r) if "Spelling" in s.category)
    return {"counts": dict(counts), "documents": len(groups), "sentences": sentences,
            "marked_spelling": marked_spelling, "signature": check.signature()}


def report(result: dict, command: str, split: str) -> str:
    """The Markdown page with the figures and the command that produced them."""
    lines = [
        "# Grammar findings against human MQM annotations",
        "",
        f"Command: `{command}`",
        "",
        f"Data: `{DATASET}/{split}.segments.tsv` (WMT21 zh→en news, Google's MQM annotations; MT systems "
        f"only): {result['documents']} documents × systems, {result['sentences']:,} sentences, "
        f"{result['marked_spelling']} rater-marked Fluency/Spelling spans. Engine: {result['signature'].get('harper')}.",
        "",
        "A finding *agrees* when its span overlaps a span a rater marked on the same sentence.",
        "",
        "| findings | count | agree with any marked error | agree with a marked spelling error |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, (count, any_error, spelling) in result["counts"].items():
        share = f"{any_error} ({any_error / count:.0%})" if count else "0"
        lines.append(f"| {label} | {count:,} | {share} | {spelling} |")
    lines += [
        "",
        "MQM raters mark what a reader notices in a translation; a grammar checker's",
        "finding that no rater marked is not necessarily wrong (raters mark one error per",
        "span and skip minor issues next to major ones), so the agreement share is a lower",
        "bound on precision. The spelling rows show what the document-aware filter does:",
        "how many raw misspellings it drops as names or terms, and how many of those a",
        "rater had marked (the cost of the filter). Most rater-marked Fluency/Spelling",
        "spans in this set are whole headline phrases with wrong capitalisation, which",
        "a dropped name inside them overlaps by chance; the names raters marked as",
        "misspelt are transliterations that differ between systems (Biraji, Bilaji,",
        "Bilagui), which no monolingual check of one document can know. `style/awkward`",
        "is mostly Harper's LongSentences, whose span is the whole sentence and so",
        "overlaps any marked error in it: its agreement share says little.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Measure and print (and write docs/benchmarks-grammar-accuracy.md unless --no-write)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--split", default="dev", choices=["dev", "test"])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    result = measure(args.data, args.split)
    command = "python bench/grammar_accuracy.py" + (f" --split {args.split}" if args.split != "dev" else "")
    page = report(result, command, args.split)
    print(page)
    if not args.no_write and args.split == "dev":
        OUTPUT.write_text(page, encoding="utf-8")


if __name__ == "__main__":
    main()
