"""The shipped int8 ONNX MiniLM encoder: shapes, offsets, order, truncation, hash pinning, no torch."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tqcheck.language.encoder import MAX_TOKENS, MODELS, EncodedText, Encoder, load_encoder
from tqcheck.core.errors import BackendError

TEXTS = ["The cat sat on the mat.", "", "Héllo, wörld! Don't panic: the river bank is flooded.", "Paris"]


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return load_encoder()


def test_loaded_once_per_process(encoder):
    assert load_encoder() is encoder
    assert encoder.signature.startswith("minilm-l6-int8==1 sha256:")


def test_shapes_and_types(encoder):
    results = encoder.encode(TEXTS)
    assert len(results) == len(TEXTS)
    for text, e in zip(TEXTS, results):
        assert isinstance(e, EncodedText)
        assert e.offsets.dtype == np.int32 and e.offsets.shape[1] == 2
        assert e.states.dtype == np.float32 and e.states.shape == (len(e.offsets), 384)
        assert e.sentence.dtype == np.float32 and e.sentence.shape == (384,)
        assert abs(float(np.linalg.norm(e.sentence)) - 1.0) < 1e-4
        assert all(0 <= a < b <= len(text) for a, b in e.offsets)
    assert len(results[1].offsets) == 0  # empty text: only [CLS] [SEP], which are left out


def test_offsets_point_at_word_pieces(encoder):
    text = TEXTS[2]
    pieces = [text[a:b] for a, b in encoder.encode([text])[0].offsets]
    assert pieces[:4] == ["Héllo", ",", "wörld", "!"]
    assert "flooded" in pieces


def test_input_order_and_batching(encoder):
    alone = [encoder.encode([t])[0] for t in TEXTS]
    again = encoder.encode(TEXTS, batch_size=1)
    together = encoder.encode(TEXTS, batch_size=2)
    for a, b, c in zip(alone, again, together):
        assert np.array_equal(a.sentence, b.sentence) and np.array_equal(a.states, b.states)
        assert np.array_equal(a.offsets, c.offsets)
        # int8 activations are scaled per batch: neighbours move a vector a little, never far
        assert float(a.sentence @ c.sentence) > 0.95


def test_similar_sentences_are_closer(encoder):
    a, b, c = encoder.sentences(["A man is playing a guitar.", "Someone plays the guitar.",
                                 "The stock market fell sharply today."])
    assert a @ b > a @ c + 0.3


def test_long_text_is_truncated(encoder):
    text = " ".join(["word"] * 400)
    e = encoder.encode([text])[0]
    assert len(e.offsets) == MAX_TOKENS - 2


def test_hash_mismatch_names_the_file(tmp_path: Path):
    for name in ("minilm-l6-int8.onnx", "tokenizer.json"):
        shutil.copyfile(MODELS / name, tmp_path / name)
    with (tmp_path / "tokenizer.json").open("a") as handle:
        handle.write(" ")
    with pytest.raises(BackendError, match="tokenizer.json has SHA-256"):
        Encoder(tmp_path)


def test_no_torch_at_import_or_run():
    code = ("import sys; from tqcheck.language.encoder import load_encoder; load_encoder().encode(['a test']); "
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"


def test_the_default_thread_count_is_the_projects_rule(monkeypatch):
    """``load_encoder()`` takes its threads from ``tqcheck.core.limits.check_threads()`` ($TQCHECK_ENCODER_THREADS,
    else the usable cores up to 4), as the tuned MiniLM and E5-small do (it used 1 unless the variable was set)."""
    from tqcheck.core import limits

    monkeypatch.delenv("TQCHECK_ENCODER_THREADS", raising=False)
    monkeypatch.setattr(limits, "usable_cores", lambda: 3)
    assert load_encoder().threads == limits.check_threads() == 3
    monkeypatch.setattr(limits, "usable_cores", lambda: 64)
    assert load_encoder().threads == 4  # MAX_DEFAULT_THREADS
    monkeypatch.setenv("TQCHECK_ENCODER_THREADS", "2")
    assert load_encoder().threads == 2


def test_outputs_do_not_depend_on_the_threads():
    """The batches run on up to ``threads`` threads, each on one ONNX Runtime thread: the same batches as with one
    thread, so every vector is the same to the bit (reports stay byte-identical whatever the thread count)."""
    texts = [f"Sentence number {k} says {'a little more ' * (k % 5)}about the border." for k in range(23)] + TEXTS
    one, three = Encoder(threads=1), Encoder(threads=3)
    assert three.session.get_session_options().intra_op_num_threads == 1
    for batch_size in (1, 4, 32):
        a, b = one.encode(texts, batch_size), three.encode(texts, batch_size)
        for x, y in zip(a, b):
            assert np.array_equal(x.offsets, y.offsets) and np.array_equal(x.states, y.states)
            assert np.array_equal(x.sentence, y.sentence)
