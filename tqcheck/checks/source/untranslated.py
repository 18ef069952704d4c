"""Text left untranslated: a target equal to the source, written in the source's script, or reading as the source
language (``source.Untranslated``), and runs of the source's script inside the target (``source.Script``)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Iterable

import regex

from tqcheck.core.document import Segment
from tqcheck.core.finding import Finding
from tqcheck.checks.source.lexicon import SCRIPT_NAMES
from tqcheck.checks.source.parsing import WORD_RE
from tqcheck.checks.source.rule import RULE_PREFIX

#: A target equal to its source is reported only with at least this many letters and words (a name or a one-word
#: label is often the same in both languages): convention, set with the check (dfa3a6f); not measured.
SAME_MIN_LETTERS = 8
SAME_MIN_WORDS = 2
#: A target "reads as" the source language when at least READS_AS_SHARE of its words of READS_AS_MIN_LETTERS
#: letters or more (READS_AS_MIN_WORDS of them at least) are more frequent in the source language than in English by
#: READS_AS_ZIPF_MARGIN on wordfreq's Zipf scale (a factor of 10): convention, set with the check (dfa3a6f); its
#: fire rates are `python -m bench.source_check --data ../shared/data` (source.Untranslated, docs/bilingual.md).
READS_AS_SHARE = 0.6
READS_AS_MIN_LETTERS = 3
READS_AS_MIN_WORDS = 3
READS_AS_ZIPF_MARGIN = 1.0

SCRIPT_RES = {name: regex.compile(rf"\p{{Script={name}}}") for name in SCRIPT_NAMES}
FOREIGN_RUN_RE = regex.compile(r"[\p{L}\p{M}&&[^\p{Latin}\p{Common}]](?:[\p{L}\p{M}\s·・-]*[\p{L}\p{M}&&[^\p{Latin}]])?",
                               regex.V1)


def script_of(text: str) -> str:
    """The main non-Latin script of ``text``'s letters, or "" when they are mostly Latin."""
    counts: Counter[str] = Counter()
    for ch in text:
        if ch.isalpha():
            counts[_script(ch)] += 1
    if not counts:
        return ""
    script, count = counts.most_common(1)[0]
    return "" if script == "Latin" else script


@lru_cache(maxsize=4096)
def _script(ch: str) -> str:
    """The script of a letter (Hiragana and Katakana count as Han; Latin when not a listed script)."""
    if ch < "\u0250":  # Basic Latin to Latin Extended-B
        return "Latin"
    for name, pattern in SCRIPT_RES.items():
        if pattern.match(ch):
            return "Han" if name in ("Hiragana", "Katakana") else name
    return "Latin"


def _normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def untranslated(segment: Segment, source: str, language: str = "") -> Iterable[Finding]:
    """Targets equal to the source, in the source's script, or reading as the source language."""
    text = segment.text
    if not regex.search(r"\p{L}{2}", text):
        return
    letters = sum(1 for ch in text if ch.isalpha())
    if _normalise(text) == _normalise(source) and letters >= SAME_MIN_LETTERS and len(text.split()) >= SAME_MIN_WORDS:
        yield segment.finding(0, len(text), rule_id=f"{RULE_PREFIX}.Untranslated",
                              message="the translation is identical to the source: left untranslated?",
                              severity="major", category="accuracy/untranslated", origin="source",
                              engine="tqcheck.source")
        return
    source_script = script_of(source)
    target_script = script_of(text)
    if target_script and target_script == source_script:
        yield segment.finding(0, len(text), rule_id=f"{RULE_PREFIX}.Untranslated",
                              message=f"the translation is in {target_script} script like its source, not English",
                              severity="major", category="accuracy/untranslated", origin="source",
                              engine="tqcheck.source")
        return
    if source_script:
        for run in FOREIGN_RUN_RE.finditer(text):
            if _script(run.group()[0]) == source_script:
                yield segment.finding(run.start(), run.end(), rule_id=f"{RULE_PREFIX}.Script",
                                      message=f"{source_script} text left in the English translation",
                                      severity="major", category="accuracy/untranslated", origin="source",
                                      engine="tqcheck.source")
        return
    language_name = reads_as(text, language)
    if language_name:
        yield segment.finding(0, len(text), rule_id=f"{RULE_PREFIX}.Untranslated",
                              message=f"the translation reads as {language_name}, the source language, not English",
                              severity="major", category="accuracy/untranslated", origin="source",
                              engine="tqcheck.source")


@lru_cache(maxsize=1)
def _wordfreq_languages() -> frozenset[str]:
    """Languages wordfreq has word lists for (read once)."""
    try:
        from wordfreq import available_languages
    except ImportError:  # pragma: no cover - a dependency of tqcheck
        return frozenset()
    return frozenset(available_languages())


def reads_as(text: str, language: str) -> str:
    """The source language's name when most words of ``text`` are words of it rather than English."""
    if not language or language == "en":
        return ""
    words = [w.lower() for w in WORD_RE.findall(text) if len(w) >= READS_AS_MIN_LETTERS]
    if len(words) < READS_AS_MIN_WORDS:
        return ""
    if language not in _wordfreq_languages():
        return ""
    from wordfreq import zipf_frequency

    foreign = sum(1 for w in words if zipf_frequency(w, language) > zipf_frequency(w, "en") + READS_AS_ZIPF_MARGIN)
    if foreign / len(words) < READS_AS_SHARE:
        return ""
    from tqcheck.readers.units import LANGUAGE_NAMES

    return LANGUAGE_NAMES.get(language, language)

