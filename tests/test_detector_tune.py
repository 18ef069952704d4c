"""The fine-tuned detector: `tqcheck train --tune` on a tiny annotated file, then `check --detector` with it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tqcheck.cli.main import cli
from tqcheck.scoring.detector import load_detector
from tqcheck.training.build import tuning_available

from test_detector import annotated_file  # noqa: E402  (tests/ is on the path under pytest)

pytestmark = pytest.mark.skipif(not tuning_available(), reason="needs the train extra (torch, the base MiniLM)")


@pytest.fixture(scope="module")
def tuned(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("tuned")
    data = annotated_file(tmp / "marks.tsv")
    out = tmp / "tuned-detector"
    result = CliRunner().invoke(cli, ["train", str(data), "-o", str(out), "--tune", "--tune-steps", "8", "-q",
                                      "--monolingual", "--cache", str(tmp / "cache"), "--name", "team-tuned"])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.slow
def test_a_tuned_detector_folder_has_its_int8_encoder_pinned_by_hash(tuned: Path) -> None:
    card = json.loads((tuned / "model.json").read_text(encoding="utf-8"))
    assert card["tuned"]["file"] == "tuned-int8.onnx" and not (tuned / "heads.npz").exists()
    assert "tuned_sentence" in card["sentence_model"]["names"]
    assert (tuned / "tuned-int8.onnx").stat().st_size < 25 * 1024 * 1024
    assert "fine-tuned MiniLM-L6" in (tuned / "README.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_check_with_a_tuned_detector(tuned: Path, tmp_path: Path) -> None:
    text = tmp_path / "article.txt"
    text.write_text("The government announced new measures to support small businesses on Monday. "
                    "The surrounded striptease was hit by air strikes again on Tuesday.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(text), "--detector", str(tuned), "--grammar", "none",
                                      "--exit-zero", "-f", "json=-", "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["signature"]["detector.model"].startswith("team-tuned==1 sha256:")
    assert len(report["segments"]) == 2


@pytest.mark.slow
def test_a_sentence_scores_the_same_whatever_its_neighbours(tuned: Path) -> None:
    detector = load_detector(str(tuned))
    sentence = "The surrounded striptease was hit by air strikes again on Tuesday."
    alone = detector.predict([sentence])[0]
    among = detector.predict(["Short.", "A much longer sentence about the budget of the regional council, "
                              "which met on Monday and again on Friday to discuss it.", sentence])[2]
    assert alone.probability == among.probability
    assert np.array_equal(np.asarray(alone.token_probabilities), np.asarray(among.token_probabilities))


@pytest.mark.slow
def test_a_tuned_encoder_that_changed_is_refused(tuned: Path, tmp_path: Path) -> None:
    from tqcheck.scoring.detector import Detector
    from tqcheck.core.errors import ConfigError

    copy = tmp_path / "d"
    shutil.copytree(tuned, copy)
    with (copy / "tuned-int8.onnx").open("ab") as handle:
        handle.write(b"x")
    with pytest.raises(ConfigError, match="does not match"):
        Detector(copy)


def test_tune_without_torch_says_how_to_get_it(monkeypatch, tmp_path: Path) -> None:
    import tqcheck.training.build as build

    monkeypatch.setattr(build, "tuning_available", lambda: False)
    data = annotated_file(tmp_path / "marks.tsv")
    result = CliRunner().invoke(cli, ["train", str(data), "-o", str(tmp_path / "x"), "--tune", "-q"])
    assert result.exit_code == 2 and "tqcheck[train]" in result.output and "--no-tune" in result.output


def test_an_edit_head_learns_post_edits_apart_and_leaves_the_exported_model_as_it_was(tmp_path: Path) -> None:
    import onnx
    import torch

    from tqcheck.training.data import Example
    from tqcheck.training.tune import TuneSettings, base_model_dir, build_net, export, fine_tune, job_key

    examples = [Example("The strip was surrounded by troops .", 1.0, ((4, 9, 1.0),), True),
                Example("The talks resumed on Monday .", 0.0, (), True),
                Example("He exports the room quietly .", None, ((3, 10, 1.0),), True, kind="postedit"),
                Example("She wrote a long letter .", None, (), True, kind="postedit")]
    plain, with_edit = TuneSettings(max_steps=2, batch=4), TuneSettings(max_steps=2, batch=4, edit_head=True)
    # the setting is part of a model's key only when it is on: models trained before it keep their keys
    assert job_key(examples, plain) != job_key(examples, with_edit)
    assert job_key(examples, plain) == job_key(examples, TuneSettings(max_steps=2, batch=4, edit_head=False))
    net = fine_tune(examples, with_edit)
    assert net.edit_head is not None
    torch.manual_seed(with_edit.seed)  # as fine_tune starts: the same initial weights
    start = build_net(torch, base_model_dir(), edit_head=True)
    assert not torch.equal(net.edit_head.weight, start.edit_head.weight)  # trained
    # only the post-edit rows read it
    ids = torch.tensor([[101, 2000, 102], [101, 2000, 102]])
    mask, words = torch.ones_like(ids), torch.tensor([1.0, 1.0])
    with torch.inference_mode():
        plain_logits, plain_sentence = net(ids, mask, words)
        mixed_logits, mixed_sentence = net(ids, mask, words, torch.tensor([False, True]))
    assert torch.equal(plain_logits[0], mixed_logits[0]) and not torch.equal(plain_logits[1], mixed_logits[1])
    assert torch.equal(plain_sentence, mixed_sentence)  # the sentence head reads the major-span head only
    graph = onnx.load(str(export(net, tmp_path / "tuned.onnx"))).graph
    assert [o.name for o in graph.output] == ["token_logits", "sentence_logit"]
    assert not any("edit_head" in i.name for i in graph.initializer)
