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
