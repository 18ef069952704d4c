"""repetition: the same phrase twice in a row ("months later, a few months later")."""

from __future__ import annotations

import re
from typing import Any, Iterable

from tqcheck.checks.rules.base import Hit, KeySpec, Rule

#: Function words: a repeated phrase made only of these ("of the") is not reported.
STOPWORDS = frozenset("""
a an the and or but nor so yet of in on at to for from by with as into onto over under about than then
that this these those there here it its it's he she they them his her their we us our you your i me my
is are was were be been being has have had do does did will would can could may might must shall should
not no more most less very also just only even still up down out off again once all any some each both
such what which who whom whose when where why how if while one two said says say
""".split())

#: Words that may stand between a phrase and its repeat ("months later, a few months later").
GAP_WORDS = STOPWORDS | frozenset("few several couple nearly almost around roughly exactly precisely".split())


#: The first character that is not white space.
_NEXT_CHARACTER = re.compile(r"\S")


class RepetitionRule(Rule):
    """Flags a phrase repeated within a few words (scope: sentence) or in the next sentences (scope: document)."""

    type_name = "repetition"
    summary = "The same phrase repeated within a few words or across neighbouring sentences."
    default_category = "fluency/coherence"
    keys = (
        KeySpec("scope", (str,), "`sentence` (default): repeats inside one sentence; `document`: a phrase of "
                "the previous sentence(s) repeated."),
        KeySpec("min_words", (int,), "Shortest repeated phrase, in words (default 2; 6 for scope document)."),
        KeySpec("max_words", (int,), "Longest phrase looked for (default 8)."),
        KeySpec("max_gap", (int,), "Most words between the two occurrences (scope sentence, default 4)."),
        KeySpec("window", (int,), "How many previous sentences are compared (scope document, default 1)."),
        KeySpec("min_content", (int,), "Content (non-function) words the phrase must hold (default 1)."),
        KeySpec("ignore", (list,), "Phrases that may repeat (lower case)."),
        KeySpec("names", (bool,), "Also report phrases made only of capitalised words (default false)."),
    )

    def configure(self, data: Any) -> None:
        """Read scope and sizes."""
        self.scope = self.optional_text(data, "scope", "sentence")
        if self.scope not in ("sentence", "document"):
            raise self.error(f"scope must be sentence or document, got {self.scope!r}", data, "scope")
        self.document_level = self.scope == "document"
        self.min_words = self.number(data, "min_words", 6 if self.document_level else 2, minimum=1)
        self.max_words = max(self.number(data, "max_words", 8, minimum=1), self.min_words)
        self.max_gap = self.number(data, "max_gap", 4)
        self.window = self.number(data, "window", 1, minimum=1)
        self.min_content = self.number(data, "min_content", 1)
        self.ignore = {" ".join(p.lower().split()) for p in self.text_list(data, "ignore")}
        self.names = bool(data.get("names", False))

    def _counts(self, words: list[tuple[int, int, str]], originals: str, start: int, n: int) -> bool:
        gram = [w for _, _, w in words[start:start + n]]
        if " ".join(gram) in self.ignore:
            return False
        content = [w for w in gram if w not in STOPWORDS and not w.isdigit()]
        if len(content) < self.min_content:
            return False
        if not self.names:
            spans = words[start:start + n]
            if all(originals[s:e][:1].isupper() for s, e, w in spans if w not in STOPWORDS):
                return False
        return True

    def match_segment(self, segment: Any, context: Any) -> Iterable[Hit]:
        """A phrase said again within ``max_gap`` words, after a comma or dash (or right away), and
        ending its clause: "months later, a few months later," but not "big data, big data education".

        Linear in the sentence's length: each phrase length makes one pass, and the places of each
        phrase are kept only up to the few needed to tell a doubled phrase from a list of parallel ones.
        """
        if self.document_level:
            return
        words = context.words(segment)
        text = segment.text
        lowered = [w for _, _, w in words]
        covered_until = -1
        for n in range(min(self.max_words, len(words) // 2), self.min_words - 1, -1):
            grams = list(zip(*(lowered[k:] for k in range(n))))
            places = self._places(grams, n)
            cap = 4 * n + 3
            last_seen: dict[tuple[str, ...], int] = {}
            for second, gram in enumerate(grams):
                first = last_seen.get(gram)
                last_seen[gram] = second
                if first is None or second < first + n or second - first - n > self.max_gap:
                    continue
                found = places[gram]
                if second < covered_until or len(found) >= cap or self._parallel(found, first, second, n):
                    continue  # a list of parallel items ("X of big data, Y of big data, Z of big data")
                if not self._counts(words, text, second, n) or not self._looks_doubled(text, words, first, second, n):
                    continue
                start, end = words[second][0], words[second + n - 1][1]
                if not self.excepted(text, start, end, segment.index):
                    covered_until = second + n
                    yield Hit(segment.index, start, end, (), self.format_message(text[start:end]))

    @staticmethod
    def _places(grams: list[tuple[str, ...]], n: int) -> dict[tuple[str, ...], list[int]]:
        """Where each phrase of ``n`` words starts, at most ``4n + 3`` places per phrase (enough for _parallel)."""
        cap = 4 * n + 3
        places: dict[tuple[str, ...], list[int]] = {}
        for i, gram in enumerate(grams):
            found = places.get(gram)
            if found is None:
                places[gram] = [i]
            elif len(found) < cap:
                found.append(i)
        return places

    @staticmethod
    def _parallel(places: list[int], first: int, second: int, n: int) -> bool:
        """Whether the phrase also occurs clear of both ``first`` and ``second`` (a third, parallel item).

        At most ``4n - 2`` places overlap the two occurrences, so a capped list that is full always holds one.
        """
        if len(places) >= 4 * n + 3:
            return True
        return any(i not in (first, second) and abs(i - second) >= n and abs(i - first) >= n for i in places)

    @staticmethod
    def _looks_doubled(text: str, words: list[tuple[int, int, str]], first: int, second: int, n: int) -> bool:
        between = text[words[first + n - 1][1]:words[second][0]]
        if any(w not in GAP_WORDS for _, _, w in words[first + n:second]):
            return False  # content words between: two parallel phrases, not a doubled one
        if not between.strip() and n >= 3:
            return True  # "the ministry said that the ministry said that"
        following = _NEXT_CHARACTER.search(text, words[second + n - 1][1])
        if following and following.group() not in ",.;:!?)—–\"'”’":
            return False  # the repeat must end its clause
        return not between.strip() or any(mark in between for mark in ",;—–-(")

    def match_document(self, context: Any) -> Iterable[Hit]:
        """Phrases of ``min_words`` words repeated from the previous ``window`` sentences."""
        if not self.document_level:
            return
        n = self.min_words
        history: list[set[tuple[str, ...]]] = []
        for segment in context.segments:
            words = context.words(segment)
            grams = {tuple(w for _, _, w in words[i:i + n]): i for i in range(len(words) - n + 1)}
            seen = set().union(*history[-self.window:]) if history else set()
            reported_until = -1
            for gram, i in sorted(grams.items(), key=lambda item: item[1]):
                if i < reported_until or gram not in seen or not self._counts(words, segment.text, i, n):
                    continue
                start, end = words[i][0], words[i + n - 1][1]
                if not self.excepted(segment.text, start, end, segment.index):
                    yield Hit(segment.index, start, end, (), self.format_message(segment.text[start:end]))
                    reported_until = i + n
            history.append(set(grams))
