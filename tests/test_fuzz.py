"""Hostile input cannot stall, crash or exhaust a run (issue 15): the fast fuzz cases.

Every case runs ``python -m tqcheck`` in a subprocess under an address-space limit (RLIMIT_AS,
so a regression fails instead of exhausting the machine) and a time limit, and checks the exit
status (2 for input and usage errors, never 1 for a crash), one line on stderr naming the file or
place, no traceback, no temporary file left and the previous report intact (the ``work`` fixture
checks the last two after every case). Test names carry the issue's item number. The slow cases
(inputs of several MB, the linear-time curve) are in bench/fuzz.py (removed; git show 3fab348:bench/fuzz.py).
"""

from __future__ import annotations

import http.server
import json
import os
import resource
import signal
import socketserver
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
#: Address space a run may use (a rules-only run needs about 300 MB).
MEMORY_MB = 700
#: Options that skip the slow stages when a case is not about them.
FAST = ["--no-fluency", "--grammar", "none", "--no-config"]
#: The same with the offline grammar stage (word lists are read only when grammar runs).
HARPER = ["--no-fluency", "--grammar", "harper", "--no-config"]
#: The report every case would overwrite, and its content before the case.
REPORT = "reports/previous.json"
OUT = ["-f", f"json={REPORT}"]
PREVIOUS = '{"previous": "report"}\n'
GOOD = "The committee approved the plan on Monday.\n\nIt will take effect next year.\n"
#: Runs the command line after a few lines of set-up code (to simulate a full disk, a signal, ...).
MAIN = "\nimport sys\nfrom tqcheck.cli.main import main\nmain()\n"


@dataclass
class Run:
    """What one tqcheck process did."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float


def tqcheck(args: list[str], cwd: Path, *, stdin: bytes | Path | None = None, timeout: float = 60,
            memory_mb: int = MEMORY_MB, prelude: str | None = None, close_stdout: bool = False,
            stdout: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run ``python -m tqcheck ARGS`` from this tree under a memory and a time limit."""
    limit = memory_mb * MB

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        if close_stdout:
            os.close(1)

    command = [sys.executable, "-m", "tqcheck", *args] if prelude is None else \
        [sys.executable, "-c", textwrap.dedent(prelude) + MAIN, *args]
    environment = {**os.environ, "TQCHECK_CACHE_DIR": str(cwd.parent / f"{cwd.name}-cache"), **(env or {}),
                   "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}  # a cold cache
    environment.pop("TQCHECK_LANGUAGETOOL_URL", None)
    environment.pop("TQCHECK_DEBUG", None)
    stdin_handle = open(stdin, "rb") if isinstance(stdin, Path) else None
    stdout_handle = open(stdout, "wb") if stdout is not None else None
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=cwd, input=stdin if isinstance(stdin, bytes) else None,
                              stdin=stdin_handle if stdin_handle else (None if isinstance(stdin, bytes)
                                                                       else subprocess.DEVNULL),
                              stdout=stdout_handle or subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, preexec_fn=limits, env=environment)
    finally:
        for handle in (stdin_handle, stdout_handle):
            if handle is not None:
                handle.close()
    return Run(done.returncode, (done.stdout or b"").decode("utf-8", "replace"),
               done.stderr.decode("utf-8", "replace"), time.monotonic() - started)


def assert_error(run: Run, *where: str, status: int = 2) -> str:
    """Exit ``status``, one line on stderr starting ``tqcheck: error:`` and naming ``where``; no traceback."""
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    assert "internal error" not in run.stderr, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr[-2000:]
    assert lines[0].startswith("tqcheck: error: "), lines[0]
    for place in where:
        assert place in lines[0], (place, lines[0])
    assert run.returncode == status, (run.returncode, run.stderr)
    return lines[0]


def assert_ran(run: Run) -> None:
    """The check ran: exit 0 or 1 (the gate), no traceback, no error line."""
    assert run.returncode in (0, 1), (run.returncode, run.stderr[-2000:])
    assert "Traceback" not in run.stderr and "error:" not in run.stderr, run.stderr[-2000:]


