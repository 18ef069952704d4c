"""Alphanumeric codes and product names of the source missing or changed in the target (``source.Code``).

As Xbench's "alphanumeric mismatch" (and its CamelCase check): a model number, standard or product name is
copied, not translated: ``XJ-200``, ``MP3``, ``H1N1``, ``COVID-19``, ``v2.3.1``, ``ISO 9001``, ``iPhone``,
``PowerPoint``. A code counts as present when the target has the same letters and digits in the same order,
whatever the case and the separators between them (``XJ-200`` = ``XJ 200`` = ``xj200``). Numbers with a unit
or an ordinal ending (``10km``, ``1990s``, ``21st``, ``5pm``) are numbers, left to ``source.Number``, and so
are plain numbers such as ``2.3``. A code only in the target is not reported.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import regex

from tqcheck.core.document import Segment
from tqcheck.core.finding import Finding
from tqcheck.checks.source.lexicon import MULTIPLIERS, UNITS
from tqcheck.checks.source.links import addresses
from tqcheck.checks.source.rule import changed_or_missing

#: A run of Latin letters and digits, with single inner hyphens, dots or slashes.
TOKEN_RE = regex.compile(r"(?<![\p{L}\p{N}\\])[A-Za-z0-9]+(?:[-‐‑./][A-Za-z0-9]+)*(?![\p{L}\p{N}])")
#: An acronym and a standard's number: ``ISO 9001``, ``IEC 62304``, ``RFC 2616``, ``ISO 639-1``.
STANDARD_RE = regex.compile(r"(?<![A-Za-z0-9])[A-Z]{2,6}[ \u00a0](\d{3,6}(?:-\d+)?)(?![A-Za-z0-9])")
#: A product name written in CamelCase: ``iPhone``, ``WeChat``, ``PowerPoint``, ``eBay``, ``YouTube``.
CAMEL_RE = regex.compile(r"(?<![\p{L}\p{N}\\])(?:[a-z]{1,2}[A-Z]|[A-Z][a-z]+[A-Z])[A-Za-z]*(?![\p{L}\p{N}])")
#: Name prefixes that are not product names (``McDonald``, ``MacArthur``, ``DeVito``, ``O'Neil``).
NAME_PREFIXES = ("Mc", "Mac", "De", "Di", "Da", "Le", "La", "Van", "Von", "Fitz", "O")
#: Endings that make digits a number, not a code (ordinals, decades, clock times; units and multipliers come
#: from the number lexicon, lower case only: ``5G`` and ``4K`` are codes, ``5g`` and ``4k`` quantities).
NUMBER_ENDINGS = frozenset({"st", "nd", "rd", "th", "s", "am", "pm", "h", "min", "x", "e", "er", "ème"})
#: Every code has a capital after a letter or a digit beside a letter: texts without one are skipped at once.
CANDIDATE_RE = regex.compile(r"[A-Za-z][A-Z]|[A-Za-z]\d|\d[A-Za-z]|[A-Z]{2,6}[ \u00a0]\d")
SEPARATORS = r"[-‐‑–./\s\u00a0]?"


def _is_quantity(part: str) -> bool:
    """Digits followed by a unit, multiplier or ordinal ending written in lower case (``10km``, ``21st``)."""
    match = regex.fullmatch(r"\d+([a-zμ°%]+)", part)
    return bool(match) and (match.group(1) in NUMBER_ENDINGS or match.group(1) in UNITS
                            or match.group(1) in MULTIPLIERS)


def _is_mixed_code(part: str) -> bool:
    """Whether a run of letters and digits is a code: not a quantity (``10km``), no word of four letters or more in
    small letters (``thumb175px``, wiki markup) and no year glued to a word (``APEC2020``, ``iulie1945``)."""
    if _is_quantity(part):
        return False
    words = regex.findall(r"[A-Za-z]+", part)
    if any(len(w) >= 4 and not w.isupper() for w in words):
        return False
    return not (any(len(w) >= 3 for w in words) and regex.search(r"(?<!\d)(?:19|20)\d\d(?!\d)", part))


def _is_code(token: str) -> bool:
    """Whether a letters-and-digits token is a code: a part mixing letters and digits (``MP3``, ``A380``, ``v2``),
    or capitals next to digits (``XJ-200``, ``COVID-19``, ``F-16``)."""
    parts = regex.split(r"[-‐‑./]", token)
    for k, part in enumerate(parts):
        letters, digits = regex.search(r"[A-Za-z]", part), regex.search(r"\d", part)
        if letters and digits and _is_mixed_code(part):
            return True
        if part.isupper() and letters and not digits and any(
                p.isdigit() for p in parts[max(0, k - 1):k] + parts[k + 1:k + 2]):
            return True
    return False


def _trimmed(token: str, start: int) -> tuple[str, int, int]:
    """A code token without the words of a compound around it: ``A4`` of ``A4-Papier``, ``COVID-19`` of
    ``COVID-19-Pandemie`` (parts of letters only, not all capitals, at either end)."""
    parts = list(regex.finditer(r"[A-Za-z0-9]+", token))
    first, last = 0, len(parts) - 1

    def word(part: "regex.Match[str]") -> bool:
        return part.group().isalpha() and not part.group().isupper()

    while first < last and word(parts[first]):
        first += 1
    while last > first and word(parts[last]):
        last -= 1
    return token[parts[first].start():parts[last].end()], start + parts[first].start(), start + parts[last].end()


def codes_of(text: str) -> list[tuple[str, int, int]]:
    """(code, start, end) of every alphanumeric code, standard number and CamelCase name in ``text``."""
    if not CANDIDATE_RE.search(text):
        return []
    taken = [(start, end) for _, _, start, end in addresses(text)]  # the link check reads addresses
    found = [_trimmed(m.group(), m.start()) for m in TOKEN_RE.finditer(text) if _is_code(m.group())
             and not any(s < m.end() and m.start() < e for s, e in taken)]
    for pattern in (STANDARD_RE, CAMEL_RE):
        for m in pattern.finditer(text):
            if pattern is STANDARD_RE and 1900 <= int(m.group(1).split("-")[0]) <= 2099:
                continue  # "GDP 2020": a year, not a standard
            if pattern is CAMEL_RE and m.group().startswith(NAME_PREFIXES) and m.group()[0].isupper() \
                    and not regex.match(r"[A-Z][a-z]+[A-Z][a-z]+[A-Z]", m.group()):
                continue
            if not any(s < m.end() and m.start() < e for _, s, e in found) \
                    and not any(s < m.end() and m.start() < e for s, e in taken):
                found.append((m.group(), m.start(), m.end()))
    return sorted(found, key=lambda item: item[1])


@lru_cache(maxsize=4096)
def code_pattern(code: str) -> "regex.Pattern[str]":
    """The code's letters and digits in order, any case, with any separator (or none) between runs."""
    runs = regex.findall(r"[A-Za-z]+|\d+", code)
    body = SEPARATORS.join(regex.escape(run) for run in runs)
    return regex.compile(rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])", regex.IGNORECASE)


