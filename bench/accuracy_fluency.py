"""Accuracy benchmark of the fluency score on human-annotated data; writes docs/accuracy-fluency.md.

    python -m bench.accuracy_fluency [--data ../shared/data] [--fit] [--lm smollm2]

--fit refits the combiner on the MQM newstest2020 dev set and writes tqcheck/scoring/fluency/model-v1.json
(or the 'deep' variant with --lm) before evaluating. Everything else is evaluated on sets not used for fitting.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent

from tqcheck.core.config import Settings  # noqa: E402
from tqcheck.training.data import tag_spans  # noqa: E402
from tqcheck.core.document import Document  # noqa: E402
from tqcheck.core.finding import Finding  # noqa: E402
from tqcheck.scoring.fluency import FluencyScorer  # noqa: E402
from tqcheck.scoring.fluency.combiner import MODEL_FILE, Combiner, load_combiner  # noqa: E402

MQM_SETS = {
    "mqm_zhen_newstest2020": "MQM zh-en newstest2020 (fit)",
    "mqm_zhen_newstest2021": "MQM zh-en newstest2021",
    "mqm_zhen_ted2021": "MQM zh-en TED 2021",
    "mqm_zhen_generalmt2023": "MQM zh-en generalMT2023",
}
FIT_SET = "mqm_zhen_newstest2020"
#: WMT22 QE zh-en: sentence MQM scores without error severities (held out like the others; not used for fitting).
WMTQE_SET = "mqm_zhen_wmtqe2022"
DEFAULT_SETS = "mqm,mlqe,cola,wmtqe"
SEED = 0
MLQE_PER_PAIR = 600
#: Inverse regularisation strength of the logistic regression. Strong (0.01) because the held-out sets differ in
#: domain from the fit set; chosen after a first version with C=1.0 did worse on TED (see docs/fluency.md).
REGULARISATION = 0.01
SPAN_ORIGINS = ("fluency", "semantic")


# ---------------------------------------------------------------- checks (rules + grammar)

class HarperCounts:
    """Grammar findings from Harper directly (used until tqcheck.checks.grammar is importable)."""

    name = "grammar"

    def __init__(self) -> None:
        import harper

        self.linter = harper.Linter()
        self._cache: dict[str, list] = {}

    def check(self, document: Document, progress=None) -> list[Finding]:
        """Harper lints of every segment as findings."""
        out = []
        for seg in document.segments:
            if seg.text not in self._cache:
                self._cache[seg.text] = [(x.span.start, x.span.end, x.lint_kind, x.message)
                                         for x in self.linter.lint(seg.text)]
            for start, end, kind, message in self._cache[seg.text]:
                out.append(seg.finding(start, end, rule_id=f"Harper.{kind}", message=message, severity="minor", category="fluency/grammar",
                                       origin="grammar"))
        return out


def build_checks(settings: Settings) -> tuple[list, str]:
    """The project's rule and grammar checks when they import, else Harper alone."""
    try:
        from tqcheck.engine.pipeline import build_checks as project_checks

        return project_checks(settings), "tqcheck rules + grammar (tqcheck.engine.pipeline.build_checks)"
    except Exception as exc:  # noqa: BLE001 - the benchmark must run while other parts are built
        return [HarperCounts()], f"Harper directly ({type(exc).__name__}: {exc})"


# ---------------------------------------------------------------- data

@dataclass
class Scored:
    """Segments of one set with labels, scores, features and span findings."""

    frame: pd.DataFrame
    scores: np.ndarray
    features: np.ndarray
    spans: list[list[Finding]] = field(default_factory=list)
    grammar_spans: list[list[Finding]] = field(default_factory=list)


#: When set (--max-segments), MQM sets are subsampled to about this many rows: whole source segments (all
#: systems' translations of them) drawn with seed 0.
MAX_SEGMENTS: int | None = None


