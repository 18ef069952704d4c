"""Accuracy of the learned detector on human annotations, leave one MQM set out; writes docs/accuracy.md.

    python bench/accuracy.py --data ../shared/data --out docs/accuracy.md

For each of the four MQM zh-en dev sets, a detector is trained exactly as `tqcheck train` trains one (token head,
out-of-fold sentence model, finding weights, thresholds) on the other three sets and their synthetic damage, and
the full tqcheck score (detector + findings of the default rules and grammar) is measured on the held-out set,
beside sentence length alone. A fixed 70/30 split of documents inside every set is measured the same way.
Encodings and findings are cached under --cache (keyed by the encoder and the text), never the data itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tqcheck.scoring.detector import (NGRAM_FEATURES, count_words, ngram_rows, reported_spans,  # noqa: E402
                              span_severity, token_spans)
from tqcheck.scoring.detector.bilingual import SIGNATURE as SOURCE_SIGNATURE, has_model_for, source_features  # noqa: E402
from tqcheck.training.build import (auc, combine_counts, evidence_counts, example_findings,  # noqa: E402
                                    fit_evidence, fit_tuned_detector)
from tqcheck.training.data import MQM_SETS, Example, mqm_examples, postedit_examples  # noqa: E402
from tqcheck.training.splits import CHOICE_FOLDS, choose_part, split_test_units, untouched_part  # noqa: E402
from tqcheck.training.synthetic import corrupt  # noqa: E402
from tqcheck.training.train import (Encoded, TrainingSet, fit_detector,  # noqa: E402
                                    sentence_rows, tuned_rows)
from tqcheck.training.tune import TunedModel  # noqa: E402

NAMES = {
    "mqm_zhen_newstest2020": "newstest2020",
    "mqm_zhen_newstest2021": "newstest2021",
    "mqm_zhen_ted2021": "TED 2021",
    "mqm_zhen_generalmt2023": "generalMT2023",
}
SEED = 0


def say(line: str) -> None:
    """Progress on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- cached encodings and findings

def encode_cached(examples: list[Example], cache: Path) -> list[Encoded]:
    """Encodings of every example, cached per encoder and text set."""
    from tqcheck.language.encoder import load_encoder

    encoder = load_encoder(2)
    texts = sorted({e.text for e in examples})
    key = hashlib.sha256((encoder.signature + "\n" + "\n".join(texts)).encode()).hexdigest()[:16]
    path = cache / f"encoded-{key}.npz"
    if path.exists():
        z = np.load(path)
        states, offsets, ptr = z["states"], z["offsets"], z["ptr"]
        done = {t: Encoded(offsets[ptr[i]:ptr[i + 1]], states[ptr[i]:ptr[i + 1]]) for i, t in enumerate(texts)}
    else:
        done = {}
        for k in range(0, len(texts), 512):
            chunk = texts[k:k + 512]
            for t, enc in zip(chunk, encoder.encode(chunk)):
                done[t] = Encoded(np.asarray(enc.offsets), np.asarray(enc.states, np.float16))
            say(f"encoded {min(k + 512, len(texts))}/{len(texts)}")
        ptr = np.cumsum([0] + [len(done[t].offsets) for t in texts])
        np.savez(path, states=np.vstack([done[t].states for t in texts]),
                 offsets=np.vstack([done[t].offsets for t in texts]).astype(np.int32), ptr=ptr)
    return [done[e.text] for e in examples]


def findings_cached(examples: list[Example], cache: Path) -> list[list[tuple]]:
    """(rule id, origin, severity, start, end) of the default checks' findings on every example, cached per text
    and source (tqcheck's code and rule packs are in the key)."""
    pairs = sorted({(e.text, e.source) for e in examples})
    key = hashlib.sha256((checks_fingerprint() + "\n" + json.dumps(pairs)).encode()).hexdigest()[:16]
    path = cache / f"findings-{key}.json"
    if path.exists():
        found = json.loads(path.read_text())
    else:
        lists = example_findings([Example(text=t, label=None, source=s) for t, s in pairs], say)
        found = {json.dumps(p): items for p, items in zip(pairs, lists)}
        path.write_text(json.dumps(found))
    return [[tuple(f) for f in found[json.dumps((e.text, e.source))]] for e in examples]


