"""Hostile-input benchmark (issue 15): every case of the fuzz suite and the slow ones, counted.

Each input runs ``python -m tqcheck`` from this tree in a subprocess under an address-space limit
(RLIMIT_AS) and a time limit, with an empty result cache, and is judged on:

- traceback: a Python traceback, an "internal error" line, a crash by signal, or exit 1 where an
  input or usage error (exit 2) was due;
- hang: the time limit ran out;
- lost or half-written output: the previous report changed although the run failed, a report that
  should exist is missing or not valid JSON, or a temporary file was left behind;
- wrong message: an error that is not one line naming the file or place.

The slow cases are the 0.5, 1, 2 and 5 MB repetitive line (time and peak memory per size, which
shows the linear time), a corpus of 50,000 sentences checked with ``-q --progress``, a 20 MB XML
attribute, and seeded mutations of a valid file of every input format. The table goes to
docs/reliability.md with the command that produced it::

    python bench/fuzz.py                 # everything (about 15 minutes on 2 cores)
    python bench/fuzz.py --quick         # smaller sizes and fewer mutations, writes nothing
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import pickle
import random
import resource
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from test_fuzz import (BOMB, ESCAPE_RULE, FULL_DISK, SLOW_RULE, SLOW_WRITE, TREE_SCRIPT, XLIFF2,  # noqa: E402
                       _Endless, _gone)

MB = 1024 * 1024
FAST = ["--no-fluency", "--grammar", "none", "--no-config"]
REPORT = "reports/previous.json"
OUT = ["-f", f"json={REPORT}"]
PREVIOUS = '{"previous": "report"}\n'
GOOD = "The committee approved the plan on Monday.\n\nIt will take effect next year.\n"
MAIN = "\nimport sys\nfrom tqcheck.cli.main import main\nmain()\n"
DOC = ROOT / "docs" / "reliability.md"


@dataclass
class Case:
    """One hostile input: how to build it, the command, and what a correct run does."""

    group: str
    name: str
    args: list[str]
    expect: str = "error"  # "error": exit 2, one line naming `place`; "ok": exit 0 or 1, report written
    place: str = ""
    build: Callable[[Path], None] | None = None
    prelude: str | None = None
    stdin: bytes | Path | None = None
    stdout: Path | None = None
    close_stdout: bool = False
    timeout: float = 60
    memory_mb: int = 700
    env: dict[str, str] = field(default_factory=dict)
    check: Callable[["Result", Path], str] | None = None  # extra check: returns a problem or ""


@dataclass
class Result:
    """What one case did."""

    case: Case
    returncode: int | None
    stderr: str
    stdout: str
    seconds: float
    peak_mb: float
    cpu: float = 0.0
    traceback: bool = False
    hang: bool = False
    lost: bool = False
    wrong: bool = False
    why: str = ""


# -- running ----------------------------------------------------------------------------------------

def run_case(case: Case, folder: Path) -> Result:
    """Build and run ``case`` in ``folder`` (a fresh folder with good.txt and a previous report)."""
    (folder / "reports").mkdir(parents=True, exist_ok=True)
    (folder / REPORT).write_text(PREVIOUS, encoding="utf-8")
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    if case.build is not None:
        case.build(folder)
    limit = case.memory_mb * MB

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        if case.close_stdout:
            os.close(1)

    command = [sys.executable, "-m", "tqcheck", *case.args] if case.prelude is None else \
        [sys.executable, "-c", textwrap.dedent(case.prelude) + MAIN, *case.args]
    env = {**os.environ, "TQCHECK_CACHE_DIR": str(folder.parent / f"{folder.name}-cache"), **case.env,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}  # every case runs cold
    env.pop("TQCHECK_LANGUAGETOOL_URL", None)
    env.pop("TQCHECK_DEBUG", None)
    stdin = open(case.stdin, "rb") if isinstance(case.stdin, Path) else subprocess.PIPE
    stdout = open(case.stdout, "wb") if case.stdout is not None else subprocess.PIPE
    out_file = tempfile.TemporaryFile()
    err_file = tempfile.TemporaryFile()
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=folder, env=env, stdin=stdin,
                               stdout=stdout if case.stdout is not None else out_file, stderr=err_file,
                               preexec_fn=limits)
    if isinstance(case.stdin, bytes):
        try:
            process.stdin.write(case.stdin)
            process.stdin.close()
        except BrokenPipeError:
            pass
    elif stdin is subprocess.PIPE:
        process.stdin.close()
    hang = False
    status, usage = _wait(process, case.timeout)
    if status is None:
        hang = True
        process.kill()
        status, usage = _wait(process, 30)
    seconds = time.monotonic() - started
    for handle in (stdin, stdout):
        if hasattr(handle, "close"):
            handle.close()
    err_file.seek(0)
    out_file.seek(0)
    stderr = err_file.read().decode("utf-8", "replace")
    output = out_file.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status) if status is not None else None
    peak = usage.ru_maxrss / 1024 if usage is not None else 0.0
    cpu = usage.ru_utime + usage.ru_stime if usage is not None else 0.0
    return judge(Result(case, code, stderr, output, seconds, peak, cpu, hang=hang), folder)


def _wait(process: subprocess.Popen, timeout: float):
    """(wait status, rusage) of ``process``, or (None, None) when it is still running after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return status, usage
        if time.monotonic() > deadline:
            return None, None
        time.sleep(0.02)


