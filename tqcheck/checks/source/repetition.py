"""A word written twice in a row in the translation (``source.RepeatedWord``), when no grammar engine runs.

Harper (``harper.Repetition``, the default engine) and LanguageTool (``ENGLISH_WORD_REPEAT_RULE``) already report
``the the``; this check runs only with ``grammar = "none"``, so a repetition is reported once whatever the
engine. As pofilter's ``doublewords``, a repetition the source has too is not reported (``Bora Bora``,
``Walla Walla``), nor a doubled name when the source has no Latin letters (``Li Li`` for ``李俐``: on the MQM zh-en
dev sentences no rater faulted, such names were all the check found), nor the English doubles that are
grammatical (``had had``, ``that that``).
"""

from __future__ import annotations

from typing import Iterable

import regex

from tqcheck.core.document import Segment
from tqcheck.core.finding import Finding
from tqcheck.checks.source.rule import RULE_PREFIX

REPEAT_RE = regex.compile(r"(?<![\p{L}\p{N}'’-])(\p{L}+)\s+(\1)(?![\p{L}\p{N}'’-])", regex.IGNORECASE)
#: English words that are grammatical twice in a row ("he had had enough", "she said that that was all").
GRAMMATICAL_DOUBLES = frozenset({"had", "that", "very", "no", "so", "bye", "ha", "really", "far", "is"})


def repeated_words(segment: Segment, source: str) -> Iterable[Finding]:
    """The second of two equal words in a row, unless the source repeats it too or English allows it."""
    source_words = {m.group(1).casefold() for m in REPEAT_RE.finditer(source)}
    transliterated = not regex.search(r"\p{Latin}", source)  # names from Han, Cyrillic ... text: "Li Li" for 李俐
    for match in REPEAT_RE.finditer(segment.text, overlapped=False):
        word = match.group(1).casefold()
        if word in GRAMMATICAL_DOUBLES or word in source_words or transliterated and match.group(1)[0].isupper():
            continue
        yield segment.finding(match.end(1), match.end(2), rule_id=f"{RULE_PREFIX}.RepeatedWord",
                              message=f"{match.group(1)!r} is written twice in a row", severity="minor",
                              category="fluency/grammar", origin="source", suggestions=("",),
                              engine="tqcheck.source")


#: Examples that run as tests (tests/test_source_qa.py) with ``grammar = "none"``: (source, translation) pairs.
EXAMPLES = {
    "source.RepeatedWord": {
        "bad": [("Das ist das Haus.", "This is the the house."), ("Es war sehr gut.", "It was was very good.")],
        "good": [("Sie war in Bora Bora.", "She was in Bora Bora."), ("Er hatte genug.", "He had had enough."),
                 ("Das ist gut.", "This is good."), ("（记者李俐）", "(Reporter Li Li)")],
    },
}
