"""existence: words or phrases that should not appear at all."""

from __future__ import annotations

from typing import Any, Iterable

from tqcheck.checks.rules.base import Hit, KeySpec, Rule
from tqcheck.checks.rules.types.phrases import INFLECT_KEY, PhraseTable, inflect_mode


class ExistenceRule(Rule):
    """Flags every occurrence of one of its `tokens` (whole words)."""

    type_name = "existence"
    summary = "Words or phrases that should not appear (whole words, optionally inflected)."
    keys = (
        KeySpec("tokens", (list,), "Phrases to flag (literal text, whole words).", required=True),
        INFLECT_KEY,
    )

    def configure(self, data: Any) -> None:
        """Compile the token list."""
        tokens = self.text_list(data, "tokens", required=True)
        self.table = PhraseTable(self, {t: "" for t in tokens}, inflect_mode(self, data), data, "tokens")

    def triggers(self) -> frozenset[str] | None:
        """First words of every token."""
        return self.table.triggers

    def match_segment(self, segment: Any, context: Any) -> Iterable[Hit]:
        """Each token found in the segment."""
        text = segment.text
        for start, end, _ in self.table.find(self, text, segment.index):
            if not self.excepted(text, start, end, segment.index):
                yield Hit(segment.index, start, end, (), self.format_message(text[start:end]))
