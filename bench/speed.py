"""Speed and memory of the default pipeline: each stage alone, the whole pipeline in one process, and the default
runner (worker processes on every available core) as ``tqcheck check FILE`` runs it.

    python bench/speed.py --data ../shared/data   # measure and write docs/benchmarks.md (MLQE-PE when it is there)
    python bench/speed.py --sentences 5000 --no-write

Stage rows: each stage in its own process (its own peak memory), measured after loading and warming. Runner rows,
on the real text: ``tqcheck check FILE`` with no ``--jobs`` (the default runner) and with ``--jobs 1``, each a fresh
command, start-up included; and the default runner after its workers have warmed up. Every runner row's JSON report
must be byte-identical to the one-process pipeline row's, or the benchmark fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure this checkout, not whichever tqcheck is installed

from bench.docsection import split_sections  # noqa: E402

SEED = ROOT / "seeds" / "000_d711ba56f4b847ad.txt"
STAGES = ("rules", "grammar", "fluency", "pipeline")
#: Runner rows: the default command, the one-process command, the default runner after loading.
RUNS = ("cli-default", "cli-one", "runner")
DATA = ROOT.parent / "shared" / "data"
COMMAND = "python bench/speed.py"
#: The checked document's file name in every report (the reports of the rows are compared byte for byte).
FILE_NAME = "speed.txt"
#: Checked once before the timed run: it loads what the first real sentences would otherwise load in the timed run
#: (Harper's first lint, the spelling filter's spell checker for an unknown capitalised word, wordfreq for a word
#: with an accent), so "after loading" figures exclude every one-off load.
WARM_TEXT = "A short warm-up sentence. Kwelimo met Zürchér there.".encode("utf-8")
#: Sections of docs/benchmarks.md this benchmark writes; the other benchmarks' sections are kept.
RUNNER_SECTION = "Default runner and one process"
#: How long the workers may take to load their models before the benchmark gives up.
READY_TIMEOUT = 600.0


def generated_document(sentences: int, seed: int = 0) -> str:
    """A deterministic news-like text of ``sentences`` sentences in paragraphs of five.

    Sentences of the seed article are recombined: clauses are shuffled and words
    swapped within the article's vocabulary, so the text varies like real input
    without repeating the same sentence (caches cannot make it look fast).
    """
    from tqcheck.readers.inputs import read_text

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


def corpus_text(corpus: str, sentences: int, data: Path | None = None) -> str:
    """The text a row checks: the real text, or the generated one (a little longer: the splitter merges some)."""
    if corpus == "mlqe":
        return real_document(sentences, data or DATA)
    return generated_document(sentences * 11 // 10)


def corpus_document(corpus: str, sentences: int, data: Path | None = None):
    """The text a row checks as a Document named ``FILE_NAME``."""
    from tqcheck.readers.inputs import read_text

    return read_text(FILE_NAME, corpus_text(corpus, sentences, data).encode("utf-8"))


def report_sha256(report) -> str:
    """SHA-256 of the report as the JSON writer renders it (signature, summary, ranked sentences with their
    scores, findings): equal digests mean equal reports."""
    from tqcheck.output.writers import get_writer

    return hashlib.sha256(get_writer("json").render(report).encode("utf-8")).hexdigest()


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """User + system CPU seconds of this process (or of its waited-for children)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size in MB: of this process, or of the largest waited-for child (``ru_maxrss``)."""
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def measure_stage(stage: str, sentences: int, corpus: str = "generated", data: Path | None = None) -> dict:
    """Load one stage (or the whole pipeline, in this process), check the document, time it."""
    from tqcheck.core.config import load_settings
    from tqcheck.readers.inputs import read_text
    from tqcheck.engine.pipeline import Pipeline, build_checks, build_scorer

    document = corpus_document(corpus, sentences, data)
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
    pipeline.run([read_text("warm.txt", WARM_TEXT)])
    loaded = time.perf_counter()
    cpu = cpu_seconds()
    report = pipeline.run([document])
    done = time.perf_counter()
    cpu = cpu_seconds() - cpu
    pipeline.close()
    return {
        "stage": stage,
        "corpus": corpus,
        "sentences": len(document.segments),
        "load_seconds": round(loaded - started, 2),
        "check_seconds": round(done - loaded, 2),
        "sentences_per_second": round(len(document.segments) / (done - loaded), 1),
        "cpu_seconds": round(cpu, 1),
        "peak_memory_mb": peak_mb(),
        "findings": len(report.findings),
        "report_sha256": report_sha256(report) if stage == "pipeline" else "",
    }


def _worker_ready(settings, workers: int, folder: str) -> tuple[int, float]:
    """(pid, CPU seconds so far) of a worker, once it has loaded its pipeline and checked the warm-up text and
    every other worker has too (each waits for the others, so the ``workers`` calls run in ``workers``
    different processes)."""
    from tqcheck.readers.inputs import read_text
    from tqcheck.engine.runners import Task, check_task

    check_task(Task((0, 0), read_text("warm.txt", WARM_TEXT)), settings)
    Path(folder, str(os.getpid())).touch()
    deadline = time.monotonic() + READY_TIMEOUT
    while len(os.listdir(folder)) < workers:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {len(os.listdir(folder))} of {workers} workers were ready")
        time.sleep(0.01)
    return os.getpid(), cpu_seconds()


def measure_runner(sentences: int, corpus: str, data: Path | None = None) -> dict:
    """The default runner after loading: worker processes started as ``tqcheck check`` starts them, every worker's
    models loaded and warmed, then ``run_documents`` timed (the parent, which merges, is this process)."""
    import multiprocessing

    from tqcheck.core.config import load_settings
    from tqcheck.engine.runners import ProcessRunner, make_runner, plan, run_documents

    document = corpus_document(corpus, sentences, data)
    started = time.perf_counter()
    settings = load_settings(discover=False)
    runner = make_runner(segments=len(document.segments), tasks=len(plan([document])))
    if not isinstance(runner, ProcessRunner):
        raise SystemExit(f"the default runner checks {len(document.segments)} segments in one process here "
                         f"({runner.name}); nothing to measure")
    runner.start(settings)
    with tempfile.TemporaryDirectory() as folder:
        # the pool itself (ProcessRunner has no public way to run a task on every worker)
        waiting = [runner._pool.submit(_worker_ready, settings, runner.jobs, folder) for _ in range(runner.jobs)]
        ready = [future.result() for future in waiting]
    loaded = time.perf_counter()
    cpu = cpu_seconds()
    report = run_documents([document], settings, runner=runner)  # closes the runner: the workers exit
    done = time.perf_counter()
    cpu = cpu_seconds() - cpu
    for process in multiprocessing.active_children():
        process.join()
    worker_cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - sum(c for _, c in ready)
    return {
        "run": "runner",
        "corpus": corpus,
        "sentences": len(document.segments),
        "workers": len({pid for pid, _ in ready}),
        "load_seconds": round(loaded - started, 2),
        "check_seconds": round(done - loaded, 2),
        "sentences_per_second": round(len(document.segments) / (done - loaded), 1),
        "cpu_seconds": round(cpu + worker_cpu, 1),
        "parent_cpu_seconds": round(cpu, 2),
        "parent_peak_mb": peak_mb(),
        "worker_peak_mb": peak_mb(resource.RUSAGE_CHILDREN),
        "findings": len(report.findings),
        "report_sha256": report_sha256(report),
    }


def cli_command(run: str) -> list[str]:
    """The ``tqcheck check`` arguments of a command row (reports to files, as a user's run writes them)."""
    jobs = ["--jobs", "1"] if run == "cli-one" else []
    return ["check", FILE_NAME, "--no-config", "--no-cache", "-q", "--no-progress", "--exit-zero",
            "-f", "csv=report.csv", "-f", "json=report.json", *jobs]


def measure_cli(run: str, sentences: int, corpus: str, data: Path | None = None) -> dict:
    """``python -m tqcheck check FILE`` as a user runs it, in a fresh process: wall time from start to exit
    (start-up, reading, checking, writing), CPU of every process, the largest process's peak memory."""
    from tqcheck.readers.inputs import read_text

    text = corpus_text(corpus, sentences, data)
    document = read_text(FILE_NAME, text.encode("utf-8"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, FILE_NAME).write_bytes(text.encode("utf-8"))
        command = [sys.executable, "-m", "tqcheck", *cli_command(run)]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
        digest = hashlib.sha256(Path(folder, "report.json").read_bytes()).hexdigest()
        findings = len(json.loads(Path(folder, "report.json").read_text(encoding="utf-8"))["findings"])
    return {
        "run": run,
        "corpus": corpus,
        "sentences": len(document.segments),
        "command": "tqcheck " + " ".join(cli_command(run)),
        "wall_seconds": round(seconds, 2),
        "sentences_per_second": round(len(document.segments) / seconds, 1),
        "cpu_seconds": round(cpu_seconds(resource.RUSAGE_CHILDREN), 1),
        "largest_peak_mb": peak_mb(resource.RUSAGE_CHILDREN),
        "findings": findings,
        "report_sha256": digest,
    }


#: Where the one-process pipeline's time goes: (part, file name ending, function, parts inside it). A part's time is
#: its function's cumulative time minus the parts inside it.
PROFILE_PARTS = (
    ("grammar: Harper linting (harper-py, in Rust)", "~", "<method 'organized_lints' of 'harper.Linter' objects>", ()),
    ("grammar: the rest (spelling filter, names, merging)", "tqcheck/checks/grammar/__init__.py", "check",
     ("grammar: Harper linting (harper-py, in Rust)",)),
    ("rules (YAML rule packs)", "tqcheck/checks/rules/check.py", "check", ()),
    ("detector: MiniLM encoder (ONNX Runtime)", "tqcheck/language/encoder.py", "encode", ()),
    ("detector: tuned encoder (ONNX Runtime)", "tqcheck/training/tune.py", "predict", ()),
    ("detector: 3-gram features", "tqcheck/scoring/detector/__init__.py", "ngram_rows", ()),
    ("detector: the rest (heads, sentence model, spans)", "tqcheck/scoring/detector/scorer.py", "score",
     ("detector: MiniLM encoder (ONNX Runtime)", "detector: tuned encoder (ONNX Runtime)",
      "detector: 3-gram features")),
    ("pipeline: the rest (selecting findings, merging parts)", "tqcheck/engine/pipeline.py", "run",
     ("grammar: the rest (spelling filter, names, merging)", "rules (YAML rule packs)",
      "detector: the rest (heads, sentence model, spans)")),
)


def profile_pipeline(sentences: int, corpus: str, data: Path | None = None) -> dict:
    """The one-process pipeline on the document under cProfile (after loading and the warm-up): seconds and share
    of each part of ``PROFILE_PARTS`` (relative shares hold on a busy machine; the profiler adds some overhead)."""
    import cProfile
    import pstats

    from tqcheck.core.config import load_settings
    from tqcheck.readers.inputs import read_text
    from tqcheck.engine.pipeline import Pipeline

    document = corpus_document(corpus, sentences, data)
    pipeline = Pipeline(load_settings(discover=False))
    pipeline.run([read_text("warm.txt", WARM_TEXT)])
    profiler = cProfile.Profile()
    cpu = cpu_seconds()
    profiler.enable()
    pipeline.run([document])
    profiler.disable()
    cpu = cpu_seconds() - cpu
    pipeline.close()
    stats = pstats.Stats(profiler).stats  # (file, line, function) -> (calls, calls, own time, cumulative, callers)
    cumulative = {label: sum(v[3] for (file, _, name), v in stats.items()
                             if name == function and file.endswith(ending))
                  for label, ending, function, _ in PROFILE_PARTS}
    whole = cumulative[PROFILE_PARTS[-1][0]]
    parts = {label: cumulative[label] - sum(cumulative[inner] for inner in inside)
             for label, _, _, inside in PROFILE_PARTS if cumulative[label]}
    return {"corpus": corpus, "sentences": len(document.segments), "profiled_seconds": round(whole, 2),
            "cpu_seconds": round(cpu, 2),
            "parts": {label: [round(seconds, 2), round(100 * seconds / whole, 1)] for label, seconds in parts.items()}}


def help_seconds(repeats: int = 5) -> float:
    """Best wall time of ``tqcheck --help`` in a fresh interpreter."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tqcheck.cli.main", "--help"], check=True,
                       capture_output=True)
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages."""
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def commit() -> str:
    """The checkout's commit, marked when tracked files other than the benchmark page have changes."""
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=False).stdout.strip() or "unknown"
    changed = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                             capture_output=True, text=True, check=False).stdout.splitlines()
    dirty = [line for line in changed if not line.endswith("docs/benchmarks.md")]
    return head + (" (with uncommitted changes)" if dirty else "")


