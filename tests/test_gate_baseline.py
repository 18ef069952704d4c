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
    # the edited sentence: an edit away from the finding keeps its fingerprint...
    assert fingerprints(after)[2] == fingerprints(before)[2]
    # ...a change of the word next to it does not
    article.write_text(TEXT.replace("the exports", "these exports"), encoding="utf-8")
    assert fingerprints(run([article]))[2] != fingerprints(before)[2]


def test_fingerprint_ignores_whitespace_and_case_but_not_the_rule_or_occurrence(article: Path) -> None:
    report = run([article])
    finding = report.findings[0]
    text = report.segments[0].text
    from dataclasses import replace

    # the same finding in the same words, shouted and re-spaced, moved by the two spaces in front
    shifted = replace(finding, start=finding.start + 2, end=finding.end + 2, matched=finding.matched.upper())
    assert fingerprint(finding, text) == fingerprint(shifted, "  " + text.upper())
    respaced = text.replace(" ", "\n ")
    moved = respaced.index(finding.matched)
    assert fingerprint(finding, text) == fingerprint(replace(finding, start=moved, end=moved + len(finding.matched)),
                                                     respaced)

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
    assert data["tool"] == "tqcheck" and data["version"] == 2
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
    ('{"tool": "tqcheck", "version": 2, "findings": [{"file": "a", "fingerprint": "f", "rule_id": "r", '
     '"scheme": 7}]}', "finding 1: 'scheme' must be 1 or 2"),
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


SLIPS = "People left the surrounded striptease this year, and the exports was voluntary.\n"


def test_fixing_one_slip_keeps_the_other_findings_of_the_sentence_known(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """One sentence, two baselined findings; fixing one (an edit inside the sentence) leaves the other known and
    the fixed one reported as fixed: CI passes after an improvement."""
    monkeypatch.chdir(tmp_path)
    article = tmp_path / "article.txt"
    article.write_text(SLIPS, encoding="utf-8")
    target = tmp_path / "baseline.json"
    before = run([article])
    assert len(before.findings) == 2 and {f.segment for f in before.findings} == {0}
    write_baseline(before, target)
    article.write_text(SLIPS.replace("surrounded striptease", "besieged strip"), encoding="utf-8")
    report, diff = apply_baseline(run([article]), load_baseline(target))
    assert report.findings == [] and (diff.new, diff.known) == (0, 1)
    assert [e["matched"] for e in diff.fixed] == ["striptease"]


def test_an_old_version_1_baseline_still_loads_and_matches(article: Path, tmp_path: Path) -> None:
    """A baseline written before per-finding fingerprints (version 1: the whole sentence in the key) keeps
    working; entries added to it later (review's false alarms) keep their scheme."""
    from tqcheck.output.fingerprints import sentence_fingerprint, segment_texts

    report = run([article])
    texts = segment_texts(report)
    old = {"tool": "tqcheck", "version": 1, "findings": [
        {"file": "article.txt", "fingerprint": sentence_fingerprint(f, texts[(f.file, f.segment)]),
         "rule_id": f.rule_id, "severity": f.severity.value, "line": f.line, "column": f.column,
         "matched": f.matched, "message": f.message} for f in report.findings]}
    target = tmp_path / "old-baseline.json"
    target.write_text(json.dumps(old), encoding="utf-8")
    baseline = load_baseline(target)
    filtered, diff = apply_baseline(run([article]), baseline)
    assert filtered.findings == [] and (diff.new, diff.known, diff.fixed) == (0, 3, [])
    # version 1 is keyed by the whole sentence: an edit of a baselined sentence still makes its finding new
    article.write_text(TEXT.replace("Officials describe", "Officials firmly describe"), encoding="utf-8")
    filtered, diff = apply_baseline(run([article]), baseline)
    assert (diff.new, diff.known, len(diff.fixed)) == (1, 2, 1) and "scheme" not in diff.fixed[0]
    # written back (as review does), the old entries keep their scheme and still match
    from tqcheck.policy.review import record_false_alarms

    record_false_alarms(report, [], target)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["version"] == 2 and all(e["scheme"] == 1 for e in data["findings"])
    article.write_text(TEXT, encoding="utf-8")
    assert apply_baseline(run([article]), load_baseline(target))[1].known == 3
