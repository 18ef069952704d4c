"""consistency: one of two variants, used throughout a document."""

from __future__ import annotations

from typing import Any, Iterable

from tqcheck.checks.rules.base import Hit, KeySpec, Rule, first_words, phrase_pattern


class ConsistencyRule(Rule):
    """When both variants of an `either` pair occur in a document, flags the less frequent one."""

    type_name = "consistency"
    summary = "Two spellings or terms that must not be mixed in one document (flags the rarer one)."
    default_category = "fluency/inconsistency"
    document_level = True
    keys = (
        KeySpec("either", (dict,), "Mapping of variant -> other variant (whole words).", required=True),
    )

    def configure(self, data: Any) -> None:
        """Compile all variants into one pattern and remember which pair and side each belongs to."""
        pairs = self.text_mapping(data, "either", required=True)
        self.pairs = list(pairs.items())
        self.sides: dict[str, tuple[int, int]] = {}
        for number, (first, second) in enumerate(self.pairs):
            for side, variant in enumerate((first, second)):
                if self._key(variant) in self.sides:
                    raise self.error(f"variant {variant!r} appears twice in 'either'", data["either"], first)
                self.sides[self._key(variant)] = (number, side)
        variants = [v for pair in self.pairs for v in pair]
        self.pattern = self.compile(phrase_pattern(variants), data, "either", literal=True)
        self.trigger_words = first_words(variants)

    def _key(self, text: str) -> str:
        text = " ".join(text.split())
        return text.lower() if self.ignorecase else text

    def match_document(self, context: Any) -> Iterable[Hit]:
        """Occurrences of the minority variant of each mixed pair."""
        found: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
        for segment in context.segments:
            if self.trigger_words is not None and not any(w in self.trigger_words
                                                          for _, _, w in context.words(segment)):
                continue
            for match in self.search(self.pattern, segment.text, segment.index):
                where = self.sides.get(self._key(match.group()))
                if where is not None:
                    found.setdefault(where, []).append((segment.index, match.start(), match.end()))
        for number, (first, second) in enumerate(self.pairs):
            found_a, found_b = found.get((number, 0), []), found.get((number, 1), [])
            if not found_a or not found_b:
                continue
            if len(found_a) > len(found_b) or (len(found_a) == len(found_b) and found_a[0] < found_b[0]):
                minority, majority = found_b, first
            else:
                minority, majority = found_a, second
            for index, start, end in minority:
                text = context.segment(index).text
                if not self.excepted(text, start, end, index):
                    yield Hit(index, start, end, (majority,), self.format_message(text[start:end], majority))
