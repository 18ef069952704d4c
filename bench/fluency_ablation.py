"""Candidate extra features for the fluency combiner, judged by grouped cross-validation on the fit set only.

    python bench/fluency_ablation.py [--data ../shared/data] [--out docs/fluency-ablation.md]

Computes the shipped features (as bench/accuracy_fluency.py does) for the four MQM zh-en dev sets, adds candidate
features, and reports for each candidate set the ROC AUC of the same logistic regression as the shipped model
(C = REGULARISATION, standardised features, no major-span cap) in 5-fold cross-validation on newstest2020 dev,
folds grouped by source document. Only the candidates named in HELD_OUT_LOOK are also scored on the held-out sets
(fit on all of newstest2020 dev), so that the held-out sets are not used to choose among the others.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import accuracy_fluency as A

from tqcheck.core.config import Settings
from tqcheck.core.document import Document
from tqcheck.scoring.fluency import FluencyScorer
from tqcheck.scoring.fluency.features import lm_words
from tqcheck.scoring.fluency.tokens import words
from tqcheck.checks.source import LENGTH_RATIOS, check_segment

#: Pseudo-column: a logistic regression on the 384 MiniLM sentence-embedding dimensions, fitted on the training
#: rows and stacked (out-of-fold decision values on the training rows, 5 document-grouped folds).
PROBE = "embedding_probe"
#: Its regularisation, chosen by the cross-validated AUC on newstest2020 among 0.03, 0.1, 1, 3 and 10.
PROBE_C = 1.0

#: Candidate feature sets added to the shipped features (names of extra columns).
CANDIDATES: dict[str, list[str]] = {
    "shipped features only": [],
    "+ source findings (severity-weighted)": ["source_findings"],
    "+ length-ratio z, z^2 (zh-en)": ["ratio_z", "ratio_z2"],
    "+ source findings, length-ratio z, z^2": ["source_findings", "ratio_z", "ratio_z2"],
    "+ log source length": ["source_log_chars"],
    "+ end-of-sentence surprisal": ["lm_end"],
    "+ words with surprisal > 3": ["lm_over3"],
    "+ worst raw surprisal": ["lm_max"],
    "+ 90th percentile surprisal": ["lm_p90"],
    "+ first-word surprisal": ["lm_start"],
    "+ all five LM extras": ["lm_end", "lm_over3", "lm_max", "lm_p90", "lm_start"],
    "+ length and 3-gram total relative to the document mean": ["rel_log_words", "rel_lm_total"],
    "+ sentence misfit to the document and to its neighbours": ["sent_misfit", "nb_misfit"],
    "+ sentence-embedding probe": [PROBE],
    "+ sentence-embedding probe and both sentence misfits": [PROBE, "sent_misfit", "nb_misfit"],
}
#: The only candidates scored on the held-out sets, each fixed before its held-out figures were seen: the
#: source-aware set (first round), then the best second-round candidate by cross-validation (the probe with misfits).
HELD_OUT_LOOK = ("shipped features only", "+ source findings, length-ratio z, z^2",
                 "+ sentence-embedding probe and both sentence misfits")


def source_features(text: str, source: str) -> list[float]:
    """Severity-weighted source findings, length-ratio z and z^2, log source length (zh-en)."""
    document = Document(path="x", text=text)
    segment = document.add_segment(text, 0, source=source)
    findings = check_segment(segment, "zh")
    src = sum(1 for c in source if not c.isspace())
    tgt = sum(1 for c in text if not c.isspace())
    mean, sd = LENGTH_RATIOS["zh"]
    z = (math.log((tgt + 1) / (src + 1)) - mean) / sd
    return [float(sum(f.severity.rank for f in findings)), z, z * z, math.log1p(src)]


def lm_extras(lm, text: str) -> list[float]:
    """End-of-sentence, count over 3, worst, 90th percentile and first-word 3-gram surprisal."""
    tokens = lm_words(words(text))
    known = [t.surprisal for t in lm.score(tokens) if t.known] or [0.0]
    last = tuple(w.lower for w in tokens if not w.is_number)[-2:]
    end = lm.logprob("</s>", last) if last else None
    start = lm.logprob(tokens[0].lower, ("<s>",)) if tokens else None
    return [-(end or 0.0), float(sum(s > 3.0 for s in known)), float(max(known)),
            float(np.percentile(known, 90)), -(start or 0.0)]


EXTRA = ["source_findings", "ratio_z", "ratio_z2", "source_log_chars", "lm_end", "lm_over3", "lm_max", "lm_p90",
         "lm_start"]


def set_table(data: Path, name: str, checks: list, scorer: FluencyScorer) -> tuple[pd.DataFrame, np.ndarray]:
    """Shipped features, extra features and labels of one MQM set, and its sentence embeddings (same rows)."""
    scored = A.run_set(A.mqm_frame(data, name), checks, scorer)
    frame = scored.frame
    table = pd.DataFrame(scored.features, columns=scorer.columns())
    texts = [t.replace("\n", " ") for t in frame["text"]]
    rows = [source_features(t, s) + lm_extras(scorer.extractor.lm, t) for t, s in zip(texts, frame["source"])]
    table[EXTRA] = np.asarray(rows)
    group = frame["group"]
    for col in ("log_words", "lm_total"):
        table["rel_" + col] = table[col] - table[col].groupby(group).transform("mean")
    embeddings = scorer.extractor.embedder.encode(texts)
    table["sent_misfit"], table["nb_misfit"] = sentence_misfits(embeddings, group.to_numpy())
    table["bad"] = frame["bad"].to_numpy()
    table["doc"] = frame["doc"].astype(str).to_numpy()
    return table, embeddings


def sentence_misfits(embeddings: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1 - cosine of each sentence to the rest of its document, and to its neighbouring sentences (rows in order)."""
    to_doc, to_neighbours = np.zeros(len(groups)), np.zeros(len(groups))
    for rows in pd.Series(range(len(groups))).groupby(groups, sort=False).indices.values():
        vectors = embeddings[rows]
        total = vectors.sum(0)
        for k, i in enumerate(rows):
            rest = total - vectors[k]
            norm = np.linalg.norm(rest)
            to_doc[i] = 1.0 - (float(vectors[k] @ rest) / norm if norm > 0 else 1.0)
            near = [float(vectors[k] @ vectors[j]) for j in (k - 1, k + 1) if 0 <= j < len(rows)]
            to_neighbours[i] = 1.0 - (float(np.mean(near)) if near else 1.0)
    return to_doc, to_neighbours


