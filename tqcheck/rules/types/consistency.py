"""consistency: one of two variants, used throughout a document."""

from __future__ import annotations

from typing import Any, Iterable

import regex

from tqcheck.rules.base import Hit, KeySpec, Rule, phrase_pattern


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
        """Compile one pattern per variant."""
        pairs = self.text_mapping(data, "either", required=True)
        self.pairs = [(self.compile(phrase_pattern([a]), data["either"], a),
                       self.compile(phrase_pattern([b]), data["either"], a), a, b) for a, b in pairs.items()]

    def match_document(self, context: Any) -> Iterable[Hit]:
        """Occurrences of the minority variant of each mixed pair."""
        for first, second, name_a, name_b in self.pairs:
            found_a = self._find(first, context)
            found_b = self._find(second, context)
            if not found_a or not found_b:
                continue
            if len(found_a) > len(found_b) or (len(found_a) == len(found_b) and found_a[0] < found_b[0]):
                minority, majority = found_b, name_a
            else:
                minority, majority = found_a, name_b
            for index, start, end in minority:
                text = context.segment(index).text
                if not self.excepted(text, start, end, index):
                    yield Hit(index, start, end, (majority,), self.format_message(text[start:end], majority))

    def _find(self, pattern: regex.Pattern, context: Any) -> list[tuple[int, int, int]]:
        found = []
        for segment in context.segments:
            found.extend((segment.index, m.start(), m.end()) for m in self.search(pattern, segment.text, segment.index))
        return found
