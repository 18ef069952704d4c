"""Figures of a cross-lingual quality model on the shared data (issue 22), each beside sentence length.

The rows of both parts of the selection protocol (``load_rows``) and every figure of ``docs/accuracy.md``'s
section on the model (``evaluate``): pooled and within-document AUC for a major error, Spearman with the MQM
penalty and the MLQE-PE DA z-score, flags at the shipped policy (5 % of the training sets' clean sentences above
the threshold), span F1, the omitted-source-word AUC and damaged/original pairs. ``bench/qe_model.py`` runs them.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from tqcheck.training.qe_data import ALL_SETS, MQM_SETS, QERow, load_rows  # noqa: F401 (load_rows: part of this API)



def auc(y, s) -> float:
    """ROC AUC with average ranks for ties (nan without both classes)."""
    y, s = np.asarray(y, float), np.asarray(s, float)
    pos, neg = y == 1, y == 0
    if not pos.any() or not neg.any():
        return math.nan
    _, inv, cnt = np.unique(s, return_inverse=True, return_counts=True)
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    ranks = (np.bincount(inv, ranks) / cnt)[inv]
    return float((ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * neg.sum()))


def within_auc(y, s, groups) -> float:
    """Size-weighted mean AUC over groups (document x system) that have both classes."""
    by = defaultdict(list)
    for i, g in enumerate(groups):
        by[g].append(i)
    total = n = 0
    for idx in by.values():
        a = auc(np.asarray(y)[idx], np.asarray(s)[idx])
        if not math.isnan(a):
            total, n = total + a * len(idx), n + len(idx)
    return total / n if n else math.nan


def spearman(a, b) -> float:
    """Spearman correlation over the pairs where both are known."""
    from scipy.stats import spearmanr

    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = ~(np.isnan(a) | np.isnan(b))
    return float(spearmanr(a[ok], b[ok]).statistic) if ok.sum() > 2 else math.nan


def words(text: str) -> int:
    """Length, the baseline."""
    return len(text.split())


def span_f1(pred, gold) -> float:
    """Span F1 by any character overlap (as docs/accuracy.md)."""
    def hit(a, b):
        return a[0] < b[1] and b[0] < a[1]
    ph = sum(any(hit(p, g) for g in G) for P, G in zip(pred, gold) for p in P)
    gh = sum(any(hit(g, p) for p in P) for P, G in zip(pred, gold) for g in G)
    pn, gn = sum(map(len, pred)), sum(map(len, gold))
    if not pn or not gn or not ph:
        return math.nan if not pn or not gn else 0.0
    p, r = ph / pn, gh / gn
    return 2 * p * r / (p + r)


def runs(probs, offsets, threshold):
    """Character spans of runs of word pieces above ``threshold``."""
    spans, cur = [], None
    for p, (a, b) in zip(probs, offsets):
        if b <= a:
            continue
        if p > threshold:
            cur = [a, b] if cur is None else [cur[0], b]
        elif cur is not None:
            spans.append(tuple(cur))
            cur = None
    if cur is not None:
        spans.append(tuple(cur))
    return spans


def evaluate(trainer, train_rows: list[QERow], test_rows: list[QERow], name: str) -> dict:
    """Every figure on ``test_rows`` with length beside it; the flag threshold comes from the training rows."""
    ann = [r for r in test_rows if r.kind in ("mqm", "wmtqe", "mlqe")]
    pred = trainer.predict(ann)
    fig: dict = {"name": name}
    mq = [(r, p) for r, p in zip(ann, pred) if r.kind in ("mqm", "wmtqe") and r.label is not None]
    if mq:
        y = [r.label for r, _ in mq]
        s = [p["major"] for _, p in mq]
        length = [words(r.target) for r, _ in mq]
        groups = [r.group for r, _ in mq]
        fig.update(n=len(mq), bad=float(np.mean(y)), auc=auc(y, s), auc_len=auc(y, length),
                   within=within_auc(y, s, groups), within_len=within_auc(y, length, groups))
        every = [(r, p) for r, p in zip(ann, pred) if r.kind in ("mqm", "wmtqe")]
        fig.update(sp_mqm=spearman([p["major"] for _, p in every], [r.mqm for r, _ in every]),
                   sp_mqm_len=spearman([words(r.target) for r, _ in every], [r.mqm for r, _ in every]))
        clean = [r for r in train_rows if r.kind in ("mqm", "wmtqe") and r.label == 0]
        threshold = float(np.quantile([p["major"] for p in trainer.predict(clean[:3000])], 0.95))
        length_threshold = float(np.quantile([words(r.target) for r in clean], 0.95))
        bad = np.array(y) == 1
        for suffix, flags in (("", np.array(s) > threshold), ("_len", np.array(length) > length_threshold)):
            fig["flag_recall" + suffix] = float(flags[bad].mean())
            fig["flag_precision" + suffix] = float(bad[flags].mean()) if flags.any() else math.nan
            fig["clean_flagged" + suffix] = float(flags[~bad].mean())
        spans = [(r, p) for r, p in mq if r.tgt_known and r.kind == "mqm" and len(p["toff"])]
        gold = [r.tgt_spans for r, _ in spans]
        fig["span_f1"] = span_f1([runs(p["tgt"], p["toff"], 0.5) for _, p in spans], gold)
        fig["span_f1_every_word"] = span_f1([[(a, b) for a, b in p["toff"] if b > a] for _, p in spans], gold)
        src = [(r, p) for r, p in mq if r.src_known and r.kind == "mqm" and len(p["soff"])]
        if src:
            from tqcheck.training.qe_model import _labels

            live = [np.array([b > a for a, b in p["soff"]]) for _, p in src]
            ys = np.concatenate([_labels(p["soff"], r.src_spans)[m] for (r, p), m in zip(src, live)])
            ps = np.concatenate([p["src"][m] for (_, p), m in zip(src, live)])
            fig["omitted_source_word_auc"] = auc(ys, ps)
    ml = [(r, p) for r, p in zip(ann, pred) if r.kind == "mlqe"]
    if ml:
        fig.update(n_da=len(ml), sp_da=spearman([-p["major"] for _, p in ml], [r.da for r, _ in ml]),
                   sp_da_head=spearman([p["da"] for _, p in ml], [r.da for r, _ in ml]),
                   sp_da_len=spearman([-words(r.target) for r, _ in ml], [r.da for r, _ in ml]))
    damaged = [r for r in test_rows if r.kind.startswith(("syn:", "pair:"))]
    if damaged:
        originals = [QERow(r.data_set, r.unit, r.source, r.original, 0.0, kind="original") for r in damaged]
        worse, longer = defaultdict(list), defaultdict(list)
        for r, a, b in zip(damaged, trainer.predict(damaged), trainer.predict(originals)):
            worse[r.kind].append(a["major"] > b["major"])
            longer[r.kind].append(words(r.target) > words(r.original))
        fig["pairs"] = {k: [float(np.mean(v)), len(v), float(np.mean(longer[k]))] for k, v in sorted(worse.items())}
    return fig


class DetectorScores:
    """A detector folder as ``tqcheck check`` runs it (with the source), seen as a trainer by ``evaluate``
    (bench/qe_model.py ``--model detector`` and ``--model alignment``)."""

    def __init__(self, folder: str, alignment: bool) -> None:
        from tqcheck.scoring.detector import load_detector

        self.detector, self.alignment, self.memo = load_detector(folder), alignment, {}
        self.part, self.encoded = None, {}

    def fit_alignment(self, train, say, weights=None) -> "DetectorScores":
        """Fit an alignment part on ``train`` (check-time E5 states; the detector's bilingual probability without
        alignment) and blend it into this scorer's probabilities from now on."""
        from tqcheck.training.alignment import BLEND_WEIGHTS, part_from_rows

        self.part = None
        self.part = part_from_rows(train, self.states, lambda rows: np.array(self.probability(rows)),
                                   encoder="bench", flag_threshold=self.detector.flag_threshold,
                                   weights=weights or BLEND_WEIGHTS, say=say)
        return self

    def states(self, texts):
        """E5 token states, kept for the next job."""
        from tqcheck.language.e5 import e5_states

        todo = list(dict.fromkeys(t for t in texts if t not in self.encoded))
        self.encoded.update(zip(todo, e5_states().states(todo)))
        return [self.encoded[t] for t in texts]

    def probability(self, rows) -> list[float]:
        todo = sorted({(r.source, r.target) for r in rows} - set(self.memo))
        for k in range(0, len(todo), 256):
            chunk = todo[k:k + 256]
            for pair, p in zip(chunk, self.detector.predict([t for _, t in chunk], [s for s, _ in chunk],
                                                            alignment=self.alignment)):
                self.memo[pair] = p.probability
        plain = [self.memo[(r.source, r.target)] for r in rows]
        if self.part is None or not rows:
            return plain
        from tqcheck.scoring.detector.align import features

        encoded = dict(zip([t for r in rows for t in (r.source, r.target)],
                           self.states([t for r in rows for t in (r.source, r.target)])))
        x = np.stack([features(encoded[r.source][0], encoded[r.target][0], r.target, self.part.mean) for r in rows])
        return self.part.blended(np.array(plain), x).tolist()

    def predict(self, rows) -> list[dict]:
        import math

        out = []
        for p in self.probability(rows):
            p = min(max(p, 1e-9), 1 - 1e-9)
            out.append({"major": math.log(p / (1 - p)), "mqm": math.nan, "da": math.nan, "tgt": np.zeros(0),
                        "src": np.zeros(0), "toff": [], "soff": []})
        return out

    def card_flags(self, rows) -> dict:
        """Flags at the card's threshold (the detector alone, without the checks' findings)."""
        mq = [r for r in rows if r.kind in ("mqm", "wmtqe") and r.label is not None]
        if not mq:
            return {}
        flags = np.array(self.probability(mq)) >= self.detector.flag_threshold
        bad = np.array([r.label for r in mq]) == 1
        return {"card_flag_recall": float(flags[bad].mean()),
                "card_flag_precision": float(bad[flags].mean()) if flags.any() else float("nan"),
                "card_clean_flagged": float(flags[~bad].mean())}