def leftovers(folder: Path) -> list[Path]:
    """Temporary files a run could leave behind."""
    return [p for p in folder.rglob("*") if p.name.endswith((".tmp", ".partial")) and not p.is_fifo()]


@pytest.fixture
def work(tmp_path: Path):
    """A folder with a good input and a previous report; after the case, the report is intact and no
    temporary file is left."""
    (tmp_path / "reports").mkdir()
    (tmp_path / REPORT).write_text(PREVIOUS, encoding="utf-8")
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    yield tmp_path
    assert (tmp_path / REPORT).read_text(encoding="utf-8") == PREVIOUS
    assert leftovers(tmp_path) == []


def fresh(work: Path) -> Path:
    """The report as written by a successful run (the previous one replaced)."""
    return work / "reports" / "fresh.json"


# -- 1. built-in rules are linear ----------------------------------------------------------------

def _rule_seconds(kb: int) -> float:
    from tqcheck.checks.catalog import load_rules
    from tqcheck.checks.rules import RuleCheck
    from tqcheck.core.config import Settings
    from tqcheck.checks.rules.examples import example_document

    sentence = "the ministry said that the plan would work, "
    text = (sentence * (kb * 1024 // len(sentence) + 1))[:kb * 1024]
    check = RuleCheck(load_rules(Settings()))
    document = example_document(text)
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        check.check(document)
        best = min(best, time.perf_counter() - started)
    return best


def test_item01_repetitive_line_checks_in_linear_time():
    small, large = _rule_seconds(50), _rule_seconds(200)
    assert large < 8 * small + 0.5, (small, large)  # linear: about 4x; the quadratic rule took 16x


def test_item01_repetitive_line_through_the_command_line(work: Path):
    line = "the ministry said that the plan would work, " * 7000  # 300 KB, one sentence
    (work / "loop.txt").write_text(line + "\n", encoding="utf-8")
    run = tqcheck(["check", "loop.txt", *FAST, "-f", "json=reports/fresh.json", "--exit-zero"], work, timeout=90)
    assert_ran(run)
    assert run.seconds < 90


def test_item01_long_line_loads_in_bounded_memory(work: Path):
    (work / "long.txt").write_text("the ministry said that the plan would work, " * 100_000 + "\n", encoding="utf-8")
    run = tqcheck(["check", "long.txt", *FAST, "--no-builtin-rules", "-f", "json=reports/fresh.json", "--exit-zero"],
                  work, memory_mb=450, timeout=90)  # 4.4 MB: a backtracking paragraph regex needed ~600 MB
    assert_ran(run)


# -- 2. every rule has a time budget per document and per run -----------------------------------

SLOW_RULE = "extends: pattern\nmessage: slow %s\npattern: '(a|aa)+b'\n"


def test_item02_slow_user_rule_is_stopped_by_its_budget_with_a_notice(work: Path):
    (work / "mine").mkdir()
    (work / "mine" / "Slow.yml").write_text(SLOW_RULE, encoding="utf-8")
    text = "\n\n".join(f"Sentence {i} has {'a' * 22}!" for i in range(1000))  # ~0.1 s per search
    (work / "slow.txt").write_text(text, encoding="utf-8")
    run = tqcheck(["check", "slow.txt", *FAST, "--rules", "mine", "--no-builtin-rules", "-f",
                   "json=reports/fresh.json", "--exit-zero"], work, timeout=60)
    assert_ran(run)
    assert run.seconds < 30  # unbounded, 1,000 searches of 0.1 s take 100 s
    notices = json.loads(fresh(work).read_text(encoding="utf-8"))["notices"]
    assert any("mine.Slow" in n and "time budget" in n and "slow.txt:" in n for n in notices), notices


def test_item02_budget_per_run_stops_a_rule_across_documents(monkeypatch, tmp_path: Path):
    from tqcheck.checks.rules import RuleCheck, load_paths
    from tqcheck.checks.rules import check as rule_check
    from tqcheck.readers.inputs import document_from_text

    monkeypatch.setattr(rule_check, "BUDGET_BASE_DOCUMENT", 0.3)
    monkeypatch.setattr(rule_check, "BUDGET_BASE_RUN", 0.6)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "Slow.yml").write_text(SLOW_RULE, encoding="utf-8")
    check = RuleCheck(load_paths([tmp_path / "mine"]))
    text = "\n\n".join(f"Sentence {i} has {'a' * 21}!" for i in range(200))
    started = time.perf_counter()
    for number in range(10):
        check.check(document_from_text(text, f"doc{number}.txt"))
    assert time.perf_counter() - started < 6  # unbounded: 10 x 200 searches of 0.05 s = 100 s
    assert any("for one document" in n and "doc0.txt:" in n for n in check.notices), check.notices
    assert any("for this run" in n for n in check.notices), check.notices


# -- 3. every read is bounded --------------------------------------------------------------------

def test_item03_endless_stdin_is_refused_at_the_input_limit(work: Path):
    run = tqcheck(["check", "-", *FAST, *OUT], work, stdin=Path("/dev/zero"), timeout=60)
    assert_error(run, "<stdin>", "larger than 64 MB", "max_input_mb")


def test_item03_input_over_the_configured_limit(work: Path):
    (work / "small.toml").write_text("max_input_mb = 0.01\n", encoding="utf-8")
    (work / "big.txt").write_text("A sentence that is fine. " * 1000, encoding="utf-8")
    run = tqcheck(["check", "big.txt", *FAST, "--config", "small.toml", *OUT], work)
    assert_error(run, "big.txt", "larger than")


@pytest.mark.parametrize("option,name,limit", [
    ("--config", "huge.toml", "1 MB"),
    ("--rules", "Huge.yml", "8 MB"),
    ("--glossary", "huge.csv", "8 MB"),
    ("--accept", "huge.txt", "8 MB"),
])
def test_item03_steering_files_have_small_fixed_limits(work: Path, option: str, name: str, limit: str):
    size = 9 * MB if limit == "8 MB" else 2 * MB
    (work / name).write_bytes(b"# " + b"x" * (size - 3) + b"\n")
    options = HARPER if option == "--accept" else FAST
    run = tqcheck(["check", "good.txt", *options, option, name, *OUT], work)
    assert_error(run, name, f"larger than {limit}")


def test_item03_baseline_over_its_limit(monkeypatch, tmp_path: Path):
    from tqcheck.core import limits
    from tqcheck.policy.baseline import load_baseline
    from tqcheck.core.errors import ConfigError

    monkeypatch.setattr(limits, "MAX_BASELINE_BYTES", 1000)
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"tool": "tqcheck", "version": 1, "findings": [], "pad": "x" * 2000}))
    with pytest.raises(ConfigError, match="larger than 1000 bytes"):
        load_baseline(path)


