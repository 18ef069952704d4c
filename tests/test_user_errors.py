"""Every user-caused problem is a one-line error naming the file and place, exit 2 (issue 23, item 5): a
hand-edited or damaged detector folder, bad training data and outputs, a damaged encodings cache, a lone
surrogate in JSONL, a garbage Dask address, out-of-range numbers. Each case ran into "internal error ... (a
bug: please report it)" before. The command-line cases run ``python -m tqcheck`` through the fuzz suite's
helper (a memory and a time limit, the previous report intact, no temporary file left).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from test_fuzz import FAST, GOOD, OUT, PREVIOUS, REPORT, assert_error, assert_ran, leftovers, tqcheck


@pytest.fixture
def work(tmp_path: Path):
    """The fuzz suite's folder: a good input and a previous report; after the case, the report is intact and no
    temporary file is left."""
    (tmp_path / "reports").mkdir()
    (tmp_path / REPORT).write_text(PREVIOUS, encoding="utf-8")
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    yield tmp_path
    assert (tmp_path / REPORT).read_text(encoding="utf-8") == PREVIOUS
    assert leftovers(tmp_path) == []

SHIPPED = Path(__file__).resolve().parent.parent / "tqcheck" / "models" / "detector"


# -- numbers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("line,key", [
    ("max_input_mb = 1e308", "max_input_mb"),
    ("languagetool_timeout = 1e300", "languagetool_timeout"),
    ("languagetool_max_chars = 9223372036854775807", "languagetool_max_chars"),
])
def test_huge_numbers_in_the_config_are_refused(work: Path, line: str, key: str):
    (work / "big.toml").write_text(line + "\n", encoding="utf-8")
    run = tqcheck(["check", "good.txt", *FAST, "--config", "big.toml", *OUT], work)
    assert_error(run, "big.toml", key, "at most")


def test_input_limit_stays_finite_for_any_setting():
    from tqcheck.core.config import Settings
    from tqcheck.core.limits import MB, input_limit

    class Loose(Settings):  # what an API caller might hand over without validation
        def get(self, key):
            return self.values[key]

    for value, expected in ((float("nan"), 64 * MB), (-1.0, 64 * MB), (1e308, 1_048_576 * MB)):
        settings = Loose()
        settings.values["max_input_mb"] = value
        assert input_limit(settings) == expected


# -- JSONL -------------------------------------------------------------------------------------------

def test_jsonl_lone_surrogate_is_an_input_error_with_its_line(work: Path):
    (work / "sur.jsonl").write_text('{"target": "Fine."}\n{"target": "a \\ud800 b"}\n', encoding="utf-8")
    run = tqcheck(["check", "sur.jsonl", *FAST, *OUT], work)
    assert_error(run, "sur.jsonl:2", "surrogate")


def test_jsonl_surrogate_pair_is_text(work: Path):
    (work / "pair.jsonl").write_text('{"target": "A smile \\ud83d\\ude00 is fine."}\n', encoding="utf-8")
    run = tqcheck(["check", "pair.jsonl", *FAST, "-f", "json=reports/fresh.json", "--exit-zero"], work)
    assert_ran(run)
    (work / "reports" / "fresh.json").unlink()


@pytest.mark.parametrize("name", ["X.jsonl", "X.ndjson"])
def test_stdin_name_reads_standard_input_not_the_file_of_that_name(work: Path, name: str):
    (work / name).write_text('{"target": "The text on disk is here."}\n', encoding="utf-8")
    run = tqcheck(["check", "-", "--stdin-name", name, *FAST, "-f", "json=reports/fresh.json", "--exit-zero"], work,
                  stdin=b'{"target": "The text from standard input is here."}\n')
    assert_ran(run)
    report = (work / "reports" / "fresh.json").read_text(encoding="utf-8")
    (work / "reports" / "fresh.json").unlink()
    assert "standard input" in report and "on disk" not in report


def test_stdin_name_without_a_file_of_that_name(work: Path):
    run = tqcheck(["check", "-", "--stdin-name", "missing.jsonl", *FAST, "-f", "json=reports/fresh.json",
                   "--exit-zero"], work, stdin=b'{"target": "Only on standard input."}\n')
    assert_ran(run)
    (work / "reports" / "fresh.json").unlink()


def test_stdin_name_parquet_reads_standard_input(work: Path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    pd.DataFrame({"target": ["Parquet rows from standard input."]}).to_parquet(work / "in.parquet")
    pd.DataFrame({"target": ["Parquet rows on disk."]}).to_parquet(work / "Y.parquet")
    run = tqcheck(["check", "-", "--stdin-name", "Y.parquet", *FAST, "-f", "json=reports/fresh.json",
                   "--exit-zero"], work, stdin=work / "in.parquet")
    assert_ran(run)
    report = (work / "reports" / "fresh.json").read_text(encoding="utf-8")
    (work / "reports" / "fresh.json").unlink()
    assert "standard input" in report and "on disk" not in report


# -- Dask addresses ----------------------------------------------------------------------------------

@pytest.mark.parametrize("address,words", [
    ("garbage:::addr", ["not a Dask scheduler address"]),
    ("foo://host:1", ["unknown scheme"]),
    ("tcp://localhost:99999", ["port 99999"]),
])
def test_dask_garbage_address_is_a_usage_error(work: Path, address: str, words: list[str]):
    pytest.importorskip("distributed")
    run = tqcheck(["check", "good.txt", *FAST, "--dask", address, *OUT], work, timeout=60, memory_mb=1500)
    assert_error(run, address, *words)


# -- the detector folder -----------------------------------------------------------------------------

def _detector(tmp_path: Path, change=None, raw: bytes | None = None) -> Path:
    folder = tmp_path / "det"
    shutil.copytree(SHIPPED, folder)
    if raw is not None:
        (folder / "model.json").write_bytes(raw)
    elif change is not None:
        card = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        change(card)
        (folder / "model.json").write_text(json.dumps(card), encoding="utf-8")  # NaN and Infinity as JSON allows
    return folder


def _set(key: str, value):
    def change(card: dict) -> None:
        *parents, last = key.split(".")
        target = card
        for part in parents:
            target = target[part]
        target[last] = value
    return change


@pytest.mark.parametrize("change,place,words", [
    (_set("flag_threshold", float("-inf")), "flag_threshold", "finite"),
    (_set("flag_threshold", float("nan")), "flag_threshold", "finite"),
    (_set("span_threshold", 7), "span_threshold", "between 0 and 1"),
    (_set("flag_threshold", "high"), "flag_threshold", "expected a number"),
    (lambda card: card.pop("flag_threshold"), "flag_threshold", "missing"),
    (lambda card: card.pop("sentence_model"), "sentence_model", "missing"),
    (lambda card: card["sentence_model"]["coef"].pop(), "sentence_model.coef", "values for"),
    (_set("sentence_model.sigma", None), "sentence_model.sigma", "list of numbers"),
    (lambda card: card["sentence_model"]["coef"].__setitem__(2, float("inf")), "sentence_model.coef[2]", "finite"),
    (_set("tuned", "x"), "tuned", "expected an object"),
    (_set("tuned.file", "../../etc/passwd"), "tuned.file", "file in the detector folder"),
    (_set("tuned.max_length", 10 ** 9), "tuned.max_length", "between 8 and 512"),
    (_set("finding_weights", {"rules.major": "x"}), "finding_weights", "numbers"),
    (_set("bilingual.length_ratios", {"zh": [1]}), "bilingual.length_ratios", "pairs"),
])
def test_hand_edited_detector_card_names_the_file_and_key(tmp_path: Path, change, place: str, words: str):
    from tqcheck.core.errors import ConfigError
    from tqcheck.scoring.detector import Detector

    folder = _detector(tmp_path, change)
    with pytest.raises(ConfigError) as caught:
        Detector(folder)
    message = str(caught.value)
    assert message.startswith(f"{folder / 'model.json'}: {place}: "), message
    assert words in message, message


@pytest.mark.parametrize("raw,words", [
    (b"\x00\xffgarbage", "not UTF-8"),
    (b"{not json", "not a readable detector card"),
    (b"[]", "not a JSON object"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
], ids=["binary", "not-json", "a-list", "deep"])
def test_garbage_detector_card(tmp_path: Path, raw: bytes, words: str):
    from tqcheck.core.errors import ConfigError
    from tqcheck.scoring.detector import Detector

    folder = _detector(tmp_path, raw=raw)
    with pytest.raises(ConfigError, match=words) as caught:
        Detector(folder)
    assert str(folder / "model.json") in str(caught.value)


def test_huge_detector_card_is_refused_unread(tmp_path: Path, monkeypatch):
    from tqcheck.core.errors import ConfigError
    from tqcheck.scoring import detector

    monkeypatch.setattr(detector, "MAX_CARD_BYTES", 40_000)  # 16 MB in use; a 300 MB card was read whole
    card = json.loads((SHIPPED / "model.json").read_text(encoding="utf-8"))
    folder = _detector(tmp_path, _set("pad", "x" * 80_000))
    with pytest.raises(ConfigError, match="larger than"):
        detector.Detector(folder)
    assert card  # the shipped card itself is within the limit
    assert (SHIPPED / "model.json").stat().st_size < detector.MAX_CARD_BYTES


def test_truncated_onnx_with_a_matching_hash_is_a_config_error(tmp_path: Path):
    from tqcheck.core.errors import ConfigError
    from tqcheck.scoring.detector import Detector

    folder = _detector(tmp_path)
    weights = folder / "tuned-int8.onnx"
    data = weights.read_bytes()[:100_000]
    weights.write_bytes(data)
    card = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    card["tuned"]["sha256"] = hashlib.sha256(data).hexdigest()  # a hand-edited card that "fixes" the hash
    (folder / "model.json").write_text(json.dumps(card), encoding="utf-8")
    loaded = Detector(folder)
    with pytest.raises(ConfigError, match="not a loadable ONNX model") as caught:
        loaded.predict(["A sentence."])
    assert str(weights) in str(caught.value)


def test_sentence_model_for_other_features_is_a_config_error(tmp_path: Path):
    from tqcheck.core.errors import ConfigError
    from tqcheck.scoring.detector import Detector

    def more(card: dict) -> None:
        model = card["sentence_model"]
        model["names"].append("extra")
        model["coef"].append(0.5)
        model["mu"].append(0.0)
        model["sigma"].append(1.0)

    loaded = Detector(_detector(tmp_path, more))
    with pytest.raises(ConfigError, match="sentence_model: the sentence model has weights for other features"):
        loaded.predict(["A sentence."])


def test_damaged_heads_file_is_a_config_error(tmp_path: Path):
    from tqcheck.core.errors import ConfigError
    from tqcheck.scoring.detector import Detector

    folder = tmp_path / "heads"
    folder.mkdir()
    (folder / "heads.npz").write_bytes(b"PK\x03\x04 not really a zip")
    digest = hashlib.sha256((folder / "heads.npz").read_bytes()).hexdigest()
    card = json.loads((SHIPPED / "model.json").read_text(encoding="utf-8"))
    card.pop("tuned")
    card["heads_sha256"] = digest
    (folder / "model.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ConfigError, match="not readable detector weights"):
        Detector(folder)


def test_detector_card_error_through_the_command_line(work: Path):
    _detector(work, _set("flag_threshold", float("-inf")))
    run = tqcheck(["check", "good.txt", "--grammar", "none", "--no-config", "--detector", "det", *OUT], work,
                  timeout=120, memory_mb=2500)
    assert_error(run, "det/model.json: flag_threshold:", "finite")


# -- tqcheck train -----------------------------------------------------------------------------------

def _annotated(path: Path, pairs: int) -> Path:
    rows = ["target\tlabel"]
    for i in range(pairs):
        rows.append(f"The committee approved plan number {i} on Monday after a long debate.\t0")
        rows.append(f"The the committee approve plan {i} number on on Monday after debate long.\t1")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_train_bad_utf8_names_the_line(work: Path):
    (work / "bad.tsv").write_bytes(b"target\tlabel\nFine.\t0\nOne \xff sentence.\t0\n")
    run = tqcheck(["train", "bad.tsv", "-o", "out", "--no-tune", "--no-cache", "-q"], work, timeout=120,
                  memory_mb=2500)
    assert_error(run, "bad.tsv:3", "not UTF-8")
    assert not (work / "out").exists()


def test_train_lone_surrogate_names_the_line(work: Path):
    (work / "sur.jsonl").write_text('{"target": "Fine.", "label": 0}\n{"target": "a \\udc00", "label": 1}\n')
    run = tqcheck(["train", "sur.jsonl", "-o", "out", "--no-tune", "--no-cache", "-q"], work, timeout=120,
                  memory_mb=2500)
    assert_error(run, "sur.jsonl:2", "surrogate")


@pytest.mark.parametrize("pairs", [1, 8])
def test_train_too_few_examples_is_an_input_error(work: Path, pairs: int):
    _annotated(work / "few.tsv", pairs)
    run = tqcheck(["train", "few.tsv", "-o", "out", "--no-tune", "--no-synthetic", "--no-cache", "-q"], work,
                  timeout=120, memory_mb=2500)
    assert_error(run, "few.tsv", "too few to train")
    assert not (work / "out").exists()


def test_train_one_label_only_is_an_input_error(tmp_path: Path):
    from tqcheck.core.errors import InputError
    from tqcheck.training.build import check_examples
    from tqcheck.training.data import Example

    examples = [Example(text=f"Sentence {i} is a fine sentence with several words in it.", label=0.0)
                for i in range(40)]
    with pytest.raises(InputError, match="0 sentences with a major error"):
        check_examples(examples, 2, "mine.tsv")


@pytest.mark.parametrize("out,words", [
    ("afile", "not a folder"),
    ("afile/sub", "is not a folder"),
    ("/proc/tqcheck-no-such/sub", "cannot write"),
])
def test_train_unwritable_output_is_refused_before_training(work: Path, out: str, words: str):
    (work / "afile").write_text("mine\n", encoding="utf-8")
    _annotated(work / "ann.tsv", 30)
    run = tqcheck(["train", "ann.tsv", "-o", out, "--no-tune", "--no-cache"], work, timeout=120, memory_mb=2500)
    assert_error(run, out, words)
    assert "encoding" not in run.stderr  # refused before the work
    assert (work / "afile").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("damage", ["truncated", "garbage", "inconsistent"])
def test_damaged_encodings_cache_is_rebuilt(tmp_path: Path, damage: str):
    from tqcheck.training.data import Example
    from tqcheck.training.train import encode

    class Fake:
        signature = "fake-encoder"
        calls = 0

        def encode(self, texts):
            from types import SimpleNamespace

            Fake.calls += 1
            return [SimpleNamespace(offsets=np.array([[0, len(t)]], np.int32), states=np.ones((1, 4), np.float32))
                    for t in texts]

    examples = [Example(text=f"Sentence {i}.", label=0.0) for i in range(5)]
    first = encode(examples, Fake(), cache=tmp_path)
    [path] = list(tmp_path.glob("encoded-*.npz"))
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif damage == "garbage":
        path.write_bytes(b"\x00" * 1000)
    else:
        np.savez(path, states=np.ones((3, 4)), offsets=np.zeros((3, 2), np.int32), ptr=np.array([0, 1, 2, 3, 9, 9]))
    again = encode(examples, Fake(), cache=tmp_path)
    assert Fake.calls == 2  # encoded again
    assert [e.states.tolist() for e in again] == [e.states.tolist() for e in first]
    third = encode(examples, Fake(), cache=tmp_path)  # and the rebuilt file is used
    assert Fake.calls == 2 and len(third) == 5


# -- environment variables -----------------------------------------------------------------------------

@pytest.mark.parametrize("value,words", [("abc", "expected a number"), ("nan", "finite"), ("inf", "finite"),
                                         ("-1", "between 0 and")])
def test_bad_number_in_an_environment_variable_names_it(work: Path, value: str, words: str):
    run = tqcheck(["check", "good.txt", *FAST, "--progress", *OUT], work, env={"TQCHECK_PROGRESS_SECONDS": value})
    assert_error(run, "$TQCHECK_PROGRESS_SECONDS", words)


def test_env_number_reads_a_good_value(monkeypatch):
    from tqcheck.core.limits import env_number

    monkeypatch.setenv("TQCHECK_TEST_NUMBER", " 7 ")
    assert env_number("TQCHECK_TEST_NUMBER", 1, minimum=0, maximum=10, whole=True) == 7
    monkeypatch.setenv("TQCHECK_TEST_NUMBER", "")
    assert env_number("TQCHECK_TEST_NUMBER", 1.5, minimum=0, maximum=10) == 1.5


def test_train_unwritable_cache_is_refused_before_training(work: Path):
    _annotated(work / "ann.tsv", 30)
    run = tqcheck(["train", "ann.tsv", "-o", "out", "--no-tune", "--cache", "/proc/tqcheck-no-such"], work,
                  timeout=120, memory_mb=2500)
    assert_error(run, "/proc/tqcheck-no-such", "cannot write the training cache", "--no-cache")
    assert not (work / "out").exists()


def test_encodings_that_cannot_be_cached_are_still_returned(tmp_path: Path, monkeypatch):
    from types import SimpleNamespace

    from tqcheck.training.data import Example
    from tqcheck.training import train

    class Fake:
        signature = "fake-encoder"

        def encode(self, texts):
            return [SimpleNamespace(offsets=np.array([[0, len(t)]], np.int32), states=np.ones((1, 4), np.float32))
                    for t in texts]

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(train.np, "savez", full_disk)
    encoded = train.encode([Example(text="One.", label=0.0), Example(text="Two.", label=1.0)], Fake(), cache=tmp_path)
    assert len(encoded) == 2
    assert list(tmp_path.iterdir()) == []  # no half-written file


# -- JSON integers Python will not read (more than 4,300 digits) ----------------------------------------

HUGE_INTEGER = "9" * 5000


def test_jsonl_huge_integer_names_the_line(work: Path):
    (work / "big.jsonl").write_text('{"target": "Fine."}\n{"target": "Fine.", "id": %s}\n' % HUGE_INTEGER)
    run = tqcheck(["check", "big.jsonl", *FAST, *OUT], work)
    assert_error(run, "big.jsonl:2", "4,300 digits")


def test_training_jsonl_huge_integer_names_the_line(work: Path):
    (work / "big.jsonl").write_text('{"target": "Fine.", "label": %s}\n' % HUGE_INTEGER)
    run = tqcheck(["train", "big.jsonl", "-o", "out", "--no-tune", "--no-cache", "-q"], work, timeout=120,
                  memory_mb=2500)
    assert_error(run, "big.jsonl:1", "4,300 digits")


def test_baseline_huge_integer_is_a_config_error(work: Path):
    (work / "bl.json").write_text('{"tool": "tqcheck", "version": %s, "findings": []}' % HUGE_INTEGER)
    run = tqcheck(["check", "good.txt", *FAST, "--baseline", "bl.json", *OUT], work)
    assert_error(run, "bl.json", "4,300 digits")


def test_detector_card_huge_integer_is_a_config_error(tmp_path: Path):
    from tqcheck.core.errors import ConfigError
    from tqcheck.scoring.detector import Detector

    folder = _detector(tmp_path)
    text = (folder / "model.json").read_text(encoding="utf-8")
    (folder / "model.json").write_text(text.replace('"max_length": 128', f'"max_length": {HUGE_INTEGER}'))
    with pytest.raises(ConfigError, match="4,300 digits"):
        Detector(folder)


@pytest.mark.parametrize("name", ["TQCHECK_ENCODER_THREADS", "TQCHECK_LM_THREADS"])
@pytest.mark.parametrize("value", ["abc", "nan", "2.5", "-1", "1e9"])
def test_thread_counts_in_the_environment_are_checked(monkeypatch, name: str, value: str):
    from tqcheck.core.errors import ConfigError
    from tqcheck.core.limits import env_number

    monkeypatch.setenv(name, value)
    low = 1 if name == "TQCHECK_ENCODER_THREADS" else 0
    with pytest.raises(ConfigError, match=f"\\${name}: "):
        env_number(name, low, minimum=low, maximum=256, whole=True)


def test_encoder_threads_from_the_environment_is_a_config_error(monkeypatch):
    from tqcheck.core.errors import ConfigError
    from tqcheck.language import encoder

    monkeypatch.setenv("TQCHECK_ENCODER_THREADS", "abc")
    with pytest.raises(ConfigError, match="TQCHECK_ENCODER_THREADS: expected a number"):
        encoder.load_encoder()
