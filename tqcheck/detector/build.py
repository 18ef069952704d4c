"""Building a detector end to end: read annotations, add synthetic damage, encode, fit, measure, write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from tqcheck.detector.data import Example, read_annotated, shared_examples
from tqcheck.detector.train import TrainingSet, calibrate, encode, fit_detector, write_detector
from tqcheck.errors import InputError

#: Licences of the shared sets, as their READMEs state them (written into the model card).
LICENCES = {
    "mqm_zhen_newstest2020": "Apache-2.0 (google/wmt-mqm-human-evaluation)",
    "mqm_zhen_newstest2021": "Apache-2.0 (google/wmt-mqm-human-evaluation)",
    "mqm_zhen_ted2021": "Apache-2.0 (google/wmt-mqm-human-evaluation)",
    "mqm_zhen_generalmt2023": "Apache-2.0 (google/wmt-mqm-human-evaluation)",
}
#: Severities and origins of the findings that add evidence to the score: one noisy-or weight per
#: ``origin.severity`` key, fitted on the training data (the source check runs where a source is given).
SEVERITIES = ("minor", "major", "critical")
ORIGINS = ("rules", "grammar", "source")
EVIDENCE = tuple(f"{o}.{s}" for o in ORIGINS for s in SEVERITIES)


def evidence_key(finding) -> str:
    """The finding-weight key of a finding: its origin and severity (``rules.major``)."""
    severity = str(getattr(finding.severity, "value", finding.severity))
    origin = finding.origin if finding.origin in ORIGINS else "rules"
    return f"{origin}.{severity}"


@dataclass
class BuildResult:
    """What ``build_detector`` wrote."""

    folder: Path
    summary: str


def gather(files: Sequence[Path], data_dir: Path | None) -> tuple[list[Example], list[dict]]:
    """The annotated examples and the card's list of training data."""
    examples: list[Example] = []
    training: list[dict] = []
    for path in files:
        found = read_annotated(path)
        examples += found
        training.append({"name": path.name, "examples": len(found), "licence": "the user's own annotations"})
    if data_dir is not None:
        sets = shared_examples(data_dir)
        if not sets:
            raise InputError(f"{data_dir}: no MQM set (mqm_zhen_*/dev.segments.tsv) found")
        for name, found in sets.items():
            examples += found
            training.append({"name": f"{name} (dev)", "examples": len(found), "licence": LICENCES.get(name, "")})
    return examples, training


#: A finding as the detector's training sees it: (rule id, origin, severity, start, end).
Found = tuple[str, str, str, int, int]


def example_findings(examples: Sequence[Example], say: Callable[[str], None] | None = None) -> list[list[Found]]:
    """Findings of the default checks on every example as a report shows them (``tqcheck.pipeline.reported``: off
    ids dropped, demoted ids minor): rules and grammar, and the source check where the example has a source (each
    example checked as a one-sentence document)."""
    from tqcheck.config import Settings
    from tqcheck.document import Document
    from tqcheck.pipeline import build_checks, reported
    from tqcheck.source import make_source_check

    settings = Settings()
    checks = build_checks(settings)
    source_check = make_source_check(settings)
    out: list[list[Found]] = []
    try:
        for i, e in enumerate(examples):
            document = Document(path="train", text=e.text)
            document.add_segment(e.text, 0, source=e.source or None)
            raw = [f for check in checks + ([source_check] if e.source else []) for f in check.check(document)]
            out.append([(f.rule_id, f.origin, str(getattr(f.severity, "value", f.severity)), f.start, f.end)
                        for f in reported(settings, document, raw)])
            if say and (i + 1) % 2000 == 0:
                say(f"checked {i + 1}/{len(examples)} sentences for findings")
    finally:
        for check in checks + [source_check]:
            check.close()
    return out


def evidence_counts(found: Sequence[Sequence[Found]]) -> np.ndarray:
    """Counts per EVIDENCE key of each example's findings."""
    counts = np.zeros((len(found), len(EVIDENCE)))
    for i, items in enumerate(found):
        for _, origin, severity, _, _ in items:
            counts[i, EVIDENCE.index(f"{origin if origin in ORIGINS else 'rules'}.{severity}")] += 1
    return counts


