"""--format line, --statistics and standard input through click's CliRunner (YAML rules only: fast)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tqcheck.cli.main import cli

FAST = ["--no-config", "--no-fluency", "--grammar", "none"]
TEXT = ("Diplomats say Israel has allowed hundreds of people to leave the surrounded striptease so far this year.\n"
        "\nIsraeli officials have tried to portray the export as part of a voluntary departure plan.\n"
        "\nFamilies in Gaza had delayed their exports several times.\n")
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<severity>minor|major|critical) "
                  r"(?P<rule>[\w.]+) (?P<message>.+?)(?: → (?P<suggestion>.+))?$")


@pytest.fixture
def article(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "article.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_format_line_one_finding_per_line(article: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "article.txt", *FAST, "-f", "line"])
    assert result.exit_code == 1  # critical and major findings
    lines = result.stdout.splitlines()
    parsed = [LINE.match(line) for line in lines]
    assert lines and all(parsed), lines
    strip = next(m for m in parsed if m["rule"] == "mt.StripteaseForStrip")
    assert (strip["path"], strip["line"], strip["column"], strip["severity"], strip["suggestion"]) == (
        "article.txt", "1", "77", "critical", "strip")
    assert "striptease" in strip["message"]
    assert [m["line"] for m in parsed] == sorted((m["line"] for m in parsed), key=int)
    export = [m for m in parsed if m["rule"] == "mt.ExportOfPeople"]
    assert [m["line"] for m in export] == ["3", "5"] and export[0]["suggestion"] == "exit"
    assert "tqcheck: 1 file, 3 sentences" in result.stderr  # the summary goes to stderr, not between lines


def test_line_is_the_default_view_when_stdout_is_not_a_terminal(article: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "article.txt", *FAST, "--exit-zero"])
    assert result.exit_code == 0
    assert all(LINE.match(line) for line in result.stdout.splitlines())
    assert (article.parent / "reports" / "article.csv").is_file()  # the default file report is still written
    forced = CliRunner().invoke(cli, ["check", "article.txt", *FAST, "--exit-zero", "-f", "terminal"])
    assert forced.stdout.startswith("#1 ")


def test_statistics_counts_per_rule_sorted(article: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "article.txt", *FAST, "--statistics", "--exit-zero"])
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert rows[0].split() == ["2", "major", "-", "mt.ExportOfPeople"]
    assert ["1", "critical", "fixable", "mt.StripteaseForStrip"] in [r.split() for r in rows]
    counts = [int(r.split()[0]) for r in rows[:-1]]
    assert counts == sorted(counts, reverse=True)
    assert rows[-1] == f"{sum(counts)} findings in {len(counts)} rule ids; 1 fixable with --fix"
    assert not any(line.startswith("article.txt:") for line in rows)  # replaces the findings view


def test_statistics_before_a_path_and_per_file(article: Path) -> None:
    (article.parent / "b.txt").write_text("Aid trucks waited at the border of the striptease in Gaza.\n",
                                          encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", *FAST, "--exit-zero", "--statistics", "article.txt", "b.txt"])
    assert result.exit_code == 0, result.output
    assert "mt.ExportOfPeople" in result.stdout
    result = CliRunner().invoke(cli, ["check", *FAST, "--exit-zero", "--statistics=files", "article.txt", "b.txt"])
    rows = result.stdout.splitlines()
    assert rows[0].startswith("article.txt: ") and rows[0].endswith(" findings")
    b = rows.index("b.txt: 1 finding")
    assert rows[b + 1].split() == ["1", "critical", "fixable", "mt.StripteaseForStrip"]


def test_statistics_with_no_findings(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.txt").write_text("The committee approved the budget.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "ok.txt", *FAST, "--statistics"])
    assert (result.exit_code, result.stdout) == (0, "no findings\n")


def test_stdin_writes_no_report_file_unless_asked(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = "People left the surrounded striptease near Gaza.\n"
    result = CliRunner().invoke(cli, ["check", "-", *FAST], input=text)
    assert result.exit_code == 1 and "mt.StripteaseForStrip" in result.stdout
    assert not (tmp_path / "reports").exists()
    result = CliRunner().invoke(cli, ["check", "-", *FAST, "-o", "out.csv"], input=text)
    assert (tmp_path / "out.csv").is_file()
    result = CliRunner().invoke(cli, ["check", "-", *FAST, "-f", "json"], input=text)
    assert (tmp_path / "reports" / "stdin.json").is_file()
