"""The command line through click's CliRunner, with a tiny real check standing in for the models.

The full default pipeline (rules, Harper, fluency models) is exercised in tests/test_end_to_end.py.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tqcheck.engine import pipeline
from tqcheck.core.interfaces import Check, FluencyResult, Scorer
from tqcheck.core.finding import SegmentScore


class WordCheck(Check):
    """Flags the word 'striptease' (major) and '=cmd' (minor): a real, tiny check."""

    name = "words"

    def check(self, document, progress=lambda n: None):
        found = []
        for segment in document.segments:
            for word, severity in (("striptease", "major"), ("=cmd", "minor")):
                at = segment.text.find(word)
                if at >= 0:
                    found.append(segment.finding(at, at + len(word), rule_id="test.Word", message="odd word",
                                                 severity=severity, category="accuracy/mistranslation",
                                                 origin="rules", suggestions=("strip",)))
            progress(1)
        return found


class LengthScorer(Scorer):
    """Longer sentences score lower: deterministic and cheap."""

    name = "length"

    def score(self, document, findings, progress=lambda n: None):
        return FluencyResult([SegmentScore(round(1 / (1 + len(s.text) / 100), 4)) for s in document.segments])


@pytest.fixture
def runner(monkeypatch):
    monkeypatch.setattr(pipeline, "build_checks", lambda settings, context=None: [WordCheck()])
    monkeypatch.setattr(pipeline, "build_scorer", lambda settings: LengthScorer() if settings.fluency else None)
    from tqcheck.cli.main import cli

    return CliRunner(), cli


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_check_writes_ranked_csv_and_terminal_view(runner, tmp_path, seed_path, monkeypatch):
    cli_runner, cli = runner
    monkeypatch.chdir(tmp_path)
    # the terminal view is the default on a terminal; CliRunner's stdout is not one, so ask for it with csv
    result = cli_runner.invoke(cli, ["check", str(seed_path), "--no-config", "--no-fluency", "-f", "terminal,csv"])
    # a major finding fails the run by default, like a linter
    assert result.exit_code == 1, result.output
    assert "tqcheck: gate: 1 major finding at --fail-on major" in result.stderr
    rows = read_csv(tmp_path / "reports" / "000_d711ba56f4b847ad.csv")
    assert rows[0]["rank"] == "1" and "striptease" in rows[0]["sentence"]
    assert rows[0]["major"] == "1" and "striptease -> strip" in rows[0]["suggestions"]
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    assert "striptease" in result.stdout and "→ strip" in result.stdout
    assert "1 finding (0 critical, 1 major, 0 minor)" in result.stdout


def test_csv_neutralises_formulas(runner, tmp_path):
    cli_runner, cli = runner
    source = tmp_path / "x.txt"
    source.write_text("=cmd|' /C calc'!A0 is an attack. +1 is fine. @SUM(A1) too.\n")
    out = tmp_path / "out.csv"
    result = cli_runner.invoke(cli, ["check", str(source), "--no-config", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    cells = [value for row in rows for value in row.values()]
    assert not any(c[:1] in "=+-@" for c in cells if c)
    assert any(c.startswith("'=cmd") for c in cells)


def test_bad_input_is_one_line_exit_2_and_nothing_written(runner, tmp_path, seed_path):
    cli_runner, cli = runner
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9 au lait")
    out = tmp_path / "report.csv"
    out.write_text("previous report\n")
    result = cli_runner.invoke(cli, ["check", str(bad), "--no-config", "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert str(bad) in result.stderr and "UTF-8" in result.stderr
    assert out.read_text() == "previous report\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_bad_input_beside_good_ones_is_named_and_the_others_are_reported(runner, tmp_path, seed_path):
    """Like ruff: the bad file gets its one-line error, the others are checked and reported, exit 2 at the end."""
    cli_runner, cli = runner
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9 au lait")
    out = tmp_path / "report.csv"
    result = cli_runner.invoke(cli, ["check", str(seed_path), str(bad), "--no-config", "-o", str(out)])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("tqcheck: error:")]
    assert len(errors) == 1 and str(bad) in errors[0] and "UTF-8" in errors[0]
    assert {row["file"] for row in read_csv(out)} == {str(seed_path)}


def test_every_input_bad_each_named_nothing_written(runner, tmp_path):
    cli_runner, cli = runner
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_bytes(b"caf\xe9")
    result = cli_runner.invoke(cli, ["check", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"),
                                     str(tmp_path / "missing.txt"), "--no-config", "-o", str(tmp_path / "r.csv")])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("tqcheck: error:")]
    assert len(errors) == 3
    assert all(any(name in line for line in errors) for name in ("a.txt:1: not UTF-8", "b.txt:1:", "missing.txt"))
    assert not (tmp_path / "r.csv").exists()


def test_missing_file_and_unknown_format(runner, tmp_path):
    cli_runner, cli = runner
    result = cli_runner.invoke(cli, ["check", str(tmp_path / "missing.txt"), "--no-config"])
    assert result.exit_code == 2 and "missing.txt" in result.stderr and "no such file" in result.stderr
    source = tmp_path / "x.txt"
    source.write_text("Fine text.")
    result = cli_runner.invoke(cli, ["check", str(source), "--no-config", "--format", "pdf"])
    assert result.exit_code == 2 and "unknown format 'pdf'" in result.stderr and "csv" in result.stderr


def test_bad_config_value_names_key_and_file(runner, tmp_path):
    cli_runner, cli = runner
    (tmp_path / "pyproject.toml").write_text('[tool.tqcheck]\ngrammar = "word"\n')
    source = tmp_path / "x.txt"
    source.write_text("Fine text.")
    result = cli_runner.invoke(cli, ["check", str(source)])
    assert result.exit_code == 2
    assert "pyproject.toml" in result.stderr and "grammar" in result.stderr and "harper" in result.stderr


def test_stdin_and_format_to_stdout(runner):
    cli_runner, cli = runner
    result = cli_runner.invoke(cli, ["check", "-", "--no-config", "--format", "csv=-", "--no-fluency", "--exit-zero"],
                               input="The surrounded striptease. A fine sentence.\n")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["file"] == "<stdin>" and rows[0]["fluency"] == ""


def test_fluency_orders_the_ranking(runner, tmp_path):
    cli_runner, cli = runner
    source = tmp_path / "x.txt"
    source.write_text("Short one. " + "This sentence is much longer than the first one and so it scores lower. ")
    out = tmp_path / "o.csv"
    result = cli_runner.invoke(cli, ["check", str(source), "--no-config", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    assert rows[0]["sentence"].startswith("This sentence") and float(rows[0]["fluency"]) < float(rows[1]["fluency"])


def test_write_atomic_keeps_old_file_on_failure(tmp_path, monkeypatch):
    from tqcheck.output.writers import write_atomic

    target = tmp_path / "r.csv"
    target.write_text("old")

    def boom(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]


def test_terminal_view_respects_no_color(monkeypatch, seed_path):
    from rich.console import Console

    from tqcheck.core.config import Settings
    from tqcheck.readers.inputs import load_documents
    from tqcheck.engine.pipeline import Pipeline
    from tqcheck.output.writers.terminal import TerminalWriter

    report = Pipeline(Settings(), checks=[WordCheck()], scorer=None).run(load_documents([str(seed_path)]))
    monkeypatch.setenv("NO_COLOR", "1")
    buffer = io.StringIO()
    TerminalWriter().print(report, Console(file=buffer, force_terminal=True, width=120))
    assert "\x1b[3" not in buffer.getvalue() and "striptease" in buffer.getvalue()
    monkeypatch.delenv("NO_COLOR")
    buffer = io.StringIO()
    TerminalWriter().print(report, Console(file=buffer, force_terminal=True, width=120))
    assert "\x1b[" in buffer.getvalue()


def test_help_and_version_do_not_load_torch():
    code = ("import sys\nfrom click.testing import CliRunner\nfrom tqcheck.cli.main import cli\n"
            "r = CliRunner().invoke(cli, ['--help'])\nassert r.exit_code == 0\n"
            "r = CliRunner().invoke(cli, ['check', '--help'])\nassert r.exit_code == 0\n"
            "heavy = [m for m in ('torch', 'sentence_transformers', 'pandas', 'harper', 'language_tool_python') "
            "if m in sys.modules]\nprint(heavy)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_version(runner):
    cli_runner, cli = runner
    import tqcheck

    result = cli_runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and tqcheck.__version__ in result.stdout


def test_reports_get_ordinary_permissions(tmp_path):
    from tqcheck.output.writers import write_atomic

    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.csv", "x")
        assert (tmp_path / "new.csv").stat().st_mode & 0o777 == 0o644
        (tmp_path / "kept.csv").write_text("old")
        (tmp_path / "kept.csv").chmod(0o640)
        write_atomic(tmp_path / "kept.csv", "new")
        assert (tmp_path / "kept.csv").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)


def test_each_file_is_checked_with_its_nearest_config(runner, tmp_path, monkeypatch):
    """The second input's own config counts for it, not the first input's (ruff's nearest config per file)."""
    cli_runner, cli = runner
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("The striptease ended.\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("The striptease ended.\n")
    (tmp_path / "sub" / "pyproject.toml").write_text('[tool.tqcheck]\ndisable = ["test.Word"]\n')
    for order in (["a.txt", "sub/b.txt"], ["sub/b.txt", "a.txt"]):
        result = cli_runner.invoke(cli, ["check", *order, "--no-fluency", "-f", "line"])
        assert result.exit_code == 1, result.output
        assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["a.txt"]


def test_every_kind_of_malformed_input_is_named_and_the_good_file_still_reported(runner, tmp_path, monkeypatch):
    cli_runner, cli = runner
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.txt").write_text("The striptease ended.\n")
    (tmp_path / "broken.xlf").write_text('<?xml version="1.0"?><xliff version="1.2"><file><body>'
                                         '<trans-unit id="1"><source>a</source><target>b</target></body></xliff>')
    (tmp_path / "broken.po").write_text('msgid "a"\nmsgstr "b\n')
    (tmp_path / "bin.txt").write_bytes(b"\xfa\x00\x01binary")
    (tmp_path / "t.tsv").write_text("id\tsource\n1\tx\n")
    names = ["good.txt", "broken.xlf", "broken.po", "bin.txt", "t.tsv"]
    result = cli_runner.invoke(cli, ["check", *names, "--no-config", "--no-fluency", "-f", "line,csv"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("tqcheck: error:")]
    assert [line.split(":")[2].strip() for line in errors] == names[1:]
    assert "good.txt:1:5: major test.Word" in result.stdout
    assert {row["file"] for row in read_csv(tmp_path / "reports" / "tqcheck.csv")} == {"good.txt"}