class _Endless(http.server.BaseHTTPRequestHandler):
    """A LanguageTool look-alike: a proper language list, then an answer that never ends."""

    trickle = False

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        body = json.dumps([{"name": "English (US)", "code": "en", "longCode": "en-US"}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        try:
            self.wfile.write(b'{"matches": [')
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if self.trickle:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.2)
                else:
                    self.wfile.write(b" " * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.mark.parametrize("trickle", [False, True], ids=["flood", "trickle"])
def test_item03_endless_languagetool_answer_is_cut_off(work: Path, trickle: bool):
    handler = type("Handler", (_Endless,), {"trickle": trickle})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        (work / "lt.toml").write_text("languagetool_timeout = 3\n", encoding="utf-8")
        url = f"http://127.0.0.1:{server.server_address[1]}"
        run = tqcheck(["check", "good.txt", "--no-fluency", "--grammar", "languagetool", "--languagetool-url", url,
                       "--config", "lt.toml", *OUT], work, timeout=60)
    finally:
        server.shutdown()
        server.server_close()
    message = assert_error(run, "LanguageTool", url)
    assert ("larger than 32 MB" in message) if not trickle else ("within 3 s" in message)
    assert run.seconds < 30


# -- 4. YAML alias bombs and deep nesting -----------------------------------------------------------

BOMB = """\
extends: existence
message: m
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
tokens: [*h]
"""


@pytest.mark.parametrize("option,name", [("--rules", "Bomb.yml"), ("--glossary", "bomb.yml")])
def test_item04_yaml_alias_bomb_is_refused_with_path_and_line(work: Path, option: str, name: str):
    (work / name).write_text(BOMB, encoding="utf-8")
    run = tqcheck(["check", "good.txt", *FAST, option, name, *OUT], work, timeout=30)
    message = assert_error(run, f"{name}:", "alias")
    assert run.seconds < 20
    assert message.split(f"{name}:")[1].split(":")[0].isdigit()  # path:line


def test_item04_deeply_nested_yaml_is_refused(work: Path):
    (work / "Deep.yml").write_text("extends: existence\nmessage: m\ntokens: " + "[" * 50000 + "]" * 50000 + "\n")
    run = tqcheck(["check", "good.txt", *FAST, "--rules", "Deep.yml", *OUT], work, timeout=30)
    assert_error(run, "Deep.yml")


# -- 5. only regular files are read ------------------------------------------------------------------

@pytest.mark.parametrize("option", ["--baseline", "--config", "--rules", "--glossary", "--accept", None])
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_item05_fifo_or_device_never_blocks(work: Path, option: str | None, kind: str):
    if kind == "fifo":
        os.mkfifo(work / "pipe.json")
        name = "pipe.json"
    else:
        name = "/dev/zero"
    options = HARPER if option == "--accept" else FAST
    args = ["check", "good.txt", *options, option, name] if option else ["check", name, *options]
    run = tqcheck([*args, *OUT], work, timeout=20)
    assert_error(run, name, "regular file")
    assert run.seconds < 15


# -- 6. progress on a non-terminal stderr ----------------------------------------------------------

def test_item06_quiet_long_run_reports_progress_when_asked(work: Path):
    text = "\n\n".join(f"Sentence {i} is short and plain." for i in range(3000))
    (work / "many.txt").write_text(text, encoding="utf-8")
    run = tqcheck(["check", "many.txt", *FAST, "-q", "--progress", "-f", "json=reports/fresh.json", "--exit-zero"],
                  work, env={"TQCHECK_PROGRESS_SECONDS": "0"}, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.startswith("tqcheck: checking")]
    assert lines[0].startswith("tqcheck: checking 0/3,000") and lines[-1].endswith("- done"), run.stderr
    assert len(lines) >= 3


# -- 7, 12. outputs that cannot be written are refused before the work -------------------------------

@pytest.mark.parametrize("fmt", ["json", "csv", "html", "sarif"])
def test_item07_report_path_that_is_a_folder(work: Path, fmt: str):
    (work / "out" / f"isdir.{fmt}").mkdir(parents=True)
    run = tqcheck(["check", "good.txt", *FAST, *OUT, "-f", f"{fmt}=out/isdir.{fmt}"], work)
    assert_error(run, f"out/isdir.{fmt}", "folder")


def test_item07_baseline_path_that_is_a_folder(work: Path):
    (work / "base.json").mkdir()
    run = tqcheck(["baseline", "create", "good.txt", *FAST, "-o", "base.json"], work)
    assert run.returncode == 2 and "Traceback" not in run.stderr  # click's usage error names the option
    assert "Error: Invalid value for '-o' / '--output': File 'base.json' is a directory." in run.stderr
    (work / "tqcheck.toml").write_text('baseline = "base.json"\n', encoding="utf-8")
    run = tqcheck(["baseline", "create", "good.txt", *FAST[:-1], "--config", "tqcheck.toml"], work)
    assert_error(run, "base.json", "folder")


STOP_WORK = """
import tqcheck.engine.runners
def _no_work(*args, **kwargs):
    raise SystemExit("the check started before the outputs were checked")
tqcheck.engine.runners.run_documents = _no_work
"""


@pytest.mark.parametrize("target", ["good.txt/report.json", "good.txt/deeper/report.json"])
def test_item12_unwritable_output_is_found_before_the_work(work: Path, target: str):
    run = tqcheck(["check", "good.txt", *FAST, *OUT, "-f", f"json={target}"], work, prelude=STOP_WORK)
    assert_error(run, target, "not a folder")


# -- 8, 11, 22. full disk, several reports, SIGTERM: all or nothing ----------------------------------

FULL_DISK = """
import errno, os
_real_fsync, _calls = os.fsync, [0]
def _fsync(fd):
    _calls[0] += 1
    if _calls[0] >= {fail_from}:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return _real_fsync(fd)
os.fsync = _fsync
"""


def test_item08_full_disk_writing_a_report(work: Path):
    run = tqcheck(["check", "good.txt", *FAST, *OUT], work, prelude=FULL_DISK.format(fail_from=1))
    assert_error(run, REPORT, "No space left on device")


def test_item08_full_disk_writing_a_baseline(work: Path):
    previous = '{"tool": "tqcheck", "version": 2, "findings": []}\n'  # a baseline: only those are replaced
    (work / "base.json").write_text(previous, encoding="utf-8")
    run = tqcheck(["baseline", "create", "good.txt", *FAST, "-o", "base.json"], work,
                  prelude=FULL_DISK.format(fail_from=1))
    assert_error(run, "base.json", "No space left on device")
    assert (work / "base.json").read_text(encoding="utf-8") == previous


def test_item08_full_disk_on_standard_output(work: Path):
    run = tqcheck(["check", "good.txt", *FAST, "-f", "json=-"], work, stdout=Path("/dev/full"))
    assert_error(run, "<stdout>", "No space left on device")


def test_item11_reports_are_replaced_all_or_none(work: Path):
    (work / "reports" / "previous.csv").write_text("previous,csv\n", encoding="utf-8")
    run = tqcheck(["check", "good.txt", *FAST, *OUT, "-f", "csv=reports/previous.csv"], work,
                  prelude=FULL_DISK.format(fail_from=2))  # the JSON is written, the CSV is not
    assert_error(run, "reports/previous.csv", "No space left on device")
    assert (work / "reports" / "previous.csv").read_text(encoding="utf-8") == "previous,csv\n"


SLOW_WRITE = """
import os, pathlib, time
_real_fsync = os.fsync
def _fsync(fd):
    pathlib.Path("writing").write_text("now")
    for _ in range(300):  # a slow disk; short sleeps, as a signal may reach another thread of the process
        time.sleep(0.1)
    return _real_fsync(fd)
os.fsync = _fsync
"""


@pytest.mark.parametrize("sig,status,word", [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")])
def test_item22_signal_while_a_temporary_report_exists(work: Path, sig: int, status: int, word: str):
    environment = {**os.environ, "TQCHECK_CACHE_DIR": str(work.parent / f"{work.name}-cache"),
                   "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    limit = MEMORY_MB * MB

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # as from a terminal (a background job starts with it ignored)

    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SLOW_WRITE) + MAIN, "check", "good.txt", *FAST,
                              *OUT, "-f", "csv=reports/fresh.csv"], cwd=work, env=environment,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limits)
    try:
        deadline = time.monotonic() + 60
        while not (work / "writing").exists() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        assert (work / "writing").exists(), child.stderr.read() if child.poll() is not None else "no write"
        assert leftovers(work)  # the temporary report exists now
        child.send_signal(sig)
        _, stderr = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == status, stderr
    assert stderr.decode().strip() == f"tqcheck: {word}"
    assert not (work / "reports" / "fresh.csv").exists()


# -- 9. deep nesting -----------------------------------------------------------------------------------

def test_item09_deeply_nested_baseline(work: Path):
    (work / "deep.json").write_text("[" * 200_000, encoding="utf-8")
    run = tqcheck(["check", "good.txt", *FAST, "--baseline", "deep.json", *OUT], work)
    assert_error(run, "deep.json", "nested too deeply")


def test_item09_deeply_nested_config(work: Path):
    (work / "deep.toml").write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    run = tqcheck(["check", "good.txt", *FAST, "--config", "deep.toml", *OUT], work)
    assert_error(run, "deep.toml")


def test_item09_malformed_baseline_entries(work: Path):
    (work / "odd.json").write_text(json.dumps({"tool": "tqcheck", "version": 1, "findings": [
        {"file": "good.txt", "fingerprint": "x", "rule_id": "a.B", "line": "three"}]}), encoding="utf-8")
    run = tqcheck(["check", "good.txt", *FAST, "--baseline", "odd.json", *OUT], work)
    assert_error(run, "odd.json", "finding 1")


# -- 10. a malicious pickle as a language model ----------------------------------------------------------

@pytest.mark.slow
def test_item10_malicious_pickle_in_lm_folder_is_never_run(work: Path):
    import pickle

    pytest.importorskip("transformers")  # the deep tier (--lm) is an optional extra
    pytest.importorskip("torch")

    folder = work / "evil"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(
        {"model_type": "gpt2", "vocab_size": 10, "n_embd": 8, "n_layer": 1, "n_head": 1, "n_positions": 32}))
    (folder / "vocab.json").write_text(json.dumps({c: i for i, c in enumerate("abcdefgh<")}))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    marker = work / "PAYLOAD-RAN"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    (folder / "pytorch_model.bin").write_bytes(pickle.dumps(Payload()))
    run = tqcheck(["check", "good.txt", "--grammar", "none", "--no-config", "--lm", str(folder), *OUT], work,
                  memory_mb=8000, timeout=180)
    assert_error(run, "language model", str(folder))
    assert not marker.exists()


# -- 13. standard output closed -----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json=-", "terminal", "github"])
def test_item13_closed_stdout_is_an_error(work: Path, fmt: str):
    run = tqcheck(["check", "good.txt", *FAST, "-f", fmt], work, close_stdout=True)
    assert_error(run, "<stdout>", "closed")


# -- 14, 15, 16, 17, 18. formats ----------------------------------------------------------------------

@pytest.mark.parametrize("name,text,line", [
    ("open.tsv", 'id\tsource\ttarget\n1\tHallo\t"Hello there\n2\tWelt\tWorld\n', 2),
    ("swallow.tsv", 'id\tsource\ttarget\n1\tHallo\t"Hello\n2\tWelt\tWorld\n3\tGut\tGood" day\n', 2),
    ("open.csv", 'id,source,target\n1,Hallo,"Hello there\n2,Welt,World\n', 2),
    ("stray.csv", 'id,source,target\n1,Hallo,"Hello" there\n', 2),
])
def test_item14_bilingual_table_with_a_bad_quote(work: Path, name: str, text: str, line: int):
    (work / name).write_text(text, encoding="utf-8")
    run = tqcheck(["check", name, *FAST, *OUT], work)
    assert_error(run, f"{name}:{line}:", "malformed row")


def test_item14_glossary_csv_with_a_bad_quote(work: Path):
    (work / "terms.csv").write_text('target,forbidden\n"log in,login\nsign in,signin\n', encoding="utf-8")
    run = tqcheck(["check", "good.txt", *FAST, "--glossary", "terms.csv", *OUT], work)
    assert_error(run, "terms.csv:2:", "malformed row")


@pytest.mark.parametrize("block,line,words", [
    ("2\n00:00:05,000 --> 00:00:03,000\nThis ends before it starts.\n", 6, "ends"),
    ("two\n00:00:05,000 --> 00:00:06,000\nThe counter is a word.\n", 5, "not a number"),
])
def test_item15_bad_subtitle_block_is_an_error_with_its_line(work: Path, block: str, line: int, words: str):
    (work / "film.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHello there.\n\n" + block, encoding="utf-8")
    run = tqcheck(["check", "film.srt", *FAST, *OUT], work)
    assert_error(run, f"film.srt:{line}:", words)


XLIFF2 = ('<?xml version="1.0" encoding="{encoding}"?>\n'
          '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="de" trgLang="en">\n'
          '<file id="f1"><unit id="u1"><segment id="s1"><source>Das ist gut.</source><target>This is good.'
          '</target></segment><segment id="s2"><source>Das ist das Haus.</source><target>This is the house.'
          '</target></segment></unit></file>\n</xliff>\n')


def test_item16_xliff2_segments_on_one_line_have_their_own_columns(work: Path):
    text = XLIFF2.format(encoding="UTF-8")
    (work / "multi.xlf").write_text(text, encoding="utf-8")
    run = tqcheck(["check", "multi.xlf", *FAST, "-f", "json=reports/fresh.json", "--exit-zero"], work)
    assert_ran(run)
    segments = json.loads(fresh(work).read_text(encoding="utf-8"))["segments"]
    third = text.splitlines()[2]
    assert [(s["line"], s["column"]) for s in segments] == [
        (3, third.index("This is good.") + 1), (3, third.index("This is the house.") + 1)]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_item17_utf16_xliff_with_bom_is_read(work: Path, codec: str):
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff"}.get(codec, "")
    (work / "wide.xlf").write_bytes((bom + XLIFF2.format(encoding="UTF-16")).encode(codec))
    run = tqcheck(["check", "wide.xlf", *FAST, "-f", "json=reports/fresh.json", "--exit-zero"], work)
    assert_ran(run)
    assert len(json.loads(fresh(work).read_text(encoding="utf-8"))["segments"]) == 2


def test_item18_huge_attribute_error_is_one_short_line(work: Path):
    text = ('<?xml version="1.0"?>\n<xliff version="1.2"><file original="' + "x" * (20 * MB)
            + '" source-language="de" target-language="en"><body><trans-unit id="1"><source>a</source>'
            '<target>b</target></trans-unit></body></file><broken></xliff>\n')
    (work / "wide.xlf").write_text(text, encoding="utf-8")
    run = tqcheck(["check", "wide.xlf", *FAST, *OUT], work, timeout=120)
    message = assert_error(run, "wide.xlf")
    assert len(message) < 500


def test_item18_any_error_message_is_one_line(work: Path):
    name = "two\nlines\x1b[2J.txt"
    run = tqcheck(["check", name, *FAST, *OUT], work)
    message = assert_error(run, "no such file")
    assert "\x1b" not in message and "\\x1b" in message


# -- 19. non-finite numbers ---------------------------------------------------------------------------

@pytest.mark.parametrize("option", ["--min-fluency", "--max-penalty", "--min-fluency-mean", "--flag-threshold"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
def test_item19_non_finite_option_is_refused(work: Path, option: str, value: str):
    run = tqcheck(["check", "good.txt", *FAST, option, value, *OUT], work)
    assert_error(run, option.strip("-").replace("-", "_"), "finite")


@pytest.mark.parametrize("line", ["min_fluency = nan", "max_penalty = inf", "languagetool_timeout = inf",
                                  "max_input_mb = nan", "flag_threshold = -nan", 'min_fluency_mean = "nan"'])
def test_item19_non_finite_config_value_is_refused(work: Path, line: str):
    (work / "odd.toml").write_text(line + "\n", encoding="utf-8")
    run = tqcheck(["check", "good.txt", *FAST, "--config", "odd.toml", *OUT], work)
    assert_error(run, "odd.toml", line.split()[0], "finite")


# -- 20. unknown rule ids ----------------------------------------------------------------------------

@pytest.mark.parametrize("option", ["--enable", "--disable"])
def test_item20_unknown_rule_id_is_an_error(work: Path, option: str):
    run = tqcheck(["check", "good.txt", *FAST, option, "nonexistent.rule", *OUT], work)
    assert_error(run, "nonexistent.rule")


# -- 21. control characters are shown, never sent to the terminal --------------------------------------

ESCAPE_RULE = "extends: pattern\nmessage: 'odd text %s'\npattern: '\\x1b\\]0;\\w+\\x07'\nlevel: major\n"


@pytest.mark.parametrize("fmt", ["terminal", "github"])
def test_item21_control_characters_are_rendered_visibly(work: Path, fmt: str):
    (work / "mine").mkdir()
    (work / "mine" / "Escape.yml").write_text(ESCAPE_RULE, encoding="utf-8")
    name = "title\x1b]0;NAME\x07.txt"
    (work / name).write_text("The talks \x1b]0;PWNED\x07ended \x1b[2Jwithout a deal.\n\u202eReversed text.\n",
                             encoding="utf-8")
    run = tqcheck(["check", name, *FAST, "--rules", "mine", "-f", fmt, "--exit-zero"], work)
    assert_ran(run)
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in run.stdout and raw not in run.stderr
    assert "\\x1b]0;PWNED\\x07" in run.stdout  # the finding's text, shown
    if fmt == "terminal":
        assert "\\x1b[2J" in run.stdout and "title\\x1b]0;NAME\\x07.txt" in run.stdout


# -- 23. a local LanguageTool's process tree -----------------------------------------------------------

TREE_SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from tqcheck.cli.common import handle_sigterm, user_errors
from tqcheck.core.config import Settings
from tqcheck.checks.grammar import make_grammar_check
from tqcheck.readers.inputs import document_from_text
from tqcheck.engine.pipeline import Pipeline

handle_sigterm()
settings = Settings()
settings.apply({{"grammar": "languagetool", "fluency": False}}, "test")
server = "sleep 300 & echo $! > {helper!r}; exec {python!r} {ltserver!r} -p {{port}} --lifetime 60 --mode timeout --after 1"
check = make_grammar_check(settings, languagetool_command=["/bin/sh", "-c", server])
print(check.engines[-1].server.pid, flush=True)
with user_errors():
    with Pipeline(settings, checks=[check], scorer=None) as pipeline:
        pipeline.run([document_from_text("This is an test. " * 20, "a.txt")])
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[-1].split()[0] != "Z"
    except OSError:
        return False


def _gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups and /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_item23_languagetool_process_tree(tmp_path: Path, sig: int):
    helper = tmp_path / "helper.pid"
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(TREE_SCRIPT.format(root=str(ROOT), helper=str(helper), python=sys.executable,
                                                         ltserver=str(ROOT / "tests" / "ltserver.py"))))
    environment = {k: v for k, v in os.environ.items() if k != "TQCHECK_LANGUAGETOOL_URL"}
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=environment)
    server = helper_pid = None
    try:
        line = child.stdout.readline().strip()
        assert line.isdigit(), child.stderr.read()
        server = int(line)
        deadline = time.monotonic() + 10
        while not (helper.exists() and helper.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        helper_pid = int(helper.read_text())
        assert os.getpgid(server) == server and os.getpgid(helper_pid) == server  # one group of its own
        time.sleep(0.5)  # inside the /v2/check request that the server never answers
        child.send_signal(sig)
        child.wait(timeout=20)
        if sig == signal.SIGTERM:  # handled like Ctrl-C: the whole group is killed
            assert child.returncode == 143, child.stderr.read()
            assert _gone(server) and _gone(helper_pid)
        else:  # no clean-up runs: the server dies of its parent-death signal; its own children need the group kill
            if __import__("shutil").which("setpriv"):
                assert _gone(server)
            if _alive(helper_pid):
                assert os.getpgid(helper_pid) == server  # `kill -KILL -- -PGID` (docs/grammar.md) reaches it
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for pid in (server, helper_pid):
            if pid is not None:
                try:
                    os.killpg(server, signal.SIGKILL)
                except (ProcessLookupError, PermissionError, TypeError):
                    pass


# -- the last line of defence ------------------------------------------------------------------------

def test_unexpected_exception_is_still_one_line_and_exit_2(work: Path):
    prelude = "import tqcheck.engine.runners\ntqcheck.engine.runners.run_documents = lambda *a, **k: 1 / 0\n"
    run = tqcheck(["check", "good.txt", *FAST, *OUT], work, prelude=prelude)
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2 and len(lines) == 1 and "internal error: ZeroDivisionError" in lines[0]
    assert "Traceback" not in run.stderr
