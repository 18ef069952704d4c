"""The source check's word lists, read from the JSON files shipped beside it (``data/``).

Number words, multipliers, scales, units, month names and scripts are data, not code: a new
language's month names or a new currency is an edit of ``data/*.json``, with no Python.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=None)
def lexicon(name: str) -> dict[str, Any]:
    """The shipped word list ``data/<name>.json`` (read once)."""
    with (DATA / f"{name}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


_numbers = lexicon("numbers")
_units = lexicon("units")

NUMBER_WORDS_EN: dict[str, float] = _numbers["number_words_en"]
#: Small number words of common source languages (they may stand for a digit in the translation).
NUMBER_WORDS_SOURCE: dict[str, list[str]] = _numbers["number_words_source"]
#: The values of the first words of each list of NUMBER_WORDS_SOURCE (the words after them count up from 2).
SOURCE_VALUES: dict[str, list[int]] = _numbers["source_values"]
MULTIPLIERS: dict[str, float] = _numbers["multipliers"]
#: English words that scale the number before them ("two hundred", "three million").
ENGLISH_SCALES: dict[str, float] = _numbers["english_scales"]
#: English fractions of a scale ("half a million", "a quarter of a million", "three quarters of a billion").
ENGLISH_FRACTIONS: dict[str, float] = _numbers["english_fractions"]
CHINESE_DIGITS: dict[str, int] = _numbers["chinese_digits"]
CHINESE_UNITS: dict[str, int] = _numbers["chinese_units"]
#: Currency codes written right before an amount ("RMB280 million", "USD11 billion").
CURRENCY_PREFIXES: list[str] = _numbers["currency_prefixes"]
#: Month names and abbreviations by month number.
MONTHS: dict[int, list[str]] = {int(k): v for k, v in lexicon("months")["months"].items()}
MONTH_NAMES: dict[str, int] = {name: number for number, names in MONTHS.items() for name in names}
#: Written unit (lower case) -> canonical unit.
UNITS: dict[str, str] = _units["units"]
#: Units the same quantity may legitimately be written in (no finding when they differ).
UNIT_FAMILIES: dict[str, str] = _units["unit_families"]
#: Scripts a source may be written in (Unicode script names).
SCRIPT_NAMES: tuple[str, ...] = tuple(lexicon("scripts")["scripts"])

__all__ = ["lexicon", "NUMBER_WORDS_EN", "NUMBER_WORDS_SOURCE", "SOURCE_VALUES", "MULTIPLIERS", "ENGLISH_SCALES",
           "ENGLISH_FRACTIONS", "CHINESE_DIGITS", "CHINESE_UNITS", "CURRENCY_PREFIXES", "MONTHS", "MONTH_NAMES",
           "UNITS", "UNIT_FAMILIES", "SCRIPT_NAMES"]
