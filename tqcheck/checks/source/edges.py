"""How a translation begins and ends against its source: the initial capital (``source.Capital``) and the final
punctuation mark (``source.EndPunctuation``).

As pofilter's ``startcaps`` and ``endpunc`` and QA Distiller's "end of segment punctuation": a source that begins
with a capital (or a small letter, as a fragment continuing another segment does) is translated the same way,
and a source that ends with a full stop, a question mark, an exclamation mark, a colon, a semicolon or an
ellipsis ends the same way in the translation (``。`` is a full stop, ``？`` a question mark: full-width forms
count as their ASCII forms). Closing quotation marks and brackets after the final mark are not part of it.
Sources written without letter case (Han, Thai, ...) are not checked for the capital.
"""

from __future__ import annotations

import unicodedata
from typing import Iterable

from tqcheck.core.document import Segment
from tqcheck.core.finding import Finding
from tqcheck.checks.source.rule import RULE_PREFIX

#: The final mark of a text -> its kind (the longest written form is tried first).
FINAL_MARKS: tuple[tuple[str, str], ...] = (
    ("……", "ellipsis"), ("...", "ellipsis"), ("…", "ellipsis"), ("。", "full stop"), ("．", "full stop"),
    (".", "full stop"), ("।", "full stop"), ("۔", "full stop"), ("؟", "question mark"), ("？", "question mark"), ("?", "question mark"), ("！", "exclamation mark"),
    ("!", "exclamation mark"), ("：", "colon"), (":", "colon"), ("；", "semicolon"), (";", "semicolon"),
)
#: Characters after the final mark that do not count: closing quotation marks and brackets, spaces.
CLOSERS = "\"'”’“‘»」』)]}）】》〉 \u00a0\u3000"


def final_mark(text: str) -> tuple[str, int]:
    """The kind of ``text``'s final punctuation mark ("" when it ends otherwise) and where the mark starts."""
    body = text.rstrip(CLOSERS)
    if len(body) >= 2 and body[-1] in ".。" and body[-2] in "?？!！:：;；…":
        body = body[:-1]  # "?." or ":.": the full stop after another mark is a slip of the source
    for mark, kind in FINAL_MARKS:
        if body.endswith(mark):
            if kind == "full stop" and body.endswith("..."):
                continue
            return kind, len(body) - len(mark)
    return "", len(body)


def first_letter(text: str) -> tuple[str, int]:
    """The first letter of ``text`` after opening punctuation and spaces, and its position ("" when the text
    begins with a digit, a symbol or a placeholder)."""
    for position, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category.startswith("L"):
            return ch, position
        if not (category.startswith("P") or category.startswith("Z")):
            return "", position
    return "", 0


def _named(kind: str) -> str:
    if not kind:
        return "no final punctuation mark"
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def edges(segment: Segment, source: str) -> Iterable[Finding]:
    """The initial capital and the final punctuation mark, where they differ from the source's."""
    text = segment.text
    source_letter, _ = first_letter(source)
    letter, position = first_letter(text)
    if source_letter.isupper() and letter.islower():
        yield segment.finding(position, position + 1, rule_id=f"{RULE_PREFIX}.Capital",
                              message=f"the source begins with a capital, the translation with {letter!r}",
                              severity="minor", category="fluency/spelling", origin="source",
                              suggestions=(letter.upper(),), engine="tqcheck.source")
    source_kind, _ = final_mark(source)
    kind, at = final_mark(text)
    if source_kind != kind and (source_kind or kind != "full stop"):  # a full stop added to a title is no slip
        shown, wanted = _named(kind), _named(source_kind)
        start, end = (at, len(text.rstrip(CLOSERS))) if kind else (max(0, at - 1), at)
        yield segment.finding(start, end, rule_id=f"{RULE_PREFIX}.EndPunctuation",
                              message=f"the source ends with {wanted}, the translation with {shown}",
                              severity="minor", category="fluency/punctuation", origin="source",
                              engine="tqcheck.source")


#: Examples that run as tests (tests/test_source_qa.py): (source, translation) pairs the rule flags, and does not.
EXAMPLES = {
    "source.Capital": {
        "bad": [("Das Haus ist rot.", "the house is red."), ("Öffnen Sie die Datei", "open the file")],
        "good": [("Das Haus ist rot.", "The house is red."), ("iPhone-Nutzer", "iPhone users"),
                 ("und dann ging er.", "And then he left."), ("这是测试。", "this is a test.")],
    },
    "source.EndPunctuation": {
        "bad": [("Ist das Haus rot?", "Is the house red."), ("Passwort:", "Password"),
                ("这是测试吗？", "Is this a test."), ("Warten Sie...", "Wait.")],
        "good": [("这是测试。", "This is a test."), ("Er sagte: „Nein.“", "He said: “No.”"),
                 ("Neue Regeln für Banken", "New rules for banks."),  # a full stop added to a title
                 ("Was denken Sie?.", "What do you think?"), ("Warten Sie…", "Wait...")],
    },
}
