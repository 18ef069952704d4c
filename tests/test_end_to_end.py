"""The default pipeline (rule packs, Harper, fluency models) on the seed article, through the CLI."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

pytestmark = pytest.mark.slow

ERRORS = ("surrounded striptease", "France has occupied more than 170 Germany", "portray the export")


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    from tqcheck.cli.main import cli

    seed = Path(__file__).resolve().parent.parent / "seeds" / "000_d711ba56f4b847ad.txt"
    out = tmp_path_factory.mktemp("e2e") / "seed.csv"
    result = CliRunner().invoke(cli, ["check", str(seed), "--no-config", "-o", str(out), "--top", "30",
                                      "-f", "terminal,csv"])
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return result, rows


def test_exit_1_by_default_and_report_written(seed_run):
    result, rows = seed_run
    assert result.exit_code == 1, result.output  # the seed has critical and major findings
    assert "tqcheck: gate: 1 critical and " in result.stderr and "at --fail-on major" in result.stderr
    assert len(rows) == 26
    assert all(r["fluency"] for r in rows)
    assert all(0.0 <= float(r["fluency"]) <= 1.0 for r in rows)


@pytest.mark.parametrize("phrase", ERRORS)
def test_seed_errors_rank_in_worst_third_with_spans(seed_run, phrase):
    _, rows = seed_run
    (row,) = [r for r in rows if phrase in r["sentence"]]
    assert int(row["rank"]) <= len(rows) / 3, (row["rank"], row["fluency"], row["spans"])
    marked = {"surrounded striptease": "striptease", "France has occupied more than 170 Germany": "occupied",
              "portray the export": "export"}[phrase]
    assert marked in row["spans"], row["spans"]


def test_no_sentence_split_inside_us(seed_run):
    _, rows = seed_run
    assert not any(r["sentence"].endswith("U.S.") for r in rows)
    assert any("U.S. President Donald Trump" in r["sentence"] for r in rows)


def test_terminal_view_shows_worst_first(seed_run):
    result, rows = seed_run
    first_line = next(line for line in result.stdout.splitlines() if line.startswith("#1 "))
    assert f":{rows[0]['line']}:{rows[0]['column']}" in first_line
