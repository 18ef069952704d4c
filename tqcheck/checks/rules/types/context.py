"""context: a word that is wrong only near certain words or in a document about a topic."""

from __future__ import annotations

import bisect
from typing import Any, Iterable

import re

from tqcheck.checks.rules.base import Hit, KeySpec, LazyPattern, Rule
from tqcheck.checks.rules.types.phrases import INFLECT_KEY, PhraseTable, inflect_mode


class ContextRule(Rule):
    """Flags `tokens` (or `swap` keys) only when a `near` word is close by or the document is about `topic`.

    Word lists, no model: the rule fires when a token occurs within `window` words of a `near`
    word in the same sentence, or anywhere in a document that mentions at least `topic_min` distinct
    `topic` words; `unless_near` and `unless_topic` veto it. Words ending in `*` match any ending.
    Optionally, `semantic_topic` also lets it fire when the sentence is close in meaning to a topic
    description (the MiniLM model is loaded only then).
    """

    type_name = "context"
    summary = "Words suspicious only near other words or in a document about a topic (word lists, no model)."
    keys = (
        KeySpec("tokens", (list,), "Phrases to flag (use this or `swap`)."),
        KeySpec("swap", (dict,), "Mapping of wrong phrase -> right phrase (use this or `tokens`)."),
        INFLECT_KEY,
        KeySpec("near", (list,), "Words or phrases; one within `window` words of the token makes it fire. "
                "A trailing `*` matches any ending (evacuat*)."),
        KeySpec("unless_near", (list,), "Words or phrases that, within `window` words, keep the rule quiet."),
        KeySpec("window", (int,), "Distance in words for `near` and `unless_near` (default 8)."),
        KeySpec("topic", (list,), "Words; a document mentioning `topic_min` distinct ones makes the rule fire."),
        KeySpec("topic_min", (int,), "How many distinct `topic` words the document must mention (default 1)."),
        KeySpec("unless_topic", (list,), "Words; a document mentioning any keeps the rule quiet."),
        KeySpec("semantic_topic", (str,), "Optional: a description of the topic (\"war, siege and refugees in "
                "Gaza\"); the rule also fires when the sentence's MiniLM embedding is this close to it. Loads "
                "the model on first use."),
        KeySpec("semantic_min", (float,), "Cosine similarity needed for `semantic_topic` (default 0.35)."),
    )

    def configure(self, data: Any) -> None:
        """Compile the tokens and the word lists."""
        if ("tokens" in data) == ("swap" in data):
            raise self.error("give exactly one of 'tokens' or 'swap'", data)
        if "tokens" in data:
            pairs = {t: "" for t in self.text_list(data, "tokens", required=True)}
            key = "tokens"
        else:
            pairs, key = self.text_mapping(data, "swap", required=True), "swap"
        self.table = PhraseTable(self, pairs, inflect_mode(self, data), data, key)
        self.near = self._words(data, "near")
        self.unless_near = self._words(data, "unless_near")
        self.topic = self._words(data, "topic")
        self.unless_topic = self._words(data, "unless_topic")
        self.semantic_topic = self.optional_text(data, "semantic_topic").strip()
        self.semantic_min = float(data.get("semantic_min", 0.35))
        if not -1.0 <= self.semantic_min <= 1.0:
            raise self.error("semantic_min must be between -1 and 1", data, "semantic_min")
        if self.near is None and self.topic is None and not self.semantic_topic:
            raise self.error("a context rule needs 'near', 'topic' or 'semantic_topic'", data)
        self.window = self.number(data, "window", 8)
        self.topic_min = self.number(data, "topic_min", 1, minimum=1)

    def _words(self, data: Any, key: str) -> LazyPattern | None:
        items = self.text_list(data, key)
        if not items:
            return None
        whole, prefixes, other = [], [], []
        for item in sorted(items, key=len, reverse=True):
            stem = item[:-1] if item.endswith("*") else item
            body = r"\s+".join(re.escape(w) for w in stem.split())
            if not re.match(r"\w", stem):
                other.append(body + (r"\w*" if item.endswith("*") else ""))
            else:
                (prefixes if item.endswith("*") else whole).append(body)
        parts = []
        if whole:
            parts.append(r"(?<!\w)(?:" + "|".join(whole) + r")(?!\w)")
        if prefixes:
            parts.append(r"(?<!\w)(?:" + "|".join(prefixes) + r")\w*")
        parts.extend(other)
        return self.compile("|".join(parts), data, key, flags=re.IGNORECASE, literal=True)

    def triggers(self) -> frozenset[str] | None:
        """First words of every token."""
        return self.table.triggers

    def match_segment(self, segment: Any, context: Any) -> Iterable[Hit]:
        """Tokens in context in this segment."""
        text = segment.text
        hits = list(self.table.find(self, text, segment.index))
        if not hits or (self.unless_topic is not None and self._topic_count(context, self.unless_topic) > 0):
            return
        topic_ok = self.topic is not None and self._topic_count(context, self.topic) >= self.topic_min
        starts = [w[0] for w in context.words(segment)]
        for start, end, suggestions in hits:
            near_ok = self.near is not None and self._near(self.near, text, starts, start, end, segment.index)
            if not (near_ok or topic_ok or self._semantic(context, segment)):
                continue
            if self.unless_near is not None and self._near(self.unless_near, text, starts, start, end,
                                                           segment.index):
                continue
            if self.excepted(text, start, end, segment.index):
                continue
            message = self.format_message(text[start:end], " or ".join(suggestions))
            yield Hit(segment.index, start, end, tuple(suggestions), message)

    def _near(self, pattern: LazyPattern, text: str, starts: list[int], start: int, end: int,
              segment: int) -> bool:
        first = bisect.bisect_right(starts, start) - 1
        last = bisect.bisect_left(starts, end) - 1
        for match in self.search(pattern, text, segment):
            if match.start() < end and match.end() > start:
                continue  # the token itself
            position = bisect.bisect_right(starts, match.start()) - 1
            distance = first - position if position < first else position - last
            if distance <= self.window:
                return True
        return False

    def _semantic(self, context: Any, segment: Any) -> bool:
        if not self.semantic_topic:
            return False
        key = (self.id, "semantic", segment.index)
        if key not in context.cache:
            from tqcheck.checks.rules.semantic import similarity

            context.cache[key] = similarity(segment.text, self.semantic_topic) >= self.semantic_min
        return context.cache[key]

    def _topic_count(self, context: Any, pattern: LazyPattern) -> int:
        key = (self.id, pattern.pattern)
        if key not in context.cache:
            words = set()
            for segment in context.segments:
                words.update(m.group().lower() for m in self.search(pattern, segment.text, segment.index))
            context.cache[key] = len(words)
        return context.cache[key]
