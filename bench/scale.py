"""Corpus scale: throughput with one process, --jobs 2 and a two-worker Dask LocalCluster, and peak memory
at 10k, 50k and 100k segments; writes docs/benchmarks-scale.md.

    python -m bench.scale                          # everything (about an hour on a busy 2-core machine)
    python -m bench.scale --sentences 2000 --sizes 1000,2000 --no-write   # a quick look

The corpus: a bilingual TSV built in a temporary folder from the shared data (read by path): the English MT outputs
and sources of MLQE-PE dev and the four MQM zh-en files (28,250 pairs); throughput takes the first --sentences,
memory cycles through them to 50k and 100k segments. Every figure is the wall time or peak resident memory of one
``python -m tqcheck check`` in its own process (loading included), with the load average before and after.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("TQCHECK_DATA", ROOT.parent / "shared" / "data"))
OUT = ROOT / "docs" / "benchmarks-scale.md"
COMMAND = "python -m bench.scale"
MQM = ("mqm_zhen_newstest2020", "mqm_zhen_newstest2021", "mqm_zhen_ted2021", "mqm_zhen_generalmt2023")


def real_pairs(languages: list[str] | None = None) -> list[tuple[str, str]]:
    """(source, target) of every MLQE-PE dev row, then every MQM zh-en segment row (their source languages
    appended to ``languages`` when given)."""
    pairs: list[tuple[str, str]] = []
    csv.field_size_limit(1 << 24)
    files = [DATA / "mlqe_pe_da_xen" / "dev.tsv"] + [DATA / name / "dev.segments.tsv" for name in MQM]
    for path in files:
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                source, target = " ".join(row["source"].split()), " ".join(row["target"].split())
                if target:
                    pairs.append((source, target))
                    if languages is not None:
                        languages.append(row["lp"].split("-")[0])
    return pairs


def write_tmx(path: Path, pairs: list[tuple[str, str]], languages: list[str], size: int) -> None:
    """A TMX of ``size`` units cycling through ``pairs`` (one <tu> on four lines, unit ids unique)."""
    from xml.sax.saxutils import escape

    with open(path, "w", encoding="utf-8") as handle:
        handle.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n<header creationtool="bench" '
                     'creationtoolversion="1" datatype="plaintext" segtype="sentence" adminlang="en" '
                     'srclang="*all*" o-tmf="bench"/>\n<body>\n')
        for i in range(size):
            k = i % len(pairs)
            source, target = pairs[k]
            handle.write(f'<tu tuid="u{i}">\n  <tuv xml:lang="{languages[k]}"><seg>{escape(source)}</seg></tuv>\n'
                         f'  <tuv xml:lang="en"><seg>{escape(target)}</seg></tuv>\n</tu>\n')
        handle.write("</body>\n</tmx>\n")


def write_corpus(path: Path, pairs: list[tuple[str, str]], size: int) -> None:
    """A bilingual TSV of ``size`` rows cycling through ``pairs``."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(["id", "source", "target"])
        for i in range(size):
            source, target = pairs[i % len(pairs)]
            writer.writerow([f"u{i}", source, target])