class CachedSourceEncoder:
    """The pinned source encoder (tqcheck.scoring.detector.bilingual) with its embeddings kept under the cache, by text."""

    def __init__(self, cache: Path) -> None:
        self.path = cache / f"use-{hashlib.sha256(SOURCE_SIGNATURE.encode()).hexdigest()[:16]}.npz"
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path, allow_pickle=False) as z:
                self.vectors = dict(zip(z["texts"].tolist(), z["vectors"]))

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embeddings of ``texts`` (new ones are computed and the cache file rewritten)."""
        need = sorted(set(texts) - set(self.vectors))
        if need:
            from tqcheck.scoring.detector.bilingual import source_encoder

            say(f"embedding {len(need)} texts with the source encoder")
            for t, v in zip(need, source_encoder().encode(need)):
                self.vectors[t] = v
            keys = sorted(self.vectors)
            tmp = self.path.with_name(f".{self.path.stem}.tmp.npz")
            np.savez(tmp, texts=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
            tmp.replace(self.path)
        return np.stack([self.vectors[t] for t in texts]) if texts else np.zeros((0, 512), np.float32)


def with_source_findings(found: list[list[tuple]], examples: list[Example]) -> list[list[tuple]]:
    """``found`` (findings without the source) plus the source check's findings of every example with a source."""
    from tqcheck.core.config import Settings
    from tqcheck.core.document import Document
    from tqcheck.checks.source import make_source_check

    check = make_source_check(Settings())
    out = []
    for items, e in zip(found, examples):
        extra = []
        if e.source:
            document = Document(path="bench", text=e.text)
            document.add_segment(e.text, 0, source=e.source)
            extra = [(f.rule_id, f.origin, str(getattr(f.severity, "value", f.severity)), f.start, f.end)
                     for f in check.check(document)]
        out.append(list(items) + extra)
    check.close()
    return out


