"""Literal phrase matching shared by substitution, existence, context and glossary rules."""

from __future__ import annotations

from typing import Any, Iterator

from tqcheck.checks.rules.base import KeySpec, Rule, first_words, phrase_pattern
from tqcheck.checks.rules.inflect import inflections

INFLECT_KEY = KeySpec("inflect", (str, bool), "Also match inflected forms: `verb` (export, exports, "
                      "exported, exporting), `noun` (export, exports), `both`/true, or `none` (default).")
INFLECT_MODES = ("none", "noun", "verb", "both")


class PhraseTable:
    """Phrases (with their inflected forms) mapped to replacements, compiled into one regex."""

    def __init__(self, rule: Rule, pairs: dict[str, str], mode: str, container: Any, key: str) -> None:
        self.replacements: dict[str, list[str]] = {}
        forms: set[str] = set()
        for wrong, right in pairs.items():
            for form, found in inflections(wrong, right, mode).items() if mode != "none" \
                    else ((wrong, [right]),):
                forms.add(form)
                bucket = self.replacements.setdefault(_normal(form), [])
                bucket.extend(r for r in found if r and r not in bucket)
        self.pattern = rule.compile(phrase_pattern(forms), container, key, literal=True)
        self.triggers = first_words(forms)

    def find(self, rule: Rule, text: str, segment: int) -> Iterator[tuple[int, int, list[str]]]:
        """(start, end, replacements) for each phrase found in ``text``."""
        for match in rule.search(self.pattern, text, segment):
            found = self.replacements.get(_normal(match.group()), [])
            yield match.start(), match.end(), [_same_case(match.group(), r) for r in found]


def inflect_mode(rule: Rule, data: Any) -> str:
    """The rule's ``inflect`` key as one of none/noun/verb/both."""
    raw = data.get("inflect", "none")
    if raw is True:
        return "both"
    if raw is False:
        return "none"
    if raw not in INFLECT_MODES:
        raise rule.error(f"inflect must be one of {', '.join(INFLECT_MODES)} or true/false, got {raw!r}",
                         data, "inflect")
    return raw


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def _same_case(model: str, word: str) -> str:
    """``word`` in the letter case of ``model`` (Title, UPPER or as written)."""
    if not word:
        return word
    if model.isupper() and len(model) > 1 and not word.isupper():
        return word.upper()
    if model[:1].isupper() and word[:1].islower():
        return word[:1].upper() + word[1:]
    return word
