"""substitution: a wrong word or phrase and what to write instead (suggestions filled)."""

from __future__ import annotations

from typing import Any, Iterable

from tqcheck.checks.rules.base import Hit, KeySpec, Rule
from tqcheck.checks.rules.types.phrases import INFLECT_KEY, PhraseTable, inflect_mode


class SubstitutionRule(Rule):
    """Flags each `swap` key (whole words, any case) and suggests its value."""

    type_name = "substitution"
    summary = "Known wrong words or phrases and their replacements (mistranslations, calques)."
    keys = (
        KeySpec("swap", (dict,), "Mapping of wrong phrase -> right phrase (literal text, whole words). "
                "With `inflect`, give base forms.", required=True),
        INFLECT_KEY,
    )

    def configure(self, data: Any) -> None:
        """Compile the swap table (with inflected forms)."""
        self.table = PhraseTable(self, self.text_mapping(data, "swap", required=True), inflect_mode(self, data),
                                 data, "swap")

    def triggers(self) -> frozenset[str] | None:
        """First words of every wrong phrase."""
        return self.table.triggers

    def match_segment(self, segment: Any, context: Any) -> Iterable[Hit]:
        """Each wrong phrase in the segment, with its replacements."""
        text = segment.text
        for start, end, suggestions in self.table.find(self, text, segment.index):
            if self.excepted(text, start, end, segment.index):
                continue
            message = self.format_message(text[start:end], " or ".join(suggestions))
            yield Hit(segment.index, start, end, tuple(suggestions), message)