def mqm_frame(data: Path, name: str) -> pd.DataFrame:
    """Segments of one MQM set with the label 'bad' (1 / 0 / NaN for the excluded middle)."""
    frame = pd.read_csv(data / name / "dev.segments.tsv", sep="\t", keep_default_na=False)
    if MAX_SEGMENTS and len(frame) > MAX_SEGMENTS:
        sources = frame[["doc", "seg_id"]].drop_duplicates().sample(frac=1.0, random_state=SEED)
        per_source = len(frame) / len(sources)
        keep = sources.head(max(1, int(MAX_SEGMENTS / per_source)))
        frame = frame.merge(keep, on=["doc", "seg_id"])
    raters = frame["n_raters"].max()
    need = 2 if raters >= 3 else 1
    bad = np.where(frame["n_raters_with_major"] >= need, 1.0,
                   np.where(frame["n_raters_with_major"] == 0, 0.0, np.nan))
    frame["bad"] = bad
    frame["group"] = frame["doc"].astype(str) + "|" + frame["system"].astype(str)
    frame["order"] = frame["doc_seg_idx"]
    frame["text"] = frame["target"]
    return frame


def mlqe_frame(data: Path) -> pd.DataFrame:
    """MLQE-PE rows with a DA z-score, at most MLQE_PER_PAIR per language pair (whole articles, seed 0)."""
    frame = pd.read_csv(data / "mlqe_pe_da_xen" / "dev.tsv", sep="\t", keep_default_na=False)
    frame = frame[frame["da_z_mean"].astype(str) != ""].copy()
    frame["da_z_mean"] = frame["da_z_mean"].astype(float)
    frame["doc_id"] = frame["doc_id"].where(frame["doc_id"] != "", frame["index"].astype(str))
    parts = []
    rng = np.random.default_rng(SEED)
    for lp, rows in frame.groupby("lp"):
        docs = rows["doc_id"].unique()
        rng.shuffle(docs)
        keep, n = [], 0
        for d in docs:
            keep.append(d)
            n += int((rows["doc_id"] == d).sum())
            if n >= MLQE_PER_PAIR:
                break
        parts.append(rows[rows["doc_id"].isin(keep)])
    frame = pd.concat(parts)
    frame["group"] = frame["lp"] + "|" + frame["doc_id"]
    frame["order"] = frame["index"]
    frame["text"] = frame["target"]
    return frame.reset_index(drop=True)


def wmtqe_frame(data: Path) -> pd.DataFrame:
    """WMT22 QE zh-en dev rows: sentence MQM score (100 = no error found), 'error' = the score is below 100."""
    frame = pd.read_csv(data / WMTQE_SET / "dev.tsv", sep="\t", keep_default_na=False, quoting=3)
    frame["mqm_score"] = frame["mqm_score"].astype(float)
    frame["error"] = (frame["mqm_score"] < 100.0).astype(int)
    frame["group"] = frame["doc_group"].astype(str)
    frame["order"] = frame["index"]
    frame["text"] = frame["target"]
    return frame.reset_index(drop=True)


