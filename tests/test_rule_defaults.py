"""Rules off or demoted by default: the shipped table matches docs/rule-precision.md, and the switches work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tqcheck.core import rule_defaults
from tqcheck.core.config import Settings
from tqcheck.readers.inputs import document_from_text
from tqcheck.engine.pipeline import Pipeline
from tqcheck.checks.catalog import load_rules

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "rule-precision.md"
DATA = ROOT.parent / "shared" / "data"


def read_verdicts(text: str) -> dict[str, dict[str, str]]:
    """The main table of a generated page (the one whose header starts with ``| id | origin |``): id -> {column: cell}."""
    out: dict[str, dict[str, str]] = {}
    columns: list[str] = []
    for line in text.splitlines():
        if not columns and line.startswith("| id | origin |"):
            columns = [c.strip() for c in line.strip().strip("|").split("|")]
        elif columns and line.startswith("|---"):
            continue
        elif columns and line.startswith("| "):
            row = dict(zip(columns, (c.strip() for c in line.strip().strip("|").split("|"))))
            out[row["id"].strip("`")] = row
        elif columns:
            break
    return out


@pytest.fixture(scope="module")
def page_rows() -> dict[str, dict[str, str]]:
    rows = read_verdicts(PAGE.read_text(encoding="utf-8"))
    assert rows, "docs/rule-precision.md has no rule table: run python -m bench.rule_precision"
    return rows


def test_off_and_demoted_ids_are_exactly_the_page_verdicts(page_rows) -> None:
    off = {rule for rule, row in page_rows.items() if row["verdict"] == "off"}
    demoted = {rule for rule, row in page_rows.items() if row["verdict"] == "demote"}
    assert set(rule_defaults.OFF) == off
    assert set(rule_defaults.DEMOTED) == demoted


def test_page_default_column_says_what_the_code_does(page_rows) -> None:
    for rule, row in page_rows.items():
        assert row["default"] == rule_defaults.describe(rule), rule


def _number(cell: str) -> float:
    cell = cell.replace("%", "").strip()
    return float("nan") if cell == "n/a" else float(cell)


def test_each_verdict_follows_from_the_figures_beside_it(page_rows) -> None:
    for rule, row in page_rows.items():
        rates = [_number(row[c]) for c in ("per 1,000 major", "per 1,000 clean", "per 1,000 any error")]
        precision = _number(row["precision of major fires"]) / 100
        got = rule_defaults.verdict(int(row["source sentences"]), *rates, int(row["their source sentences"]),
                                     precision)
        assert got == row["verdict"], rule


def test_verdict_rule() -> None:
    verdict, enough = rule_defaults.verdict, rule_defaults.MIN_SOURCES
    assert verdict(100, 20.0, 10.0, 18.0, 50, 0.9) == "keep"
    assert verdict(100, 20.0, 10.0, 18.0, 50, 0.5) == "demote"  # major findings wrong too often
    assert verdict(100, 20.0, 10.0, 18.0, enough - 1, 0.0) == "keep"  # too few major findings to judge
    assert verdict(100, 10.0, 10.0, 12.0, 3, 0.9) == "demote"  # floor failed, still points at errors
    assert verdict(100, 10.0, 10.0, 12.0, 0, float("nan")) == "keep"  # minor already
    assert verdict(100, 10.0, 12.0, 11.0, 50, 0.9) == "off"
    assert verdict(enough - 1, 0.0, 50.0, 0.0, 0, float("nan")) == "keep"


@pytest.fixture
def table(monkeypatch):
    monkeypatch.setattr(rule_defaults, "OFF", {"mt.StripteaseForStrip": "test", "harper.Spelling": "test"})
    monkeypatch.setattr(rule_defaults, "DEMOTED", {"mt.ExportOfPeople": "test"})


def ids(settings: Settings) -> set[str]:
    return {r.id for r in load_rules(settings)}


def test_off_rule_does_not_load_unless_enable_names_it(table) -> None:
    settings = Settings()
    every = ids(settings)
    assert "mt.StripteaseForStrip" not in every and "mt.OccupiedForTookIn" in every
    settings.values["enable"] = ["mt.StripteaseForStrip"]
    assert ids(settings) == every | {"mt.StripteaseForStrip"}  # switched on, nothing narrowed
    settings.values["enable"] = ["*"]
    assert ids(settings) == every
    settings.values["enable"] = ["mt"]  # a prefix with rules that are on narrows as before, off ones included
    assert ids(settings) == {i for i in every if i.startswith("mt.")} | {"mt.StripteaseForStrip"}
    settings.values["enable"] = ["harper.Spelling"]  # an off grammar kind: YAML rules are not narrowed
    assert ids(settings) == every


def test_demoted_rule_loads_as_minor(table) -> None:
    rule = next(r for r in load_rules(Settings()) if r.id == "mt.ExportOfPeople")
    assert rule.severity.value == "minor"


def test_registry_says_what_is_off_or_demoted(table) -> None:
    from tqcheck.checks.catalog import registry_for

    registry = registry_for()
    assert registry.lookup("mt.StripteaseForStrip").default == "off"
    assert registry.lookup("harper.Spelling.SpellCheck").default == "off"
    demoted = registry.lookup("mt.ExportOfPeople")
    assert demoted.default == "demoted" and demoted.severity.value == "minor"
    assert registry.lookup("mt.OccupiedForTookIn").default == "on"


def test_suspended_turns_every_id_on_for_measuring(table) -> None:
    with rule_defaults.suspended():
        assert not rule_defaults.is_off("harper.Spelling.SpellCheck")
        assert rule_defaults.severity("mt.ExportOfPeople", "major").value == "major"
    assert rule_defaults.is_off("harper.Spelling.SpellCheck")
    assert rule_defaults.severity("mt.ExportOfPeople", "major").value == "minor"


def test_every_shipped_entry_names_a_registered_id() -> None:
    from tqcheck.checks.catalog import registry_for

    registry = registry_for()
    for rule_id in [*rule_defaults.OFF, *rule_defaults.DEMOTED]:
        assert rule_id in registry, rule_id


def test_pipeline_drops_off_grammar_kinds_and_demotes(table) -> None:
    text = "Thousands of people tried to portray the export of Israelis. We recieved the leter yesterday."
    document = document_from_text(text, "t.txt")
    settings = Settings()
    settings.values["fluency"] = False
    with Pipeline(settings) as pipeline:
        findings = pipeline.check_document(document).findings
    assert not any(f.rule_id.startswith("harper.Spelling") for f in findings)
    export = [f for f in findings if f.rule_id == "mt.ExportOfPeople"]
    assert export and all(f.severity.value == "minor" for f in export)
    settings.values["enable"] = ["harper.Spelling"]
    with Pipeline(settings) as pipeline:
        findings = pipeline.check_document(document_from_text(text, "t.txt")).findings
    assert any(f.rule_id.startswith("harper.Spelling") for f in findings)
    assert any(f.rule_id == "mt.ExportOfPeople" for f in findings)


@pytest.mark.skipif(not (DATA / "mqm_zhen_newstest2021" / "dev.segments.tsv").is_file(),
                    reason="../shared/data not present")
def test_bench_runs_on_a_small_sample(tmp_path: Path) -> None:
    out = tmp_path / "page.md"
    command = [sys.executable, "-m", "bench.rule_precision", "--data", str(DATA), "--max-rows", "20", "--no-fluency",
               "--out", str(out)]
    assert subprocess.run(command, cwd=ROOT, capture_output=True).returncode == 0
    rows = read_verdicts(out.read_text(encoding="utf-8"))
    assert rows and all(row["verdict"] in ("keep", "demote", "off") for row in rows.values())
    assert "| news 2021 |" in out.read_text(encoding="utf-8")
