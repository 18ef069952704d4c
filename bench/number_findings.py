"""Major number, date and unit findings of the source check on the MQM zh-en dev sentences, by label.

    python -m bench.number_findings [--data ../shared/data] [--code PATH] [--list clean|faulted]

Counts the distinct (set, translation, source) sentences with a label (bench/accuracy.py's: most raters, or the
only one, marked a major error = faulted; none did = clean) on which ``tqcheck.checks.source.check_segment`` reports a
major ``source.Number``, ``source.Date`` or ``source.Unit`` finding. ``--code PATH`` measures another checkout's
tqcheck (a worktree of an earlier commit), so a change to the check can be measured before and after with the
same script; ``--list`` prints the sentences of one kind with their findings.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ("source.Number", "source.Date", "source.Unit")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose tqcheck is measured")
    parser.add_argument("--list", choices=("clean", "faulted"), help="print the sentences of this kind")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.code.resolve()))
    from tqcheck.training.data import MQM_SETS, mqm_examples
    from tqcheck.core.document import Document
    from tqcheck.checks.source import check_segment

    if not all((args.data / name / "dev.segments.tsv").is_file() for name in MQM_SETS):
        print(f"{args.data}: the four MQM sets are needed", file=sys.stderr)
        return 2
    seen: set[tuple[str, str, str]] = set()
    counts = {"clean": [0, 0], "faulted": [0, 0]}  # sentences, of them with a major number finding
    for name in MQM_SETS:
        for e in mqm_examples(args.data / name):
            if e.label is None or not e.source or (name, e.text, e.source) in seen:
                continue
            seen.add((name, e.text, e.source))
            kind = "faulted" if e.label else "clean"
            document = Document(path="pair", text=e.text)
            document.add_segment(e.text, 0, source=e.source)
            found = [f for f in check_segment(document.segments[0], "zh")
                     if f.rule_id in RULES and f.severity.value in ("major", "critical")]
            counts[kind][0] += 1
            counts[kind][1] += bool(found)
            if found and args.list == kind:
                print(f"{name}\t{e.text}\t{e.source}\t" + "; ".join(f"{f.rule_id}: {f.message}" for f in found))
    with_finding = counts["clean"][1] + counts["faulted"][1]
    print(f"tqcheck from {args.code.resolve()}: distinct labelled sentences with a source: "
          f"{counts['clean'][0]} clean, {counts['faulted'][0]} faulted")
    print(f"with a major number/date/unit finding: {counts['faulted'][1]} faulted, {counts['clean'][1]} clean "
          f"({counts['faulted'][1] / max(with_finding, 1):.3f} of them faulted)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