def checks_fingerprint() -> str:
    """Hash of what the checks' findings depend on: tqcheck's code and rule packs, without the detector and its
    model (so retraining the detector does not run the checks again)."""
    digest = hashlib.sha256()
    package = ROOT / "tqcheck"
    files = [p for p in sorted(package.rglob("*")) if p.is_file() and p.suffix in (".py", ".yml", ".yaml", ".txt")
             and "detector" not in p.relative_to(package).parts and "models" not in p.relative_to(package).parts]
    files += sorted(p for p in (ROOT / "rules").rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


# ---------------------------------------------------------------- metrics

def within(groups: np.ndarray, y: np.ndarray, s: np.ndarray) -> float:
    """Size-weighted mean AUC inside documents (doc × system) that have both kinds of sentence."""
    aucs, weights = [], []
    for g in np.unique(groups):
        m = groups == g
        if 0 < y[m].sum() < m.sum():
            aucs.append(auc(y[m], s[m]))
            weights.append(m.sum())
    return float(np.average(aucs, weights=weights)) if aucs else float("nan")


def worst_lift(groups: np.ndarray, y: np.ndarray, s: np.ndarray) -> float:
    """Share of bad sentences in each document's worst 10 %, divided by the overall share."""
    hit = n = 0
    for g in np.unique(groups):
        m = np.flatnonzero(groups == g)
        k = max(1, int(math.ceil(0.1 * len(m))))
        top = m[np.argsort(-s[m], kind="stable")[:k]]
        hit += y[top].sum()
        n += k
    return float(hit / n / y.mean()) if y.mean() else float("nan")


def span_prf(examples: list[Example], predicted: list[list[tuple[int, int]]]) -> tuple[float, float, float]:
    """Precision, recall and F1 of predicted spans against annotated major spans (any character overlap)."""
    hit_p = n_p = hit_g = n_g = 0
    for e, pred in zip(examples, predicted):
        gold = [(a, b) for a, b, _ in e.spans]
        n_p += len(pred)
        n_g += len(gold)
        hit_p += sum(1 for a, b in pred if any(a < d and c < b for c, d in gold))
        hit_g += sum(1 for c, d in gold if any(a < d and c < b for a, b in pred))
    p = hit_p / n_p if n_p else float("nan")
    r = hit_g / n_g if n_g else float("nan")
    f = 2 * p * r / (p + r) if n_p and n_g and (p + r) else float("nan")
    return p, r, f


#: How a held-out sentence is scored: its target alone (the monolingual model, findings of rules and grammar),
#: with its source's checks (the monolingual model plus the source checks' findings: tqcheck before the bilingual
#: model) and with its source (the bilingual model plus every finding).
MODES = ("target only", "source checks", "with source")


def evaluate(trained, test: list[Example], enc: list[Encoded], found: list) -> dict:
    """Every metric of one held-out part for each of MODES, with the length baseline."""
    fitted, weights, part = trained
    keep = [i for i, e in enumerate(test) if e.label is not None]
    y = np.array([test[i].label for i in keep])
    groups = np.array(["|".join(test[i].group.split("|")[1:3]) for i in keep])
    lengths = np.array([count_words(test[i].text) for i in keep], float)
    part_set = TrainingSet([test[i] for i in keep], [enc[i] for i in keep],
                           ngram=ngram_rows([test[i].text for i in keep], NGRAM_FEATURES))
    rows, probs, offsets = detector_rows(fitted, part_set)
    spans = [reported_spans(e.text, o, p, fitted.span_threshold)
             for e, o, p in zip(part_set.examples, offsets, probs)]
    p_mono = fitted.sentence_model.predict(rows)
    out = {}
    for mode in MODES:
        items = [found[i] for i in keep]
        if mode == "target only":
            items = [[f for f in fs if f[1] != "source"] for fs in items]
        p_det, score = scores_of(trained, mode, part_set.examples, rows, p_mono, items)
        major_t = np.where(bilingual_rows(trained, mode, part_set.examples), part.major_span_threshold if part else 1.1,
                           fitted.major_span_threshold)
        flagged = score >= fitted.flag_threshold
        # detector spans as the scorer reports them (tqcheck.scoring.detector.span_severity)
        severity = [span_severity(bool(f), float(p), bool(fs), fitted.flag_threshold, float(m))
                    for f, p, fs, m in zip(flagged, p_det, items, major_t)]
        # major findings: rules, grammar and source at major or above, and the detector's major spans
        n_major = np.array([sum(1 for f in fs if f[2] in ("major", "critical")) for fs in items]) + \
            np.array([len(s) if v == "major" else 0 for s, v in zip(spans, severity)])
        has_major = n_major > 0
        flagged_any = flagged | has_major
        det_spans = [[(a, b) for a, b, _ in s] if v else [] for s, v in zip(spans, severity)]
        sp, sr, sf = span_prf(part_set.examples, det_spans)
        # the detector's word marking regardless of the flag: its runs above the span threshold in every sentence
        _, _, every_f1 = span_prf(part_set.examples, [[(a, b) for a, b, _ in token_spans(e.text, o, p, fitted.span_threshold)]
                                                      for e, o, p in zip(part_set.examples, offsets, probs)])
        out[mode] = {
            "n": len(y), "bad share": float(y.mean()),
            "AUC": auc(y, score), "AUC length": auc(y, lengths),
            "within AUC": within(groups, y, score), "within AUC length": within(groups, y, lengths),
            "worst-10% lift": worst_lift(groups, y, score), "worst-10% lift length": worst_lift(groups, y, lengths),
            "major precision": float((n_major * y).sum() / n_major.sum()) if n_major.sum() else float("nan"),
            "major recall": float((has_major & (y == 1)).sum() / max((y == 1).sum(), 1)),
            "clean flagged": float(flagged_any[y == 0].mean()),
            "clean flagged by score": float(flagged[y == 0].mean()),
            "clean with a major finding": float(has_major[y == 0].mean()),
            "span P": sp, "span R": sr, "span F1": sf, "span F1 every sentence": every_f1,
        }
    return out


_TUNED: dict[Path, TunedModel] = {}


def detector_rows(fitted, part: TrainingSet) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Sentence rows, token probabilities and word-piece offsets of ``part``'s examples under a fitted detector
    (its tuned encoder, or its token head over the frozen encoder's states)."""
    if fitted.tuned_path is not None:
        if fitted.tuned_path not in _TUNED:
            _TUNED[fitted.tuned_path] = TunedModel(fitted.tuned_path, max_length=fitted.tuned_max_length)
        texts = [e.text for e in part.examples]
        outputs = _TUNED[fitted.tuned_path].predict(texts)
        return (tuned_rows(outputs, texts, part.ngram), [o.probabilities for o in outputs],
                [o.offsets for o in outputs])
    rows, probs = sentence_rows(fitted.token_head, fitted.projection, part)
    return rows, probs, [x.offsets for x in part.encoded]


def bilingual_rows(trained, mode: str, examples: list[Example]) -> np.ndarray:
    """Which examples the bilingual model scores in ``mode``."""
    part = trained[2]
    if mode != "with source" or part is None:
        return np.zeros(len(examples), bool)
    return np.array([has_model_for(e.source, part.ratios) for e in examples], bool)


def scores_of(trained, mode: str, examples: list[Example], rows: np.ndarray, p_mono: np.ndarray,
              found: list) -> tuple[np.ndarray, np.ndarray]:
    """The detector's P(major) and the combined score (with the findings) of every example in ``mode``."""
    fitted, weights, part = trained
    p_det = np.array(p_mono, dtype=float)
    score = combine_counts(p_det, evidence_counts(found), weights)
    sel = bilingual_rows(trained, mode, examples)
    if sel.any():
        chosen = [e for e, k in zip(examples, sel) if k]
        extra = source_features([e.text for e in chosen], [e.source for e in chosen], part.ratios, SOURCE)
        p_det[sel] = part.sentence_model.predict(np.hstack([rows[sel], extra]))
        score[sel] = combine_counts(p_det[sel], evidence_counts([f for f, k in zip(found, sel) if k]),
                                    part.finding_weights)
    return p_det, score


def damage_pairs(trained, test: list[Example]) -> dict[str, dict[str, float]]:
    """Per kind of synthetic damage made from the held-out set's clean sentences: the share of damaged copies that
    score worse (higher P(major)) than their original (ties count half), scored on the target only and with the
    source (the damaged copy keeps its original's source)."""
    fitted = trained[0]
    made = corrupt(test, per_example=1.0, seed=SEED + 1)
    texts = sorted({e.text for e in made} | {e.original for e in made})
    from tqcheck.training.data import Example as Ex

    pool = [Ex(text=t, label=None) for t in texts]
    enc = encode_cached(pool, CACHE) if fitted.tuned_path is None else [None] * len(pool)
    found = dict(zip(texts, findings_cached(pool, CACHE)))
    part = TrainingSet(pool, enc, ngram=ngram_rows(texts, NGRAM_FEATURES))
    rows, _, _ = detector_rows(fitted, part)
    row_of = dict(zip(texts, rows))
    pairs = [(e.text, e.original, e.source) for e in made]
    out: dict[str, dict[str, float]] = {}
    for mode in ("target only", "with source"):
        examples = [Ex(text=t, label=None, source=src if mode == "with source" else "")
                    for a, b, src in pairs for t in (a, b)]
        items = [found[e.text] for e in examples]
        if mode == "with source":
            items = with_source_findings(items, examples)
        x = np.array([row_of[e.text] for e in examples])
        _, score = scores_of(trained, mode, examples, x, fitted.sentence_model.predict(x), items)
        kinds: dict[str, list[float]] = {}
        for k, e in enumerate(made):
            a, b = score[2 * k], score[2 * k + 1]
            kinds.setdefault(e.kind.split(".", 1)[1], []).append(1.0 if a > b else 0.5 if a == b else 0.0)
        out[mode] = {k: float(np.mean(v)) for k, v in sorted(kinds.items())}
    return out


def mlqe_and_cola(data: Path) -> dict:
    """The shipped detector (trained on the four MQM sets only) on MLQE-PE DA and CoLA, with length baselines."""
    import pandas as pd

    from tqcheck.scoring.detector import load_detector

    detector = load_detector()
    weights = detector.card.get("finding_weights", {})
    out: dict = {"mlqe": {}, "cola": {}}
    frame = pd.read_csv(data / "mlqe_pe_da_xen" / "dev.tsv", sep="\t", keep_default_na=False)
    frame = frame[frame["da_z_mean"].astype(str) != ""].copy()
    frame["da"] = frame["da_z_mean"].astype(float)
    rng = np.random.default_rng(SEED)
    for lp, rows in sorted(frame.groupby("lp")):
        docs = sorted(rows["doc_id"].astype(str).unique())
        rng.shuffle(docs)
        keep, n = [], 0
        for d in docs:  # whole articles up to about 600 sentences per pair
            keep.append(d)
            n += int((rows["doc_id"].astype(str) == d).sum())
            if n >= 600:
                break
        rows = rows[rows["doc_id"].astype(str).isin(keep)]
        texts = rows["target"].tolist()
        score = _scores(detector, texts, weights)
        lengths = np.array([count_words(t) for t in texts], float)
        da = rows["da"].to_numpy()
        out["mlqe"][lp] = (len(texts), float(np.corrcoef(1 - score, da)[0, 1]), float(np.corrcoef(-lengths, da)[0, 1]))
    cola = pd.read_csv(data / "cola" / "dev.tsv", sep="\t", keep_default_na=False, quoting=3)
    cola = cola[cola["official_split"] != "in_domain_train"]  # the rows no acceptability model trains on
    texts = cola["sentence"].tolist()
    y = (cola["label"].astype(int) == 0).to_numpy()
    score = _scores(detector, texts, weights)
    found = findings_cached([Example(text=t, label=None) for t in texts], CACHE)
    major = np.array([any(f[2] in ("major", "critical") for f in fs) for fs in found])
    flagged = (score >= detector.flag_threshold) | major
    lengths = np.array([count_words(t) for t in texts], float)
    by_length = np.zeros(len(texts), bool)
    by_length[np.argsort(-lengths, kind="stable")[:int(flagged.sum())]] = True
    out["cola"] = {"rows": len(texts), "flagged": float(flagged.mean()), "mcc": _mcc(y, flagged),
                   "mcc length": _mcc(y, by_length), "auc": auc(y.astype(float), score),
                   "auc length": auc(y.astype(float), lengths)}
    return out


def _scores(detector, texts: list[str], weights: dict) -> np.ndarray:
    """P(major) of the shipped detector with the default checks' findings as evidence."""
    examples = [Example(text=t, label=None) for t in texts]
    found = findings_cached(examples, CACHE)
    p = np.array([x.probability for k in range(0, len(texts), 256) for x in detector.predict(texts[k:k + 256])])
    counts = evidence_counts(found)
    return combine_counts(p, counts, weights)


def _mcc(y: np.ndarray, p: np.ndarray) -> float:
    """Matthews correlation of two boolean vectors."""
    tp = float((y & p).sum()); tn = float((~y & ~p).sum()); fp = float((~y & p).sum()); fn = float((y & ~p).sum())
    den = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return (tp * tn - fp * fn) / den if den else 0.0


def train_part(train: list[Example], enc: list[Encoded], found: list, folds: int):
    """A detector trained like `tqcheck train` (with synthetic damage): (fitted heads and thresholds, finding
    weights, bilingual part)."""
    synthetic = corrupt(train, per_example=SYNTHETIC, seed=TRAIN_SEED)
    all_examples = train + synthetic + POSTEDIT
    if TUNE:
        fitted = fit_tuned_detector(all_examples, ngram_rows([e.text for e in all_examples], NGRAM_FEATURES),
                                    folds=folds, seed=TRAIN_SEED, cache=CACHE, say=say, epochs=EPOCHS,
                                    folds_by=FOLDS_BY, edit_head=EDIT_HEAD)
        weights, part, _ = fit_evidence(fitted, all_examples, [found[i] for i in fitted.oof_index],
                                        source_encoder=SOURCE, say=say)
        return fitted, weights, part
    all_enc = enc + encode_cached(synthetic, CACHE)
    data = TrainingSet(all_examples, all_enc, {"mqm": 1.0, "user": 1.0, "synthetic": 1.0},
                       ngram_rows([e.text for e in all_examples], NGRAM_FEATURES))
    fitted = fit_detector(data, folds=folds, seed=TRAIN_SEED, ngram_columns=NGRAM_FEATURES, say=say)
    weights, part, _ = fit_evidence(fitted, all_examples, [found[i] for i in fitted.oof_index],
                                    source_encoder=SOURCE, say=say)
    return fitted, weights, part


def fmt(v) -> str:
    """Three decimals, or the value."""
    return f"{v:.3f}" if isinstance(v, float) and not math.isnan(v) else ("–" if isinstance(v, float) else str(v))


CACHE = Path.home() / ".cache" / "tqcheck-bench"
SOURCE: CachedSourceEncoder | None = None
TUNE = True
SYNTHETIC = 0.5
EPOCHS = 1
FOLDS_BY = "document"
POSTEDIT: list[Example] = []  # --postedit: MLQE-PE post-edit word tags added to every fine-tune's examples
EDIT_HEAD = False  # --postedit-head: the post-edit word tags teach a token head of their own
TRAIN_SEED = SEED  # tqcheck train --seed of every detector trained (damage, folds, fine-tune); --train-seed


def add_recipe_arguments(ap: argparse.ArgumentParser) -> None:
    """How every detector is trained (bench/tune_jobs.py takes the same, to train the same encoders ahead)."""
    ap.add_argument("--synthetic", type=float, default=0.5,
                    help="share of clean training sentences damaged (0.5: what tqcheck train does)")
    ap.add_argument("--epochs", type=int, default=1, help="passes of every fine-tune (tqcheck train --epochs)")
    ap.add_argument("--train-seed", type=int, default=SEED,
                    help="tqcheck train --seed of every detector trained: its damage, folds and fine-tune (a "
                         "replicate of the recipe; the held-out parts and their damage keep the benchmark's seed)")
    ap.add_argument("--postedit", action="store_true",
                    help="also fine-tune on the MLQE-PE post-edits' word tags (mlqe_pe_xen_postedits: the words a "
                         "translator changed, as token evidence without a sentence label)")
    ap.add_argument("--postedit-head", action="store_true",
                    help="--postedit, but the post-edit word tags teach a second token head of their own (multi-task; "
                         "the sentence head and the exported model read only the major-span head)")
    ap.add_argument("--folds-by", choices=("document", "set"), default="document",
                    help="the fold encoders behind the sentence model's out-of-fold outputs: one per document fold, "
                         "or one per training set (out-of-set outputs)")


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and write the report."""
    global CACHE, SOURCE, TUNE, SYNTHETIC, EPOCHS, TRAIN_SEED, FOLDS_BY, POSTEDIT, EDIT_HEAD
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "accuracy.md")
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--folds", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated parts to run: loso,split,other (the default), or "
                    "untouched: train on the choose part of every set, report its untouched third (once, at the end)")
    ap.add_argument("--fold", type=int, default=0, choices=range(CHOICE_FOLDS),
                    help="the in-set document fold of the choose part held out by the split part")
    ap.add_argument("--held", default="", help="comma-separated held-out sets to run (default: all four)")
    ap.add_argument("--tune", action=argparse.BooleanOptionalAction, default=True,
                    help="train the detectors with a fine-tuned encoder, as `tqcheck train` does where torch is "
                         "installed (--no-tune: a token head on the frozen encoder)")
    ap.add_argument("--json", type=Path, help="also write the raw results to this JSON file")
    add_recipe_arguments(ap)
    ap.add_argument("--from-json", type=Path,
                    help="write --out from the results a run saved with --json (no training or scoring)")
    args = ap.parse_args(argv)
    # (before --from-json, so that its report names the recipe its results had)
    EPOCHS, TRAIN_SEED, FOLDS_BY = args.epochs, args.train_seed, args.folds_by
    EDIT_HEAD = args.postedit_head
    POSTEDIT = postedit_examples(args.data / "mlqe_pe_xen_postedits") if args.postedit or EDIT_HEAD else []
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        seconds = float(saved.pop("_seconds", 0.0))
        write(args, {tuple(k.split(" / ")) if " / " in k else k: v for k, v in saved.items()}, seconds)
        return 0
    TUNE = args.tune
    SYNTHETIC = args.synthetic
    CACHE = args.cache
    CACHE.mkdir(parents=True, exist_ok=True)
    SOURCE = CachedSourceEncoder(CACHE)
    started = time.time()
    sets = {n: mqm_examples(args.data / n) for n in MQM_SETS if (args.data / n / "dev.segments.tsv").exists()}
    if len(sets) < 4:
        print(f"needs the four MQM sets under {args.data}", file=sys.stderr)
        return 2
    parts = set((args.only or "loso,split,other").split(","))
    # the selection protocol: choices see the choose part only; the untouched third is read by --only untouched
    untouched = untouched_part(sets) if "untouched" in parts else {}
    sets = choose_part(sets)
    every = [e for n in MQM_SETS for e in sets[n]]
    # the frozen encoder's states are read only by --no-tune detectors
    enc_all = encode_cached(every, CACHE) if not TUNE else [None] * len(every)
    found_all = findings_cached(every, CACHE)
    index = {}
    k = 0
    for n in MQM_SETS:
        index[n] = list(range(k, k + len(sets[n])))
        k += len(sets[n])
    results = {}
    if "loso" in parts:
        for held in MQM_SETS:
            if args.held and held not in args.held.split(","):
                continue
            say(f"leave out {held}")
            tr = [i for n in MQM_SETS if n != held for i in index[n]]
            trained = train_part([every[i] for i in tr], [enc_all[i] for i in tr], [found_all[i] for i in tr],
                                 args.folds)
            te = index[held]
            results[("loso", held)] = evaluate(trained, [every[i] for i in te], [enc_all[i] for i in te],
                                               [found_all[i] for i in te])
            results[("damage", held)] = damage_pairs(trained, [every[i] for i in te])
            say(json.dumps({m: {k: round(v, 3) for k, v in r.items()} for m, r in results[("loso", held)].items()}))
    if "split" in parts:
        test_units = split_test_units(sets, args.fold)
        tr = [i for n in MQM_SETS for i in index[n] if f"{n}|{every[i].unit}" not in test_units]
        say(f"in-set document fold {args.fold}: training")
        trained = train_part([every[i] for i in tr], [enc_all[i] for i in tr], [found_all[i] for i in tr],
                             args.folds)
        for n in MQM_SETS:
            te = [i for i in index[n] if f"{n}|{every[i].unit}" in test_units]
            results[("split", n)] = evaluate(trained, [every[i] for i in te], [enc_all[i] for i in te],
                                             [found_all[i] for i in te])
    if "untouched" in parts:
        say("the untouched third: training on the whole choose part")
        trained = train_part(every, enc_all, found_all, args.folds)
        for n in MQM_SETS:
            held = untouched[n]
            enc = encode_cached(held, CACHE) if not TUNE else [None] * len(held)
            results[("untouched", n)] = evaluate(trained, held, enc, findings_cached(held, CACHE))
            results[("untouched damage", n)] = damage_pairs(trained, held)
    if "other" in parts:
        say("MLQE-PE and CoLA with the shipped detector")
        results["other"] = mlqe_and_cola(args.data)
    if args.json:
        args.json.write_text(json.dumps({**{" / ".join(k) if isinstance(k, tuple) else k: v
                                            for k, v in results.items()}, "_seconds": time.time() - started},
                                        indent=1, default=float) + "\n")
    write(args, results, time.time() - started)
    return 0


def recipe_postedit() -> str:
    """The post-edit part of a recipe that is not the shipped one, for the report's top line."""
    return " and `--postedit-head`" if EDIT_HEAD else " and `--postedit`" if POSTEDIT else ""


def write(args, results: dict, seconds: float) -> None:
    """docs/accuracy.md from the results."""
    lines = ["# Accuracy of the learned detector on human annotations", "",
             f"Generated by `python bench/accuracy.py --data ../shared/data --out {args.out.relative_to(ROOT) if args.out.is_absolute() and ROOT in args.out.parents else args.out}` "
             f"({seconds / 60:.0f} min on the 2-core dev machine, shared with other work).", "",
             *([f"**Not the shipped recipe:** every detector here was trained with `--epochs {EPOCHS}`, "
                f"`--train-seed {TRAIN_SEED}`, `--folds-by {FOLDS_BY}`{recipe_postedit()}.",
                ""] if (EPOCHS, TRAIN_SEED, FOLDS_BY, bool(POSTEDIT)) != (1, SEED, "document", False) else []),
             "**Selection protocol** (`tqcheck/training/splits.py`, since issue 22): a fixed third of every "
             "set's documents (by the SHA-256 of the set's family and the document id; TED 2021 by sections of 20 "
             "segments, as it has two talks) is untouched: the leave-one-set-out and in-set fold parts below never "
             "read it, and only `--only untouched` does, once, at the end. Figures from before the protocol "
             "included those documents.",
             "",
             "Every detector here is trained exactly as `tqcheck train` trains one (an encoder fine-tuned on the "
             "training sets and their synthetic damage, exported to int8, plus one per document fold for the "
             "out-of-fold outputs; the sentence model, finding weights and thresholds fitted and calibrated on those "
             "outputs) and scored with the default "
             "rules, grammar and source checks' findings as evidence. A sentence is *bad* when most of its raters "
             "(or its only rater) marked a major error; one of three is left out. *Within-doc* figures are "
             "size-weighted means over documents × systems; *worst-10 % lift* is the bad share in each document's "
             "worst tenth over the overall bad share. *Major findings right*: the share of major or critical "
             "findings (rules, grammar, source, and the detector's major spans) that sit in a bad "
             "sentence; *clean sentences flagged*: sentences no rater faulted that are flagged (score below the "
             "flag threshold, or a major finding). Spans: detector spans of flagged sentences (what reports show) "
             "against the annotated major spans (any character overlap); *every sentence*: the detector's runs of "
             "word pieces above its span threshold in every sentence, flagged or not (how well it marks words, apart "
             "from the flag policy). Length = the number of words, the baseline to beat.",
             "",
             "Choices and when they were made: the architecture (frozen int8 MiniLM states, a token perceptron over "
             "128 principal components, a logistic sentence model, noisy-or findings) was fixed before any held-out "
             "figure. On leave-one-set-out dev folds, run with a scratch script before this benchmark existed, the "
             "3-gram features were kept (they helped newstest2021), and a sentence-embedding probe, the full "
             "384-dimensional states and MLQE-PE post-edit tags as extra token data were left out (no gain); CoLA "
             "was not tried. The per-set calibration of the thresholds was added after the first run of this "
             "benchmark flagged 27 % of the clean newstest2021 sentences with a pooled calibration. The span rule (detector "
             "spans only where the detector itself would flag the sentence or nothing else explains the flag, major "
             "only when the detector alone is above the major threshold) was adopted last, after the seed article "
             "showed weak words marked major in sentences that rule findings had already condemned. The bilingual "
             "sentence model's features were chosen on these leave-one-set-out folds with scratch scripts (the same "
             "token heads, findings and calibration as below; see docs/detector.md): the source/translation cosine "
             "and the shorter/longer-than-usual length features were kept (each raised pooled AUC on every held-out "
             "set, together +0.013 to +0.027); clause-level coverage by the same encoder (no gain) and a "
             "cosine × source-length interaction (at most +0.003 pooled, and its scale depends on the source "
             "script) were left out. The one flag threshold for both models (the stricter of the two) was set before "
             "this benchmark's first bilingual run. That run showed dropped phrases still scoring safer with the "
             "source on newstest2020 and generalMT2023 (0.461 and 0.493 of the damaged copies worse); the synthetic "
             "damage with its source was then added to the bilingual model's fit at weight 0.3 (of 0.3 and 1 tried "
             "on the same folds; 1 cost about 0.01 AUC on the news sets). The findings used as evidence and counted "
             "as major findings are those a report shows (off-by-default ids dropped, demoted ids minor; "
             "tqcheck.engine.pipeline.reported): until this run the checks' raw output was used, which counted Harper "
             "agreement findings that reports show as minor as major findings (TED, source checks: 40 rule and "
             "grammar major findings, 12 of them right, major findings right 0.300; now 0.667). This was a "
             "correction of what is measured, found by looking at TED's major findings, not a tuned choice. "
             "Version 2 (the fine-tuned encoder, docs/detector.md) replaced the frozen encoder and its token head "
             "with a recipe fixed before its first run here; after that run the flag rate was lowered from 10 % to "
             "5 % of every training set's clean sentences (at 10 %, 21 % of held-out newstest2021's clean "
             "sentences were flagged), and dropping the 3-gram features was measured and rejected (it cost "
             "newstest2021 0.018 within-document AUC). Later, reading the source check's major number findings on "
             "these dev sentences showed misreadings (`a quarter of a million` for 25万, `the 1990s` for 90年代, "
             "`14:40` for 14时40分, `RMB280 million`); the check learned to read them (docs/bilingual.md). That "
             "removed wrong findings on clean and on faulted sentences alike, moved TED's major findings right "
             "from 0.696 to 0.762 and newstest2021's within-document AUC with the source from 0.696 to 0.695: a "
             "correction found on these folds, so they are not an independent test of it.", ""]
    heads = [("AUC", "AUC length"), ("within AUC", "within AUC length"), ("worst-10% lift", "worst-10% lift length")]
    lines += ["Each held-out sentence is scored three ways: **target only** (the English alone: the monolingual "
              "sentence model and the rules' and grammar's findings: what a monolingual file gets), **source checks** "
              "(the same model plus the source checks' findings: how tqcheck scored bilingual files before the "
              "bilingual model) and **with source** (the bilingual sentence model, which adds the cosine of the "
              "source's and the translation's multilingual USE embeddings and how much shorter or longer the "
              "translation is than usual for its source, plus every finding: how a bilingual file is scored now). "
              "Length is the same baseline in every row.", ""]
    for part, title in (("loso", "Leave one set out (train on the other three sets, report on this one)"),
                        ("split", f"In-set document fold {getattr(args, 'fold', 0)} of the choose part (train on "
                                  "the other folds of every set)"),
                        ("untouched", "The untouched third (trained on the whole choose part; read once)")):
        rows = [(n, mode, results[(part, n)][mode]) for n in MQM_SETS if (part, n) in results for mode in MODES]
        if not rows:
            continue
        lines += [f"## {title}", "",
                  "| held-out set | scored on | sentences | bad share | AUC | length | within-doc AUC | length | "
                  "worst-10 % lift | length |", "|---|---|---|---|---|---|---|---|---|---|"]
        for n, mode, r in rows:
            lines.append(f"| {NAMES[n]} | {mode} | {r['n']} | {fmt(r['bad share'])} | " +
                         " | ".join(f"{fmt(r[a])} | {fmt(r[b])}" for a, b in heads) + " |")
        lines += ["", "| held-out set | scored on | major findings right | major sentences caught | clean sentences "
                      "flagged | span precision | span recall | span F1 | span F1, every sentence |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for n, mode, r in rows:
            lines.append(f"| {NAMES[n]} | {mode} | {fmt(r['major precision'])} | {fmt(r['major recall'])} | "
                         f"{fmt(r['clean flagged'])} | {fmt(r['span P'])} | {fmt(r['span R'])} | {fmt(r['span F1'])} | "
                         f"{fmt(r.get('span F1 every sentence', float('nan')))} |")
        lines.append("")
    damage = [(n if key == "damage" else f"{n} (untouched)", mode, results[(key, n)][mode])
              for key in ("damage", "untouched damage") for n in MQM_SETS if (key, n) in results
              for mode in ("target only", "with source")]
    if damage:
        kinds = sorted({k for _, _, d in damage for k in d})
        lines += ["## Synthetic damage of held-out clean sentences", "",
                  "Share of damaged copies that score worse than the clean sentence they were made from "
                  "(0.5 = no better than chance; length alone puts every shortened copy *above* its original), by "
                  "the detector trained without the held-out set. *With source*: the damaged copy keeps the source "
                  "of its original, so a dropped phrase is a real omission.", "",
                  "| held-out set | scored on | " + " | ".join(kinds) + " |", "|---" * (len(kinds) + 2) + "|"]
        for n, mode, d in damage:
            name = NAMES.get(n) or f"{NAMES[n.split(' ')[0]]} (untouched)"
            lines.append(f"| {name} | {mode} | " + " | ".join(fmt(d.get(k, float('nan'))) for k in kinds) + " |")
        lines.append("")
    other = results.get("other")
    if other:
        lines += ["## Data the shipped detector never saw: MLQE-PE and CoLA", "",
                  "The shipped detector (`tqcheck/models/detector`, trained on the four MQM dev sets) with the default "
                  "checks' findings.", "",
                  "MLQE-PE X→en (Wikipedia; whole articles, about 600 sentences per pair, seed 0): Pearson "
                  "correlation of the score with the direct-assessment z-score, and of minus the length.", "",
                  "| pair | sentences | Pearson (score) | Pearson (−length) |", "|---|---|---|---|"]
        for lp, (n, r, rl) in other["mlqe"].items():
            lines.append(f"| {lp} | {n} | {fmt(r)} | {fmt(rl)} |")
        c = other["cola"]
        lines += ["", f"CoLA (the {c['rows']} in-domain and out-of-domain dev rows): Matthews correlation of "
                      f"`flagged` with *unacceptable*: **{fmt(c['mcc'])}** ({fmt(c['flagged'])} of the sentences "
                      f"flagged); the same number of longest sentences: {fmt(c['mcc length'])}. AUC of the score for "
                      f"*unacceptable*: {fmt(c.get('auc', float('nan')))} (length: {fmt(c.get('auc length', float('nan')))}). "
                      "The detector does not separate CoLA's acceptable from unacceptable sentences (an AUC near "
                      "0.5), and with its flag threshold calibrated to flag at most 5 % of every MQM training set's "
                      "clean sentences it flags no CoLA sentence: they are short (6.7 words on average), and short "
                      "sentences score low.", ""]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
