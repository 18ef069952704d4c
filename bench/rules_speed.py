"""Speed of the rule stage alone: loading the default packs, and sentences checked per second.

The document is generated (seeded): the shipped rules' own good and bad example sentences mixed
with templated news sentences, at least 5,000 sentences in paragraphs. Writes
docs/benchmarks-rules.md with the figures and the command.

    python bench/rules_speed.py [--sentences 6000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUBJECTS = ["The ministry", "Officials in the capital", "The central bank", "Diplomats", "The United Nations",
            "Rescue teams", "The prime minister", "Local residents", "Analysts", "The company"]
VERBS = ["said on Monday that", "warned that", "announced that", "denied reports that", "confirmed that"]
CLAUSES = ["talks on the border dispute would resume next week", "prices rose 5 percent in May",
           "more than 200 people were evacuated from the flooded district",
           "the ceasefire had largely held despite sporadic clashes",
           "exports of grain fell for the third month in a row",
           "the new law would take effect in January", "the plan still needed the approval of parliament",
           "aid trucks were waiting at the crossing", "the number of cases is rising again",
           "unemployment remained one of the biggest problems facing the region"]


def sentences(count: int, seed: int = 7) -> list[str]:
    """``count`` sentences: shipped examples (one in four) and templated news sentences."""
    from tqcheck.checks.rules import builtin_rules_dir, load_paths

    examples = [text for rule in load_paths([builtin_rules_dir()]) if not rule.document_level
                for text, _ in rule.examples.bad + rule.examples.good]
    rng = random.Random(seed)
    result = []
    for i in range(count):
        if i % 4 == 0:
            result.append(rng.choice(examples))
        else:
            result.append(f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(CLAUSES)}.")
    return result


def fresh_load_seconds() -> float:
    """Time to load every default pack in a fresh interpreter (imports excluded, then included)."""
    code = ("import time; t0 = time.perf_counter(); import tqcheck.checks.rules as r; t1 = time.perf_counter(); "
            "s = r.load_rules(None); t2 = time.perf_counter(); print(t1 - t0, t2 - t1, len(s))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    imports, load, count = out.stdout.split()
    return float(imports), float(load), int(count)


def main() -> None:
    """Measure and write docs/benchmarks-rules.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=6000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks-rules.md"))
    args = parser.parse_args()

    from tqcheck.readers.inputs import document_from_text
    from tqcheck.checks.catalog import load_rules
    from tqcheck.checks.rules import RuleCheck

    loads = [fresh_load_seconds() for _ in range(args.repeat)]
    import_s = statistics.median(l[0] for l in loads)
    load_s = statistics.median(l[1] for l in loads)
    rule_count = loads[0][2]

    pool = sentences(args.sentences)
    paragraphs = [" ".join(pool[i:i + 5]) for i in range(0, len(pool), 5)]
    document = document_from_text("\n\n".join(paragraphs), "generated.txt")
    segments = len(document.segments)
    check = RuleCheck(load_rules(None))
    check.check(document)  # first run compiles the patterns the text needs
    timings, findings = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        findings = check.check(document)
        timings.append(time.perf_counter() - started)
    run_s = statistics.median(timings)
    fresh = RuleCheck(load_rules(None))
    started = time.perf_counter()
    fresh.check(document)
    first_s = time.perf_counter() - started

    command = f"python bench/rules_speed.py --sentences {args.sentences} --repeat {args.repeat}"
    lines = [
        "# Rule stage benchmark",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip() or '?'} cores.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| rules in the default packs | {rule_count} |",
        f"| load all default packs (fresh process, median of {args.repeat}, imports excluded) | "
        f"{load_s * 1000:.0f} ms |",
        f"| importing tqcheck.checks.rules (yaml, regex) in that process | {import_s * 1000:.0f} ms |",
        f"| generated document | {segments:,} sentences |",
        f"| rule stage, first run (compiles the patterns the text needs) | {segments / first_s:,.0f} sentences/s |",
        f"| rule stage, later runs (median of {args.repeat}) | {segments / run_s:,.0f} sentences/s |",
        f"| findings on the document | {len(findings):,} |",
        "",
        "Targets (issue 3): loading under 200 ms; at least 2,000 sentences per second.",
        "Patterns are checked for syntax when a pack loads and compiled the first time a sentence",
        "contains one of their trigger words; the first-run figure includes that compilation.",
    ]
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
