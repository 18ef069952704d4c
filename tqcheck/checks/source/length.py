"""Targets much shorter or longer than usual for the language pair (``source.Length``)."""

from __future__ import annotations

import math
from typing import Iterable

from tqcheck.core.document import Segment
from tqcheck.core.finding import Finding
from tqcheck.checks.source.rule import RULE_PREFIX
from tqcheck.checks.source.untranslated import script_of

#: Mean and standard deviation of log((target chars + 1) / (source chars + 1)) (whitespace not
#: counted) of good X->English translations, by source language; "*" for unknown pairs.
#: Produced by `python -m bench.length_ratios --data ../shared/data` (see docs/bilingual.md).
LENGTH_RATIOS: dict[str, tuple[float, float]] = {
    "et": (0.029, 0.134),  # et-en, 1026 segments (MLQE-PE dev, DA >= 70)
    "ne": (0.018, 0.167),  # ne-en, 177 segments
    "ro": (-0.063, 0.118),  # ro-en, 1552 segments
    "ru": (0.041, 0.199),  # ru-en, 1867 segments
    "si": (-0.011, 0.146),  # si-en, 751 segments
    "zh": (1.039, 0.25),  # zh-en, 2365 segments (MQM dev, no error marked)
    "*": (0.001, 0.165),  # every pair but zh-en, 5373 segments
}
#: |z| of the log length ratio above which a segment is flagged: convention (three standard deviations), set when
#: the check was written (dfa3a6f); its fire rates on good and bad rows are measured by
#: `python -m bench.length_ratios --data ../shared/data --evaluate` (zh-en: 0.3 % of good rows, docs/bilingual.md).
LENGTH_Z = 3.0
#: |z| above which the finding is major: convention (1.5 times LENGTH_Z), set with it (dfa3a6f); not measured.
LENGTH_Z_MAJOR = 4.5
#: Segments shorter than this (non-space characters, both sides) are not length-checked: convention (a short
#: sentence's ratio swings with one word), set with the check (dfa3a6f); not measured.
LENGTH_MIN_CHARS = 20


def length_ratio(segment: Segment, source: str, language: str = "") -> Iterable[Finding]:
    """Targets much shorter (omission) or longer (addition) than usual for the language pair."""
    source_chars = sum(1 for c in source if not c.isspace())
    target_chars = sum(1 for c in segment.text if not c.isspace())
    if max(source_chars, target_chars) < LENGTH_MIN_CHARS:
        return
    key = language if language in LENGTH_RATIOS else ("zh" if script_of(source) == "Han" else "*")
    mean, sd = LENGTH_RATIOS[key]
    z = (math.log((target_chars + 1) / (source_chars + 1)) - mean) / sd
    if abs(z) <= LENGTH_Z:
        return
    pair = f"{language or '?'}-en"
    shorter = z < 0
    yield segment.finding(
        0, len(segment.text), rule_id=f"{RULE_PREFIX}.Length",
        message=(f"the translation is {'much shorter' if shorter else 'much longer'} than its source "
                 f"({target_chars} vs {source_chars} characters, z = {z:+.1f} for {pair}): "
                 f"{'something may be left out' if shorter else 'something may be added'}"),
        severity="major" if abs(z) > LENGTH_Z_MAJOR else "minor",
        category="accuracy/omission" if shorter else "accuracy/addition", origin="source",
        confidence=round(min(1.0, abs(z) / 10), 3), engine="tqcheck.source")

