"""Source-aware checks: compare each translated segment with its source text.

Numbers, dates and units that differ; untranslated text (target equal to the source,
or written in the source's script or language); suspicious length ratios calibrated
per language pair; placeholders and tags missing or added. Glossary terms required by
a source term are checked by the ``glossary`` rules (the ``glossary`` config key).
An optional cross-lingual embedding model adds a meaning-similarity signal
(tqcheck/checks/crosslingual.py). Every finding has origin ``source`` and an MQM accuracy
category.
"""

from __future__ import annotations

import math
import unicodedata
from functools import lru_cache
from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable

import regex

from tqcheck.core.interfaces import Check, Progress, no_progress
from tqcheck.core.document import Document, Segment
from tqcheck.core.finding import Finding
from tqcheck.readers.units import setting

if TYPE_CHECKING:
    from tqcheck.core.config import Settings

#: Mean and standard deviation of log((target chars + 1) / (source chars + 1)) (whitespace not
#: counted) of good X->English translations, by source language; "*" for unknown pairs.
#: Produced by `python bench/length_ratios.py --data ../shared/data` (see docs/bilingual.md).
LENGTH_RATIOS: dict[str, tuple[float, float]] = {
    "et": (0.029, 0.134),  # et-en, 1026 segments (MLQE-PE dev, DA >= 70)
    "ne": (0.018, 0.167),  # ne-en, 177 segments
    "ro": (-0.063, 0.118),  # ro-en, 1552 segments
    "ru": (0.041, 0.199),  # ru-en, 1867 segments
    "si": (-0.011, 0.146),  # si-en, 751 segments
    "zh": (1.039, 0.25),  # zh-en, 2365 segments (MQM dev, no error marked)
    "*": (0.001, 0.165),  # every pair but zh-en, 5373 segments
}
#: |z| of the log length ratio above which a segment is flagged, and above which it is major.
LENGTH_Z = 3.0
LENGTH_Z_MAJOR = 4.5
#: Segments shorter than this (non-space characters, both sides) are not length-checked.
LENGTH_MIN_CHARS = 20

RULE_PREFIX = "source"

NUMBER_WORDS_EN = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "hundredth": 100, "thousand": 1000, "half": 0.5, "once": 1, "twice": 2, "single": 1, "both": 2, "double": 2,
}
#: Small number words of common source languages (they may stand for a digit in the translation).
NUMBER_WORDS_SOURCE = {
    "de": "null ein eins eine einen zwei drei vier fünf sechs sieben acht neun zehn elf zwölf",
    "fr": "zéro un une deux trois quatre cinq six sept huit neuf dix onze douze",
    "es": "cero un uno una dos tres cuatro cinco seis siete ocho nueve diez once doce",
    "it": "zero un uno una due tre quattro cinque sei sette otto nove dieci undici dodici",
    "pt": "zero um uma dois três quatro cinco seis sete oito nove dez onze doze",
    "nl": "nul een één twee drie vier vijf zes zeven acht negen tien elf twaalf",
    "ro": "zero un unu o doi două trei patru cinci șase șapte opt nouă zece unsprezece doisprezece",
    "ru": "ноль один одна одно два две три четыре пять шесть семь восемь девять десять одиннадцать двенадцать",
}
_SOURCE_VALUES = {"de": [0, 1, 1, 1, 1], "fr": [0, 1, 1], "es": [0, 1, 1, 1], "it": [0, 1, 1, 1],
                  "pt": [0, 1, 1], "nl": [0, 1, 1], "ro": [0, 1, 1, 1, 2], "ru": [0, 1, 1, 1, 2]}