CORPUS_TEXT = {
    "generated": "Generated news-like document of {n:,} sentences (seed-article clauses recombined, "
                 "`bench/speed.py:generated_document`): runs anywhere, but reuses one article's vocabulary, "
                 "so the fluency stage's word-embedding cache hits often.",
    "mlqe": "Real text: the first {n:,} English MT outputs of MLQE-PE dev (`--data`, five language pairs, "
            "wide vocabulary), five to a paragraph.",
}


def stage_lines(results: list[dict]) -> list[str]:
    """One table per corpus: every stage alone and the whole pipeline, in one process each."""
    lines: list[str] = []
    for corpus in dict.fromkeys(r["corpus"] for r in results):
        rows = [r for r in results if r["corpus"] == corpus]
        lines += [
            "",
            f"## {corpus}",
            "",
            CORPUS_TEXT[corpus].format(n=rows[0]["sentences"]),
            "",
            "| stage (one process) | sentences/s | check time (s) | CPU (s) | load time (s) | peak memory (MB) "
            "| findings |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            lines.append(f"| {r['stage']} | {r['sentences_per_second']:,} | {r['check_seconds']} | "
                         f"{r['cpu_seconds']} | {r['load_seconds']} | {r['peak_memory_mb']:,} | {r['findings']:,} |")
    return lines