def cola_frame(data: Path) -> pd.DataFrame:
    """CoLA dev rows; 'documents' are runs of 20 sentences from one source publication."""
    frame = pd.read_csv(data / "cola" / "dev.tsv", sep="\t", keep_default_na=False, quoting=3)
    frame = frame.reset_index(drop=True)
    frame["order"] = np.arange(len(frame))
    frame["group"] = frame["source_code"] + "|" + (frame.groupby("source_code").cumcount() // 20).astype(str)
    frame["text"] = frame["sentence"]
    return frame


#: Rule and grammar findings per document, kept for the run (the fit and the evaluation share them).
_FINDINGS: dict[tuple, list[Finding]] = {}


def run_set(frame: pd.DataFrame, checks: list, scorer: FluencyScorer) -> Scored:
    """Score every segment of ``frame`` document by document (rows of a group in order)."""
    frame = frame.sort_values(["group", "order"], kind="stable").reset_index(drop=True)
    scores = np.zeros(len(frame))
    feats = np.zeros((len(frame), len(scorer.columns())))
    spans: list[list[Finding]] = [[] for _ in range(len(frame))]
    grammar_spans: list[list[Finding]] = [[] for _ in range(len(frame))]
    for group, rows in frame.groupby("group", sort=False):
        texts = [t.replace("\n", " ") for t in rows["text"]]
        document = Document(path=str(group), text="\n".join(texts))
        offset = 0
        for t in texts:
            document.add_segment(t, offset)
            offset += len(t) + 1
        key = (str(group), tuple(texts))
        if key not in _FINDINGS:
            _FINDINGS[key] = [f for c in checks for f in c.check(document)]
        findings = _FINDINGS[key]
        result = scorer.score(document, findings)
        idx = rows.index.to_numpy()
        scores[idx] = [s.score for s in result.scores]
        feats[idx] = [[s.features[c] for c in scorer.columns()] for s in result.scores]
        for f in result.findings:
            spans[idx[f.segment]].append(f)
        for f in findings:
            if f.origin == "grammar":
                grammar_spans[idx[f.segment]].append(f)
    return Scored(frame, scores, feats, spans, grammar_spans)


# ---------------------------------------------------------------- metrics

def auc(y: np.ndarray, s: np.ndarray) -> float:
    """ROC AUC of score ``s`` (higher = more likely bad) for labels ``y`` (ties count half)."""
    from scipy.stats import rankdata

    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def average_precision(y: np.ndarray, s: np.ndarray) -> float:
    """Average precision of ranking by ``s`` (higher = more likely bad)."""
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, s))


def within_documents(frame: pd.DataFrame, y: np.ndarray, s: np.ndarray, mask: np.ndarray) -> tuple[float, float, float]:
    """Mean per-document AUC (size-weighted), bad share in each document's worst 10 %, and overall bad share."""
    aucs, weights, top_bad, top_n = [], [], 0.0, 0
    groups = frame["group"].to_numpy()
    for g in np.unique(groups[mask]):
        sel = mask & (groups == g)
        yy, ss = y[sel], s[sel]
        if 0 < yy.sum() < len(yy):
            aucs.append(auc(yy, ss))
            weights.append(len(yy))
        k = max(1, int(math.ceil(0.10 * len(yy))))
        order = np.argsort(-ss, kind="stable")[:k]
        top_bad += yy[order].sum()
        top_n += k
    mean_auc = float(np.average(aucs, weights=weights)) if aucs else float("nan")
    return mean_auc, top_bad / max(top_n, 1), float(y[mask].mean())


def pairwise(frame: pd.DataFrame, s: np.ndarray) -> float:
    """Share of system pairs per source segment ordered like MQM (ties in ``s`` count half)."""
    right, total = 0.0, 0
    frame = frame.assign(_s=s)
    for _, rows in frame.groupby(["doc", "seg_id"]):
        mqm = rows["mqm_score"].to_numpy()
        ss = rows["_s"].to_numpy()
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                if mqm[i] == mqm[j]:
                    continue
                total += 1
                if ss[i] == ss[j]:
                    right += 0.5
                elif (ss[i] > ss[j]) == (mqm[i] > mqm[j]):
                    right += 1
    return right / total if total else float("nan")


def major_spans(spans_json: str) -> set[tuple[int, int]]:
    """Character spans of annotated major/critical target errors."""
    out = set()
    for item in json.loads(spans_json or "[]"):
        _, severity, _, side, start, end = item[:6]
        if side == "target" and severity in ("major", "critical") and start >= 0 and end > start:
            out.add((int(start), int(end)))
    return out


def span_scores(frame: pd.DataFrame, flagged: list[list[tuple[int, int]]]) -> tuple[float, float, int]:
    """Precision and recall of flagged spans against annotated major spans (any character overlap)."""
    return overlap_scores([major_spans(j) for j in frame["spans"]], flagged)


