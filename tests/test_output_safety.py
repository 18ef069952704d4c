"""Outputs never destroy what tqcheck did not write (issue 23, item 1).

A report path that is an input is refused (exit 2, input untouched); FIFOs, character devices, sockets and
standard output by name are written into, never replaced, and a FIFO nobody reads is an error, not a hang;
``--partitioned`` refuses a folder holding anything it did not write (or an input), writes through a symlinked
folder, and refuses the options it cannot honour.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEXT = "The committee met on Monday.\nPlease kindly revert back to me at your earliest convenience.\n"
FAST = ["--no-config", "--grammar", "none", "--no-fluency", "--no-semantic"]


def tqcheck(args: list[str], cwd: Path, timeout: float = 120, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    """``python -m tqcheck ARGS`` in a fresh process with this checkout first on the path."""
    return subprocess.run([sys.executable, "-m", "tqcheck", *args], cwd=cwd, stdout=stdout, stderr=subprocess.PIPE,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=timeout)


def no_internal_error(done: subprocess.CompletedProcess) -> None:
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr, done.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "doc.md").write_text(TEXT, encoding="utf-8")
    return folder


# -- an output that is an input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["format", "output", "symlink", "hardlink", "folder-input", "baseline"])
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(project: Path, how: str) -> None:
    target = {"format": "doc.md", "output": "doc.md", "symlink": "link.csv", "hardlink": "hard.csv",
              "folder-input": "docs/inner.md", "baseline": "doc.md"}[how]
    if how == "symlink":
        (project / "link.csv").symlink_to("doc.md")
    elif how == "hardlink":
        os.link(project / "doc.md", project / "hard.csv")
    elif how == "folder-input":
        (project / "docs").mkdir()
        (project / "docs" / "inner.md").write_text(TEXT, encoding="utf-8")
    inputs = ["docs"] if how == "folder-input" else ["doc.md"]
    if how == "baseline":
        args = ["baseline", "create", *inputs, *FAST, "-o", target]
    elif how == "format":
        args = ["check", *inputs, *FAST, "-f", f"csv={target}"]
    else:
        args = ["check", *inputs, *FAST, "-o", target]
    done = tqcheck(args, project)
    no_internal_error(done)
    assert done.returncode == 2, done.stderr
    assert "is the input" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert (project / target).read_text(encoding="utf-8") == TEXT
    assert (project / "doc.md").read_text(encoding="utf-8") == TEXT
    if how == "symlink":
        assert (project / "link.csv").is_symlink()


# -- outputs that are not regular files -------------------------------------------------------------------------

def test_a_character_device_is_written_into_not_replaced(project: Path) -> None:
    device = project / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null
    except (PermissionError, OSError):
        device = Path(os.devnull)
    done = tqcheck(["check", "doc.md", *FAST, "-f", f"json={device}", "-q"], project)
    no_internal_error(done)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(os.stat(device).st_mode)


def test_standard_output_by_name_is_written_into(project: Path) -> None:
    done = tqcheck(["check", "doc.md", *FAST, "-f", "json=/proc/self/fd/1", "-q"], project)
    no_internal_error(done)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["findings"][0]["rule_id"] == "calque.ReturnBack"
    redirected = project / "stdout.txt"
    with open(redirected, "w") as stdout:
        done = tqcheck(["check", "doc.md", *FAST, "-f", "json=/dev/stdout", "-q"], project, stdout=stdout)
    assert done.returncode == 0, done.stderr
    assert json.loads(redirected.read_text())["findings"][0]["rule_id"] == "calque.ReturnBack"
    assert os.path.islink("/dev/stdout")


def test_a_fifo_with_a_reader_receives_the_report_and_stays_a_fifo(project: Path) -> None:
    fifo = project / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    done = tqcheck(["check", "doc.md", *FAST, "-f", f"json={fifo}", "-q"], project)
    reader.join(30)
    no_internal_error(done)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(received[0])["findings"][0]["rule_id"] == "calque.ReturnBack"


def test_a_fifo_nobody_reads_is_an_error_not_a_hang(project: Path) -> None:
    fifo = project / "report.fifo"
    os.mkfifo(fifo)
    (project / "out").mkdir()
    done = tqcheck(["check", "doc.md", *FAST, "-f", f"json={fifo}", "-f", "csv=out/r.csv", "-q"], project,
                   timeout=60)
    no_internal_error(done)
    assert done.returncode == 2 and "no program is reading" in done.stderr, done.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert list((project / "out").iterdir()) == []  # nothing else replaced, no temporary file left


def test_a_socket_is_written_into(project: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    received = bytearray()

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            while chunk := connection.recv(65536):
                received.extend(chunk)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    done = tqcheck(["check", "doc.md", *FAST, "-f", f"json={path}", "-q"], project)
    thread.join(30)
    server.close()
    no_internal_error(done)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISSOCK(os.lstat(path).st_mode)
    assert json.loads(bytes(received))["findings"][0]["rule_id"] == "calque.ReturnBack"


def test_a_planted_symlink_at_the_report_path_is_replaced_not_followed(project: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    victim.chmod(0o600)
    (project / "out.csv").symlink_to(victim)
    done = tqcheck(["check", "doc.md", *FAST, "-o", "out.csv", "-q"], project)
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "precious" and stat.S_IMODE(victim.stat().st_mode) == 0o600
    assert not (project / "out.csv").is_symlink() and "calque.ReturnBack" in (project / "out.csv").read_text()


def test_regular_reports_are_written_through_an_exclusive_temporary_file(monkeypatch, tmp_path: Path) -> None:
    import tempfile

    from tqcheck.core import files

    made: list[str] = []
    real = tempfile.mkstemp

    def spy(*args, **kwargs):
        fd, name = real(*args, **kwargs)
        made.append(name)
        return fd, name

    monkeypatch.setattr(files.tempfile, "mkstemp", spy)
    files.write_files([(tmp_path / "a.csv", "x\n"), (tmp_path / "b.json", "{}\n")])
    assert [Path(name).parent for name in made] == [tmp_path, tmp_path]
    assert (tmp_path / "a.csv").read_text() == "x\n" and sorted(p.name for p in tmp_path.iterdir()) == ["a.csv",
                                                                                                       "b.json"]


# -- --partitioned ------------------------------------------------------------------------------------------------

def partitioned(project: Path, folder: str, *extra: str, inputs: tuple[str, ...] = ("doc.md",)):
    return tqcheck(["check", *inputs, *FAST, "--partitioned", folder, "--partition-format", "csv", "-q", *extra],
                   project)


def test_partitioned_into_the_folder_holding_the_input_keeps_it(project: Path) -> None:
    (project / "data").mkdir()
    (project / "data" / "in.md").write_text(TEXT, encoding="utf-8")
    done = partitioned(project, "data", inputs=("data/in.md",))
    no_internal_error(done)
    assert done.returncode == 2 and "holds the input" in done.stderr, done.stderr
    assert (project / "data" / "in.md").read_text(encoding="utf-8") == TEXT
    assert sorted(p.name for p in (project / "data").iterdir()) == ["in.md"]


@pytest.mark.parametrize("folder", ["results", "."])
def test_partitioned_refuses_a_folder_it_did_not_make(project: Path, folder: str) -> None:
    (project / "results").mkdir()
    (project / "results" / "keep.txt").write_text("mine")
    (project / "doc2.md").write_text(TEXT, encoding="utf-8")
    inputs = ("doc.md",) if folder != "." else ("../doc-elsewhere.md",)
    (project.parent / "doc-elsewhere.md").write_text(TEXT, encoding="utf-8")
    before = sorted(p.name for p in (project / folder).iterdir())
    done = partitioned(project, folder, inputs=inputs)
    no_internal_error(done)
    assert done.returncode == 2 and "not empty" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in (project / folder).iterdir()) == before
    assert (project / "results" / "keep.txt").read_text() == "mine"


def test_partitioned_writes_a_new_or_empty_folder_and_replaces_only_its_own_tables(project: Path) -> None:
    (project / "empty").mkdir()
    assert partitioned(project, "empty").returncode == 0
    names = sorted(p.name for p in (project / "empty").iterdir())
    assert names == [".tqcheck-partitioned", "_summary.json", "part-00000-00000.csv"]
    (project / "other.md").write_text("The committee met on Tuesday.\n", encoding="utf-8")
    again = partitioned(project, "empty", inputs=("other.md", "doc.md"))
    assert again.returncode == 0, again.stderr
    names = sorted(p.name for p in (project / "empty").iterdir())
    assert names == [".tqcheck-partitioned", "_summary.json", "part-00000-00000.csv", "part-00001-00000.csv"]
    summary = json.loads((project / "empty" / "_summary.json").read_text())
    assert summary["summary"]["files"] == 2
    (project / "empty" / "mine.txt").write_text("added by hand")
    refused = partitioned(project, "empty")
    assert refused.returncode == 2 and (project / "empty" / "mine.txt").exists()
    fresh = partitioned(project, "new/deeper")
    assert fresh.returncode == 0 and (project / "new" / "deeper" / "_summary.json").exists()


def test_partitioned_writes_through_a_symlinked_folder(project: Path, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (project / "link").symlink_to(real)
    done = partitioned(project, "link")
    assert done.returncode == 0, done.stderr
    assert (project / "link").is_symlink() and (real / "_summary.json").exists()


def test_partitioned_into_dot_works_in_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "doc.md").write_text(TEXT, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    done = partitioned(work, ".", inputs=("../doc.md",))
    assert done.returncode == 0, done.stderr
    assert (work / "_summary.json").exists()


@pytest.mark.parametrize("extra", [["--fix"], ["-o", "r.csv"], ["--baseline", "b.json"], ["-f", "json=r.json"],
                                   ["--diff"], ["--statistics"]])
def test_partitioned_refuses_options_it_cannot_honour(project: Path, extra: list[str]) -> None:
    (project / "b.json").write_text('{"findings": []}')
    done = partitioned(project, "out", *extra)
    no_internal_error(done)
    assert done.returncode == 2 and "--partitioned" in done.stderr, done.stderr
    assert not (project / "out").exists() and (project / "doc.md").read_text(encoding="utf-8") == TEXT


def test_partitioned_honours_progress(project: Path) -> None:
    done = tqcheck(["check", "doc.md", *FAST, "--partitioned", "out", "--partition-format", "csv", "--progress"],
                   project)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("tqcheck: checking")]
    assert lines and lines[-1].startswith("tqcheck: checking 2 segments") and lines[-1].endswith("done")


def test_partitioned_says_a_configured_baseline_is_not_applied(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.tqcheck]\nbaseline = "b.json"\n')
    done = tqcheck(["check", "doc.md", "--grammar", "none", "--no-fluency", "--no-semantic", "--partitioned", "out",
                    "--partition-format", "csv"], project)
    assert done.returncode == 0, done.stderr
    assert "baseline" in done.stderr and "not applied with --partitioned" in done.stderr
