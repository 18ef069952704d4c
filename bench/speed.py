"""Speed and memory of the default pipeline and of each stage alone.

    python bench/speed.py                # measure and write docs/benchmarks.md (also on MLQE-PE when ../shared/data is there)
    python bench/speed.py --sentences 5000 --no-write

Each stage runs in its own process so its peak memory (max RSS) is its own.
Throughput is measured after models are loaded (load time is reported apart).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_d711ba56f4b847ad.txt"
STAGES = ("rules", "grammar", "fluency", "pipeline")
DATA = ROOT.parent / "shared" / "data"
COMMAND = "python bench/speed.py"


def generated_document(sentences: int, seed: int = 0) -> str:
    """A deterministic news-like text of ``sentences`` sentences in paragraphs of five.

    Sentences of the seed article are recombined: clauses are shuffled and words
    swapped within the article's vocabulary, so the text varies like real input
    without repeating the same sentence (caches cannot make it look fast).
    """
    from tqcheck.inputs import read_text

    rng = random.Random(seed)
    base = [s.text for s in read_text(str(SEED), SEED.read_bytes()).segments]
    clauses = [c.strip(" .") for s in base for c in s.replace(";", ",").split(",") if len(c.split()) > 3]
    vocabulary = sorted({w for s in base for w in s.split() if w.isalpha() and w.islower()})
    out: list[str] = []
    for i in range(sentences):
        parts = rng.sample(clauses, k=rng.choice((1, 2, 2, 3)))
        words = ", ".join(parts).split()
        for _ in range(rng.randint(0, 2)):
            words[rng.randrange(len(words))] = rng.choice(vocabulary)
        sentence = " ".join(words)
        sentence = sentence[0].upper() + sentence[1:].rstrip(".,;:") + "."
        out.append(sentence + ("\n\n" if i % 5 == 4 else " "))
    return "".join(out)


def real_document(sentences: int, data: Path) -> str:
    """The first ``sentences`` English MT outputs of MLQE-PE dev (five language pairs), five to a paragraph."""
    import csv

    rows = []
    with open(data / "mlqe_pe_da_xen" / "dev.tsv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            rows.append(" ".join(row["target"].split()))
            if len(rows) >= sentences:
                break
    return "".join(t + ("\n\n" if i % 5 == 4 else " ") for i, t in enumerate(rows))


def measure_stage(stage: str, sentences: int, corpus: str = "generated", data: Path | None = None) -> dict:
    """Load one stage (or the whole pipeline), check the generated document, time it."""
    from tqcheck.config import load_settings
    from tqcheck.inputs import read_text
    from tqcheck.pipeline import Pipeline, build_checks, build_scorer

    if corpus == "mlqe":
        text = real_document(sentences, data or DATA)
    else:
        text = generated_document(sentences * 11 // 10)  # the splitter merges a few: stay above the target
    document = read_text("generated.txt", text.encode("utf-8"))
    started = time.perf_counter()
    settings = load_settings(discover=False)
    if stage == "pipeline":
        pipeline = Pipeline(settings)
    elif stage == "fluency":
        pipeline = Pipeline(settings, checks=[], scorer=build_scorer(settings))
    else:
        checks = [c for c in build_checks(settings) if c.name == stage]
        pipeline = Pipeline(settings, checks=checks, scorer=None)
    # warm-up: the first call of a model or engine pays one-off costs (lazy init, allocation)
    warm = read_text("warm.txt", b"A short warm-up sentence. Another one follows here.")
    pipeline.run([warm])
    loaded = time.perf_counter()
    report = pipeline.run([document])
    done = time.perf_counter()
    pipeline.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "stage": stage,
        "corpus": corpus,
        "sentences": len(document.segments),
        "load_seconds": round(loaded - started, 2),
        "check_seconds": round(done - loaded, 2),
        "sentences_per_second": round(len(document.segments) / (done - loaded), 1),
        "peak_memory_mb": round(peak_kb / 1024, 1),
        "findings": len(report.findings),
    }


def help_seconds(repeats: int = 5) -> float:
    """Best wall time of ``tqcheck --help`` in a fresh interpreter."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tqcheck.cli.main", "--help"], check=True,
                       capture_output=True)
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


CORPUS_TEXT = {
    "generated": "Generated news-like document of {n:,} sentences (seed-article clauses recombined, "
                 "`bench/speed.py:generated_document`): runs anywhere, but reuses one article's vocabulary, "
                 "so the fluency stage's word-embedding cache hits often.",
    "mlqe": "Real text: the first {n:,} English MT outputs of MLQE-PE dev (`--data`, five language pairs, "
            "wide vocabulary), five to a paragraph.",
}


def write_markdown(results: list[dict], help_time: float, command: str, path: Path) -> None:
    """docs/benchmarks.md with the figures and the command that produced them."""
    lines = [
        "# Speed and memory",
        "",
        f"Produced by `{command}` on {platform.machine()} with {platform.python_implementation()} "
        f"{platform.python_version()}, {_cores()} cores (figures vary with the machine and its load).",
        "Each row runs in its own process; throughput excludes model loading, which is shown apart; "
        "peak memory is the process's maximum resident set size.",
    ]
    for corpus in dict.fromkeys(r["corpus"] for r in results):
        rows = [r for r in results if r["corpus"] == corpus]
        lines += [
            "",
            f"## {corpus}",
            "",
            CORPUS_TEXT[corpus].format(n=rows[0]["sentences"]),
            "",
            "| stage | sentences/s | check time (s) | load time (s) | peak memory (MB) | findings |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            lines.append(f"| {r['stage']} | {r['sentences_per_second']:,} | {r['check_seconds']} | "
                         f"{r['load_seconds']} | {r['peak_memory_mb']:,} | {r['findings']:,} |")
    lines += [
        "",
        f"`tqcheck --help`: {help_time} s (best of 5, fresh interpreter; heavy libraries are imported lazily).",
        "",
        "Targets (issue 2): whole pipeline ≥ 150 sentences/s after loading, peak memory < 1.5 GB, "
        "`--help` < 0.5 s. More per-stage detail: [benchmarks-rules.md](benchmarks-rules.md), "
        "[benchmarks-grammar.md](benchmarks-grammar.md), [benchmarks-fluency.md](benchmarks-fluency.md).",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def main() -> None:
    """Run every stage in a child process, on each corpus, and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=5000)
    parser.add_argument("--data", type=Path, default=DATA,
                        help="shared data folder; the MLQE-PE corpus is measured too when it is there")
    parser.add_argument("--stage", choices=STAGES, help="(internal) measure one stage in this process")
    parser.add_argument("--corpus", choices=("generated", "mlqe"), default="generated",
                        help="(internal, with --stage) which text to measure")
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated stages to run")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md")
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(measure_stage(args.stage, args.sentences, args.corpus, args.data)))
        return
    corpora = ["generated"] + (["mlqe"] if (args.data / "mlqe_pe_da_xen" / "dev.tsv").is_file() else [])
    results = []
    for corpus in corpora:
        for stage in args.stages.split(","):
            out = subprocess.run([sys.executable, __file__, "--stage", stage, "--sentences", str(args.sentences),
                                  "--corpus", corpus, "--data", str(args.data)],
                                 check=True, capture_output=True, text=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps(result))
            results.append(result)
    help_time = help_seconds()
    print(json.dumps({"help_seconds": help_time}))
    if not args.no_write:
        command = COMMAND + ("" if args.sentences == 5000 else f" --sentences {args.sentences}")
        write_markdown(results, help_time, command, ROOT / "docs" / "benchmarks.md")


if __name__ == "__main__":
    main()