MULTIPLIERS = {
    "thousand": 1e3, "million": 1e6, "millions": 1e6, "billion": 1e9, "billions": 1e9, "trillion": 1e12,
    "mn": 1e6, "m": 1e6, "bn": 1e9, "k": 1e3, "tausend": 1e3, "mio": 1e6, "millionen": 1e6, "mrd": 1e9,
    "milliarden": 1e9, "milliarde": 1e9, "mille": 1e3, "milliards": 1e9, "milliard": 1e9, "mil": 1e3,
    "millones": 1e6, "millón": 1e6, "milioane": 1e6, "miliarde": 1e9, "тыс": 1e3, "млн": 1e6, "млрд": 1e9,
    "万": 1e4, "亿": 1e8, "千": 1e3, "百万": 1e6, "萬": 1e4, "億": 1e8,
}
MONTHS = {
    # English, German, French, Spanish, Italian, Portuguese, Dutch, Romanian (full names and common abbreviations)
    1: "january jan januar jänner janvier enero gennaio janeiro januari ianuarie",
    2: "february feb februar février febrero febbraio fevereiro februari februarie",
    3: "march mar märz mars marzo março maart martie",
    4: "april apr avril abril aprile aprilie",
    5: "may mai mayo maggio maio mei",
    6: "june jun juni juin junio giugno junho iunie",
    7: "july jul juli juillet julio luglio julho iulie",
    8: "august aug août agosto augustus",
    9: "september sep sept septembre septiembre settembre setembro septembrie",
    10: "october oct oktober octobre octubre ottobre outubro octombrie",
    11: "november nov novembre noviembre novembro noiembrie",
    12: "december dec dezember décembre diciembre dicembre dezembro decembrie",
}
MONTH_NAMES = {name: number for number, names in MONTHS.items() for name in names.split()}
UNITS = {
    "%": "%", "percent": "%", "per cent": "%", "prozent": "%", "pour cent": "%", "por ciento": "%", "процент": "%",
    "km": "km", "kilometre": "km", "kilometer": "km", "kilometres": "km", "kilometers": "km", "kilometern": "km",
    "m": "m", "metre": "m", "meter": "m", "metres": "m", "meters": "m", "metern": "m",
    "cm": "cm", "mm": "mm", "kg": "kg", "kilogram": "kg", "kilograms": "kg", "kilogramm": "kg",
    "g": "g", "gram": "g", "grams": "g", "gramm": "g", "t": "t", "tonnes": "t", "tons": "t", "tonnen": "t",
    "l": "l", "litre": "l", "liter": "l", "litres": "l", "liters": "l", "ml": "ml",
    "mi": "mi", "mile": "mi", "miles": "mi", "meilen": "mi", "ft": "ft", "feet": "ft", "foot": "ft",
    "lb": "lb", "lbs": "lb", "pound": "lb", "pounds": "lb", "inch": "in", "inches": "in",
    "°c": "°C", "°f": "°F", "mph": "mph", "km/h": "km/h", "kmh": "km/h",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "$": "USD", "usd": "USD", "dollar": "USD",
    "dollars": "USD", "£": "GBP", "gbp": "GBP", "¥": "JPY/CNY", "yuan": "CNY", "rmb": "CNY", "元": "CNY",
}
#: Units the same quantity may legitimately be written in (no finding when they differ).
UNIT_FAMILIES = {"CNY": "JPY/CNY", "JPY/CNY": "JPY/CNY"}

NUMBER_RE = regex.compile(
    r"(?<![\p{Latin}\p{Cyrillic}\d.,])(?P<sign>[-−+])?(?P<num>\d{1,3}(?:(?P<sep>[,.\u00a0\u202f' ])\d{3})(?:(?P=sep)\d{3})*"
    r"(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?P<suffix>st|nd|rd|th|e|er|ème)?(?![\d])")
WORD_RE = regex.compile(r"\p{L}+(?:[-']\p{L}+)*")
PLACEHOLDER_RE = regex.compile(
    r"\{\{\s*[\w.]+\s*\}\}"            # {{name}}
    r"|\$\{[\w.]+\}"                    # ${name}
    r"|\{\d+(?:,[^{}]*)?\}"             # {0}, {0,number}
    r"|\{[A-Za-z_]\w*\}"                # {name}
    r"|%(?:\d+\$)?[-+#0]*\d*(?:\.\d+)?[sdifuxXeEgGcp@](?![A-Za-z])"  # %s %d %1$s %.2f %@
    r"|%\([\w]+\)[sdifr]"              # %(name)s
    r"|</?[A-Za-z][\w:-]*(?:\s+[^<>]*?)?/?>"  # <b>, </b>, <br/>, <a href="...">
)