def commit() -> str:
    """The checked-out commit of this tree (and whether files differ from it)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (with local changes)" if dirty else "")


def load() -> str:
    """The 1-minute load average and the number of running processes (from /proc/loadavg)."""
    try:
        parts = Path("/proc/loadavg").read_text().split()
        return f"{parts[0]} (running/total processes {parts[3]})"
    except OSError:
        return "n/a"


def run(args: list[str], cwd: Path) -> dict:
    """Wall seconds and peak RSS (MB, the largest of the command and its waited-for children)."""
    command = [sys.executable, "-m", "tqcheck", "check", *args, "-q", "--exit-zero", "--no-progress", "--no-cache"]
    before = load()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    error = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{error}")
    return {"seconds": round(seconds, 1), "peak_mb": round(usage.ru_maxrss / 1024), "load_before": before,
            "load_after": load(), "cpu_s": round(usage.ru_utime + usage.ru_stime, 1)}


def throughput(corpus: Path, sentences: int, work: Path) -> list[dict]:
    """One process, --jobs 2, --dask local (two workers): wall time on the same corpus, same reports."""
    rows = []
    for label, extra in (("1 process (--jobs 1)", ["--jobs", "1"]), ("--jobs 2", ["--jobs", "2"]),
                         ("Dask LocalCluster, 2 workers (--dask local --jobs 2)", ["--dask", "local", "--jobs", "2"])):
        out = work / label.split()[0].strip("-")
        measured = run([str(corpus), "-f", f"csv={out}.csv", "-f", f"json={out}.json", *extra], work)
        measured.update(label=label, sentences=sentences,
                        per_second=round(sentences / measured["seconds"], 1),
                        same_report=None)
        rows.append(measured)
        print(json.dumps(measured), flush=True)
    first = (work / "1.csv").read_bytes(), (work / "1.json").read_bytes()
    for row, name in zip(rows, ("1", "jobs", "Dask")):
        row["same_report"] = ((work / f"{name}.csv").read_bytes(), (work / f"{name}.json").read_bytes()) == first
    return rows


def startup(corpus_small: Path, work: Path) -> list[dict]:
    """Fixed cost: the same three runners on a 10-sentence corpus."""
    rows = []
    for label, extra in (("1 process", ["--jobs", "1"]), ("--jobs 2", ["--jobs", "2"]),
                         ("--dask local --jobs 2", ["--dask", "local", "--jobs", "2"])):
        measured = run([str(corpus_small), "-f", f"csv={work / 'small.csv'}", *extra], work)
        measured["label"] = label
        rows.append(measured)
        print(json.dumps(measured), flush=True)
    return rows


def memory(pairs: list[tuple[str, str]], sizes: list[int], work: Path, flags: list[str],
           partitioned_only: bool = False) -> list[dict]:
    """Peak RSS of a sequential run (whole report, then --partitioned) at each size."""
    rows = []
    modes = (("whole report (CSV)", ["-f", f"csv={work / 'mem.csv'}"]),
             ("--partitioned (Parquet)", ["--partitioned", str(work / "parts")]))
    for size in sizes:
        corpus = work / f"mem-{size}.de-en.tsv"
        write_corpus(corpus, pairs, size)
        for mode, extra in modes[1:] if partitioned_only else modes:
            measured = run([str(corpus), "--jobs", "1", *flags, *extra], work)
            measured.update(segments=size, mode=mode, per_second=round(size / measured["seconds"], 1),
                            file_mb=round(corpus.stat().st_size / 2 ** 20, 1))
            rows.append(measured)
            print(json.dumps(measured), flush=True)
        corpus.unlink()
    return rows


def tmx_memory(pairs: list[tuple[str, str]], languages: list[str], sizes: list[int], work: Path,
               flags: list[str]) -> list[dict]:
    """Peak RSS of a sequential --partitioned run of a TMX (read a part at a time) at each size."""
    rows = []
    for size in sizes:
        corpus = work / f"mem-{size}.tmx"
        write_tmx(corpus, pairs, languages, size)
        measured = run([str(corpus), "--jobs", "1", *flags, "--partitioned", str(work / "tmx-parts")], work)
        measured.update(segments=size, mode="--partitioned TMX (Parquet)", per_second=round(size / measured["seconds"], 1),
                        file_mb=round(corpus.stat().st_size / 2 ** 20, 1))
        rows.append(measured)
        print(json.dumps(measured), flush=True)
        corpus.unlink()
    return rows


def scheduler_overhead(tasks: int = 2000) -> dict:
    """Dask's cost per task: a two-worker LocalCluster running ``tasks`` tasks that do nothing."""
    from distributed import Client, LocalCluster

    started = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        up = time.perf_counter() - started
        client.gather(client.map(abs, range(100)))  # warm up
        began = time.perf_counter()
        client.gather(client.map(abs, range(tasks), pure=False))
        seconds = time.perf_counter() - began
    return {"cluster_start_s": round(up, 1), "tasks": tasks, "ms_per_task": round(1000 * seconds / tasks, 2),
            "load": load()}