def overlap_scores(gold: list, flagged: list[list[tuple[int, int]]]) -> tuple[float, float, int]:
    """Precision and recall of flagged spans against gold spans, row by row (any character overlap)."""
    hit_pred = n_pred = hit_gold = n_gold = 0
    for spans, pred in zip(gold, flagged):
        n_pred += len(pred)
        n_gold += len(spans)
        hit_pred += sum(1 for a, b in pred if any(a < d and c < b for c, d in spans))
        hit_gold += sum(1 for c, d in spans if any(a < d and c < b for a, b in pred))
    return (hit_pred / n_pred if n_pred else float("nan")), (hit_gold / n_gold if n_gold else float("nan")), n_pred


#: WMT QE word tags as character spans: one helper, shared with the detector's MLQE-PE reader.
bad_tag_spans = tag_spans

def mcc(y: np.ndarray, p: np.ndarray) -> float:
    """Matthews correlation of binary predictions ``p`` with labels ``y``."""
    from sklearn.metrics import matthews_corrcoef

    return float(matthews_corrcoef(y, p))


# ---------------------------------------------------------------- badness scores

def badness(scored: Scored, columns: list[str]) -> dict[str, np.ndarray]:
    """Higher = worse: tqcheck (1 - fluency) and the baselines."""
    f = scored.features
    col = {c: i for i, c in enumerate(columns)}
    methods = {
        "tqcheck": 1.0 - scored.scores,
        "length": f[:, col["log_words"]],
        "3-gram LM": f[:, col["lm_mean"]] * np.exp(f[:, col["log_words"]]),  # total surprisal
        "grammar count": f[:, col["grammar"]],
    }
    if "deep_total" in col:  # the deep tier's LM alone, unfitted: its total token surprisal
        methods["causal LM total surprisal"] = f[:, col["deep_total"]]
    return methods


# ---------------------------------------------------------------- fitting