ROMAN_RE = regex.compile(r"(?<![\p{L}\d])(?=[IVXLC]{2,}(?![\p{L}\d]))C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
                         r"(?=[-\s.,;:)]|$)")


def roman_value(numeral: str) -> int:
    """Value of an upper-case Roman numeral (0 when it is not one)."""
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for i, ch in enumerate(numeral):
        value = values.get(ch, 0)
        if not value:
            return 0
        total += -value if i + 1 < len(numeral) and values.get(numeral[i + 1], 0) > value else value
    return total


@dataclass(frozen=True)
class Quantity:
    """A number found in a text: its candidate values, unit and span."""

    values: frozenset[float]
    unit: str
    start: int
    end: int
    kind: str = "number"  # number, word, phrase (number words of more than one word), month


def make_source_check(settings: "Settings") -> "SourceCheck":
    """The source check for ``settings`` (with the cross-lingual model when configured)."""
    return SourceCheck(settings)


class SourceCheck(Check):
    """Findings from comparing each segment with its source (origin ``source``)."""

    name = "source"

    def __init__(self, settings: "Settings | None" = None) -> None:
        self.settings = settings
        self.notices: list[str] = []
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
                findings.extend(check_segment(segment, language, codes.get(segment.unit_id)))
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


def check_segment(segment: Segment, language: str = "",
                  codes: tuple[list[str], list[str]] | None = None) -> list[Finding]:
    """Every source-aware finding of one segment."""
    source = segment.source or ""
    findings = list(untranslated(segment, source, language))
    if not any(f.rule_id == f"{RULE_PREFIX}.Untranslated" for f in findings):
        findings.extend(numbers(segment, source, language))
        findings.extend(length_ratio(segment, source, language))
    findings.extend(placeholders(segment, source, codes))
    return findings


# -- numbers, dates and units ------------------------------------------------

def parse_number(text: str, sep: str | None) -> frozenset[float]:
    """Candidate values of a digit string (``1.000`` is 1000 in German, 1.0 in English)."""
    values: set[float] = set()
    plain = text.replace("\u00a0", "").replace("\u202f", "").replace("'", "").replace(" ", "")
    if sep in ("\u00a0", "\u202f", "'", " "):
        text = plain
        sep = None
    candidates = [text.replace(",", ""), text.replace(".", "").replace(",", ".")]
    if sep is None and text.count(",") == 1 and text.count(".") == 0:
        candidates.append(text.replace(",", "."))
    for candidate in candidates:
        try:
            values.add(float(candidate))
        except ValueError:
            continue
    return frozenset(values)


#: Currency codes written right before an amount ("RMB280 million", "USD11 billion"), read as spaces.
CURRENCY_PREFIX_RE = regex.compile(r"(?<![\p{L}\d])(?:RMB|USD|CNY|EUR|GBP|JPY|HKD|AUD|CAD|SGD|CHF|INR|KRW|US|HK|NT)"
                                   r"(?=\$?\d)")
#: Between two numbers of a range whose multiplier is written once ("4 to 6 million", "4-6 million").
RANGE_GAP_RE = regex.compile(r"\s*(?:to|and|or|-|–|—|~|至|到)\s*", regex.IGNORECASE)