def stage_split(pairs: list[tuple[str, str]], sentences: int = 1000) -> dict:
    """Seconds per stage over ``sentences`` real pairs in this process, from the results' own metrics."""
    from collections import Counter

    from tqcheck.core.config import load_settings
    from tqcheck.readers.inputs import load_documents
    from tqcheck.engine.runners import SequentialRunner, plan

    with tempfile.TemporaryDirectory(prefix="tqcheck-stages-") as tmp:
        corpus = Path(tmp) / "stages.de-en.tsv"
        write_corpus(corpus, pairs, sentences)
        settings = load_settings(discover=False)
        documents = load_documents([str(corpus)], settings=settings)
        started = time.perf_counter()
        seconds: Counter = Counter()
        sizes = []
        with SequentialRunner() as runner:
            for result in runner.results(plan(documents), settings, lambda n: None):
                seconds.update({k[len("seconds."):]: v for k, v in result.metrics if k.startswith("seconds.")})
                sizes.append(len(pickle.dumps(result)) / len(result.document.segments))
        total = time.perf_counter() - started
    return {"sentences": sentences, "total_s": round(total, 1), "result_bytes_per_segment": round(sum(sizes) / len(sizes)),
            "stages": {k: round(v, 1) for k, v in seconds.most_common()}, "load": load()}


