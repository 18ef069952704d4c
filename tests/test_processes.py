"""Runs end cleanly (issue 23, item 4): worker processes end with their parent, --jobs is bounded by the
cores and the memory, a slow grammar segment has a time budget, Dask failures are named for what they are,
and --stdin-name never reads a file from disk.

The process tests start ``python -m tqcheck`` in a subprocess of its own session and stop everything they
started (bounded waits, SIGKILL of the group at the end), so a regression fails instead of leaving workers
behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--no-fluency", "--grammar", "none", "--no-config"]


def _environment(tmp_path: Path) -> dict[str, str]:
    environment = {**os.environ, "TQCHECK_CACHE_DIR": str(tmp_path / "cache"),
                   "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    environment.pop("TQCHECK_DEBUG", None)
    return environment


def _children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process ``pid`` has used so far (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_end_when_the_parent_is_killed(tmp_path: Path):
    text = "".join(f"Sentence number {i} of the long test file is here, and it is fine.\n\n" for i in range(20_000))
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")  # 1.4 MB: the workers start before it is read
    parent = subprocess.Popen([sys.executable, "-m", "tqcheck", "check", "long.txt", *FAST, "--jobs", "2",
                               "-f", "json=out.json", "-q", "--exit-zero"], cwd=tmp_path, env=_environment(tmp_path),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and parent.poll() is None:
            workers = [pid for pid in _children(parent.pid)
                       if "multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
                       and "spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")]
            if len(workers) >= 2:
                break
            time.sleep(0.1)
        assert parent.poll() is None, "the run ended before its workers were seen"
        assert len(workers) >= 2, workers
        time.sleep(1.5)  # the workers are at work (loading, checking)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.2)
        assert not [pid for pid in workers if _alive(pid)], "workers outlived their parent by 20 s"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(timeout=10)
        for pid in workers:  # never leave one behind, even when the test fails
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def test_jobs_are_bounded_by_the_cores(monkeypatch):
    from tqcheck.engine import runners

    monkeypatch.setattr(runners, "available_cores", lambda: 2)
    monkeypatch.setattr(runners, "available_memory_mb", lambda: 24_000.0)
    count, notice = runners.bounded_jobs(40)
    assert count == 2
    assert notice == "--jobs 40: using 2 worker processes (2 cores available)"
    assert runners.bounded_jobs(2) == (2, None)
    runner = runners.make_runner(40, segments=10, tasks=100)
    assert isinstance(runner, runners.ProcessRunner) and runner.jobs == 2
    assert runner.notices == [notice]


def test_jobs_are_bounded_by_the_memory(monkeypatch):
    from tqcheck.engine import runners

    monkeypatch.setattr(runners, "available_cores", lambda: 16)
    monkeypatch.setattr(runners, "available_memory_mb", lambda: 700.0)
    count, notice = runners.bounded_jobs(8)
    assert count == 2
    assert "memory" in notice and "300 MB per worker" in notice
    monkeypatch.setattr(runners, "available_memory_mb", lambda: 200.0)
    runner = runners.make_runner(8, segments=10, tasks=100)
    assert isinstance(runner, runners.SequentialRunner)
    assert "checking in this process" in runner.notices[0]


def test_jobs_40_on_a_small_machine_starts_no_more_workers_than_cores(tmp_path: Path, monkeypatch):
    text = "".join(f"Sentence number {i} is here, and it is fine.\n\n" for i in range(3000))
    (tmp_path / "many.txt").write_text(text, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "tqcheck", "check", "many.txt", *FAST, "--jobs", "40",
                          "-f", "json=out.json", "--exit-zero", "-q"], cwd=tmp_path, env=_environment(tmp_path),
                         capture_output=True, timeout=300)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    from tqcheck.engine.runners import available_cores

    notices = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["notices"]
    cores = available_cores()
    if cores < 40:
        assert any(n.startswith("--jobs 40: ") for n in notices), notices


# -- Harper's time budget per segment ------------------------------------------------------------------

def test_harper_segment_over_its_budget_is_reported_without_grammar_findings(monkeypatch):
    pytest.importorskip("harper")
    from tqcheck.checks.grammar import harper_backend
    from tqcheck.readers.inputs import document_from_text

    monkeypatch.setattr(harper_backend, "SEGMENT_BUDGET_SECONDS", 0.3)
    monkeypatch.setattr(harper_backend, "BUDGET_PER_CHAR", 0.0)
    # one unbroken bracket-heavy stretch of 10 pieces of 2,000 characters (under the readers' MAX_SENTENCE_CHARS,
    # over which a sentence is already cut into segments)
    heavy = ("( " * 10_000)[:19_998]
    text = f"This sentence has teh typo.\n\n{heavy}\n\nAnother sentence with teh typo.\n"
    engine = harper_backend.HarperEngine()
    engine._linter  # built before the clock starts
    started = time.perf_counter()
    issues = engine.issues(document_from_text(text, "heavy.txt"))
    seconds = time.perf_counter() - started
    by_segment = {issue.segment.index for issue in issues}
    assert 0 in by_segment and 2 in by_segment  # the other segments keep their findings
    assert 1 not in by_segment
    [notice] = [n for n in engine.notices if "budget" in n]
    assert notice.startswith("Harper: heavy.txt:3: segment 2 (19,997 characters) took more than its 0.3 s")
    assert "without grammar findings" in notice
    assert seconds < 8, seconds  # stopped after a piece or two, not all ten


def test_long_segments_are_linted_in_short_pieces():
    from tqcheck.checks.grammar.base import make_blocks
    from tqcheck.checks.grammar.harper_backend import BLOCK_CHARS, SEGMENT_CHARS
    from tqcheck.readers.inputs import document_from_text

    long = " ".join(["word"] * 3900)  # 19,499 characters: one segment (under the readers' MAX_SENTENCE_CHARS)
    short = "A short sentence here."
    blocks = make_blocks(document_from_text(f"{short}\n\n{long}\n", "x.txt").segments, BLOCK_CHARS, SEGMENT_CHARS)
    pieces = [p for b in blocks for p in b.pieces if p.segment.index == 1]
    assert max(p.length for p in pieces) <= SEGMENT_CHARS
    assert sum(p.length for p in pieces) == len(long)  # cut at spaces, nothing lost
    assert all(len(b.pieces) == 1 for b in blocks if b.pieces[0].segment.index == 1)  # each piece alone
    # segments of a block or less are not cut: their findings are those of the whole text
    assert make_blocks(document_from_text("x " * 3000, "y.txt").segments, BLOCK_CHARS, SEGMENT_CHARS)[0].pieces[0] \
        .length == len(("x " * 3000).strip())



def test_a_sentence_linted_in_pieces_gets_one_length_finding_of_its_own_length():
    """Harper sees a long segment in pieces of SEGMENT_CHARS and reports each piece as a long sentence (ten findings
    of about 400 words for one sentence of 3,900); the report keeps one, over the segment, with its word count."""
    pytest.importorskip("harper")
    from tqcheck.checks.grammar import harper_backend
    from tqcheck.readers.inputs import document_from_text

    long = " ".join(["word"] * 3900)
    document = document_from_text(f"A short sentence here.\n\n{long}\n\n{' '.join(['short'] * 60)}.\n", "x.txt")
    issues = harper_backend.HarperEngine().issues(document)
    length = [(i.segment.index, i.start, i.end, i.message) for i in issues if i.rule_id == harper_backend.LENGTH_RULE]
    assert (1, 0, len(long), "This sentence is 3900 words long.") in length
    assert [i for i, *_ in length].count(1) == 1
    assert any(i == 2 for i, *_ in length)  # a segment linted whole keeps Harper's own finding


# -- Dask ---------------------------------------------------------------------------------------------------

def test_a_server_that_is_not_dask_is_named_so_without_hanging():
    pytest.importorskip("distributed")
    import socket
    import threading

    from tqcheck.core.errors import BackendError
    from tqcheck.engine.runners import probe_scheduler

    def serve(server: socket.socket, answer: bytes) -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                if answer:
                    connection.sendall(answer)
                else:  # an HTTP server: waits for a request that never comes
                    time.sleep(3)

    for answer, words in ((b"\xff" * 64 + b"HTTP/1.0 200 OK\r\n\r\n", "does not answer like one"),
                          (b"", "said nothing")):
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()
        threading.Thread(target=serve, args=(server, answer), daemon=True).start()
        try:
            import tqcheck.engine.runners as runners

            saved, runners.DASK_PROBE_SECONDS = runners.DASK_PROBE_SECONDS, 1
            started = time.monotonic()
            with pytest.raises(BackendError, match=f"not a Dask scheduler .*{words}"):
                probe_scheduler(f"tcp://127.0.0.1:{server.getsockname()[1]}")
            assert time.monotonic() - started < 10
        finally:
            runners.DASK_PROBE_SECONDS = saved
            server.close()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_the_only_dask_worker_dying_is_named(tmp_path: Path):
    pytest.importorskip("distributed")
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = _environment(tmp_path)
    started: list[subprocess.Popen] = []
    try:
        scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                      "--port", str(port), "--no-dashboard"], env=environment,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        started.append(scheduler)
        address = f"tcp://127.0.0.1:{port}"
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "1",
                                   "--nthreads", "1", "--no-nanny", "--no-dashboard"], env=environment,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        started.append(worker)
        # enough text that the run is still at work when the worker dies, however fast the machine (3,000
        # sentences were done within 8 s on a quiet one)
        text = "".join(f"Sentence number {i} is here, and it are fine for the the test.\n\n" for i in range(30000))
        (tmp_path / "dk.txt").write_text(text, encoding="utf-8")
        time.sleep(5)  # the worker registers
        idle = _cpu_seconds(worker.pid)
        run = subprocess.Popen([sys.executable, "-m", "tqcheck", "check", "dk.txt", "--no-fluency", "--grammar",
                                "harper", "--no-config", "--dask", address, "-f", "json=out.json", "-q"],
                               cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
        started.append(run)
        deadline = time.monotonic() + 90
        while _cpu_seconds(worker.pid) - idle < 3 and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.2)  # until the parts are at work on the worker
        worker.kill()
        _, stderr = run.communicate(timeout=120)
        lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        assert run.returncode == 2, lines
        assert len(lines) == 1 and lines[0].startswith("tqcheck: error: "), lines
        assert "internal error" not in lines[0] and "CancelledError" not in lines[0]
        assert "the only Dask worker died" in lines[0] or "no worker for" in lines[0], lines[0]
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_killed_worker_is_named_not_an_internal_error(tmp_path: Path):
    text = "".join(f"Sentence number {i} of the long test file is here, and it is fine.\n\n" for i in range(20_000))
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    run = subprocess.Popen([sys.executable, "-m", "tqcheck", "check", "long.txt", *FAST, "--jobs", "2",
                            "-f", "json=out.json", "-q", "--exit-zero"], cwd=tmp_path, env=_environment(tmp_path),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and run.poll() is None and len(workers) < 2:
            workers = [pid for pid in _children(run.pid)
                       if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
                       and b"tracker_fd" in Path(f"/proc/{pid}/cmdline").read_bytes()]
            time.sleep(0.1)
        assert len(workers) >= 2, workers
        time.sleep(2)
        os.kill(workers[0], signal.SIGKILL)  # as the OOM killer would
        _, stderr = run.communicate(timeout=120)
        lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        if run.returncode == 0:
            pytest.skip("the run ended before the worker was killed")
        assert run.returncode == 2, lines
        assert len(lines) == 1 and lines[0].startswith("tqcheck: error: a worker process of --jobs 2 died"), lines
        assert not (tmp_path / "out.json").exists()
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(timeout=10)
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