def quantities(text: str, language: str = "", target: bool = False) -> list[Quantity]:
    """Numbers (digits with multipliers and units), month names and small number words of ``text``."""
    found: list[Quantity] = []
    consumed = 0
    scaled: list[tuple[Quantity, float]] = []  # every number read, with the multiplier written after it (or 1)
    scan = CURRENCY_PREFIX_RE.sub(lambda m: " " * len(m.group()), text)
    for match in NUMBER_RE.finditer(scan):
        if match.start() < consumed or regex.search(r"\p{Lu}[-‑]$", text[max(0, match.start() - 2):match.start()]):
            continue  # minutes of a time already read, or a code such as COVID-19 or G-20
        values = parse_number(match.group("num"), match.group("sep"))
        if match.group("sign") in ("-", "−") and match.start() > 0 and not text[match.start() - 1].isspace():
            pass  # a range (10-20) or a code, not a negative number
        elif match.group("sign") in ("-", "−"):
            values = frozenset(-v for v in values) | values
        end = match.end()
        after = text[end:end + 16]
        unit = ""
        multiplier = regex.match(r"\s?(百万|[万亿千萬億]|\p{L}+(?!\p{L}))\.?", after)
        factor = 1.0
        if multiplier and multiplier.group(1).lower() in MULTIPLIERS:
            factor = MULTIPLIERS[multiplier.group(1).lower()]
            values = values | frozenset(v * factor for v in values)
            end += multiplier.end()
            rest = regex.match(r"\d+(?![.,]\d)", text[end:]) if multiplier.group(1) in ("万", "亿", "萬", "億") else None
            if rest:  # 11万7015: one number, 117,015
                values = values | frozenset(v * factor + int(rest.group()) for v in values if v == int(v))
                end += rest.end()
            after = text[end:end + 16]
        elif regex.match(r"年代", after):  # 90年代: the nineties
            values = values | frozenset(c + v for v in values if v < 100 and v % 10 == 0 for c in (1900, 2000))
        unit_match = regex.match(r"\s?(%|°[CF]|km/h|[€$£¥元]|per cent|pour cent|por ciento|\p{L}+)", after)
        start = match.start()
        if unit_match and unit_match.group(1).lower() in UNITS:
            unit = UNITS[unit_match.group(1).lower()]
            end += unit_match.end()
        before = text[max(0, match.start() - 2):match.start()]
        currency = regex.search(r"([€$£¥])\s?$", before)
        if currency and not unit:
            unit = UNITS[currency.group(1)]
            start -= len(currency.group())
        clock = regex.match(r"(?::\s?(\d{2}))?\s?(?:(a\.?m\.?|am)|(p\.?m\.?|pm))?(?![\p{Latin}\p{Cyrillic}])",
                            text[end:end + 12], regex.IGNORECASE)
        if clock and (clock.group(1) or clock.group(2) or clock.group(3)):
            hours = {v for v in values if v == int(v) and 0 <= v <= 24}
            if hours and (clock.group(1) is not None or clock.group(2) or clock.group(3)):
                values = frozenset(hours | {h + 12 for h in hours if clock.group(3) and h < 12}
                                   | {h - 12 for h in hours if h > 12})
                if clock.group(1) and int(clock.group(1)):  # the minutes, for a source that writes 14时40分
                    found.append(Quantity(frozenset({float(clock.group(1))}), "", end + clock.start(1),
                                          end + clock.end(1), "word"))
                end += clock.end()
        consumed = end
        if text[end:end + 1] in ("月",):  # 8月: a month in Chinese and Japanese
            found.append(Quantity(values, "month", start, end + 1, "month"))
            continue
        found.append(Quantity(values, unit, start, end))
        scaled.append((found[-1], factor))
    for (first, f1), (second, f2) in zip(scaled, scaled[1:]):
        gap = text[first.end:second.start]
        if f1 == 1.0 and f2 != 1.0 and (RANGE_GAP_RE.fullmatch(gap)
                                        or not gap.strip() and text[second.start:second.start + 1] in "-–−"):
            found[found.index(first)] = replace(first, values=first.values | frozenset(v * f2 for v in first.values))
    for match in ROMAN_RE.finditer(text):
        value = roman_value(match.group())
        if value:
            found.append(Quantity(frozenset({float(value)}), "", match.start(), match.end(), "word"))
    phrases = english_number_phrases(text) if target else []
    found += phrases
    for match in WORD_RE.finditer(text):
        word = match.group().lower()
        if any(q.start <= match.start() < q.end for q in phrases):
            continue  # a word of "two million" or "half a million", read as the whole phrase
        if word in MONTH_NAMES and (word not in ("may", "mar", "mai", "jun", "jul", "dec", "in", "sep")
                                     or _near_number(text, match.start(), match.end())):
            found.append(Quantity(frozenset({float(MONTH_NAMES[word])}), "month", match.start(), match.end(),
                                  "month"))
        elif target and (word in NUMBER_WORDS_EN or english_compound(word)):
            value = NUMBER_WORDS_EN.get(word) or english_compound(word)
            found.append(Quantity(frozenset({float(value)}), "", match.start(), match.end(), "word"))
        elif not target and language in NUMBER_WORDS_SOURCE:
            words = NUMBER_WORDS_SOURCE[language].split()
            if word in words:
                value = _source_word_value(language, words.index(word))
                found.append(Quantity(frozenset({float(value)}), "", match.start(), match.end(), "word"))
    if not target:
        for match in CHINESE_NUMBER_RE.finditer(text):
            value = chinese_value(match.group())
            if value:
                found.append(Quantity(frozenset({float(value)}), "", match.start(), match.end(), "word"))
    # numeric dates: 24.11.2026, 11/24/2026, 2026-11-24 also give their month
    for match in regex.finditer(r"(?<!\d)(\d{1,2})([./-])(\d{1,2})\2(\d{2,4})(?!\d)|(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)",
                                text):
        parts = [int(p) for p in match.groups() if p and p.isdigit()]
        months = {p for p in parts[:2] if 1 <= p <= 12} if match.group(1) else {parts[1]}
        found = [q for q in found if not (match.start() <= q.start < match.end())]
        day_month = parts[:2] if match.group(1) else parts[1:]
        year = parts[2] if match.group(1) else parts[0]
        found.append(Quantity(frozenset({float(year)}), "", match.start(), match.end()))
        found.append(Quantity(frozenset(float(p) for p in day_month), "", match.start(), match.end()))
        found.append(Quantity(frozenset(float(m) for m in months), "month", match.start(), match.end(), "month"))
    codes = [(a, b) for _, a, b in placeholders_of(text)]
    found = [q for q in found if not any(a <= q.start < b for a, b in codes)]
    return sorted(found, key=lambda q: (q.start, q.kind))


CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                  "九": 9}
CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
CHINESE_NUMBER_RE = regex.compile(r"[零〇一二两三四五六七八九十百千万亿]+")


def chinese_value(numeral: str) -> int:
    """Value of a Chinese numeral such as 十八, 二十三, 四万 (0 when it has no digit or ten)."""
    total, section, digit = 0, 0, 0
    seen = False
    for ch in numeral:
        if ch in CHINESE_DIGITS:
            digit = CHINESE_DIGITS[ch]
            seen = True
        elif ch in ("万", "亿"):
            total += (section + digit) * CHINESE_UNITS[ch]
            section, digit = 0, 0
        else:
            section += (digit or 1) * CHINESE_UNITS[ch]
            digit = 0
            seen = True
    return total + section + digit if seen else 0


#: English words that scale the number before them ("two hundred", "three million").
ENGLISH_SCALES = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "dozen": 12}
#: English fractions of a scale ("half a million", "a quarter of a million", "three quarters of a billion").
ENGLISH_FRACTIONS = {"half": 0.5, "quarter": 0.25, "quarters": 0.25, "third": 1 / 3, "thirds": 1 / 3}
_CARDINALS = {w: v for w, v in NUMBER_WORDS_EN.items() if w in (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety").split()}


def _cardinal(word: str) -> float | None:
    """The value of an English cardinal word (``seven``, ``forty-two``), or None."""
    if word in _CARDINALS:
        return float(_CARDINALS[word])
    value = english_compound(word)
    return float(value) if value and word.split("-")[1] in _CARDINALS else None  # not twenty-first


def english_number_phrases(text: str) -> list[Quantity]:
    """Numbers written in English words of more than one word, as one quantity each: ``two hundred`` (200),
    ``a million`` (1e6), ``three hundred and fifty thousand`` (350,000), ``half a million`` (500,000), ``a
    quarter of a million`` (250,000). The value of each word alone is kept too (a word only helps a source number
    find its match). Words must be separated by spaces only."""
    words = [(m.group().lower(), m.start(), m.end()) for m in WORD_RE.finditer(text)]
    out: list[Quantity] = []
    i = 0

    def joined(k: int) -> bool:  # word k follows word k - 1 across spaces only
        return 0 < k < len(words) and not text[words[k - 1][2]:words[k][1]].strip()

    while i < len(words):
        found = _fraction_phrase(words, i, joined) or _cardinal_phrase(words, i, joined)
        if found is None:
            i += 1
            continue
        end, value, parts = found
        out.append(Quantity(frozenset({float(value)} | set(parts)), "", words[i][1], words[end - 1][2], "phrase"))
        i = end
    return out


def _fraction_phrase(words, i: int, joined) -> tuple[int, float, list[float]] | None:
    """``[a|one|three] half|quarter(s)|third(s) [of] [a|an] <scale>`` starting at word ``i``: (end, value,
    parts), or None."""
    k, count, parts = i, 1.0, []
    if words[k][0] in ("a", "an", "one"):
        k += 1
    elif _cardinal(words[k][0]) is not None:
        count = _cardinal(words[k][0])
        parts.append(count)
        k += 1
    if k > i and not joined(k):
        return None
    if k >= len(words) or words[k][0] not in ENGLISH_FRACTIONS:
        return None
    fraction = ENGLISH_FRACTIONS[words[k][0]]
    k += 1
    for optional in ("of", "a", "an"):
        if joined(k) and words[k][0] == optional and not (optional == "an" and words[k - 1][0] == "a"):
            k += 1
    if not (joined(k) and words[k][0] in ENGLISH_SCALES and ENGLISH_SCALES[words[k][0]] >= 12):
        return None
    scale = ENGLISH_SCALES[words[k][0]]
    return k + 1, count * fraction * scale, parts + [scale]


def _cardinal_phrase(words, i: int, joined) -> tuple[int, float, list[float]] | None:
    """A run of cardinal words and scales starting at word ``i`` (``a`` or ``an`` only right before a scale,
    ``and`` only after a scale and before a cardinal, a scale right after ``hundred`` only when larger): (end,
    value, parts) when it has two words or more, else None."""
    k, total, current, parts = i, 0.0, 0.0, []
    last = ""  # "card", "tens", "scale"
    if words[k][0] in ("a", "an"):
        if not (joined(k + 1) and words[k + 1][0] in ENGLISH_SCALES):
            return None
        current, k, last = 1.0, k + 1, "a"
    while k < len(words) and (k == i or joined(k)):
        word = words[k][0]
        value = _cardinal(word)
        if value is not None and last in ("", "scale", "a") or value is not None and last == "tens" and value < 10:
            current += value
            parts.append(value)
            last = "tens" if value >= 20 and value % 10 == 0 else "card"
        elif word in ENGLISH_SCALES and (last in ("card", "tens", "a") or last == "scale" and parts[-1] == 100
                                         and ENGLISH_SCALES[word] > 100):  # five hundred thousand
            scale = ENGLISH_SCALES[word]
            parts.append(scale)
            if scale == 100:
                current = (current or 1) * scale
            else:
                total, current = total + (current or 1) * scale, 0.0
            last = "scale"
        elif word == "and" and last == "scale" and joined(k + 1) and _cardinal(words[k + 1][0]) is not None:
            pass
        else:
            break
        k += 1
    if k - i < 2 or last == "a":
        return None
    return k, total + current, parts


def english_compound(word: str) -> int:
    """Value of a hyphenated English number word such as ``forty-two`` or ``twenty-first`` (0 otherwise)."""
    parts = word.split("-")
    if len(parts) != 2 or parts[0] not in NUMBER_WORDS_EN or parts[1] not in NUMBER_WORDS_EN:
        return 0
    tens, units = NUMBER_WORDS_EN[parts[0]], NUMBER_WORDS_EN[parts[1]]
    return int(tens + units) if tens in (20, 30, 40, 50, 60, 70, 80, 90) and 1 <= units <= 9 else 0


def _near_number(text: str, start: int, end: int) -> bool:
    """Whether a digit stands within a few characters of [start, end) (``May 5``, ``5 Mai``)."""
    return bool(regex.search(r"\d", text[max(0, start - 5):start]) or regex.search(r"\d", text[end:end + 5]))


def _source_word_value(language: str, index: int) -> int:
    """The value of the ``index``-th word of NUMBER_WORDS_SOURCE[language]."""
    head = _SOURCE_VALUES[language]
    if index < len(head):
        return head[index]
    return index - len(head) + 2


def numbers(segment: Segment, source: str, language: str = "") -> Iterable[Finding]:
    """Numbers, dates and units of the source missing or changed in the target, and numbers added."""
    source_items = quantities(source, language)
    target_items = quantities(segment.text, target=True)
    unmatched_target = [q for q in target_items]
    missing: list[Quantity] = []
    source_months_unmatched: list[Quantity] = []
    for item in source_items:
        match = _take(item, unmatched_target)
        if match is None:
            if item.kind == "number":
                missing.append(item)
            elif item.kind == "month":
                source_months_unmatched.append(item)
            continue
        if item.unit and match.unit and item.unit != match.unit and item.unit != "month" \
                and UNIT_FAMILIES.get(item.unit, item.unit) != UNIT_FAMILIES.get(match.unit, match.unit):
            yield segment.finding(
                match.start, match.end, rule_id=f"{RULE_PREFIX}.Unit",
                message=f"unit differs from the source: {source[item.start:item.end]!r} became "
                        f"{segment.text[match.start:match.end]!r}",
                severity="major", category="accuracy/number", origin="source",
                suggestions=(), engine="tqcheck.source")
    added = [q for q in unmatched_target if q.kind == "number"]
    phrases = [q for q in unmatched_target if q.kind == "phrase"]  # "three million": a changed number, never added
    target_months = [q for q in unmatched_target if q.kind == "month"]
    for item in source_months_unmatched:
        if target_months:
            month = target_months.pop(0)
            yield segment.finding(
                month.start, month.end, rule_id=f"{RULE_PREFIX}.Date",
                message=f"month differs from the source: {source[item.start:item.end]!r}",
                severity="major", category="accuracy/mistranslation", origin="source", engine="tqcheck.source")
    for item in missing:
        shown = source[item.start:item.end]
        pool = added or phrases
        near = min(pool, key=lambda q: abs(q.start / max(len(segment.text), 1) - item.start / max(len(source), 1)),
                   default=None)
        if near is not None:
            pool.remove(near)
            yield segment.finding(
                near.start, near.end, rule_id=f"{RULE_PREFIX}.Number",
                message=f"number differs from the source: the source has {shown!r}",
                severity="major", category="accuracy/number", origin="source", suggestions=(),
                engine="tqcheck.source")
        else:
            yield segment.finding(
                0, len(segment.text), rule_id=f"{RULE_PREFIX}.Number",
                message=f"number {shown!r} of the source is missing from the translation",
                severity="major", category="accuracy/omission", origin="source", engine="tqcheck.source")
    for item in added:
        yield segment.finding(
            item.start, item.end, rule_id=f"{RULE_PREFIX}.Number",
            message=f"number {segment.text[item.start:item.end]!r} is not in the source",
            severity="minor", category="accuracy/addition", origin="source", engine="tqcheck.source")


def _take(item: Quantity, pool: list[Quantity]) -> Quantity | None:
    """Remove and return the first quantity of ``pool`` sharing a value (and month-ness) with ``item``."""
    ordered = sorted(pool, key=lambda q: q.kind == "word")  # digits (and number phrases) before single number words
    for candidate in ordered:
        if (candidate.kind == "month") != (item.kind == "month"):
            continue
        if item.values & candidate.values or any(
                math.isclose(a, b, rel_tol=1e-9) for a in item.values for b in candidate.values):
            pool.remove(candidate)
            return candidate
    return None


# -- untranslated text -------------------------------------------------------

SCRIPT_NAMES = ("Han", "Hiragana", "Katakana", "Hangul", "Cyrillic", "Arabic", "Hebrew", "Greek", "Devanagari",
                "Thai", "Sinhala", "Khmer", "Georgian", "Armenian", "Bengali", "Tamil")
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
    if _normalise(text) == _normalise(source) and letters >= 8 and len(text.split()) >= 2:
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
    words = [w.lower() for w in WORD_RE.findall(text) if len(w) >= 3]
    if len(words) < 3:
        return ""
    if language not in _wordfreq_languages():
        return ""
    from wordfreq import zipf_frequency

    foreign = sum(1 for w in words if zipf_frequency(w, language) > zipf_frequency(w, "en") + 1.0)
    if foreign / len(words) < 0.6:
        return ""
    from tqcheck.readers.units import LANGUAGE_NAMES

    return LANGUAGE_NAMES.get(language, language)


# -- length ------------------------------------------------------------------

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


# -- placeholders and tags ---------------------------------------------------

def placeholders_of(text: str) -> list[tuple[str, int, int]]:
    """(normalised token, start, end) of every placeholder and tag in ``text``."""
    result = []
    for match in PLACEHOLDER_RE.finditer(text):
        token = match.group()
        if token.startswith("<"):
            name = regex.match(r"</?\s*([A-Za-z][\w:-]*)", token).group(1).lower()
            token = f"</{name}>" if token.startswith("</") else (f"<{name}/>" if token.endswith("/>") else f"<{name}>")
        else:
            token = regex.sub(r"\s+", "", token)
        result.append((token, match.start(), match.end()))
    return result


def placeholders(segment: Segment, source: str,
                 codes: tuple[list[str], list[str]] | None = None) -> Iterable[Finding]:
    """Placeholders and tags of the source missing from the target, or added to it."""
    source_tokens = Counter(t for t, _, _ in placeholders_of(source))
    target_found = placeholders_of(segment.text)
    target_tokens = Counter(t for t, _, _ in target_found)
    for token, count in (source_tokens - target_tokens).items():
        kind = "tag" if token.startswith("<") else "placeholder"
        yield segment.finding(0, len(segment.text), rule_id=f"{RULE_PREFIX}.{kind.title()}",
                              message=f"{kind} {token} of the source is missing"
                                      + (f" ({count} times)" if count > 1 else ""),
                              severity="major", category="accuracy/omission", origin="source",
                              engine="tqcheck.source")
    extra = target_tokens - source_tokens
    for token, start, end in target_found:
        if extra.get(token, 0) > 0:
            extra[token] -= 1
            kind = "tag" if token.startswith("<") else "placeholder"
            yield segment.finding(start, end, rule_id=f"{RULE_PREFIX}.{kind.title()}",
                                  message=f"{kind} {token} is not in the source", severity="major",
                                  category="accuracy/addition", origin="source", engine="tqcheck.source")
    if codes is not None:
        source_codes, target_codes = Counter(codes[0]), Counter(codes[1])
        for code, _ in (source_codes - target_codes).items():
            yield segment.finding(0, len(segment.text), rule_id=f"{RULE_PREFIX}.Tag",
                                  message=f"inline markup {code} of the source is missing from the target",
                                  severity="major", category="accuracy/omission", origin="source",
                                  engine="tqcheck.source")
        for code, _ in (target_codes - source_codes).items():
            yield segment.finding(0, len(segment.text), rule_id=f"{RULE_PREFIX}.Tag",
                                  message=f"inline markup {code} is in the target but not in the source",
                                  severity="major", category="accuracy/addition", origin="source",
                                  engine="tqcheck.source")


def markup_codes(document: Document) -> dict[str, tuple[list[str], list[str]]]:
    """Inline markup of source and target per unit id, for XML formats (XLIFF, TMX): as the reader found it
    (a part of a large file has its own units'), else read again from the document's text."""
    if document.markup:
        return document.markup
    if document.format == "xliff":
        from tqcheck.readers.xliff import unit_codes

        return unit_codes(document)
    if document.format == "tmx":
        from tqcheck.readers.tmx import unit_codes

        return unit_codes(document)
    return {}