def judge(result: Result, folder: Path) -> Result:
    """Fill in traceback / hang / lost / wrong for a finished case."""
    case = result.case
    if case.expect == "either":  # a mutated file: exit 0/1 with a report, or exit 2 naming the file
        case = result.case = Case(**{**case.__dict__, "expect": "error" if result.returncode == 2 else "ok"})
    problems: list[str] = []
    if result.hang:
        problems.append(f"no answer within {case.timeout:g} s")
    crashed = "Traceback" in result.stderr or "internal error" in result.stderr or (
        result.returncode is not None and result.returncode < 0 and not result.hang)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if case.expect == "error":
        if result.returncode == 1:
            crashed = True
        elif not result.hang and result.returncode != 2:
            result.wrong = True
            problems.append(f"exit {result.returncode}, expected 2")
        if not result.hang and not crashed and (len(lines) != 1 or not lines[0].startswith("tqcheck: error: ")
                                                or case.place not in lines[0]):
            result.wrong = True
            problems.append(f"message not one line naming {case.place!r}: {result.stderr[:200]!r}")
        if (folder / REPORT).read_text(encoding="utf-8") != PREVIOUS:
            result.lost = True
            problems.append("the previous report was replaced by a failed run")
    elif case.expect == "ok" and not result.hang:
        if result.returncode not in (0, 1):
            if "error:" in result.stderr or result.returncode == 2:
                result.wrong = True
            problems.append(f"exit {result.returncode}: {result.stderr[-300:]!r}")
        report = folder / "reports" / "fresh.json"
        if "json=reports/fresh.json" in " ".join(case.args) and result.returncode in (0, 1):
            try:
                json.loads(report.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                result.lost = True
                problems.append("report missing or not valid JSON")
    leftovers = [p for p in folder.rglob("*") if p.name.endswith((".tmp", ".partial")) and not p.is_fifo()]
    if leftovers:
        result.lost = True
        problems.append(f"temporary files left: {[p.name for p in leftovers]}")
    if case.check is not None and not result.hang:
        extra = case.check(result, folder)
        if extra:
            result.wrong = True
            problems.append(extra)
    result.traceback = crashed
    if crashed:
        problems.append(f"crash: {result.stderr[-300:]!r}")
    result.why = "; ".join(problems)
    return result


# -- the cases --------------------------------------------------------------------------------------

def write(name: str, text: str | bytes) -> Callable[[Path], None]:
    """A build step writing one file."""
    def build(folder: Path) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return build


def steps(*builds: Callable[[Path], None]) -> Callable[[Path], None]:
    """Several build steps in order."""
    def build(folder: Path) -> None:
        for step in builds:
            step(folder)
    return build


def fifo(name: str) -> Callable[[Path], None]:
    return lambda folder: os.mkfifo(folder / name)


def folder_at(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).mkdir(parents=True)


def no_raw_controls(result: Result, _folder: Path) -> str:
    raw = [c for c in ("\x1b", "\x07", "\u202e") if c in result.stdout or c in result.stderr]
    return f"raw control characters in the output: {raw!r}" if raw else ""


def repetitive(size_mb: float) -> str:
    sentence = "the ministry said that the plan would work, "
    size = int(size_mb * MB)
    return (sentence * (size // len(sentence) + 1))[:size] + "\n"


def named_cases(quick: bool) -> list[Case]:
    """The reproduced items of issue 15 and the classes they stand for."""
    cases: list[Case] = []
    add = cases.append
    never = "Runs that never end or exhaust memory"
    crash = "Tracebacks and exit codes"
    data = "Wrong or lost data"
    safety = "Terminal and process safety"
    fresh = ["-f", "json=reports/fresh.json", "--exit-zero"]

    # 1 -- built-in rules on one long repetitive line: see timing_cases
    # 2 -- slow user rules
    slow_text = "\n\n".join(f"Sentence {i} has {'a' * 22}!" for i in range(1000))
    add(Case(never, "user rule (a|aa)+b over 1,000 sentences", ["check", "slow.txt", *FAST, "--rules", "mine",
             "--no-builtin-rules", *fresh], "ok", build=steps(write("mine/Slow.yml", SLOW_RULE),
                                                               write("slow.txt", slow_text)), timeout=60))
    many = steps(write("mine/Slow.yml", SLOW_RULE), *(write(f"docs/part{i}.txt", slow_text[:20000]) for i in range(10)))
    add(Case(never, "user rule (a|aa)+b over 10 files", ["check", "docs", *FAST, "--rules", "mine",
             "--no-builtin-rules", *fresh], "ok", build=many, timeout=60))
    for pattern in ("(a+)+$", "(x+x+)+y", "(.*a){12}", "(\\w+\\s?)+$"):
        text = "\n\n".join(f"Line {i}: {'a' * 30 + 'x' * 20} {'word ' * 10}!" for i in range(300))
        rule = f"extends: pattern\nmessage: m\npattern: '{pattern}'\n"
        add(Case(never, f"user rule {pattern} over 300 sentences", ["check", "t.txt", *FAST, "--rules", "mine",
                 "--no-builtin-rules", *fresh], "ok", build=steps(write("mine/R.yml", rule), write("t.txt", text))))
    # 3 -- bounded reads
    add(Case(never, "endless standard input (/dev/zero)", ["check", "-", *FAST, *OUT], place="<stdin>",
             stdin=Path("/dev/zero")))
    add(Case(never, "endless standard input of text", ["check", "-", *FAST, *OUT], place="<stdin>",
             stdin=b"All work and no play. " * (3 * MB)))
    add(Case(never, "input over max_input_mb", ["check", "big.txt", *FAST, "--config", "c.toml", *OUT],
             place="big.txt", build=steps(write("c.toml", "max_input_mb = 0.01\n"), write("big.txt", "Fine. " * 5000))))
    add(Case(never, "JSONL record over max_input_mb", ["check", "big.jsonl", *FAST, "--config", "c.toml", *OUT],
             place="big.jsonl", build=steps(write("c.toml", "max_input_mb = 0.01\n"),
                                            write("big.jsonl", json.dumps({"target": "x " * 20000}) + "\n"))))
    for option, name, size in (("--config", "huge.toml", 2), ("--rules", "Huge.yml", 9), ("--glossary", "huge.csv", 9),
                               ("--accept", "huge.txt", 9), ("--baseline", "huge.json", 0)):
        if option == "--baseline":
            continue  # 128 MB: covered in-process by tests/test_fuzz.py
        grammar = ["--grammar", "harper"] if option == "--accept" else ["--grammar", "none"]
        add(Case(never, f"{option} file of {size} MB", ["check", "good.txt", "--no-fluency", "--no-config", *grammar,
                 option, name, *OUT], place=name, build=write(name, b"# " + b"x" * (size * MB) + b"\n")))
    for option in ("--config", "--rules", "--glossary", "--accept", "--baseline"):
        grammar = ["--grammar", "harper"] if option == "--accept" else ["--grammar", "none"]
        add(Case(never, f"{option} /dev/zero", ["check", "good.txt", "--no-fluency", "--no-config", *grammar, option,
                 "/dev/zero", *OUT], place="/dev/zero", timeout=20))
    add(Case(never, "input /dev/zero", ["check", "/dev/zero", *FAST, *OUT], place="/dev/zero", timeout=20))
    add(Case(never, "input /dev/urandom", ["check", "/dev/urandom", *FAST, *OUT], place="/dev/urandom", timeout=20))
    # 4 -- YAML alias bombs and nesting
    for option, name in (("--rules", "Bomb.yml"), ("--glossary", "bomb.yml")):
        add(Case(never, f"alias bomb as {option}", ["check", "good.txt", *FAST, option, name, *OUT],
                 place=f"{name}:", build=write(name, BOMB)))
    add(Case(never, "YAML nested 50,000 deep (flow)", ["check", "good.txt", *FAST, "--rules", "Deep.yml", *OUT],
             place="Deep.yml", build=write("Deep.yml", "extends: existence\nmessage: m\ntokens: " + "[" * 50000
                                           + "]" * 50000 + "\n")))
    add(Case(never, "YAML nested 2,000 deep (block)", ["check", "good.txt", *FAST, "--rules", "Deep.yml", *OUT],
             place="Deep.yml", build=write("Deep.yml", "extends: existence\nmessage: m\ntokens:\n" + "".join(
                 " " * i + "- \n" for i in range(0, 4000, 2)))))
    # 5 -- FIFOs
    for option in ("--baseline", "--config", "--rules", "--glossary", "--accept", None):
        grammar = ["--grammar", "harper"] if option == "--accept" else ["--grammar", "none"]
        args = ["check", "good.txt", "--no-fluency", "--no-config", *grammar, option, "pipe.yml"] if option else \
            ["check", "pipe.yml", *FAST]
        add(Case(never, f"FIFO as {option or 'input'}", [*args, *OUT], place="pipe.yml", build=fifo("pipe.yml"),
                 timeout=20))
    # 6 -- a long quiet run: see corpus_cases
    # 7 -- outputs that are folders
    for fmt in ("json", "csv", "html", "sarif", "junit"):
        add(Case(crash, f"-f {fmt}=<folder>", ["check", "good.txt", *FAST, *OUT, "-f", f"{fmt}=out/d.{fmt}"],
                 place=f"out/d.{fmt}", build=folder_at(f"out/d.{fmt}")))
    add(Case(crash, "baseline = <folder> in the config", ["baseline", "create", "good.txt", "--no-fluency", "--grammar",
             "none", "--config", "c.toml"], place="base.json",
             build=steps(folder_at("base.json"), write("c.toml", 'baseline = "base.json"\n'))))
    # 8 -- full disk
    add(Case(crash, "full disk writing a report", ["check", "good.txt", *FAST, *OUT], place=REPORT,
             prelude=FULL_DISK.format(fail_from=1)))
    add(Case(crash, "full disk writing a baseline", ["baseline", "create", "good.txt", *FAST, "-o", "reports/b.json"],
             place="reports/b.json", prelude=FULL_DISK.format(fail_from=1)))
    for fmt in ("json=-", "terminal", "github", "line", "csv=-"):
        add(Case(crash, f"full disk on stdout (-f {fmt})", ["check", "good.txt", *FAST, "-f", fmt, "--exit-zero"],
                 place="<stdout>", stdout=Path("/dev/full")))
    # 9 -- deep nesting
    add(Case(crash, "baseline of 200,000 nested [", ["check", "good.txt", *FAST, "--baseline", "deep.json", *OUT],
             place="deep.json", build=write("deep.json", "[" * 200000)))
    add(Case(crash, "baseline of 200,000 nested {\"a\":", ["check", "good.txt", *FAST, "--baseline", "deep.json",
             *OUT], place="deep.json", build=write("deep.json", '{"a":' * 200000)))
    add(Case(crash, "config nested 100,000 deep", ["check", "good.txt", *FAST, "--config", "deep.toml", *OUT],
             place="deep.toml", build=write("deep.toml", "a = " + "[" * 100000 + "]" * 100000 + "\n")))
    add(Case(crash, "JSONL record nested 100,000 deep", ["check", "deep.jsonl", *FAST, *OUT], place="deep.jsonl",
             build=write("deep.jsonl", "[" * 100000 + "]" * 100000 + "\n")))
    add(Case(crash, "baseline entry with a text line number", ["check", "good.txt", *FAST, "--baseline", "b.json",
             *OUT], place="b.json", build=write("b.json", json.dumps({"tool": "tqcheck", "version": 1, "findings": [
                 {"file": "good.txt", "fingerprint": "x", "rule_id": "a.B", "line": "three"}]}))))
    # 10 -- malicious pickle
    add(Case(crash, "--lm folder with a malicious pickle", ["check", "good.txt", "--grammar", "none", "--no-config",
             "--lm", "evil", *OUT], place="language model", build=evil_model, memory_mb=8000, timeout=240,
             check=lambda r, f: "the pickle payload ran" if (f / "PAYLOAD-RAN").exists() else ""))
    # 11 -- several reports, one fails
    add(Case(crash, "second of two reports fails (full disk)", ["check", "good.txt", *FAST, *OUT, "-f",
             "csv=reports/previous.csv"], place="reports/previous.csv", prelude=FULL_DISK.format(fail_from=2),
             build=write("reports/previous.csv", "previous,csv\n"),
             check=lambda r, f: "" if (f / "reports/previous.csv").read_text() == "previous,csv\n" else "CSV replaced"))
    # 12 -- unwritable outputs found before the work
    stop_work = ("import tqcheck.engine.runners\n"
                 "tqcheck.engine.runners.run_documents = lambda *a, **k: (_ for _ in ()).throw(SystemExit('work started'))\n")
    for target in ("good.txt/r.json", "good.txt/a/b/r.json"):
        add(Case(crash, f"report under a file ({target})", ["check", "good.txt", *FAST, *OUT, "-f", f"json={target}"],
                 place=target, prelude=stop_work))
    # 13 -- closed stdout
    for fmt in ("json=-", "terminal", "github", "line", "sarif=-"):
        add(Case(crash, f"closed stdout (-f {fmt})", ["check", "good.txt", *FAST, "-f", fmt, "--exit-zero"],
                 place="<stdout>", close_stdout=True))
    # 14 -- quotes in tables
    tables = {
        "open.tsv": 'id\tsource\ttarget\n1\tHallo\t"Hello there\n2\tWelt\tWorld\n',
        "swallow.tsv": 'id\tsource\ttarget\n1\tHallo\t"Hello\n2\tWelt\tWorld\n3\tGut\tGood" day\n',
        "open.csv": 'id,source,target\n1,Hallo,"Hello there\n2,Welt,World\n',
        "stray.csv": 'id,source,target\n1,Hallo,"Hello" there\n',
        "short.tsv": "id\tsource\ttarget\n1\tHallo\n",
    }
    for name, text in tables.items():
        add(Case(data, f"table {name}", ["check", name, *FAST, *OUT], place=f"{name}:2:", build=write(name, text)))
    add(Case(data, "glossary CSV with an open quote", ["check", "good.txt", *FAST, "--glossary", "g.csv", *OUT],
             place="g.csv:2:", build=write("g.csv", 'target,forbidden\n"log in,login\nsign in,signin\n')))
    # 15 -- subtitles
    head = "1\n00:00:01,000 --> 00:00:02,000\nHello there.\n\n"
    for label, block, line in (("end before start", "2\n00:00:05,000 --> 00:00:03,000\nBackwards.\n", 6),
                               ("word as counter", "two\n00:00:05,000 --> 00:00:06,000\nA word.\n", 5),
                               ("bad time line", "2\n00:00:05 -> 00:00:06\nArrow.\n", 0)):
        add(Case(data, f"SRT {label}", ["check", "film.srt", *FAST, *OUT], place=f"film.srt:{line}:" if line else
                 "film.srt", build=write("film.srt", head + block)))
    # 16, 17 -- XLIFF
    add(Case(data, "XLIFF 2.0 segments on one line", ["check", "m.xlf", *FAST, *fresh], "ok",
             build=write("m.xlf", XLIFF2.format(encoding="UTF-8")), check=xliff_columns))
    for codec in ("utf-16", "utf-16-le", "utf-16-be"):
        bom = "" if codec == "utf-16" else "\ufeff"
        add(Case(data, f"XLIFF in {codec.upper()} with BOM", ["check", "w.xlf", *FAST, *fresh], "ok",
                 build=write("w.xlf", (bom + XLIFF2.format(encoding="UTF-16")).encode(codec))))
    # 18 -- long messages
    add(Case(data, "XML attribute of 20 MB", ["check", "w.xlf", *FAST, *OUT], place="w.xlf", timeout=120,
             build=write("w.xlf", '<?xml version="1.0"?>\n<xliff version="1.2"><file original="' + "x" * (20 * MB)
                         + '" target-language="en"><body></body></file><bad></xliff>\n'),
             check=lambda r, f: "" if len(r.stderr) < 500 else f"message of {len(r.stderr)} characters"))
    add(Case(data, "file name with a newline and escapes", ["check", "a\nb\x1b[2J.txt", *FAST, *OUT],
             place="no such file", check=no_raw_controls))
    # 19 -- non-finite numbers
    for option in ("--min-fluency", "--max-penalty", "--min-fluency-mean", "--flag-threshold"):
        for value in ("nan", "inf", "-inf"):
            add(Case(data, f"{option} {value}", ["check", "good.txt", *FAST, option, value, *OUT],
                     place=option.strip("-").replace("-", "_")))
    for line in ("min_fluency = nan", "max_penalty = inf", "languagetool_timeout = inf", "max_input_mb = nan",
                 "flag_threshold = -nan", "min_fluency_mean = \"nan\""):
        add(Case(data, f"config {line}", ["check", "good.txt", *FAST, "--config", "c.toml", *OUT], place="c.toml",
                 build=write("c.toml", line + "\n")))
    # 20 -- unknown rule ids
    for option in ("--enable", "--disable"):
        add(Case(data, f"{option} nonexistent.rule", ["check", "good.txt", *FAST, option, "nonexistent.rule", *OUT],
                 place="nonexistent.rule"))
    # 21 -- control characters
    escapes = steps(write("mine/Escape.yml", ESCAPE_RULE),
                    write("t\x1b]0;T\x07.txt", "The talks \x1b]0;PWNED\x07ended \x1b[2Jwithout a deal.\n\u202eOdd.\n"))
    for fmt in ("terminal", "github", "line"):
        add(Case(safety, f"terminal escapes in text and file name (-f {fmt})", ["check", "t\x1b]0;T\x07.txt", *FAST,
                 "--rules", "mine", "-f", fmt, "--exit-zero"], "ok", build=escapes, check=no_raw_controls))
    # 22 -- signals while a temporary report exists
    for sig, status in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
        add(Case(safety, f"{signal.Signals(sig).name} while writing the report", ["check", "good.txt", *FAST, *OUT],
                 "signal", prelude=SLOW_WRITE, env={"FUZZ_SIGNAL": str(int(sig)), "FUZZ_STATUS": str(status)}))
    # 23 -- a local LanguageTool's process tree
    add(Case(safety, "SIGTERM with a local LanguageTool and its child process", [], "tree", timeout=60))
    return cases


def evil_model(folder: Path) -> None:
    """A model folder whose weight file is a pickle that would run a command when unpickled."""
    model = folder / "evil"
    model.mkdir()
    (model / "config.json").write_text(json.dumps(
        {"model_type": "gpt2", "vocab_size": 10, "n_embd": 8, "n_layer": 1, "n_head": 1, "n_positions": 32}))
    (model / "vocab.json").write_text(json.dumps({c: i for i, c in enumerate("abcdefgh<")}))
    (model / "merges.txt").write_text("#version: 0.2\n")
    payload = _Payload(str(folder / "PAYLOAD-RAN"))
    (model / "pytorch_model.bin").write_bytes(pickle.dumps(payload))


class _Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def xliff_columns(result: Result, folder: Path) -> str:
    segments = json.loads((folder / "reports" / "fresh.json").read_text(encoding="utf-8"))["segments"]
    third = XLIFF2.format(encoding="UTF-8").splitlines()[2]
    wanted = [(3, third.index("This is good.") + 1), (3, third.index("This is the house.") + 1)]
    found = [(s["line"], s["column"]) for s in segments]
    return "" if found == wanted else f"segment places {found}, expected {wanted}"


# -- LanguageTool cases (a server in this process) ---------------------------------------------------

def languagetool_cases() -> list[tuple[Case, Callable[[], None]]]:
    """An endless and a trickling answer; each case comes with the server it needs (started, then stopped)."""
    result = []
    for trickle in (False, True):
        handler = type("Handler", (_Endless,), {"trickle": trickle})
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        what = "trickles" if trickle else "never ends"
        case = Case("Runs that never end or exhaust memory", f"LanguageTool answer that {what}",
                    ["check", "good.txt", "--no-fluency", "--grammar", "languagetool", "--languagetool-url", url,
                     "--config", "lt.toml", *OUT],
                    place="LanguageTool", build=write("lt.toml", "languagetool_timeout = 3\n"), timeout=60)

        def stop(server=server) -> None:
            server.shutdown()
            server.server_close()
        result.append((case, stop))
    return result


# -- mutations of valid files ------------------------------------------------------------------------

SAMPLES = {
    "a.txt": GOOD,
    "a.md": "# Title\n\nThe plan was approved on Monday.\n\n```\ncode\n```\n\n- A list item here.\n",
    "a.xlf": ('<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" '
              'xmlns="urn:oasis:names:tc:xliff:document:1.2">\n<file original="a" source-language="de" '
              'target-language="en" datatype="plaintext"><body>\n<trans-unit id="1"><source>Das ist gut.</source>'
              '<target>This is good.</target></trans-unit>\n<trans-unit id="2"><source>Hallo <g id="1">Welt</g>'
              '</source><target>Hello <g id="1">world</g>.</target></trans-unit>\n</body></file>\n</xliff>\n'),
    "b.xlf": XLIFF2.format(encoding="UTF-8"),
    "a.po": ('msgid ""\nmsgstr ""\n"Language: en\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
             '#: a.c:1\nmsgid "Das ist gut."\nmsgstr "This is good."\n\nmsgid "Hallo Welt"\nmsgstr "Hello world"\n'),
    "a.tmx": ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="de" datatype="plaintext" '
              'segtype="sentence" adminlang="en" o-tmf="x" creationtool="x" creationtoolversion="1"/><body>\n'
              '<tu tuid="1"><tuv xml:lang="de"><seg>Das ist gut.</seg></tuv><tuv xml:lang="en"><seg>This is good.'
              '</seg></tuv></tu>\n</body></tmx>\n'),
    "a.srt": "1\n00:00:01,000 --> 00:00:02,000\nHello there.\n\n2\n00:00:03,000 --> 00:00:04,500\n<i>Good</i> day.\n",
    "a.tsv": "id\tsource\ttarget\n1\tDas ist gut.\tThis is good.\n2\tHallo Welt\tHello world.\n",
    "a.csv": 'id,source,target\n1,Das ist gut.,This is good.\n2,"Hallo, Welt","Hello, world."\n',
    "a.jsonl": '{"id": "1", "source": "Das ist gut.", "target": "This is good."}\n'
               '{"id": "2", "source": "Hallo", "target": "Hello there."}\n',
}

NASTY = ["\x00", "\x1b[2J", "\"", "<", "&", "]]>", "\ufeff", "\ud800", "\u202e", "\r", "\n\n\n", "-->", "\t",
         "&#0;", "&#xD800;", "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>", "%s%n", "{", "[", "'", "\\", "é", "\u0301"]


def mutate(raw: bytes, rng: random.Random) -> bytes:
    """One random mutation: truncate, flip bytes, insert a nasty string, repeat a slice, or re-encode."""
    kind = rng.randrange(6)
    if kind == 0 and raw:
        return raw[:rng.randrange(len(raw))]
    if kind == 1 and raw:
        data = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if kind == 2:
        at = rng.randrange(len(raw) + 1)
        nasty = rng.choice(NASTY).encode("utf-8", "surrogatepass")
        return raw[:at] + nasty * rng.choice((1, 1, 3, 1000)) + raw[at:]
    if kind == 3 and raw:
        start = rng.randrange(len(raw))
        end = min(len(raw), start + rng.randint(1, 200))
        return raw[:end] + raw[start:end] * rng.choice((2, 10, 5000)) + raw[end:]
    if kind == 4:
        codec = rng.choice(("utf-16", "utf-16-le", "latin-1", "utf-32", "cp1252"))
        try:
            return raw.decode("utf-8").encode(codec)
        except UnicodeError:
            return raw
    return codecs.BOM_UTF8 + raw.replace(b"\n", b"\r\n" if rng.random() < 0.5 else b"\r")


def mutation_cases(per_format: int, seed: int = 15) -> list[Case]:
    """``per_format`` seeded mutations of a valid file of every input format."""
    rng = random.Random(seed)
    cases = []
    for name, text in SAMPLES.items():
        for number in range(per_format):
            raw = mutate(mutate(text.encode("utf-8"), rng), rng) if number % 3 == 2 else mutate(text.encode("utf-8"), rng)
            cases.append(Case("Mutated valid files (seeded)", f"{name} #{number}", ["check", name, *FAST, *OUT, "-f",
                              "json=reports/fresh.json", "--exit-zero"], "either", place=name,
                              build=write(name, raw), timeout=60))
    return cases


# -- slow cases: sizes and timing ----------------------------------------------------------------------

def timing_cases(sizes: list[float]) -> list[Case]:
    """A tiny file (the start-up time), then one repetitive line of each size."""
    startup = Case("Runs that never end or exhaust memory", "repetitive line of 0 MB (start-up)",
                   ["check", "good.txt", *FAST, "-f", "json=reports/fresh.json", "--exit-zero"], "ok")
    return [startup] + [Case("Runs that never end or exhaust memory", f"repetitive line of {size:g} MB",
                 ["check", "loop.txt", *FAST, "--config", "c.toml", "-f", "json=reports/fresh.json", "--exit-zero"],
                 "ok", build=steps(write("loop.txt", repetitive(size)), write("c.toml", "max_input_mb = 16\n")),
                 timeout=60 + 60 * size, memory_mb=6000) for size in sizes]


def corpus_case(sentences: int) -> Case:
    text = "\n\n".join(f"Sentence number {i} says that the plan {['works', 'failed', 'is late'][i % 3]}."
                       for i in range(sentences))

    def progress(result: Result, _folder: Path) -> str:
        lines = [line for line in result.stderr.splitlines() if line.startswith("tqcheck: checking")]
        return "" if len(lines) >= 2 and lines[-1].endswith("- done") else f"no progress lines: {result.stderr[-200:]!r}"
    return Case("Runs that never end or exhaust memory", f"{sentences:,} sentences, -q --progress",
                ["check", "many.txt", *FAST, "-q", "--progress", "-f", "json=reports/fresh.json", "--exit-zero"],
                "ok", build=write("many.txt", text), timeout=900, memory_mb=4000, check=progress,
                env={"TQCHECK_PROGRESS_SECONDS": "10"})


# -- the signal cases need a driver ----------------------------------------------------------------------

def run_signal_case(case: Case, folder: Path) -> Result:
    """Start the run, wait until its temporary report exists, send the signal, judge the exit."""
    (folder / "reports").mkdir(parents=True, exist_ok=True)
    (folder / REPORT).write_text(PREVIOUS, encoding="utf-8")
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    env = {**os.environ, "TQCHECK_CACHE_DIR": str(folder.parent / f"{folder.name}-cache"),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    limit = case.memory_mb * MB
    started = time.monotonic()
    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # as from a terminal (a background job starts with it ignored)

    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(case.prelude) + MAIN, *case.args], cwd=folder,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limits)
    hang = False
    try:
        deadline = time.monotonic() + case.timeout
        while not (folder / "writing").exists() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        child.send_signal(int(case.env["FUZZ_SIGNAL"]))
        _, stderr = child.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        hang = True
        child.kill()
        _, stderr = child.communicate()
    result = Result(case, child.returncode, stderr.decode("utf-8", "replace"), "", time.monotonic() - started, 0.0,
                    hang=hang)
    expected = int(case.env["FUZZ_STATUS"])
    problems = []
    if result.returncode != expected:
        result.wrong = True
        problems.append(f"exit {result.returncode}, expected {expected}")
    if "Traceback" in result.stderr:
        result.traceback = True
        problems.append("traceback")
    if (folder / REPORT).read_text(encoding="utf-8") != PREVIOUS or \
            [p for p in folder.rglob("*") if p.name.endswith(".tmp")]:
        result.lost = True
        problems.append("report replaced or temporary file left")
    result.why = "; ".join(problems)
    return result


def run_tree_case(case: Case, folder: Path) -> Result:
    """A local LanguageTool (stand-in) whose own child process sleeps; SIGTERM to tqcheck must end both."""
    helper = folder / "helper.pid"
    script = folder / "run.py"
    script.write_text(textwrap.dedent(TREE_SCRIPT.format(root=str(ROOT), helper=str(helper), python=sys.executable,
                                                         ltserver=str(ROOT / "tests" / "ltserver.py"))))
    env = {k: v for k, v in os.environ.items() if k != "TQCHECK_LANGUAGETOOL_URL"}
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    problems, server, helper_pid = [], None, None
    try:
        line = child.stdout.readline().strip()
        server = int(line)
        deadline = time.monotonic() + 10
        while not (helper.exists() and helper.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        helper_pid = int(helper.read_text())
        time.sleep(0.5)
        child.send_signal(signal.SIGTERM)
        _, stderr = child.communicate(timeout=30)
    except (ValueError, OSError, subprocess.TimeoutExpired) as exc:
        child.kill()
        _, stderr = child.communicate()
        problems.append(f"driver failed: {exc}")
    result = Result(case, child.returncode, stderr.decode("utf-8", "replace"), "", time.monotonic() - started, 0.0)
    if child.returncode != 143:
        result.wrong = True
        problems.append(f"exit {child.returncode}, expected 143")
    if "Traceback" in result.stderr:
        result.traceback = True
    for pid, what in ((server, "server"), (helper_pid, "server's child")):
        if pid is not None and not _gone(pid):
            result.lost = True
            problems.append(f"the {what} survived")
    if server is not None:
        try:
            os.killpg(server, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    result.why = "; ".join(problems)
    return result


# -- the report ----------------------------------------------------------------------------------------

def run_all(cases: list[Case], servers: list[Callable[[], None]], verbose: bool) -> list[Result]:
    results = []
    for number, case in enumerate(cases, start=1):
        folder = Path(tempfile.mkdtemp(prefix="tqcheck-fuzz-"))
        try:
            if case.expect == "signal":
                result = run_signal_case(case, folder)
            elif case.expect == "tree":
                result = run_tree_case(case, folder)
            else:
                result = run_case(case, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            shutil.rmtree(folder.parent / f"{folder.name}-cache", ignore_errors=True)
        results.append(result)
        bad = result.traceback or result.hang or result.lost or result.wrong
        if verbose or bad:
            print(f"[{number}/{len(cases)}] {'FAIL' if bad else 'ok  '} {case.group}: {case.name!r} "
                  f"exit {result.returncode} {result.seconds:.1f}s {result.peak_mb:.0f}MB {result.why}", flush=True)
    for stop in servers:
        stop()
    return results


def render(results: list[Result], command: str, timings: list[Result], corpus: list[Result]) -> str:
    groups: dict[str, list[Result]] = {}
    for result in results:
        groups.setdefault(result.case.group, []).append(result)
    rows = ["| inputs | tried | tracebacks | hangs | lost or half-written outputs | wrong status or message |",
            "|---|---:|---:|---:|---:|---:|"]
    total = [0, 0, 0, 0, 0]
    for group, items in groups.items():
        counts = [len(items), sum(r.traceback for r in items), sum(r.hang for r in items),
                  sum(r.lost for r in items), sum(r.wrong for r in items)]
        total = [a + b for a, b in zip(total, counts)]
        rows.append(f"| {group} | " + " | ".join(str(c) for c in counts) + " |")
    rows.append("| **all** | " + " | ".join(f"**{c}**" for c in total) + " |")
    lines = [
        "# Reliability under hostile input",
        "",
        "Generated by `bench/fuzz.py` (do not edit by hand). Every input below ran `python -m tqcheck` in a",
        "subprocess under an address-space limit (RLIMIT_AS, 700 MB unless a case needs a model) and a time",
        "limit, with an empty result cache. A **traceback** is a Python traceback, an \"internal error\" line, a crash by signal, or exit 1",
        "where an input error was due; a **hang** is a run that outlived its time limit; a **lost or",
        "half-written output** is a previous report replaced by a failed run, a report missing or not valid",
        "JSON after a successful one, or a temporary file left behind; a **wrong message** is an error that is",
        "not exit 2 with one line naming the file or place. The fast cases of the same items run in CI as",
        "`tests/test_fuzz.py`.",
        "",
        "Command:",
        "",
        "```",
        command,
        "```",
        "",
        *rows,
        "",
    ]
    if timings:
        lines += ["## One repetitive line (item 1: linear time)", "",
                  "One line of the same clause repeated (what a looping MT system emits), checked with the",
                  "built-in rules (`--no-fluency --grammar none`); before the fix 0.5 MB took 11 s and 1 MB 46 s.", "",
                  "| size | wall seconds | CPU seconds | CPU seconds after start-up | per MB | peak memory |",
                  "|---:|---:|---:|---:|---:|---:|"]
        base = timings[0].cpu
        lines.append(f"| start-up (a 2-sentence file) | {timings[0].seconds:.1f} | {base:.1f} | | | "
                     f"{timings[0].peak_mb:.0f} MB |")
        for result in timings[1:]:
            size = float(result.case.name.split(" of ")[1].split()[0])
            lines.append(f"| {size:g} MB | {result.seconds:.1f} | {result.cpu:.1f} | {result.cpu - base:.1f} | "
                         f"{(result.cpu - base) / size:.1f} | {result.peak_mb:.0f} MB |")
        per_mb = [(r.cpu - base) / float(r.case.name.split(" of ")[1].split()[0]) for r in timings[1:]]
        grown = max(per_mb) / min(per_mb) if min(per_mb) > 0 else float("nan")
        sizes = [float(r.case.name.split(" of ")[1].split()[0]) for r in timings[1:]]
        lines.append("")
        lines.append("CPU seconds (user + system, from `wait4`) are shown beside wall time because the machine is "
                     f"shared. From {sizes[0]:g} to {sizes[-1]:g} MB the CPU seconds per MB vary by a factor of "
                     f"{grown:.1f}, where quadratic time would multiply them by {sizes[-1] / sizes[0]:g}: the time "
                     "grows linearly with the length (allocating for the larger line adds a little).")
        lines.append("")
    if corpus:
        lines += ["## A long quiet run (item 6)", ""]
        for result in corpus:
            progress = [line for line in result.stderr.splitlines() if line.startswith("tqcheck: checking")]
            lines.append(f"{result.case.name}: {result.seconds:.0f} s, peak memory {result.peak_mb:.0f} MB, "
                         f"{len(progress)} progress lines on a non-terminal stderr (first: `{progress[0] if progress else ''}`).")
        lines += ["", "Memory that does not grow with the corpus is the scale work (`docs/scale.md`: partitioned runs); "
                  "this run keeps the whole report in memory.", ""]
    lines += processes_section()
    lines += limits_section()
    failures = [r for r in results if r.traceback or r.hang or r.lost or r.wrong]
    lines += ["## Failures", ""]
    lines += [f"- {r.case.group}: {r.case.name!r}: {r.why}" for r in failures] or ["None."]
    lines.append("")
    return "\n".join(lines)


def limits_section() -> list[str]:
    """The limits and guarantees these cases check, with the values in force (read from tqcheck)."""
    from tqcheck.core import limits
    from tqcheck.checks.rules import check as rule_check
    from tqcheck.checks.rules.base import REGEX_TIMEOUT
    from tqcheck.checks.rules.yamlfile import MAX_YAML_DEPTH, MAX_YAML_VALUES

    size = limits.size_text
    return [
        "## Limits and guarantees", "",
        "| what | limit | when exceeded |", "|---|---|---|",
        f"| a checked file, standard input, one JSONL record | `max_input_mb` (default {limits.DEFAULT_MAX_INPUT_MB:g} MB, "
        "configurable) | exit 2 naming the file (and line) |",
        f"| a config file | {size(limits.MAX_CONFIG_BYTES)} | exit 2 naming the file |",
        f"| a rule, glossary or word-list file | {size(limits.MAX_RULE_FILE_BYTES)} | exit 2 naming the file |",
        f"| a baseline | {size(limits.MAX_BASELINE_BYTES)} | exit 2 naming the file |",
        f"| a LanguageTool answer | {size(limits.MAX_ANSWER_BYTES)}, complete within `languagetool_timeout` | "
        "one-line error naming the server |",
        "| any file read | a regular file (no FIFO, device or socket) | exit 2 naming it, without blocking |",
        f"| YAML (rules, glossaries) | {MAX_YAML_VALUES:,} values after alias expansion, {MAX_YAML_DEPTH} levels of "
        "nesting | exit 2 naming path:line |",
        "| JSON and TOML nesting | Python's recursion limit | exit 2 naming the file |",
        f"| one regular-expression search of a rule | {REGEX_TIMEOUT:g} s | the rule stops for the run, with a notice |",
        f"| one rule's time in a document | {rule_check.BUDGET_BASE_DOCUMENT:g} s + "
        f"{rule_check.BUDGET_PER_CHARACTER * 1e6:g} µs per character | the rule stops for the document, with a notice |",
        f"| one rule's time in a run | {rule_check.BUDGET_BASE_RUN:g} s + "
        f"{rule_check.BUDGET_PER_CHARACTER * 1e6:g} µs per character checked | the rule stops for the run, with a notice |",
        "| numbers (options and config) | finite (`nan`, `inf` refused) | exit 2 naming the key |",
        f"| an error message | one line, at most {limits.MAX_MESSAGE_CHARS} characters, control characters "
        "escaped | the middle elided |",
        "",
        "Reports are rendered first, then every file report is written to a temporary file beside its target "
        "and all of them are renamed only when all were written: a full disk, a folder in the way or a signal "
        "leaves every previous report as it was and no temporary file. Output locations are checked before the "
        "work starts. A failed write to standard output (closed, full, broken pipe) is exit 2. SIGTERM is "
        "handled like Ctrl-C (exit 143, clean-up runs); a local LanguageTool runs in its own process group and "
        "is killed as a group — what SIGKILL can and cannot guarantee is in [grammar.md](grammar.md). Text "
        "under check is shown with control characters escaped (`\\x1b`) in the terminal view, the line format, "
        "GitHub annotations and tqcheck's own messages.",
        "",
    ]


def processes_section() -> list[str]:
    """Issue 23, items 4 and 5: processes that end with their parent, bounded workers, Harper's budget, Dask
    failures named, and the user-caused errors that were internal errors (the values in force, read from tqcheck;
    the figures were measured by hand with the commands shown)."""
    from tqcheck.checks.grammar import harper_backend as harper
    from tqcheck.core.limits import size_text
    from tqcheck.engine import runners
    from tqcheck.scoring import detector

    return [
        "## Processes that end with their parent (issue 23, item 4)", "",
        "| what | bound | when exceeded | test |", "|---|---|---|---|",
        "| a worker of `--jobs N` whose parent dies (SIGKILL, the OOM killer) | it exits: Linux's parent-death "
        f"signal, and a thread that looks at the parent's pid every {runners.PARENT_POLL_SECONDS:g} s | — | "
        "`tests/test_processes.py::test_workers_end_when_the_parent_is_killed` (kill -9 of a `--jobs 2` parent: no "
        "worker alive 20 s later; before, they lived on) |",
        f"| `--jobs N` (and `--dask local`) | the available cores, and the available memory at about "
        f"{runners.WORKER_MB} MB a worker | fewer workers (or this process), with a notice in the report: `--jobs 40: "
        "using 2 worker processes (2 cores available)` | `test_jobs_are_bounded_by_the_cores`, `..._by_the_memory`, "
        "`test_jobs_40_on_a_small_machine_starts_no_more_workers_than_cores` |",
        f"| Harper on one segment | pieces of {harper.SEGMENT_CHARS:,} characters for a segment longer than a block "
        f"({harper.BLOCK_CHARS:,}); {harper.SEGMENT_BUDGET_SECONDS:g} s + {harper.BUDGET_PER_CHAR * 1e6:g} µs per "
        "character of CPU time | the segment is reported without grammar findings; a notice names file, line and "
        "segment | `test_harper_segment_over_its_budget_is_reported_without_grammar_findings` |",
        f"| a `--dask` address | `tcp://HOST:PORT` of a server that greets like a Dask scheduler within "
        f"{runners.DASK_PROBE_SECONDS} s | exit 2: `not a Dask scheduler address`, `not a Dask scheduler` | "
        "`test_a_server_that_is_not_dask_is_named_so_without_hanging` (an HTTP server hung the run for good) |",
        f"| a Dask run whose workers die | the scheduler without a worker for {runners.DASK_NO_WORKER_SECONDS:g} s | "
        "exit 2: `the only Dask worker died` (was `internal error: CancelledError`) | "
        "`test_the_only_dask_worker_dying_is_named` |",
        "| a worker of `--jobs N` killed (the OOM killer, `kill -9`) | — | exit 2: `a worker process of --jobs 2 died "
        "(killed, or out of memory …)` (was `internal error: BrokenProcessPool`) | "
        "`test_a_killed_worker_is_named_not_an_internal_error` |",
        "| `--stdin-name X.jsonl` (`.ndjson`, `.parquet`) | standard input is read | — (./X.jsonl was read "
        "from disk) | `tests/test_user_errors.py::test_stdin_name_*` |",
        "",
        "Harper's time on one unbroken bracket-heavy segment (CPU seconds of the run, user; the machine was shared):",
        "",
        "| segment | before | after |", "|---|---:|---:|",
        "| 100 KB of `( ( ( …` | 14.4 s | 3.2 s |",
        "| 250 KB of `((…))` | 24.2 s | 5.0 s |",
        "",
        "```",
        "python -c \"n=250*1024; print('Fine sentence here.\\n'); print('('*(n//2)+')'*(n//2)); "
        "print('\\nAnother fine sentence, with teh typo.')\" > brk3.txt",
        "/usr/bin/time -f '%e s wall %U s user' python -m tqcheck check brk3.txt --no-fluency --grammar harper "
        "--no-config -f json=o.json --exit-zero -q",
        "```",
        "",
        "## Every user-caused problem is one line with its place, exit 2 (issue 23, item 5)", "",
        "Each of these ended in \"internal error … (a bug: please report it)\" or passed silently before; "
        "`tests/test_user_errors.py` has a case for each.", "",
        "| input | now |", "|---|---|",
        f"| a detector card (`model.json`) | read within {size_text(detector.MAX_CARD_BYTES)}; every number finite "
        "(`flag_threshold: -Infinity` or `NaN` refused), thresholds in [0, 1], sentence-model weights consistent, "
        "`tuned.file` a plain name, `tuned.max_length` 8–512: `PATH/model.json: KEY: message` |",
        f"| detector weights | at most {size_text(detector.MAX_WEIGHTS_BYTES)}; SHA-256 pinned by the card; an "
        "unreadable `heads.npz`, an ONNX file ONNX Runtime cannot load, weights for other features: the file named |",
        "| `tqcheck train` data | not UTF-8 or a lone surrogate: `FILE:LINE`; under 20 sentences or 200 words, or "
        "fewer than one sentence per fold of each label: refused |",
        "| `tqcheck train -o OUT` | a file in the way, a missing or read-only parent: refused before training |",
        "| the training-encodings cache | a truncated, foreign or inconsistent file is ignored, encoded again "
        "and replaced |",
        "| `tqcheck train --cache DIR` | a folder where no file can be written: refused before training; an "
        "encodings file that cannot be written (full disk) is skipped, the training goes on |",
        "| a JSONL lone surrogate (`\\ud800`) | `FILE:LINE: a lone UTF-16 surrogate` |",
        "| a JSON integer of more than 4,300 digits (JSONL input, training data, a baseline, a detector card) | "
        "`FILE:LINE: not valid JSON: an integer of more than 4,300 digits` |",
        "| `--dask` with a garbage address, an unknown scheme, a port over 65535 | a usage error |",
        "| `max_input_mb = 1e308`, `languagetool_timeout = 1e300`, … | each number key has a maximum: "
        "`FILE: KEY: must be at most …` |",
        "| `TQCHECK_PROGRESS_SECONDS=nan` (`abc`, `inf`, `-1`), `TQCHECK_ENCODER_THREADS=abc`, `TQCHECK_LM_THREADS=2.5` "
        "| `$NAME: expected a finite number` (was silently ignored, or an internal error); "
        "`tqcheck.core.limits.env_number` reads such variables |",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer mutations; writes nothing")
    parser.add_argument("--mutations", type=int, default=None, help="mutations per format (default 12; quick 2)")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--only", help="run only the cases whose name contains this (writes nothing)")
    parser.add_argument("--out", default=str(DOC))
    args = parser.parse_args(argv)
    sizes = [0.1, 0.2] if args.quick else [0.5, 1.0, 2.0, 5.0]
    per_format = args.mutations if args.mutations is not None else (2 if args.quick else 12)
    servers = languagetool_cases()
    cases = named_cases(args.quick) + [c for c, _ in servers] + mutation_cases(per_format)
    timing = timing_cases(sizes)
    corpus = [corpus_case(5000 if args.quick else 50_000)]
    if args.only:
        chosen = [c for c in cases + timing + corpus if args.only in c.name]
        bad = [r for r in run_all(chosen, [stop for _, stop in servers], True)
               if r.traceback or r.hang or r.lost or r.wrong]
        return 1 if bad else 0
    started = time.monotonic()
    results = run_all(cases + timing + corpus, [stop for _, stop in servers], args.verbose)
    timings = results[len(cases):len(cases) + len(timing)]
    corpus_results = results[len(cases) + len(timing):]
    command = "python bench/fuzz.py" + (f" --mutations {per_format}" if args.mutations is not None else "")
    text = render(results, command, timings, corpus_results)
    print(text)
    print(f"({time.monotonic() - started:.0f} s)")
    if not args.quick:
        Path(args.out).write_text(text, encoding="utf-8")
    bad = [r for r in results if r.traceback or r.hang or r.lost or r.wrong]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