def pipeline_flags(rows, folder: str, alignment: bool, say) -> dict:
    """Report flags of the default pipeline on the annotated MQM rows, one document x system at a time (as a
    bilingual file of it would be checked), with a detector folder (a copy without its alignment part when
    ``alignment`` is off)."""
    import shutil
    import tempfile

    import pandas as pd

    from tqcheck.core.config import make_settings
    from tqcheck.engine.pipeline import Pipeline
    from tqcheck.readers.frame import document_from_frame
    from tqcheck.scoring.detector import SHIPPED

    mq = [r for r in rows if r.kind in ("mqm", "wmtqe") and r.label is not None]
    if not mq:
        return {}
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(folder or SHIPPED)
        if not alignment:
            path = Path(shutil.copytree(path, Path(scratch) / "detector"))
            card = json.loads((path / "model.json").read_text(encoding="utf-8"))
            card.get("bilingual", {}).pop("alignment", None)
            (path / "model.json").write_text(json.dumps(card), encoding="utf-8")
        groups: dict[str, list] = {}
        for r in mq:
            groups.setdefault(r.group, []).append(r)
        flagged = {}
        with Pipeline(make_settings((), None, {"detector": str(path)})) as pipeline:
            for k, (group, members) in enumerate(sorted(groups.items())):
                frame = pd.DataFrame({"source": [r.source for r in members], "target": [r.target for r in members],
                                      "id": [str(i) for i in range(len(members))]})
                table = pipeline.run([document_from_frame(frame, source="source", target="target", id="id",
                                                          name=group)], lambda n: None).to_frame()
                by_unit = table.groupby("unit_id")["flagged"].max()
                for i, r in enumerate(members):
                    flagged[id(r)] = bool(by_unit.get(str(i), False))
                if k % 20 == 0:
                    say(f"pipeline: {k + 1}/{len(groups)} documents")
    flags = np.array([flagged[id(r)] for r in mq])
    bad = np.array([r.label for r in mq]) == 1
    return {"pipeline_flag_recall": float(flags[bad].mean()),
            "pipeline_flag_precision": float(bad[flags].mean()) if flags.any() else float("nan"),
            "pipeline_clean_flagged": float(flags[~bad].mean())}


__all__ = ["DetectorScores", "pipeline_flags", "ALL_SETS", "auc", "within_auc", "spearman", "span_f1", "load_rows", "evaluate"]