def codes(segment: Segment, source: str) -> Iterable[Finding]:
    """A code of the source that the target lacks: changed (pointing at a target code the source lacks) or
    missing (the whole sentence). A standard's number missing from the target is left to ``source.Number``."""
    source_codes = codes_of(source)
    if not source_codes:
        return
    text = segment.text
    target_codes = codes_of(text)
    unmatched = [t for t in target_codes if not any(code_pattern(c).search(t[0]) for c, _, _ in source_codes)]
    for code, _, _ in source_codes:
        if code_pattern(code).search(text):
            continue
        number = STANDARD_RE.fullmatch(code)
        if number and number.group(1) not in text:
            continue  # ISO 9001 -> ISO 9000: the number check reports it
        changed = unmatched.pop(0) if unmatched else None
        yield changed_or_missing(segment, "Code", "code", code, changed[1:] if changed is not None else None)


#: Examples that run as tests (tests/test_source_qa.py): (source, translation) pairs the rule flags, and does not.
EXAMPLES = {
    "source.Code": {
        "bad": [("Das Modell XJ-200 ist neu.", "The XJ-300 model is new."),
                ("Installieren Sie Version v2.3.1.", "Install version v2.3.2."),
                ("Öffnen Sie die Datei in PowerPoint.", "Open the file in the presentation program."),
                ("Das Modell XJ-200 ist neu.", "The model is new.")],
        "good": [("Das Modell XJ-200 ist neu.", "The XJ 200 model is new."),
                 ("Zertifiziert nach ISO 9001.", "Certified to ISO 9001."),
                 ("新冠肺炎COVID-19疫情", "the Covid-19 pandemic"),
                 ("Er läuft 10km in den 1990s.", "He runs 10 km in the 1990s."),
                 ("Im Jahr 2020 wuchs das GDP 2020 um 5%.", "In 2020, GDP grew by 5%."),
                 ("ISO 9001 gilt.", "ISO 9000 applies."),  # a changed number: source.Number reports it
                 ("Legen Sie A4-Papier und den MP3-Player ein.", "Insert A4 paper and the MP3 player."),
                 ("Die COVID-19-Pandemie", "The COVID-19 pandemic")],
    },
}
