"""pattern: regular expressions (time-limited against catastrophic backtracking)."""

from __future__ import annotations

from typing import Any, Iterable

import regex

from tqcheck.core.errors import RuleError
from tqcheck.checks.rules.base import Hit, KeySpec, LazyPattern, Rule


class PatternRule(Rule):
    """Flags each match of `pattern` (the `regex` module's syntax); `suggest` may use \\1 or \\g<name>."""

    type_name = "pattern"
    summary = "Regular expressions, for mistakes a word list cannot describe (time-limited)."
    keys = (
        KeySpec("pattern", (str, list), "Regular expression, or a list of them (any may match). "
                "A group named `span` narrows the reported span.", required=True),
        KeySpec("triggers", (list,), "Optional words (lower case) one of which a sentence must contain "
                "before the pattern is tried; speeds up rare patterns."),
        KeySpec("suggest", (str,), "Replacement template; may refer to groups as \\1 or \\g<name>."),
    )

    def configure(self, data: Any) -> None:
        """Compile the pattern(s) and validate the suggestion template."""
        raw = data["pattern"]
        patterns = [raw] if isinstance(raw, str) else self.text_list(data, "pattern", required=True)
        joined = patterns[0] if len(patterns) == 1 else "|".join(f"(?:{p})" for p in patterns)
        try:
            self.pattern = self.compile(joined, data, "pattern")
        except RuleError:
            for i, item in enumerate(patterns):  # name the line of the bad one
                self.compile(item, data if isinstance(raw, str) else raw, "pattern" if isinstance(raw, str) else i)
            raise
        if self.pattern.groupindex.get("span") is not None and len(patterns) > 1:
            raise self.error("a group named 'span' needs a single pattern", data, "pattern")
        words = self.text_list(data, "triggers")
        self._triggers = frozenset(w.lower() for w in words) if words else None
        self.suggest = self.optional_text(data, "suggest")
        if self.suggest:
            try:
                _check_template(self.suggest, self.pattern)
            except (regex.error, IndexError) as exc:
                raise self.error(f"invalid suggest template {self.suggest!r}: {exc}", data, "suggest") from None

    def triggers(self) -> frozenset[str] | None:
        """The rule's `triggers`, if given."""
        return self._triggers

    def match_segment(self, segment: Any, context: Any) -> Iterable[Hit]:
        """Each match of the pattern in the segment."""
        text = segment.text
        use_span = "span" in self.pattern.groupindex
        for match in self.search(self.pattern, text, segment.index):
            start, end = match.span("span") if use_span and match.start("span") >= 0 else match.span()
            if end <= start or self.excepted(text, start, end, segment.index):
                continue
            suggestion = match.expand(self.suggest) if self.suggest else ""
            suggestions = (suggestion,) if suggestion else ()
            yield Hit(segment.index, start, end, suggestions, self.format_message(text[start:end], suggestion))


def _check_template(template: str, pattern: LazyPattern) -> None:
    """Raise regex.error/IndexError if ``template`` refers to a group ``pattern`` lacks."""
    for ref in regex.findall(r"\\(\d+)|\\g<(\w+)>", template):
        number, name = ref
        if number and int(number) > pattern.groups:
            raise IndexError(f"no group {number}")
        if name and not name.isdigit() and name not in pattern.groupindex:
            raise IndexError(f"no group named {name}")
        if name and name.isdigit() and int(name) > pattern.groups:
            raise IndexError(f"no group {name}")