def fit(data: Path, checks: list, lm: str, log) -> Combiner:
    """Refit the combiner (and word normalisation, span thresholds) on the 2020 dev set."""
    from sklearn.linear_model import LogisticRegression
    from wordfreq import top_n_list

    from tqcheck.scoring.fluency.features import FeatureExtractor
    from tqcheck.scoring.fluency.tokens import STOPWORDS

    variant = "deep" if lm else "default"
    previous = json.loads(MODEL_FILE.read_text()) if MODEL_FILE.exists() else {}
    data_json = {"version": "1", "generic_centroid": None, "word_norm": {},
                 "spans": {"minor": 3.0, "major": 4.5, "run": 3.0}, "variants": previous.get("variants", {})}
    if lm and previous.get("generic_centroid"):
        # the deep tier reuses the default tier's word normalisation; only its coefficients are fitted
        for key in ("generic_centroid", "word_norm", "spans", "major_span_cap"):
            data_json[key] = previous.get(key)
        scorer = FluencyScorer(semantic=True, lm=lm, combiner=_placeholder(data_json))
        frame = mqm_frame(data, FIT_SET)
    else:
        scorer = FluencyScorer(semantic=True, lm=lm, combiner=_placeholder(data_json))
        embedder = scorer.extractor.embedder
        common = [w for w in top_n_list("en", 8000) if w.isalpha() and len(w) >= 3 and w not in STOPWORDS][:4000]
        generic = embedder.encode(common, batch_size=512).mean(0).astype(np.float32)
        data_json["generic_centroid"] = [round(float(v), 6) for v in generic]
        log(f"generic centroid from {len(common)} frequent content words")
        frame = mqm_frame(data, FIT_SET)
        # pass 1: word statistics for the normalisation
        scorer.extractor = FeatureExtractor(scorer.extractor.lm, embedder, generic=generic)
        adjusted, misfit, _, _ = word_values(frame, scorer.extractor)
        data_json["word_norm"] = {"adj_mean": float(np.mean(adjusted)), "adj_sd": float(np.std(adjusted)),
                                  "misfit_mean": float(np.mean(misfit)), "misfit_sd": float(np.std(misfit))}
        scorer.extractor = FeatureExtractor(scorer.extractor.lm, embedder, generic=generic,
                                            word_norm=data_json["word_norm"])
        _, _, word_scores, all_adjusted = word_values(frame, scorer.extractor)
        data_json["spans"] = {"minor": round(float(np.percentile(word_scores, 85.0)), 4),
                              "major": round(float(np.percentile(word_scores, 97.0)), 4),
                              "run": round(float(np.percentile(all_adjusted, 95.0)), 4)}
        log(f"word normalisation {data_json['word_norm']}, span thresholds {data_json['spans']}")
    # pass 2: features with the normalisation, then the regression
    scored = run_set(frame, checks, scorer)
    mask = ~np.isnan(scored.frame["bad"].to_numpy())
    x, y = scored.features[mask], scored.frame["bad"].to_numpy()[mask]
    mean, scale = x.mean(0), np.where(x.std(0) > 1e-9, x.std(0), 1.0)
    model = LogisticRegression(C=REGULARISATION, max_iter=2000).fit((x - mean) / scale, y)
    word_max = scored.features[mask][:, scorer.columns().index("sem_word_max")]
    major = word_max >= data_json["spans"]["major"]
    if not lm:
        data_json["major_span_cap"] = round(float(1.0 - y[major].mean()), 4) if major.any() else None
    log(f"major_span_cap {data_json['major_span_cap']} from {int(major.sum())} segments with a major span")
    data_json["variants"][variant] = {
        "features": scorer.columns(), "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
        "coef": model.coef_[0].round(6).tolist(), "intercept": round(float(model.intercept_[0]), 6),
        "fitted_on": f"{FIT_SET}/dev.segments.tsv{' (subsampled)' if MAX_SEGMENTS else ''}: bad = n_raters_with_major >= 2 vs 0 ({int(mask.sum())} segments)",
        "fitted_with": f"sklearn LogisticRegression(C={REGULARISATION}) on standardised features",
    }
    if lm:
        data_json["lm"] = lm
    MODEL_FILE.write_text(json.dumps(data_json, indent=1) + "\n")
    log(f"wrote {MODEL_FILE} (variant {variant}): coef {dict(zip(scorer.columns(), model.coef_[0].round(3)))}")
    return load_combiner(variant=variant)


def word_values(frame: pd.DataFrame, extractor) -> tuple[list[float], list[float], list[float], list[float]]:
    """Adjusted surprisal, misfit and score of every candidate word, and adjusted surprisal of all words."""
    adjusted, misfit, score, every = [], [], [], []
    for _, rows in frame.sort_values(["group", "order"]).groupby("group", sort=False):
        for sig in extractor.document(list(rows["text"])).words:
            for w in sig:
                if w.adjusted is not None:
                    every.append(w.adjusted)
                if w.misfit is not None and w.adjusted is not None:
                    adjusted.append(w.adjusted)
                    misfit.append(w.misfit)
                    score.append(w.score)
    return adjusted, misfit, score, every


def _placeholder(data_json: dict) -> Combiner:
    return Combiner("1", [], np.zeros(0), np.ones(0), np.zeros(0), 0.0, data=data_json)


# ---------------------------------------------------------------- report

