"""Throughput of the grammar check (Harper) on a generated 5,000-sentence document.

    python bench/grammar_speed.py              # measure and write docs/benchmarks-grammar.md
    python bench/grammar_speed.py --no-write   # print only

The document is bench/speed.py's generated news-like text (recombined sentences
of the seed article, paragraphs of five). Times are wall-clock on this machine:
the first check of a process (it includes loading the spell-checker word list
used by the document-aware spelling filter) and the median of further checks,
each of a new document (Harper caches results, so re-checking one text would
flatter it), alternating Harper with one thread and with two; tqcheck's spelling filter
and merge are timed apart.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "benchmarks-grammar.md"


def generated_document(sentences: int, seed: int) -> str:
    """bench/speed.py's generated document (the text the pipeline benchmark uses), for ``seed``."""
    spec = importlib.util.spec_from_file_location("bench_speed", ROOT / "bench" / "speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generated_document(sentences, seed=seed)


def document(sentences: int, seed: int):
    """A generated Document of exactly ``sentences`` segments."""
    from tqcheck.readers.inputs import read_text

    text = generated_document(sentences * 11 // 10, seed)
    doc = read_text(f"generated-{seed}.txt", text.encode("utf-8"))
    doc.segments[:] = doc.segments[:sentences]
    return doc


def measure(sentences: int, repeats: int) -> dict:
    """Load the grammar check, then time checks of fresh generated documents (one per run).

    Every timed run gets a document it has never seen (another generator seed):
    Harper caches results internally, so re-checking the same text would look
    several times faster than checking new text. Runs alternate between Harper
    with one thread (the default) and two.
    """
    from tqcheck.core.config import Settings
    from tqcheck.checks.grammar import make_grammar_check
    from tqcheck.checks.grammar.harper_backend import HarperEngine

    docs = [document(sentences, seed) for seed in range(2 * repeats + 1)]
    n = len(docs[0].segments)

    settings = Settings()
    settings.apply({"grammar": "harper"}, "bench")
    started = time.perf_counter()
    check = make_grammar_check(settings)
    load = time.perf_counter() - started
    engines = {1: check.engines[0], 2: HarperEngine(settings.dialect, threads=2)}

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    findings = check.check(docs[0])
    cold = time.perf_counter() - started
    linting: list[float] = []
    for engine in engines.values():
        engine.issues = timed(engine.issues, linting)  # Harper's share inside check.check()
    total: dict[int, list[float]] = {1: [], 2: []}
    share: dict[int, list[float]] = {1: [], 2: []}
    for i, doc in enumerate(docs[1:]):
        threads = 1 if i % 2 == 0 else 2
        check.engines[0] = engines[threads]
        started = time.perf_counter()
        check.check(doc)
        total[threads].append(time.perf_counter() - started)
        share[threads].append(total[threads][-1] - linting[-1])
    load_after = os.getloadavg()[0]
    check.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    median = statistics.median
    return {
        "sentences": n, "characters": sum(len(s.text) for s in docs[0].segments), "findings": len(findings),
        "load_s": load, "cold_s": cold, "two_s": median(total[2]), "one_s": median(total[1]),
        "filter_s": median(share[1] + share[2]), "runs": repeats, "loadavg": (load_before, load_after),
        "peak_mb": peak_mb, "signature": check.signature(),
    }


def timed(lint, times: list[float]):
    """``lint`` that appends its duration to ``times``."""

    def run(doc, progress=None):
        begun = time.perf_counter()
        try:
            return lint(doc) if progress is None else lint(doc, progress)
        finally:
            times.append(time.perf_counter() - begun)

    return run


def report(result: dict, command: str) -> str:
    """The Markdown page with the figures and the command that produced them."""
    n = result["sentences"]
    rows = [
        (f"grammar check, Harper with 1 thread (default; median of {result['runs']} new documents)",
         result["one_s"]),
        (f"grammar check, Harper with 2 threads (median of {result['runs']} new documents)", result["two_s"]),
        ("grammar check, first check of the process (1 thread)", result["cold_s"]),
        ("... of which spelling filter + merge + findings (median of all runs)", result["filter_s"]),
    ]
    lines = [
        "# Grammar check speed",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {platform.machine()}, {platform.system()}, Python {platform.python_version()}; "
        f"engine {result['signature'].get('harper', '')}.",
        "",
        f"Documents: bench/speed.py's generated text (seeds 0..{2 * result['runs']}), {n:,} sentences each; "
        f"the first has {result['characters']:,} characters and gives {result['findings']:,} findings. "
        "Every timed run checks a document the process has not seen before.",
        "",
        "| what | seconds | sentences per second |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {label} | {seconds:.2f} | {n / seconds:,.0f} |" for label, seconds in rows]
    lines += [
        "",
        f"Loading the check (Harper's dictionary): {result['load_s']:.2f} s. "
        f"Peak memory of the benchmark process: {result['peak_mb']:,.0f} MB. "
        f"Load average (1 min) before/after: {result['loadavg'][0]:.1f}/{result['loadavg'][1]:.1f}.",
        "",
        "Harper lints blocks of whole paragraphs (up to 10,000 characters per call; with",
        "two threads, one Linter each when a document has three blocks or more) and spans",
        "are mapped back to segments; nearly all the time is Harper's own linting. Two",
        "threads share out Harper's internal cache (each Linter has its own) and compete",
        "with other jobs for the two cores, hence one thread by default. The",
        "first check also loads pyspellchecker's English word list (about 0.7 s). The generated text",
        "recombines the seed article's clauses, so it repeats more than real text does;",
        "the machine (2 cores) was shared with other jobs (see the load average), so",
        "repeated measurements vary by 20 % or more.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Measure and print (and write docs/benchmarks-grammar.md unless --no-write)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    result = measure(args.sentences, args.repeats)
    command = "python bench/grammar_speed.py" + (
        f" --sentences {args.sentences}" if args.sentences != 5000 else "") + (
        f" --repeats {args.repeats}" if args.repeats != 3 else "")
    page = report(result, command)
    print(page)
    if not args.no_write:
        OUTPUT.write_text(page, encoding="utf-8")


if __name__ == "__main__":
    main()
