"""The learned detector: data readers, heads, spans, `tqcheck train` end to end and `check --detector`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tqcheck.cli.main import cli
from tqcheck.scoring.detector import count_words, load_detector, token_spans
from tqcheck.training.data import mqm_label, read_annotated, tag_spans
from tqcheck.scoring.detector.model import Projection, SentenceModel, TokenHead, sentence_features, token_targets
from tqcheck.training.synthetic import CORRUPTIONS, corrupt
from tqcheck.core.errors import InputError

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"

CLEAN = [
    "The government announced new measures to support small businesses on Monday.",
    "Prices rose by two percent in the first quarter of the year.",
    "The museum will reopen to visitors after the renovation is finished.",
    "Scientists have found evidence of water on a distant planet.",
    "The company said it would hire more engineers next year.",
    "Heavy rain caused flooding in several towns along the river.",
    "The two leaders met in Geneva to discuss the trade agreement.",
    "Students returned to school after the long summer holiday.",
    "The bridge was closed for repairs until the end of the month.",
    "Police are still looking for witnesses to the accident.",
    "The orchestra played a new piece by a young composer.",
    "Farmers expect a good harvest after the mild winter.",
    "The airline cancelled dozens of flights because of the storm.",
    "Researchers published their results in a medical journal.",
    "The city plans to plant ten thousand trees by next spring.",
    "Voters will choose a new mayor in the election next week.",
]
WRONG = [  # (sentence, the marked words)
    ("The surrounded striptease was hit by air strikes again on Tuesday.", "striptease"),
    ("France has occupied more than 170 Germany in the programme.", "occupied more than 170 Germany"),
    ("Passengers were asked to portray the export quickly and calmly.", "portray the export"),
    ("The minister eat the proposal of the opposition yesterday evening.", "eat"),
    ("The hospital will cure the patients with the wallpaper of the doctors.", "wallpaper"),
    ("Prices rose by two percent in the first quarter quarter of the year.", "quarter quarter"),
    ("The museum will reopen to the after visitors renovation is finished.", "the after visitors"),
    ("Scientists have found evidence of thirsty on a distant planet.", "thirsty"),
    ("The company said it would fire more engineers happily next year yesterday.", "happily"),
    ("Heavy rain caused the drought in several towns along the river bank account.", "bank account"),
    ("The two leaders met in Geneva to discuss the trade agreement agreement.", "agreement agreement"),
    ("Students returned to the school bus of summer holiday long.", "summer holiday long"),
    ("The bridge was closed for repairs until the end of the mouth.", "mouth"),
    ("Police are still looking for witnesses to the accident the.", "the."),
    ("The orchestra played a new piece by a young compost.", "compost"),
    ("Farmers expect a good harvest after the mild winter of the harvest of farmers.", "of the harvest of farmers"),
]


def annotated_file(path: Path) -> Path:
    """A tiny annotated TSV: clean sentences (label 0) and wrong ones with their marked span."""
    rows = ["doc\ttarget\tlabel\tspans"]
    for k, text in enumerate(CLEAN):
        rows.append(f"d{k % 4}\t{text}\t0\t[]")
    for k, (text, words) in enumerate(WRONG):
        start = text.index(words)
        rows.append(f"d{k % 4}\t{text}\t1\t{json.dumps([[start, start + len(words)]])}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_mqm_label_needs_most_raters() -> None:
    assert mqm_label(3, 2) == 1.0 and mqm_label(3, 1) is None and mqm_label(3, 0) == 0.0
    assert mqm_label(1, 1) == 1.0 and mqm_label(1, 0) == 0.0


def test_read_annotated_sentence_rows(tmp_path: Path) -> None:
    examples = read_annotated(annotated_file(tmp_path / "a.tsv"))
    assert len(examples) == len(CLEAN) + len(WRONG)
    wrong = examples[len(CLEAN)]
    assert wrong.label == 1.0 and wrong.text[wrong.spans[0][0]:wrong.spans[0][1]] == "striptease"


def test_read_annotated_mqm_export(tmp_path: Path) -> None:
    path = tmp_path / "mqm.tsv"
    path.write_text("system\tdoc\tseg_id\trater\ttarget\tcategory\tseverity\n"
                    "s1\td\t1\tr1\tThe <v>surrounded striptease</v> was hit.\tAccuracy/Mistranslation\tMajor\n"
                    "s1\td\t1\tr2\tThe surrounded striptease was hit.\tNo-error\tno-error\n"
                    "s1\td\t2\tr1\tIt rained.\tNo-error\tno-error\n", encoding="utf-8")
    examples = {e.text: e for e in read_annotated(path)}
    bad = examples["The surrounded striptease was hit."]
    assert bad.spans == ((4, 25, 0.5),)
    assert bad.label == 1.0  # one of two raters: the single-rater rule needs one
    assert examples["It rained."].label == 0.0


@pytest.mark.parametrize("content, message", [
    ("target\tlabel\nA sentence.\t2\n", ":2: label '2' is not 0 or 1"),
    ("target\tspans\nShort.\t[[0, 99]]\n", ":2: span [0, 99] is outside the text"),
    ("text\tother\nA sentence.\tx\n", ":1: needs a 'label' or 'spans' column"),
    ('target\tlabel\n"unterminated\t1\n', ":"),
])
def test_read_annotated_errors_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_annotated(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_tag_spans_follow_bad_runs() -> None:
    text = "The whole day-long battle ended."
    assert tag_spans(text, "The whole day-long battle ended .", "OK BAD BAD OK OK OK") == [(4, 18)]


def test_token_targets_share_of_raters() -> None:
    offsets = np.array([[0, 3], [4, 9], [10, 15]])
    y = token_targets(offsets, [(4, 9, 1 / 3), (4, 15, 1 / 3)])
    assert y.tolist() == pytest.approx([0.0, 2 / 3, 1 / 3])


def test_token_head_learns_a_separable_rule() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 8)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0.5).astype(np.float32)
    head = TokenHead.fit(x, y, np.ones(len(y), np.float32), hidden=8, epochs=20, batch=64, lr=1e-2, seed=0)
    accuracy = float(((head.predict(x) > 0.5) == (y > 0.5)).mean())
    assert accuracy > 0.95
    again = TokenHead.fit(x, y, np.ones(len(y), np.float32), hidden=8, epochs=20, batch=64, lr=1e-2, seed=0)
    assert np.array_equal(head.w1, again.w1)  # deterministic for a seed


def test_sentence_model_is_calibrated_on_its_data() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4000, 2))
    p = 1 / (1 + np.exp(-(1.5 * x[:, 0] - 0.5)))
    y = (rng.random(4000) < p).astype(float)
    model = SentenceModel.fit(x, y, ("a", "b"), l2=0.0)
    assert model.predict(x).mean() == pytest.approx(y.mean(), abs=0.01)
    assert model.coef[0] * 1 == pytest.approx(1.5 * x[:, 0].std(), rel=0.15)
    assert abs(model.coef[1]) < 0.1
    back = SentenceModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert np.allclose(back.predict(x[:5]), model.predict(x[:5]))


def test_projection_keeps_the_main_direction() -> None:
    rng = np.random.default_rng(2)
    x = np.outer(rng.normal(size=500), [3.0, 4.0]) + 0.01 * rng.normal(size=(500, 2))
    proj = Projection.fit(x.astype(np.float32), 1)
    assert abs(proj.components[:, 0] @ np.array([0.6, 0.8])) > 0.99


def test_sentence_features_grow_with_marked_tokens() -> None:
    calm = sentence_features(np.array([0.01, 0.02, 0.01]), 3)
    bad = sentence_features(np.array([0.01, 0.9, 0.01]), 3)
    assert bad[0] > calm[0] and bad[2] > calm[2] and bad[1] > calm[1]


def test_token_spans_widen_to_words_and_merge() -> None:
    text = "The surrounded striptease was hit."
    offsets = np.array([[0, 3], [4, 14], [15, 20], [20, 25], [26, 29], [30, 33], [33, 34]])
    p = np.array([0.0, 0.1, 0.9, 0.8, 0.0, 0.0, 0.0])
    assert token_spans(text, offsets, p, 0.5) == ((15, 25, pytest.approx(0.9)),)
    p = np.array([0.0, 0.0, 0.7, 0.0, 0.0, 0.0, 0.0])  # a piece inside a word marks the whole word
    assert token_spans(text, offsets, p, 0.5)[0][:2] == (15, 25)


def test_count_words() -> None:
    assert count_words("It's a well-known fact, isn't it?") == 6


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_every_corruption_marks_a_real_span(kind: str) -> None:
    from tqcheck.training.data import Example

    clean = [Example(text=t, label=0.0, group="g") for t in CLEAN + [
        "The plan is not popular and it was not approved because the council did not agree."]]
    made = corrupt(clean, per_example=1.0, kinds=(kind,), seed=3)
    assert made, kind
    for e in made:
        assert e.label == 1.0 and e.kind == f"synthetic.{kind}" and e.text not in CLEAN
        for start, end, _ in e.spans:
            assert 0 <= start < end <= len(e.text) and e.text[start:end].strip()


@pytest.mark.slow
def test_train_then_check_with_the_trained_detector(tmp_path: Path) -> None:
    data = annotated_file(tmp_path / "marks.tsv")
    out = tmp_path / "my-detector"
    runner = CliRunner()
    cache = tmp_path / "encodings"
    result = runner.invoke(cli, ["train", str(data), "-o", str(out), "--no-tune", "--epochs", "30", "--folds", "2", "-q",
                                 "--name", "team-detector", "--cache", str(cache)])
    assert result.exit_code == 0, result.output
    assert len(list(cache.glob("encoded-*.npz"))) == 1
    card = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert card["name"] == "team-detector" and card["training"][0]["name"] == "marks.tsv"
    assert (out / "README.md").read_text(encoding="utf-8").startswith("# team-detector 1")
    detector = load_detector(str(out))
    [bad, clean] = detector.predict(["The surrounded striptease was hit by air strikes again on Tuesday.",
                                     "The government announced new measures to support small businesses."])
    assert bad.probability > clean.probability
    text = tmp_path / "article.txt"
    text.write_text("The government announced new measures to support small businesses on Monday. "
                    "The surrounded striptease was hit by air strikes again on Tuesday.\n", encoding="utf-8")
    result = runner.invoke(cli, ["check", str(text), "--detector", str(out), "--grammar", "none", "--exit-zero",
                                 "-f", "json=-", "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    worst = report["segments"][0]
    assert "striptease" in worst["sentence"]
    assert report["signature"]["detector.model"].startswith("team-detector==1 sha256:")


@pytest.mark.slow
def test_training_again_reads_the_cached_encodings_and_gives_the_same_model(tmp_path: Path) -> None:
    data = annotated_file(tmp_path / "marks.tsv")
    runner = CliRunner()
    for name in ("a", "b"):
        result = runner.invoke(cli, ["train", str(data), "-o", str(tmp_path / name), "--no-tune", "--epochs", "5",
                                     "--no-synthetic", "--cache", str(tmp_path / "c")])
        assert result.exit_code == 0, result.output
    assert "encodings read from" in result.stderr
    cards = [json.loads((tmp_path / n / "model.json").read_text(encoding="utf-8")) for n in ("a", "b")]
    assert cards[0]["heads_sha256"] == cards[1]["heads_sha256"]  # deterministic for a seed


def test_a_detector_whose_weights_changed_is_refused(tmp_path: Path) -> None:
    from tqcheck.scoring.detector import SHIPPED, Detector
    from tqcheck.core.errors import ConfigError
    import shutil

    if not SHIPPED.exists():
        pytest.skip("no shipped detector")
    copy = tmp_path / "d"
    shutil.copytree(SHIPPED, copy)
    weights = Detector(copy).weights_file
    with weights.open("ab") as handle:
        handle.write(b"x")
    with pytest.raises(ConfigError, match="does not match"):
        Detector(copy)


def test_train_without_data_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["train", "-o", str(tmp_path / "x")])
    assert result.exit_code == 2 and "--data" in result.output


def test_finding_weights_follow_the_evidence() -> None:
    from tqcheck.training.build import EVIDENCE, combine_counts, fit_finding_weights

    rng = np.random.default_rng(4)
    n = 4000
    p_det = np.full(n, 0.3)
    counts = np.zeros((n, len(EVIDENCE)))
    strong, useless = EVIDENCE.index("source.major"), EVIDENCE.index("grammar.minor")
    counts[:, strong] = rng.random(n) < 0.2
    counts[:, useless] = rng.random(n) < 0.3
    truth = 1 - (1 - p_det) * (1 - 0.8 * counts[:, strong])
    y = (rng.random(n) < truth).astype(float)
    weights = fit_finding_weights(p_det, counts, y)
    assert weights["source.major"] == pytest.approx(0.8, abs=0.08)
    assert weights["grammar.minor"] < 0.05
    assert combine_counts(np.array([0.3]), counts[:1] * 0, weights)[0] == pytest.approx(0.3)


def test_a_major_source_finding_lowers_the_score() -> None:
    from tqcheck.scoring.detector.scorer import combine
    from tqcheck.core.finding import Finding, Severity

    number = Finding(rule_id="source.Number", message="m", severity=Severity.MAJOR, category="accuracy/number",
                     origin="source", file="f", segment=0, start=0, end=1, matched="7", line=1, column=1, offset=0,
                     end_line=1, end_column=2)
    assert combine(0.2, [number], {"source.major": 0.7}) == pytest.approx(1 - 0.8 * 0.3)
    assert combine(0.2, [number], {}) == pytest.approx(0.2)


def test_calibration_holds_on_every_data_set() -> None:
    from tqcheck.training.train import FLAG_RATE, calibrate

    rng = np.random.default_rng(5)
    # set a: clean sentences score low; set b: clean sentences score high (noisier labels)
    p = np.concatenate([rng.uniform(0, 0.5, 1000), rng.uniform(0.3, 0.9, 1000), rng.uniform(0.5, 1, 1000)])
    y = np.concatenate([np.zeros(1000), np.zeros(1000), np.ones(1000)])
    sets = ["a"] * 1000 + ["b"] * 1000 + ["a"] * 1000
    flag, major = calibrate(p, y, sets)
    assert (p[1000:2000] >= flag).mean() <= FLAG_RATE + 0.005
    assert (p[:1000] >= flag).mean() == 0
    pooled, _ = calibrate(p, y)
    assert pooled < flag and major >= flag


def test_graver_findings_weigh_at_least_as_much() -> None:
    from tqcheck.training.build import EVIDENCE, fit_finding_weights

    rng = np.random.default_rng(6)
    n = 2000
    counts = np.zeros((n, len(EVIDENCE)))
    counts[:, EVIDENCE.index("source.major")] = rng.random(n) < 0.2
    y = np.where(counts[:, EVIDENCE.index("source.major")] > 0, 1.0, (rng.random(n) < 0.3).astype(float))
    weights = fit_finding_weights(np.full(n, 0.3), counts, y)
    assert weights["source.critical"] >= weights["source.major"] > 0.5  # never seen, still graver than major


def test_auc_counts_ties_half() -> None:
    from tqcheck.training.build import auc

    assert auc(np.array([1, 0, 1, 0]), np.array([0.9, 0.1, 0.5, 0.5])) == pytest.approx(0.875)
    assert auc(np.array([1, 0]), np.array([0.2, 0.2])) == pytest.approx(0.5)


def test_span_severity_leaves_explained_flags_to_the_findings() -> None:
    from tqcheck.scoring.detector import span_severity

    assert span_severity(False, 0.99, False, 0.7, 0.9) is None           # not flagged: no spans
    assert span_severity(True, 0.95, False, 0.7, 0.9) == "major"         # the detector alone is sure
    assert span_severity(True, 0.8, False, 0.7, 0.9) == "minor"
    assert span_severity(True, 0.3, True, 0.7, 0.9) is None              # flagged by other findings
    assert span_severity(True, 0.3, False, 0.7, 0.9) == "minor"          # flagged, nothing else says why


def test_reported_spans_fall_back_to_the_likeliest_word() -> None:
    from tqcheck.scoring.detector import reported_spans

    text = "The surrounded striptease was hit."
    offsets = np.array([[0, 3], [4, 14], [15, 20], [20, 25], [26, 29], [30, 33], [33, 34]])
    p = np.array([0.01, 0.05, 0.1, 0.08, 0.0, 0.0, 0.0])
    assert reported_spans(text, offsets, p, 0.5) == ((15, 25, pytest.approx(0.1)),)


def test_the_cards_rebuild_command_leaves_the_cache_out() -> None:
    from tqcheck.cli.train import _without_cache

    assert _without_cache(["--data", "d", "--cache", "/x", "-o", "out", "--cache=/y", "--no-cache", "-q"]) == \
        ["--data", "d", "-o", "out", "-q"]


def test_set_folds_keep_every_data_set_and_its_damage_together():
    from tqcheck.training.data import Example
    from tqcheck.training.train import fold_numbers, set_folds

    real = [Example(text=f"Sentence {i} of {s}.", label=float(i % 2), group=f"{s}|doc{i % 3}|sys", kind="mqm")
            for s in ("news", "talks", "web") for i in range(6)]
    damaged = corrupt(real, per_example=1.0, seed=0)
    examples = real + damaged
    fold = set_folds(examples)
    by_set = {}
    for e, f in zip(examples, fold):
        by_set.setdefault(e.group.split("|")[0], set()).add(int(f))
    assert sorted(by_set) == ["news", "talks", "web"]
    assert all(len(v) == 1 for v in by_set.values())  # a set and its synthetic copies share one fold
    assert sorted(int(f) for v in by_set.values() for f in v) == [0, 1, 2]
    one_set = [e for e in examples if e.group.startswith("news|")]
    assert set_folds(one_set) is None
    assert len(set(fold_numbers(one_set, 2, 0, by="set").tolist())) == 2  # one set: document folds instead
    assert (fold_numbers(examples, 2, 0, by="set") == fold).all()