def fmt(v: float) -> str:
    """A metric with three decimals (n/a for NaN)."""
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write docs/accuracy-fluency.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data", help="data folder (relative to the repository root)")
    parser.add_argument("--fit", action="store_true", help="refit the combiner on MQM 2020 dev first")
    parser.add_argument("--lm", default="", help="deep tier: causal LM ('smollm2', HF name or path)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "accuracy-fluency.md"))
    parser.add_argument("--sets", default=DEFAULT_SETS, help="comma-separated: mqm, mlqe, cola, wmtqe")
    parser.add_argument("--max-segments", type=int, default=0,
                        help="subsample each MQM set to about this many rows (whole source segments, seed 0)")
    args = parser.parse_args(argv)
    data = Path(args.data) if Path(args.data).is_absolute() else ROOT / args.data
    if not data.is_dir():
        print(f"{data}: data folder not found", file=sys.stderr)
        return 2
    global MAX_SEGMENTS
    MAX_SEGMENTS = args.max_segments or None
    started = time.time()
    log = lambda msg: print(f"[{time.time() - started:6.1f}s] {msg}", file=sys.stderr)  # noqa: E731
    settings = Settings()
    checks, checks_note = build_checks(settings)
    log(f"checks: {checks_note}")
    combiner = fit(data, checks, args.lm, log) if args.fit else None
    scorer = FluencyScorer(semantic=True, lm=args.lm, combiner=combiner)
    columns = scorer.columns()
    default_tier = FluencyScorer(semantic=True) if args.lm else None
    flag = settings.flag_threshold
    lines = _header(args, checks_note, scorer)
    rows_auc, rows_doc, rows_pair, rows_span = [], [], [], []
    sets = {x.strip() for x in args.sets.split(",")}
    for name, title in MQM_SETS.items():
        if "mqm" not in sets or not (data / name).is_dir():
            continue
        scored = run_set(mqm_frame(data, name), checks, scorer)
        log(f"{name}: {len(scored.frame)} segments")
        y = scored.frame["bad"].to_numpy()
        mask = ~np.isnan(y)
        yb = np.nan_to_num(y).astype(int)
        methods = badness(scored, columns)
        if default_tier is not None:
            methods["tqcheck default tier (no --lm)"] = 1.0 - run_set(scored.frame, checks, default_tier).scores
        for method, s in methods.items():
            rows_auc.append((title, method, auc(yb[mask], s[mask]), average_precision(yb[mask], s[mask]),
                             int(mask.sum()), float(yb[mask].mean())))
            d_auc, top, base = within_documents(scored.frame, yb, s, mask)
            rows_doc.append((title, method, d_auc, top, base, top / base if base else float("nan")))
            rows_pair.append((title, method, pairwise(scored.frame, -s)))
        rows_span += [(title, label, *span_scores(scored.frame, flagged))
                      for label, flagged in flagged_spans(scored, scorer, flag)]
        rows_span.append((title, "length", float("nan"), float("nan"), 0))
    lines += _summary(rows_auc, rows_doc)
    lines += _table("Sentence detection (MQM): bad vs no major error",
                    ["set", "method", "ROC AUC", "AP", "segments", "bad share"],
                    [(a, b, fmt(c), fmt(d), str(e), fmt(f)) for a, b, c, d, e, f in rows_auc])
    lines += _table("Within documents (MQM): ranking inside each document (one system's translation of one document)",
                    ["set", "method", "mean AUC in document", "bad share in worst 10 %", "bad share overall", "lift"],
                    [(a, b, fmt(c), fmt(d), fmt(e), fmt(f)) for a, b, c, d, e, f in rows_doc])
    lines += _table("Comparing translations of the same source (MQM): pairwise accuracy over systems",
                    ["set", "method", "pairwise accuracy"], [(a, b, fmt(c)) for a, b, c in rows_pair])
    lines += _table(f"Span detection (MQM): flagged spans vs annotated major-error spans (character overlap), "
                    f"flag threshold {flag}", ["set", "method", "precision", "recall", "spans flagged"],
                    [(a, b, fmt(c), fmt(d), str(e)) for a, b, c, d, e in rows_span])
    if "mlqe" in sets and (data / "mlqe_pe_da_xen").is_dir():
        scored = run_set(mlqe_frame(data), checks, scorer)
        log(f"mlqe: {len(scored.frame)} segments")
        rows = []
        for lp in sorted(scored.frame["lp"].unique()):
            sel = (scored.frame["lp"] == lp).to_numpy()
            z = scored.frame["da_z_mean"].to_numpy()[sel]
            for method, s in badness(scored, columns).items():
                good = -s[sel]
                rows.append((lp, method, _pearson(good, z), _spearman(good, z), int(sel.sum())))
        lines += _table("MLQE-PE (X→en, dev.tsv, whole articles sampled to ~600 rows per pair, seed 0): "
                        "correlation with the DA z-score", ["pair", "method", "Pearson", "Spearman", "rows"],
                        [(a, b, fmt(c), fmt(d), str(e)) for a, b, c, d, e in rows])
    if "wmtqe" in sets and (data / WMTQE_SET).is_dir():
        scored = run_set(wmtqe_frame(data), checks, scorer)
        log(f"wmtqe: {len(scored.frame)} segments")
        error = scored.frame["error"].to_numpy()
        mqm = scored.frame["mqm_score"].to_numpy()
        rows = [(method, auc(error, s), _pearson(-s, mqm), _spearman(-s, mqm))
                for method, s in badness(scored, columns).items()]
        gold = [bad_tag_spans(t, k, g) for t, k, g in zip(scored.frame["text"], scored.frame["target_tok"],
                                                            scored.frame["word_tags"])]
        span_rows = [(label, *overlap_scores(gold, flagged)) for label, flagged in flagged_spans(scored, scorer, flag)]
        lines += _table(f"WMT22 QE zh-en (dev.tsv, {len(error)} rows, one rater, scores only; {int(error.sum())} rows "
                        "with any error): ROC AUC for 'any error' and correlation with the sentence MQM score",
                        ["method", "ROC AUC (any error)", "Pearson", "Spearman"],
                        [(a, fmt(b), fmt(c), fmt(d)) for a, b, c, d in rows])
        lines += _table(f"WMT22 QE zh-en: flagged spans vs runs of BAD-tagged words ({sum(map(len, gold))} runs; "
                        "word tags mark any error, minor ones included), character overlap",
                        ["method", "precision", "recall", "spans flagged"],
                        [(a, fmt(b), fmt(c), str(d)) for a, b, c, d in span_rows])
    if "cola" in sets and (data / "cola").is_dir():
        scored = run_set(cola_frame(data), checks, scorer)
        log(f"cola: {len(scored.frame)} segments")
        y = (scored.frame["label"].to_numpy() == 0).astype(int)
        flagged = scored.scores < flag
        rows = [("tqcheck", mcc(y, flagged.astype(int)), float(flagged.mean()))]
        for method, s in list(badness(scored, columns).items())[1:]:
            k = int(flagged.sum())
            pred = np.zeros(len(s), dtype=int)
            pred[np.argsort(-s, kind="stable")[:k]] = 1
            rows.append((method + " (same flag rate)", mcc(y, pred), float(pred.mean())))
        lines += _table(f"CoLA (dev.tsv, all {len(y)} rows): Matthews correlation of 'flagged' with unacceptable",
                        ["method", "MCC", "flagged share"], [(a, fmt(b), fmt(c)) for a, b, c in rows])
    lines.append(f"\nTotal run time: {time.time() - started:.0f} s on this machine.\n")
    Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    log(f"wrote {args.out}")
    return 0


def flagged_spans(scored: Scored, scorer: FluencyScorer, flag: float) -> list[tuple[str, list[list[tuple[int, int]]]]]:
    """The span detectors compared in every span table: (label, character spans of each row)."""
    return [
        ("tqcheck spans (fluency + semantic)",
         [[(f.start, f.end) for f in spans if f.origin in SPAN_ORIGINS] for spans in scored.spans]),
        ("3-gram LM: worst token of each flagged sentence", _lm_top_spans(scored, scorer, flag)),
        ("grammar findings", [[(f.start, f.end) for f in spans] for spans in scored.grammar_spans]),
    ]


def _lm_top_spans(scored: Scored, scorer: FluencyScorer, flag: float) -> list[list[tuple[int, int]]]:
    """Baseline spans: the highest-surprisal word of each sentence the LM baseline ranks in its worst half."""
    from tqcheck.scoring.fluency.features import lm_words
    from tqcheck.scoring.fluency.tokens import words

    total = badness(scored, scorer.columns())["3-gram LM"]
    cut = np.quantile(total, 1 - float((scored.scores < flag).mean()))
    out = []
    for text, t in zip(scored.frame["text"], total):
        if t < cut:
            out.append([])
            continue
        tokens = scorer.extractor.lm.score(lm_words(words(text)))
        known = [k for k in tokens if k.known]
        best = max(known, key=lambda k: k.surprisal, default=None)
        out.append([(best.word.start, best.word.end)] if best else [])
    return out


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import pearsonr

    return float(pearsonr(a, b)[0]) if np.std(a) > 0 else float("nan")


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b)[0]) if np.std(a) > 0 else float("nan")


