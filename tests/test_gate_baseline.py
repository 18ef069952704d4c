"""Baselines: fingerprints that survive edits elsewhere, new/known/fixed, strict loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tqcheck.policy.baseline import apply_baseline, fingerprint, fingerprints, load_baseline, write_baseline
from tqcheck.core.errors import ConfigError

from test_gate_support import run

TEXT = (
    "Diplomats say people left the surrounded striptease this year.\n\n"
    "France has occupied more than 170 Germany, more than 70.\n\n"
    "Officials describe the exports as voluntary.\n"
)


@pytest.fixture
def article(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small article inside a temporary working folder."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "article.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_fingerprints_survive_edits_elsewhere_in_the_file(article: Path) -> None:
    before = run([article])
    article.write_text("A new opening paragraph.\nIt has two lines.\n\n" + TEXT.replace(
        "Officials describe", "Officials  firmly describe"), encoding="utf-8")
    after = run([article])
    assert [f.line for f in after.findings] != [f.line for f in before.findings]
    # the sentences with the striptease and the occupation are untouched: same fingerprints
    assert fingerprints(after)[:2] == fingerprints(before)[:2]
    # the edited sentence gets a new fingerprint for its finding
    assert fingerprints(after)[2] != fingerprints(before)[2]


def test_fingerprint_ignores_whitespace_and_case_but_not_the_rule_or_occurrence(article: Path) -> None:
    report = run([article])
    finding = report.findings[0]
    text = report.segments[0].text
    assert fingerprint(finding, text) == fingerprint(finding, "  " + text.upper().replace(" ", "\n "))
    from dataclasses import replace

    assert fingerprint(replace(finding, rule_id="Other.Rule"), text) != fingerprint(finding, text)
    doubled = "striptease and striptease"
    first = replace(finding, start=0, end=10, matched="striptease")
    second = replace(finding, start=15, end=25, matched="striptease")
    assert fingerprint(first, doubled) != fingerprint(second, doubled)


def test_baseline_file_is_sorted_deterministic_and_relative(article: Path, tmp_path: Path) -> None:
    target = tmp_path / "ci" / "baseline.json"
    assert write_baseline(run([article]), target) == 3
    first = target.read_bytes()
    write_baseline(run([article]), target)
    assert target.read_bytes() == first
    data = json.loads(first)
    assert data["tool"] == "tqcheck" and data["version"] == 1
    assert [e["file"] for e in data["findings"]] == ["../article.txt"] * 3
    assert [e["line"] for e in data["findings"]] == [1, 3, 5]
    assert not list(target.parent.glob(".*tmp"))


def test_apply_baseline_keeps_only_new_findings_and_reports_fixed(article: Path, tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    write_baseline(run([article]), target)
    baseline = load_baseline(target)
    report, diff = apply_baseline(run([article]), baseline)
    assert report.findings == [] and (diff.new, diff.known, diff.fixed) == (0, 3, [])
    # fix one sentence, add a bad one elsewhere
    article.write_text(TEXT.replace("the exports", "the exits") + "\nThe exports of people continued.\n",
                       encoding="utf-8")
    report, diff = apply_baseline(run([article]), baseline)
    assert [(f.rule_id, f.line, f.matched) for f in report.findings] == [("Demo.Exports", 7, "exports")]
    assert (diff.new, diff.known) == (1, 2)
    assert [(e["file"], e["rule_id"], e["line"]) for e in diff.fixed] == [(str(article), "Demo.Exports", 5)]
    assert diff.describe("b.json") == "baseline b.json: 1 new, 2 known, 1 fixed"
    from tqcheck.core.config import Settings
    from tqcheck.policy.gate import decide

    outcome = decide(report, Settings(), diff)
    assert outcome.notes == ["baseline: 1 new, 2 known, 1 fixed",
                             f"fixed: {article}:5: Demo.Exports 'exports' (was in the baseline, no longer found)"]
    assert report.documents and report.scores  # the rest of the report is kept


def test_duplicate_sentences_are_counted(article: Path, tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    write_baseline(run([article]), target)
    article.write_text(TEXT + "\nOfficials describe the exports as voluntary.\n", encoding="utf-8")
    report, diff = apply_baseline(run([article]), load_baseline(target))
    assert (diff.new, diff.known) == (1, 3)
    assert [f.line for f in report.findings] == [7]


def test_findings_of_files_outside_the_baseline_are_new(article: Path, tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    write_baseline(run([article]), target)
    other = tmp_path / "other.txt"
    other.write_text(TEXT, encoding="utf-8")
    report, diff = apply_baseline(run([other]), load_baseline(target))
    assert (diff.new, diff.known, diff.fixed) == (3, 0, [])  # article.txt was not checked: nothing fixed


@pytest.mark.parametrize("content, message", [
    ("{not json", "baseline.json:1: not valid JSON"),
    ('{"findings": []}', "not a tqcheck baseline"),
    ('{"tool": "tqcheck", "version": 9, "findings": []}', "unsupported baseline version 9"),
    ('{"tool": "tqcheck", "version": 1, "findings": [{"file": "a"}]}', "finding 1 needs string fields"),
])
def test_a_bad_baseline_is_a_config_error_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_baseline(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_a_missing_baseline_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="baseline create"):
        load_baseline(tmp_path / "missing.json")