def render(results: dict) -> str:
    """docs/benchmarks-scale.md."""
    t, s, m = results["throughput"], results["startup"], results["memory"]
    lines = [
        "# Corpus scale: runners, throughput, memory",
        "",
        f"Generated by `{results['command']}` on {results['when']} ({results['machine']}).",
        *([f"Code measured: commit {results['commit']}.", ""] if results.get("commit") else [""]),
        "The corpus is built in a temporary folder from the shared data, read by path: the sources and English",
        "MT outputs of MLQE-PE dev (five language pairs into English) and of the four MQM zh-en segment files",
        f"({results['pairs']:,} real sentence pairs), written as one bilingual TSV. Every figure is one",
        "`python -m tqcheck check` command in its own process: model loading and worker start-up are included.",
        "",
        *([f"**How the runs were made.** {results['note']}", ""] if results.get("note") else []),
        "**Load.** The machine has 2 cores shared with other agents; the load average before and after each run",
        "is in the tables. Throughput ratios are only meaningful for runs made on the idle machine.",
    ]
    for size in dict.fromkeys(row["sentences"] for row in t):
        rows = [row for row in t if row["sentences"] == size]
        lines += [
            "",
            f"## Throughput on {size:,} real sentences (default checks: rules, Harper grammar, fluency, "
            "source checks)",
            "",
            "| runner | wall s | CPU s (all processes) | sentences/s | speed-up | same CSV+JSON bytes as 1 process | "
            "load before → after |",
            "|---|---:|---:|---:|---:|---|---|",
        ]
        base = rows[0]["seconds"]
        for row in rows:
            same = {True: "yes", False: "NO", None: "not compared"}[row.get("same_report")]
            lines.append(f"| {row['label']} | {row['seconds']} | {row.get('cpu_s', 'n/a')} | {row['per_second']} | "
                         f"{base / row['seconds']:.2f}x | {same} | {row['load_before']} → {row['load_after']} |")
    lines += [
        "",
        "Commands of each throughput table (in the temporary folder; `--no-progress` too):",
        "",
        "```",
        "python -m tqcheck check corpus.de-en.tsv -q --exit-zero --no-cache -f csv=1.csv -f json=1.json --jobs 1",
        "python -m tqcheck check corpus.de-en.tsv -q --exit-zero --no-cache -f csv=jobs.csv -f json=jobs.json --jobs 2",
        "python -m tqcheck check corpus.de-en.tsv -q --exit-zero --no-cache -f csv=Dask.csv -f json=Dask.json "
        "--dask local --jobs 2",
        "```",
        "",
        "### Fixed cost (10 sentences)",
        "",
        "| runner | wall s | peak MB (largest process) |",
        "|---|---:|---:|",
    ]
    for row in s:
        lines.append(f"| {row['label']} | {row['seconds']} | {row['peak_mb']} |")
    lines += [
        "",
        f"## Peak memory ({' '.join(results['memory_flags'])}, one process)",
        "",
        "Peak resident memory of the whole command (`ru_maxrss`). The whole-report mode keeps every segment,",
        "finding and score until the ranked report is written; `--partitioned` writes each part's table as",
        "soon as it is checked and keeps only counts and the 20 worst sentences.",
        "",
        "| segments | mode | input MB | wall s | segments/s | peak MB |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for row in m:
        lines.append(f"| {row['segments']:,} | {row['mode']} | {row.get('file_mb', '')} | {row['seconds']} | "
                     f"{row['per_second']} | {row['peak_mb']} |")
    ratios = {}
    for mode in {row["mode"] for row in m}:
        by_size = {row["segments"]: row["peak_mb"] for row in m if row["mode"] == mode}
        if by_size:
            small, large = min(by_size), max(by_size)
            ratios[mode] = (small, large, by_size[large] / by_size[small])
    lines.append("")
    for mode, (small, large, ratio) in sorted(ratios.items()):
        lines.append(f"- {mode}: peak at {large:,} is {ratio:.2f}x the peak at {small:,} "
                     f"({'within' if ratio <= 1.3 else 'over'} the 1.3x target).")
    lines += ["", results["estimate"], ""]
    if results.get("overhead"):
        lines += [f"The scheduler overhead and the split per stage were measured after the runs above, when the "
                  f"document was written by `{COMMAND} --render LOG...` from the runs' printed "
                  "records.", ""]
    return "\n".join(lines)


def estimate(results: dict) -> str:
    """Ten million segments on N workers, on paper from the measured rates."""
    from tqcheck.core.document import PART_SEGMENTS

    t, s = results["throughput"], results["startup"]
    one = t[0]["per_second"]
    fixed = s[0]["seconds"] if s else "(not measured)"
    dask_fixed = s[2]["seconds"] if len(s) > 2 else "(not measured)"
    per_worker = one  # one worker process is one sequential pipeline
    split = results.get("stages")
    if split:
        parts = ", ".join(f"{name} {value} s" for name, value in split["stages"].items())
        other = round(split["total_s"] - sum(split["stages"].values()), 1)
        where = (f"Where the time goes, from the results' own metrics on {split['sentences']:,} of the pairs in one "
                 f"process ({split['total_s']} s in all; load {split['load']}): {parts} (a stage's first use, "
                 f"which loads its data, included); loading the models, reading and merging {other} s. A result sent back from a worker is about "
                 f"{split['result_bytes_per_segment']:,} bytes per segment pickled, so about "
                 f"{split['result_bytes_per_segment']:,} KB per 1,000-segment part.")
    else:
        where = "Where the time goes: see docs/benchmarks.md for the split per stage."
    overhead = results.get("overhead") or {}
    measured = (f"measured here at {overhead['ms_per_task']} ms per task over {overhead['tasks']:,} empty tasks on a "
                f"two-worker LocalCluster (started in {overhead['cluster_start_s']} s; load {overhead['load']}; "
                f"`{COMMAND} --scheduler-overhead`)" if overhead else "not measured here")
    lines = [
        "## 10 million segments on a cluster (on paper)",
        "",
        f"From the figures above: one worker process checks about {per_worker} sentences/s with the default",
        f"checks (one process; the load during the run is in the table), after about {fixed} s of start-up",
        "(imports and model loading, paid once per worker). A Dask run adds a LocalCluster/scheduler start-up",
        f"({dask_fixed} s for the 10-sentence run, cluster included) and a per-part scheduling cost: a part of a",
        f"long file is {PART_SEGMENTS:,} segments, so 10M segments are {10_000_000 // PART_SEGMENTS:,} tasks; the "
        f"scheduler's cost per task is {measured}.",
        "Each task runs for seconds, so the scheduler is far from the critical path.",
        "",
        "| workers (one core each) | compute hours | wall time (ideal split) |",
        "|---:|---:|---:|",
    ]
    total = 10_000_000 / per_worker
    for workers in (1, 8, 32, 128):
        wall = total / workers + (fixed if isinstance(fixed, float) else 0)
        lines.append(f"| {workers} | {total / 3600:.1f} | {wall / 3600:.2f} h |")
    lines += [
        "",
        where,
        "Reading the corpus, the rule and source checks and writing the part tables together run at the",
        "rate of the rules-only memory runs above. Memory per worker is one pipeline (models) plus one part in",
        "flight; with `--partitioned`",
        "the client keeps only counts and the 20 worst sentences, so 10M segments need no more client memory",
        "than 100k. The whole-report mode (one ranked CSV/JSON) would have to hold every segment on the client",
        "and is not the way to check 10M segments.",
    ]
    return "\n".join(lines)


def results_from_logs(logs: list[str], reports: str | None) -> dict:
    """The results dictionary rebuilt from the one-line JSON records runs print (in order)."""
    results: dict = {"throughput": [], "startup": [], "memory": [], "memory_flags": [], "pairs": 0}
    compared: dict[tuple, bool] = {}
    for log in logs:
        text = Path(log).read_text(encoding="utf-8")
        if "\n{\n" in text:  # a finished run printed its results, with the byte comparison of the reports
            final = json.loads(text[text.index("\n{\n") + 1:text.rindex("\n}") + 2])
            compared.update({(row["label"], row["sentences"]): row["same_report"]
                             for row in final.get("throughput", [])})
        for line in text.splitlines():
            if line.endswith("real sentence pairs"):
                results["pairs"] = int(line.split()[0])
            if line.startswith("commit ") and "unknown" not in line:
                results.setdefault("commits", []).append(line.split(" ", 1)[1])
            if not line.startswith('{"seconds"'):
                continue
            record = json.loads(line)
            kind = "throughput" if "sentences" in record else "memory" if "segments" in record else "startup"
            if kind == "throughput" and (record.get("label"), record.get("sentences")) in compared:
                record["same_report"] = compared[(record["label"], record["sentences"])]
            results[kind].append(record)
    if reports:
        folder = Path(reports)
        first = (folder / "1.csv").read_bytes(), (folder / "1.json").read_bytes()
        for row, name in zip(results["throughput"], ("1", "jobs", "Dask")):
            row["same_report"] = ((folder / f"{name}.csv").read_bytes(), (folder / f"{name}.json").read_bytes()) == first
    results["memory_flags"] = "--grammar none --no-fluency".split()
    results["commit"] = ", ".join(dict.fromkeys(results.pop("commits", [])))
    results["command"] = f"{COMMAND} --render LOG... (the runs' records; the runs are listed below)"
    results["when"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", default="20000",
                        help="Throughput corpus sizes, comma-separated (one table each)")
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--tmx-sizes", default="",
                        help="Also the peak memory of --partitioned runs of a TMX at these sizes (read in parts)")
    parser.add_argument("--partitioned-only", action="store_true",
                        help="Memory runs: only --partitioned (not the whole-report mode)")
    parser.add_argument("--memory-flags", default="--grammar none --no-fluency",
                        help="Flags of the memory runs (default: rules and source checks only, to keep them short)")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--scheduler-overhead", action="store_true",
                        help="Only measure Dask's cost per task and print it")
    parser.add_argument("--render", metavar="LOG", nargs="+",
                        help="Write the document from the per-run lines printed by earlier runs (their logs; e.g. a "
                             "throughput run and a --skip-throughput memory run), adding the scheduler overhead "
                             "measured now")
    parser.add_argument("--note", default="", help="With --render: a paragraph on how the runs were made")
    parser.add_argument("--reports", metavar="DIR",
                        help="With --render: the throughput run's folder, to compare its reports byte for byte")
    args = parser.parse_args()
    if args.scheduler_overhead:
        print(json.dumps(scheduler_overhead()))
        return
    if args.render:
        results = results_from_logs(args.render, args.reports)
        results["overhead"] = scheduler_overhead()
        results["stages"] = stage_split(real_pairs())
        results["estimate"] = estimate(results)
        results["note"] = args.note
        OUT.write_text(render(results), encoding="utf-8")
        print(f"wrote {OUT}")
        return
    languages: list[str] = []
    pairs = real_pairs(languages)
    print(f"{len(pairs)} real sentence pairs", flush=True)
    print(f"commit {commit()}", flush=True)
    results: dict = {"command": COMMAND + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else ""), "commit": commit(),
                     "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                     "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                     "pairs": len(pairs), "memory_flags": args.memory_flags.split()}
    with tempfile.TemporaryDirectory(prefix="tqcheck-scale-") as tmp:
        work = Path(tmp)
        small = work / "small.de-en.tsv"
        write_corpus(small, pairs, 10)
        results["throughput"] = []
        for sentences in ([] if args.skip_throughput else [int(x) for x in args.sentences.split(",")]):
            corpus = work / "corpus.de-en.tsv"
            write_corpus(corpus, pairs, sentences)
            results["throughput"] += throughput(corpus, sentences, work)
        results["startup"] = [] if args.skip_throughput else startup(small, work)
        results["memory"] = [] if args.skip_memory else memory(pairs, [int(x) for x in args.sizes.split(",")], work,
                                                               args.memory_flags.split(), args.partitioned_only)
        if args.tmx_sizes:
            results["memory"] += tmx_memory(pairs, languages, [int(x) for x in args.tmx_sizes.split(",")], work,
                                            args.memory_flags.split())
    results["estimate"] = estimate(results) if results["throughput"] else ""
    print(json.dumps(results, indent=1))
    if not args.no_write and results["throughput"]:
        OUT.write_text(render(results), encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