def _header(args, checks_note: str, scorer: FluencyScorer) -> list[str]:
    sig = scorer.signature()
    return [
        "# Accuracy of the fluency score on human-annotated data",
        "",
        "Regenerate with (from the repository root; `--fit` also refits the shipped coefficients):",
        "",
        "```",
        f"python -m bench.accuracy_fluency --data {args.data}" + (" --fit" if args.fit else "")
        + (f" --lm {args.lm}" if args.lm else "") + (f" --sets {args.sets}" if args.sets != DEFAULT_SETS else "")
        + (f" --max-segments {args.max_segments}" if args.max_segments else "")
        + (f" --out {args.out}" if Path(args.out) != ROOT / "docs" / "accuracy-fluency.md" else ""),
        "```",
        "",
        f"Scorer signature: `{json.dumps(sig, sort_keys=True)}`. Rule/grammar findings from: {checks_note}.",
        "",
        "Labels. MQM sets with three raters per system-segment (newstest2020, generalMT2023): **bad** = at least two "
        "raters marked a major (or critical) error (`n_raters_with_major >= 2`), **good** = no rater did "
        "(`n_raters_with_major == 0`); segments with exactly one rater's major error are left out of the detection "
        "metrics. Single-rater sets (newstest2021, TED 2021: one rater per system-segment): bad = that rater marked a "
        "major error (`n_raters_with_major >= 1`). Every set is its `dev.*` file; the combiner is fitted on "
        "newstest2020 dev only, so the 2021, TED and 2023 rows are held out.",
        "",
        "Baselines: **length** = number of words; **3-gram LM** = total surprisal of the sentence under the CMU 3-gram "
        "(its mean times the word count); **grammar count** = number of grammar findings. For each the higher value is "
        "ranked worse. A document is one system's translation of one source document (segments in order).",
        "",
    ] + ([f"With `--lm`, **causal LM total surprisal** is the sum of the token surprisals under {args.lm} alone "
          "(no fitted weight), and **tqcheck default tier** is the shipped score without `--lm`.", ""]
         if args.lm else [])


def _summary(rows_auc: list[tuple], rows_doc: list[tuple]) -> list[str]:
    """The acceptance figures: AUC against the length baseline, and the within-document lift."""
    auc_of = {(r[0], r[1]): r[2] for r in rows_auc}
    doc_of = {(r[0], r[1]): r for r in rows_doc}
    out = ["## Summary", "", "| set | tqcheck AUC | length AUC | difference | lift of worst 10 % in documents "
           "(target 2; the largest possible is 1 / bad share) |", "|---|---|---|---|---|"]
    for title in dict.fromkeys(r[0] for r in rows_auc):
        ours, length = auc_of.get((title, "tqcheck")), auc_of.get((title, "length"))
        doc = doc_of.get((title, "tqcheck"))
        if ours is None or length is None or doc is None:
            continue
        out.append(f"| {title} | {fmt(ours)} | {fmt(length)} | {ours - length:+.3f} | {fmt(doc[5])} "
                   f"(max {fmt(1 / doc[4] if doc[4] else float('nan'))}) |")
    return out + [""]


def _table(title: str, header: list[str], rows: list[tuple]) -> list[str]:
    out = [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out + [""]


if __name__ == "__main__":
    raise SystemExit(main())