def probe(train_x: np.ndarray, train_y: np.ndarray):
    """The sentence-embedding probe fitted on some rows."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=PROBE_C, max_iter=3000).fit(train_x, train_y)


def with_probe(train: pd.DataFrame, train_e: np.ndarray, tests: list[tuple[pd.DataFrame, np.ndarray]]):
    """Copies of the tables with the PROBE column: out-of-fold values on ``train``, a full fit for ``tests``."""
    from sklearn.model_selection import GroupKFold

    y = train["bad"].astype(int).to_numpy()
    stacked = np.zeros(len(train))
    for fit_rows, value_rows in GroupKFold(5).split(train_e, y, train["doc"]):
        stacked[value_rows] = probe(train_e[fit_rows], y[fit_rows]).decision_function(train_e[value_rows])
    full = probe(train_e, y)
    train = train.assign(**{PROBE: stacked})
    return train, [t.assign(**{PROBE: full.decision_function(e)}) for t, e in tests]


def fit_auc(train: pd.DataFrame, tests: list[pd.DataFrame], columns: list[str]) -> list[float]:
    """Fit the shipped model form on ``train`` and return its AUC on each of ``tests``."""
    from sklearn.linear_model import LogisticRegression

    x = train[columns].to_numpy()
    mean, scale = x.mean(0), np.where(x.std(0) > 1e-9, x.std(0), 1.0)
    model = LogisticRegression(C=A.REGULARISATION, max_iter=2000).fit((x - mean) / scale, train["bad"])
    return [A.auc(t["bad"].to_numpy(), model.decision_function((t[columns].to_numpy() - mean) / scale))
            for t in tests]


def held_out_auc(train: tuple[pd.DataFrame, np.ndarray], tests: list[tuple[pd.DataFrame, np.ndarray]],
                 columns: list[str]) -> list[float]:
    """fit_auc, first adding the stacked probe column when ``columns`` ask for it."""
    if PROBE in columns:
        fitted, probed = with_probe(train[0], train[1], tests)
        return fit_auc(fitted, probed, columns)
    return fit_auc(train[0], [t for t, _ in tests], columns)


def cv_auc(table: pd.DataFrame, embeddings: np.ndarray, columns: list[str]) -> float:
    """Mean ROC AUC over 5 folds grouped by source document."""
    from sklearn.model_selection import GroupKFold

    aucs = []
    for train, test in GroupKFold(5).split(table, table["bad"], table["doc"]):
        aucs.extend(held_out_auc((table.iloc[train], embeddings[train]), [(table.iloc[test], embeddings[test])],
                                 columns))
    return float(np.mean(aucs))


def main(argv: list[str] | None = None) -> int:
    """Score every candidate and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--out", default=str(ROOT / "docs" / "fluency-ablation.md"))
    args = parser.parse_args(argv)
    data = Path(args.data) if Path(args.data).is_absolute() else ROOT / args.data
    if not data.is_dir():
        print(f"{data}: data folder not found", file=sys.stderr)
        return 2
    started = time.time()
    checks, _ = A.build_checks(Settings())
    scorer = FluencyScorer(semantic=True)
    shipped = scorer.columns()
    tables = {}
    for name in A.MQM_SETS:
        table, embeddings = set_table(data, name, checks, scorer)
        labelled = ~table["bad"].isna().to_numpy()
        tables[name] = (table[labelled].reset_index(drop=True), embeddings[labelled])
        print(f"[{time.time() - started:5.0f}s] {name}", file=sys.stderr)
    fit_set, held = tables[A.FIT_SET], [n for n in A.MQM_SETS if n != A.FIT_SET]
    lines = ["# Candidate fluency features: cross-validated on the fit set", "",
             ("Produced by `python bench/fluency_ablation.py --data ../shared/data` (see the script's docstring). "
             f"Model: the shipped form, LogisticRegression(C={A.REGULARISATION}) on standardised features, without "
             "the major-span cap. CV = mean ROC AUC of 5 folds of newstest2020 dev grouped by source document. "
             "Held-out columns are filled only for the candidates fixed in advance (HELD_OUT_LOOK)."), "",
             "| candidate | CV newstest2020 | " + " | ".join(A.MQM_SETS[n] for n in held) + " |",
             "|---|---|" + "---|" * len(held)]
    for label, extra in CANDIDATES.items():
        columns = shipped + extra
        cells = [f"{cv_auc(fit_set[0], fit_set[1], columns):.4f}"]
        if label in HELD_OUT_LOOK:
            cells += [f"{a:.4f}" for a in held_out_auc(fit_set, [tables[n] for n in held], columns)]
        else:
            cells += ["—"] * len(held)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append(f"\nRun time: {time.time() - started:.0f} s.\n")
    Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