def runner_lines(runs: list[dict], pipeline: dict, cores: int) -> list[str]:
    """The runner section: as a user runs it (start-up included), and after loading (start-up excluded)."""
    by = {r["run"]: r for r in runs}
    warm = by["runner"]
    n = warm["sentences"]
    identical = all(r["report_sha256"] == pipeline["report_sha256"] for r in runs)
    lines = [
        "",
        f"## {RUNNER_SECTION}",
        "",
        f"The {pipeline['corpus']} document above ({n:,} sentences, one file) checked with the default settings "
        f"on this {cores}-core machine. `tqcheck check FILE` with no `--jobs` runs a file of 2,000+ segments on "
        f"the default runner: one worker process per available core ({warm['workers']} here), the file cut in "
        "parts of 250 segments (`PART_SEGMENTS`), the parent reading the input and merging the results; "
        "`--jobs 1` checks the same parts in one process.",
        "",
        "**As a user runs it (start-up included):** one fresh `python -m tqcheck` command each, timed from start "
        "to exit (interpreter and imports, model loading in every process, reading, checking, writing the CSV and "
        "JSON reports); CPU of all its processes; peak memory of its largest process (`ru_maxrss` of the waited-for "
        "process tree).",
        "",
        "| command | processes | wall (s) | sentences/s | CPU, all processes (s) | peak memory, largest process (MB) "
        "| 1-min load before → after |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for run, processes in (("cli-one", "1"), ("cli-default", f"1 parent + {warm['workers']} workers")):
        r = by[run]
        lines.append(f"| `{r['command']}` | {processes} | {r['wall_seconds']} | **{r['sentences_per_second']:,}** | "
                     f"{r['cpu_seconds']} | {r['largest_peak_mb']:,} | {r['load']} |")
    lines += [
        "",
        "**After loading (start-up excluded):** the one-process row is the pipeline row above "
        "(`Pipeline(settings).run([document])` after loading and a warm-up); the default-runner row starts the "
        "workers as `tqcheck check` does, waits until every worker has loaded its models and checked the same "
        "warm-up text, then times `run_documents` (parts handed out longest first, results merged in the parent). "
        "CPU: the parent's and the workers' during the timed check.",
        "",
        "| run | processes | check time (s) | sentences/s | CPU (s) | peak memory: parent / each worker at most (MB) "
        "| load and warm-up (s) | 1-min load before → after |",
        "|---|---|---:|---:|---:|---|---:|---|",
        f"| one process (`Pipeline.run`) | 1 | {pipeline['check_seconds']} | "
        f"**{pipeline['sentences_per_second']:,}** | {pipeline['cpu_seconds']} | {pipeline['peak_memory_mb']:,} "
        f"/ – | {pipeline['load_seconds']} | {pipeline['load']} |",
        f"| default runner (`run_documents`) | 1 parent + {warm['workers']} workers | {warm['check_seconds']} | "
        f"**{warm['sentences_per_second']:,}** | {warm['cpu_seconds']} (parent {warm['parent_cpu_seconds']}) | "
        f"{warm['parent_peak_mb']:,} / {warm['worker_peak_mb']:,} | {warm['load_seconds']} | {warm['load']} |",
        "",
        "Same reports: the JSON report (signature, summary, every sentence's score and rank, every finding) of "
        "each of these runs has SHA-256 "
        f"`{pipeline['report_sha256'][:16]}…`, the same as the one-process pipeline row's "
        f"({'checked by the benchmark, which fails otherwise' if identical else 'NOT the same'}); "
        f"{pipeline['findings']:,} findings.",
        "",
        f"Issue 11 (the default pipeline ≥ 150 sentences/s on real text): the default runner "
        f"{_verdict(warm['sentences_per_second'])} after loading and "
        f"{_verdict(by['cli-default']['sentences_per_second'])} as a user runs it, start-up included; one process "
        f"{_verdict(pipeline['sentences_per_second'])} after loading. Default runner against one process: "
        f"{warm['sentences_per_second'] / pipeline['sentences_per_second']:.2f}x after loading, "
        f"{by['cli-one']['wall_seconds'] / by['cli-default']['wall_seconds']:.2f}x as a user runs it.",
    ]
    return lines


def profile_lines(profile: dict) -> list[str]:
    """Where the one-process pipeline's time goes (cProfile)."""
    lines = [
        "",
        f"Where the time goes in the one-process pipeline on the same {profile['sentences']:,} sentences (cProfile, "
        f"after loading and the warm-up; {profile['profiled_seconds']} s under the profiler, "
        f"{profile['cpu_seconds']} CPU s; the profiler slows the Python parts more than the native ones; the "
        f"profile ran with 1-minute load {profile['load']}):",
        "",
        "| part | seconds | share |",
        "|---|---:|---:|",
    ]
    for label, (seconds, share) in sorted(profile["parts"].items(), key=lambda kv: -kv[1][0]):
        lines.append(f"| {label} | {seconds} | {share} % |")
    return lines


def _verdict(rate: float, target: float = 150.0) -> str:
    return f"{rate:,} sentences/s ({'met' if rate >= target else 'missed'})"


def write_markdown(results: list[dict], runs: list[dict], help_time: float, command: str, path: Path,
                   context: dict, profile: dict | None = None) -> None:
    """docs/benchmarks.md: this benchmark's sections (figures and the command that produced them), the other
    benchmarks' sections kept as they are."""
    cores = _cores()
    lines = [
        "# Speed and memory",
        "",
        f"Produced by `{command}` on {platform.machine()} with {platform.python_implementation()} "
        f"{platform.python_version()}, {cores} cores, commit {context['commit']}, {context['started']}–"
        f"{context['ended']}; load average (1, 5, 15 min) {context['load_before']} before and "
        f"{context['load_after']} after (figures vary with the machine and its load; identical runs on this VM "
        "have varied by up to 20 %, docs/benchmarks-scale.md).",
        "Stage rows: each row runs in its own process; throughput excludes model loading and the check of a short "
        "warm-up text that loads the lazily loaded parts (`WARM_TEXT`), shown apart as load time; "
        "CPU is the process's user+system time during the check; peak memory is the process's maximum resident "
        "set size.",
    ]
    lines += stage_lines(results)
    if runs:
        pipeline = next(r for r in results if r["stage"] == "pipeline" and r["corpus"] == runs[0]["corpus"])
        lines += runner_lines(runs, pipeline, cores)
    if profile:
        lines += profile_lines(profile)
    lines += [
        "",
        f"`tqcheck --help`: {help_time} s (best of 5, fresh interpreter; heavy libraries are imported lazily).",
        "",
        "Targets: issue 11, the default pipeline ≥ 150 sentences/s on real text (the default runner row); issue 2, "
        "whole pipeline ≥ 150 sentences/s after loading, peak memory < 1.5 GB, `--help` < 0.5 s. More per-stage "
        "detail: [benchmarks-rules.md](benchmarks-rules.md), [benchmarks-grammar.md](benchmarks-grammar.md), "
        "[benchmarks-fluency.md](benchmarks-fluency.md).",
    ]
    own = {"generated", "mlqe", RUNNER_SECTION}
    kept = [text for head, text in split_sections(path.read_text(encoding="utf-8") if path.exists() else "")
            if head is not None and head not in own]
    path.write_text("\n".join(lines).rstrip("\n") + "\n" + "".join("\n" + k.rstrip("\n") + "\n" for k in kept),
                    encoding="utf-8")


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def child(args: list[str]) -> dict:
    """Run this script with ``args`` in a fresh process and return the JSON it prints last (with the 1-minute load
    average before and after)."""
    before = os.getloadavg()[0]
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["load"] = f"{before:.2f} → {os.getloadavg()[0]:.2f}"
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    """Run every stage and runner row in a child process, on each corpus, and write the page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=5000)
    parser.add_argument("--data", type=Path, default=DATA,
                        help="shared data folder; the MLQE-PE corpus is measured too when it is there")
    parser.add_argument("--stage", choices=STAGES, help="(internal) measure one stage in this process")
    parser.add_argument("--run", choices=RUNS + ("profile",),
                        help="(internal) measure one runner row, or profile the pipeline, from this process")
    parser.add_argument("--corpus", choices=("generated", "mlqe"), default="generated",
                        help="(internal, with --stage or --run) which text to measure")
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated stages to run")
    parser.add_argument("--corpora", help="comma-separated corpora (default: generated, and mlqe when --data has it)")
    parser.add_argument("--no-runners", action="store_true", help="skip the runner rows and the profile")
    parser.add_argument("--no-profile", action="store_true", help="skip the profile of the one-process pipeline")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md")
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(measure_stage(args.stage, args.sentences, args.corpus, args.data)))
        return
    if args.run:
        if args.run == "profile":
            print(json.dumps(profile_pipeline(args.sentences, args.corpus, args.data)))
        elif args.run == "runner":
            print(json.dumps(measure_runner(args.sentences, args.corpus, args.data)))
        else:
            print(json.dumps(measure_cli(args.run, args.sentences, args.corpus, args.data)))
        return
    has_data = (args.data / "mlqe_pe_da_xen" / "dev.tsv").is_file()
    corpora = args.corpora.split(",") if args.corpora else ["generated"] + (["mlqe"] if has_data else [])
    stages = args.stages.split(",")
    context = {"commit": commit(), "load_before": load_average(),
               "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    common = ["--sentences", str(args.sentences), "--data", str(args.data)]
    results = [child(["--stage", stage, "--corpus", corpus, *common]) for corpus in corpora for stage in stages]
    runs: list[dict] = []
    profile: dict | None = None
    if not args.no_runners:
        corpus = corpora[-1]  # the real text when it is there
        if not any(r["stage"] == "pipeline" and r["corpus"] == corpus for r in results):
            results.append(child(["--stage", "pipeline", "--corpus", corpus, *common]))
        runs = [child(["--run", run, "--corpus", corpus, *common]) for run in RUNS]
        expected = next(r for r in results if r["stage"] == "pipeline" and r["corpus"] == corpus)["report_sha256"]
        different = [r["run"] for r in runs if r["report_sha256"] != expected]
        if different:
            raise SystemExit(f"reports differ from the one-process pipeline's: {', '.join(different)}")
        if not args.no_profile:
            profile = child(["--run", "profile", "--corpus", corpus, *common])
    help_time = help_seconds()
    print(json.dumps({"help_seconds": help_time}))
    context.update(load_after=load_average(), ended=time.strftime("%H:%M UTC", time.gmtime()))
    print(json.dumps(context))
    if not args.no_write:
        command = " ".join([COMMAND, *sys.argv[1:]])
        write_markdown(results, runs, help_time, command, ROOT / "docs" / "benchmarks.md", context, profile)


if __name__ == "__main__":
    main()
