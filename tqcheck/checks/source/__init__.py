"""Source-aware checks: compare each translated segment with its source text.

One module per check: numbers, dates and units (``numbers``, reading numbers in ``parsing``); untranslated
text (``untranslated``); suspicious length ratios calibrated per language pair (``length``); placeholders and
tags missing or added (``placeholders``, finding them in ``markup``); and the translator's QA checks of Xbench,
Verifika and pofilter: URLs and e-mail addresses (``links``), alphanumeric codes and product names (``codes``),
unpaired brackets and quotes (``pairs``), initial capital and final punctuation (``edges``), leading and
trailing whitespace (``whitespace``), repeated words (``repetition``), the do-not-translate list (``dnt``) and, over a whole run, inconsistent translations
(``consistency``, run by the engine on the merged documents). The word lists they read are data files
(``data/*.json``, read by ``lexicon``). Glossary terms required by a source term are checked by the ``glossary``
rules (the ``glossary`` config key). An optional cross-lingual embedding model adds a meaning-similarity signal
(tqcheck/checks/crosslingual.py). Every finding has origin ``source``; the comparisons have MQM accuracy
categories, the QA checks fluency or terminology ones where that is what they find.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tqcheck.core.interfaces import Check, Progress, no_progress
from tqcheck.core.document import Document, Segment
from tqcheck.core.finding import Finding
from tqcheck.readers.units import setting
from tqcheck.checks.source.rule import RULE_PREFIX
from tqcheck.checks.source.lexicon import (MONTH_NAMES, MONTHS, MULTIPLIERS, NUMBER_WORDS_EN,  # noqa: F401
                                           NUMBER_WORDS_SOURCE, UNIT_FAMILIES, UNITS)
from tqcheck.checks.source.markup import PLACEHOLDER_RE, markup_codes, placeholders_of
from tqcheck.checks.source.parsing import (Quantity, chinese_value, english_compound,  # noqa: F401
                                           english_number_phrases, parse_number, quantities, roman_value)
from tqcheck.checks.source.numbers import numbers
from tqcheck.checks.source.untranslated import reads_as, script_of, untranslated
from tqcheck.checks.source.length import LENGTH_MIN_CHARS, LENGTH_RATIOS, LENGTH_Z, LENGTH_Z_MAJOR, length_ratio
from tqcheck.checks.source.placeholders import placeholders
from tqcheck.checks.source.links import links
from tqcheck.checks.source.codes import codes as alphanumeric_codes
from tqcheck.checks.source.pairs import pairs
from tqcheck.checks.source.edges import edges
from tqcheck.checks.source.whitespace import whitespace
from tqcheck.checks.source.repetition import repeated_words
from tqcheck.checks.source.dnt import do_not_translate, read_dnt_files
from tqcheck.checks.source.consistency import inconsistencies

#: The modules of the translator's QA checks (a module's name may also be its check function's, hence by name).
QA_MODULES = ("links", "codes", "pairs", "edges", "whitespace", "repetition", "dnt", "consistency")
#: The QA checks' examples by rule id ({"bad": [...], "good": [...]}, (source, translation) pairs; lists of pairs
#: for the run-wide consistency rules), kept beside each check and run as tests.
QA_EXAMPLES: dict[str, dict[str, list]] = {
    rule: examples for name in QA_MODULES
    for rule, examples in sys.modules[f"{__name__}.{name}"].EXAMPLES.items()}

if TYPE_CHECKING:
    from tqcheck.core.config import Settings


@dataclass(frozen=True)
class QAOptions:
    """What the translator's QA checks need from the settings: the do-not-translate terms, and whether the
    source check reports repeated words (only when no grammar engine does)."""

    dnt: tuple[str, ...] = ()
    repeated_words: bool = False

    @classmethod
    def from_settings(cls, settings: "Settings | None") -> "QAOptions":
        """The options of ``settings`` (the ``dnt`` files read now: a bad file is a ConfigError naming it)."""
        return cls(dnt=read_dnt_files(setting(settings, "dnt", []) or []),
                   repeated_words=setting(settings, "grammar", "harper") == "none")


def make_source_check(settings: "Settings") -> "SourceCheck":
    """The source check for ``settings`` (with the cross-lingual model when configured)."""
    return SourceCheck(settings)


class SourceCheck(Check):
    """Findings from comparing each segment with its source (origin ``source``)."""

    name = "source"

    def __init__(self, settings: "Settings | None" = None) -> None:
        self.settings = settings
        self.notices: list[str] = []
        self.options = QAOptions.from_settings(settings)
        from tqcheck.checks.crosslingual import make_meaning_check

        self.meaning = make_meaning_check(settings)
        self.notices.extend(self.meaning.notices)

    def check(self, document: Document, progress: Progress = no_progress) -> list[Finding]:
        """Findings for every segment that has a source."""
        return self.check_with_similarity(document, progress)[0]

    def check_with_similarity(self, document: Document, progress: Progress = no_progress
                              ) -> tuple[list[Finding], dict[int, float]]:
        """Findings, and the source/target similarity by segment index when a cross-lingual model measured it."""
        findings: list[Finding] = []
        similarities: dict[int, float] = {}
        language = document.source_language or setting(self.settings, "source_language", "")
        codes = markup_codes(document)
        pairs = [s for s in document.segments if s.source]
        for segment in document.segments:
            if segment.source:
                findings.extend(check_segment(segment, language, codes.get(segment.unit_id), self.options))
            progress(1)
        if self.meaning.available and pairs:
            for segment, similarity in zip(pairs, self.meaning.similarities(pairs)):
                similarities[segment.index] = similarity
                finding = self.meaning.finding(segment, similarity)
                if finding is not None:
                    findings.append(finding)
        return findings, similarities

    def signature(self) -> dict[str, str]:
        """Length-ratio table version and the cross-lingual model, when used."""
        signature = {"length_ratios": "mlqe-pe+mqm-zhen-dev-1"}
        signature.update(self.meaning.signature())
        return signature


def check_segment(segment: Segment, language: str = "", codes: tuple[list[str], list[str]] | None = None,
                  options: QAOptions = QAOptions()) -> list[Finding]:
    """Every source-aware finding of one segment (a target left untranslated gets that finding alone, with its
    placeholders and tags)."""
    source = segment.source or ""
    findings = list(untranslated(segment, source, language))
    if not any(f.rule_id == f"{RULE_PREFIX}.Untranslated" for f in findings):
        findings.extend(numbers(segment, source, language))
        findings.extend(length_ratio(segment, source, language))
        findings.extend(qa_findings(segment, source, options))
    findings.extend(placeholders(segment, source, codes))
    return findings


def qa_findings(segment: Segment, source: str, options: QAOptions = QAOptions()) -> list[Finding]:
    """The translator's QA checks of one segment: addresses, codes, brackets and quotes, capital and final
    punctuation, leading and trailing whitespace, do-not-translate terms, and repeated words when no grammar
    engine reports them."""
    findings = [*links(segment, source), *alphanumeric_codes(segment, source), *pairs(segment, source),
                *edges(segment, source), *whitespace(segment, source),
                *do_not_translate(segment, source, options.dnt)]
    if options.repeated_words:
        findings.extend(repeated_words(segment, source))
    return findings



__all__ = ["SourceCheck", "make_source_check", "check_segment", "qa_findings", "QAOptions", "QA_EXAMPLES", "inconsistencies", "RULE_PREFIX", "Quantity", "quantities",
           "parse_number", "chinese_value", "english_compound", "english_number_phrases", "roman_value", "numbers",
           "untranslated", "reads_as", "script_of", "length_ratio", "placeholders", "placeholders_of",
           "markup_codes", "PLACEHOLDER_RE", "LENGTH_RATIOS", "LENGTH_Z", "LENGTH_Z_MAJOR", "LENGTH_MIN_CHARS",
           "MONTHS", "MONTH_NAMES", "MULTIPLIERS", "NUMBER_WORDS_EN", "NUMBER_WORDS_SOURCE", "UNITS",
           "UNIT_FAMILIES"]
