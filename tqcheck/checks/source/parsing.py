"""Reading numbers: digits in every common format, multipliers and units written after them, English numbers of
several words, Chinese numerals, Roman numerals, month names and numeric dates, each as a ``Quantity`` with its
candidate values. The word lists are data (``tqcheck/checks/source/data``, read by ``lexicon``)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import regex

from tqcheck.checks.source.lexicon import (CHINESE_DIGITS, CHINESE_UNITS, CURRENCY_PREFIXES, ENGLISH_FRACTIONS,
                                           ENGLISH_SCALES, MONTH_NAMES, MULTIPLIERS, NUMBER_WORDS_EN,
                                           NUMBER_WORDS_SOURCE, SOURCE_VALUES, UNITS)
from tqcheck.checks.source.markup import placeholders_of

NUMBER_RE = regex.compile(
    r"(?<![\p{Latin}\p{Cyrillic}\d.,])(?P<sign>[-−+])?(?P<num>\d{1,3}(?:(?P<sep>[,.\u00a0\u202f' ])\d{3})(?:(?P=sep)\d{3})*"
    r"(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?P<suffix>st|nd|rd|th|e|er|ème)?(?![\d])")
WORD_RE = regex.compile(r"\p{L}+(?:[-']\p{L}+)*")

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
CURRENCY_PREFIX_RE = regex.compile(r"(?<![\p{L}\d])(?:" + "|".join(CURRENCY_PREFIXES) + r")(?=\$?\d)")
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
            words = NUMBER_WORDS_SOURCE[language]
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


#: English cardinal words (the number words that are not ordinals, fractions or scales).
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
    head = SOURCE_VALUES[language]
    if index < len(head):
        return head[index]
    return index - len(head) + 2