def fit_finding_weights(p_detector: np.ndarray, counts: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Noisy-or weight per EVIDENCE key maximising the likelihood of the labels (coordinate search on a grid)."""
    grid = np.linspace(0.0, 0.95, 96)
    weights = np.zeros(len(EVIDENCE))

    def loglik(w: np.ndarray) -> float:
        keep = (1.0 - p_detector) * np.prod((1.0 - w) ** counts, axis=1)
        p = np.clip(1.0 - keep, 1e-6, 1 - 1e-6)
        return float(np.sum(labels * np.log(p) + (1 - labels) * np.log1p(-p)))

    for _ in range(3):
        for k in range(len(EVIDENCE)):
            if counts[:, k].sum() == 0:
                continue
            best = max(grid, key=lambda g: loglik(np.concatenate([weights[:k], [g], weights[k + 1:]])))
            weights[k] = best
    # a graver finding is never weaker evidence than a lighter one of the same origin (critical findings are too
    # rare in annotated data to be fitted on their own: they take at least the weight of major ones)
    for origin in ORIGINS:
        previous = 0.0
        for severity in SEVERITIES:
            k = EVIDENCE.index(f"{origin}.{severity}")
            weights[k] = previous = max(weights[k], previous)
    return {s: round(float(w), 4) for s, w in zip(EVIDENCE, weights)}


def combine_counts(p_detector: np.ndarray, counts: np.ndarray, weights: dict[str, float]) -> np.ndarray:
    """P(major) from detector probabilities and finding counts per EVIDENCE key (the scorer's noisy-or)."""
    w = np.array([weights.get(s, 0.0) for s in EVIDENCE])
    return 1.0 - (1.0 - p_detector) * np.prod((1.0 - w) ** counts, axis=1)


def auc(y: np.ndarray, s: np.ndarray) -> float:
    """ROC AUC (ties count half), with NumPy alone (the default install has no SciPy)."""
    pos = float(y.sum())
    neg = float(len(y) - pos)
    if not pos or not neg:
        return float("nan")
    _, inverse, counts = np.unique(np.asarray(s), return_inverse=True, return_counts=True)
    r = (np.cumsum(counts) - (counts - 1) / 2.0)[inverse]  # average ranks, ties share theirs
    return float((r[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def build_detector(files: Sequence[Path], data_dir: Path | None, out: Path, *, synthetic: bool = True,
                   epochs: int | None = None, folds: int = 2, seed: int = 0, name: str = "tqcheck-detector",
                   version: str = "1", command: str = "", findings: bool = True,
                   say: Callable[[str], None] | None = None, encoder=None,
                   cache: Path | None = None) -> BuildResult:
    """Train a detector from ``files`` and/or the shared sets in ``data_dir`` and write it to ``out``."""
    from tqcheck.detector import NGRAM_FEATURES, count_words, ngram_rows
    from tqcheck.detector.synthetic import corrupt
    from tqcheck.detector.train import EPOCHS

    examples, training = gather(files, data_dir)
    if synthetic:
        damaged = corrupt(examples, seed=seed)
        examples = examples + damaged
        training.append({"name": "synthetic damage of the clean sentences above", "examples": len(damaged),
                         "licence": "derived from the data above"})
    if encoder is None:
        import os

        from tqcheck.encoder import load_encoder

        encoder = load_encoder(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    if say:
        say(f"{len(examples)} examples: 3-gram features")
    ngram = ngram_rows([e.text for e in examples], NGRAM_FEATURES)
    if say:
        say("encoding")
    encoded = encode(examples, encoder, say, cache=cache)
    data = TrainingSet(examples, encoded, {"mqm": 1.0, "user": 1.0, "synthetic": 1.0}, ngram)
    fitted = fit_detector(data, folds=folds, epochs=epochs or EPOCHS, seed=seed, ngram_columns=NGRAM_FEATURES,
                          say=say)
    labelled = [e for e in examples if e.label is not None and not e.kind.startswith("synthetic")]
    lengths = np.array([count_words(e.text) for e in labelled], float)
    y = fitted.oof_labels
    weights = {s: 0.0 for s in EVIDENCE}
    if findings:
        if say:
            say("fitting the weight of the checks' findings")
        counts = evidence_counts(example_findings(labelled, say))
        weights = fit_finding_weights(fitted.oof_probability, counts, y)
        fitted.oof_probability = combine_counts(fitted.oof_probability, counts, weights)
        fitted.flag_threshold, fitted.major_span_threshold = calibrate(fitted.oof_probability, y,
                                                                       fitted.oof_datasets)
    metrics = {
        "labelled sentences": len(labelled),
        "share with a major error": round(float(y.mean()), 4),
        f"out-of-fold AUC ({folds} document folds)": round(auc(y, fitted.oof_probability), 4),
        "length-only AUC (same sentences)": round(auc(y, lengths), 4),
        "clean sentences flagged (out-of-fold)": round(float((fitted.oof_probability[y == 0] >=
                                                              fitted.flag_threshold).mean()), 4),
    }
    folder = write_detector(out, fitted, name=name, version=version, encoder_signature=encoder.signature,
                            training=training, metrics=metrics, command=command or "tqcheck train",
                            finding_weights=weights)
    return BuildResult(folder, f"out-of-fold AUC {metrics[f'out-of-fold AUC ({folds} document folds)']}, "
                               f"length {metrics['length-only AUC (same sentences)']}")
