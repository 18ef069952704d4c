"""The notebook API: check/check_frame, the HTML view, plots, and one answer through every door."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import tqcheck
from tqcheck.core.errors import ConfigError, InputError, UsageError

FAST = {"grammar": "none", "fluency": False}
SENTENCE = "Diplomats say Israel has allowed hundreds of people to leave the surrounded striptease so far this year."


def test_import_is_lazy_and_fast():
    code = ("import sys, tqcheck; heavy = [m for m in ('pandas', 'torch', 'sentence_transformers', 'translate', "
            "'tqcheck.api', 'matplotlib') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert callable(tqcheck.check) and callable(tqcheck.check_frame) and tqcheck.Report.__name__ == "Report"
    with pytest.raises(AttributeError):
        tqcheck.no_such_name  # noqa: B018


def test_check_text_returns_a_report_and_prints_nothing(capsys):
    report = tqcheck.check(SENTENCE, **FAST)
    assert isinstance(report, tqcheck.Report)
    assert "mt.StripteaseForStrip" in [f.rule_id for f in report.findings]
    assert report.worst(1)["sentence"].tolist() == [SENTENCE]
    assert report.summary()["findings"] == len(report.findings) >= 1
    assert capsys.readouterr() == ("", "")


def test_check_path_and_folder(tmp_path, seed_path):
    report = tqcheck.check(seed_path, **FAST)
    assert report.documents[0].path == str(seed_path) and len(report.segments) > 20
    (tmp_path / "a.txt").write_text("France has occupied more than 170 Germany.\n", encoding="utf-8")
    assert tqcheck.check(str(tmp_path), **FAST).summary()["files"] == 1


def test_check_errors_are_tqcheck_errors(tmp_path):
    with pytest.raises(ConfigError, match="no_such_key"):
        tqcheck.check("Some text.", no_such_key=1)
    with pytest.raises(ConfigError, match="grammar"):
        tqcheck.check("Some text.", grammar="spellcheck")
    with pytest.raises(InputError, match="no such file"):
        tqcheck.check(tmp_path / "missing.txt")
    with pytest.raises(InputError):
        tqcheck.check("   ")


@pytest.mark.parametrize("name", ["typo.txt", "docs/chapter1.md", "./notes", "strings.po", "~/missing.xlf"])
def test_a_string_that_names_a_missing_file_is_an_error_not_a_text(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="no such file or folder") as caught:
        tqcheck.check(name, **FAST)
    assert name in str(caught.value)


def test_a_one_word_text_is_still_checked_as_text():
    for text in ("Hello.", "and/or", "e.g."):
        assert tqcheck.check(text, **FAST).documents[0].path == "<text>"


def test_repr_of_a_report_is_short_counts_and_the_worst_sentence(seed_path):
    report = tqcheck.check(seed_path, **FAST)
    text = repr(report)
    assert len(text) < 300 and text.count("\n") == 0, text
    summary = report.summary()
    assert text.startswith(f"<Report: 1 file, {summary['segments']} sentences, {summary['findings']} findings (")
    assert f"worst: {seed_path}:" in text


def test_check_frame_bilingual_rows_keep_ids():
    frame = pd.DataFrame({
        "key": ["r1", "r2", "r3"],
        "de": ["Die Katze schläft.", "Im März verließen 1.250 Menschen das Gebiet.", "Der Hund schläft im Garten."],
        "en": ["The cat is asleep.", "In March, people left the area.", "Der Hund schläft im Garten."],
    })
    report = tqcheck.check_frame(frame, source="de", target="en", id="key", **FAST)
    found = {(f.unit_id, f.rule_id, f.line) for f in report.findings}
    assert found == {("r2", "source.Number", 2), ("r3", "source.Untranslated", 3)}
    table = report.to_frame()
    assert list(table["unit_id"][:2]) == ["r2", "r3"] or set(table["unit_id"][:2]) == {"r2", "r3"}
    assert table.set_index("unit_id").loc["r1", "source"] == "Die Katze schläft."
    with pytest.raises(UsageError, match="no target column 'fr'"):
        tqcheck.check_frame(frame, source="de", target="fr")


def test_check_frame_target_only_and_empty_rows():
    frame = pd.DataFrame({"text": [SENTENCE, None, "   ", "The cat is asleep."]})
    report = tqcheck.check_frame(frame, source=None, target="text", **FAST)
    assert [s.unit_id for s in report.segments] == ["0", "3"]
    assert [s.line for s in report.segments] == [1, 4]


def test_checker_reuses_one_pipeline():
    with tqcheck.Checker(**FAST) as checker:
        first = checker.check(SENTENCE)
        pipeline = checker.pipeline
        second = checker.check_frame(pd.DataFrame({"target": [SENTENCE]}), source=None)
        assert checker.pipeline is pipeline
    assert [f.rule_id for f in first.findings] == [f.rule_id for f in second.findings]


def test_progress_bar_counts_every_segment(capsys):
    report = tqcheck.check(SENTENCE + " " + SENTENCE, progress=True, **FAST)
    assert len(report.segments) == 2
    assert "tqcheck" in capsys.readouterr().err  # tqdm draws on stderr (a widget in Jupyter)


def test_html_view_escapes_text_and_shows_findings():
    text = 'The <script>alert("x")</script> people leave the surrounded striptease & go.'
    report = tqcheck.check(text, **FAST)
    html = report._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; go." in html
    assert '<mark class="tqc-critical" title="mt.StripteaseForStrip' in html
    assert "striptease</mark>" in html
    from tqcheck.output.writers import get_writer

    page = get_writer("html").render(report)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page.replace("&lt;script", "")


def test_html_view_of_a_bilingual_report_shows_sources(tmp_path):
    path = tmp_path / "pair.tsv"
    path.write_text("id\tsource\ttarget\nx1\tEs kamen 70 Leute.\tPeople came.\n", encoding="utf-8")
    html = tqcheck.check(path, **FAST)._repr_html_()
    assert 'class="tqc-source">Es kamen 70 Leute.</div>' in html and "unit x1" in html
    assert "source.Number" in html and "cross-lingual meaning check off" in html


def test_plot_returns_a_figure():
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    report = tqcheck.check(SENTENCE, **FAST)
    figure = report.plot()
    assert isinstance(figure, Figure) and len(figure.axes) == 2
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


def cli_rows(tmp_path: Path, path: Path, *flags: str) -> tuple[list[dict], dict]:
    """The CSV rows and the JSON document the CLI writes for ``path``."""
    from tqcheck.cli.main import cli

    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["check", str(path), "--no-config", "--quiet", "--exit-zero",
                                      "-f", f"csv={out / 'r.csv'}", "-f", f"json={out / 'r.json'}", *flags])
    assert result.exit_code == 0, result.output
    with (out / "r.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return rows, json.loads((out / "r.json").read_text(encoding="utf-8"))


def same_answer_everywhere(tmp_path: Path, flags: list[str], overrides: dict) -> None:
    """One sentence gets the same findings and score through the CLI, the API and a DataFrame."""
    path = tmp_path / "one.txt"
    path.write_text(SENTENCE + "\n", encoding="utf-8")
    rows, document = cli_rows(tmp_path, path, *flags)
    api = tqcheck.check(SENTENCE, config=None, **overrides)
    frame = tqcheck.check_frame(pd.DataFrame({"target": [SENTENCE]}), source=None, **overrides)

    def key(finding: dict) -> tuple:
        return (finding["rule_id"], finding["start"], finding["end"], finding["message"], finding["severity"])

    cli_findings = sorted(key(f) for f in document["findings"])
    assert cli_findings, "the sentence has a known mistranslation"
    for report in (api, frame):
        assert sorted(key(f.to_dict()) for f in report.findings) == cli_findings
        (row,) = report.rows()
        assert row["sentence"] == rows[0]["sentence"] == SENTENCE
        score = "" if row["fluency"] is None else f"{row['fluency']:.4f}"
        assert score == rows[0]["fluency"]
        assert row["rules"] == rows[0]["rules"]


def test_same_answer_through_cli_api_and_frame_fast(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    same_answer_everywhere(tmp_path, ["--grammar", "none", "--no-fluency"], FAST)


@pytest.mark.slow
def test_same_answer_through_cli_api_and_frame_with_grammar_and_fluency(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    same_answer_everywhere(tmp_path, [], {})
