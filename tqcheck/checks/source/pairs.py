"""Brackets and quotation marks left unpaired in the translation while the source has them paired
(``source.Bracket``, ``source.Quote``).

As Xbench's "unpaired symbols" and "unpaired quotes" checks: a bracket opened and never closed (or closed and
never opened) in the translation is reported at the bracket, unless the source has an unpaired bracket too (a
list item ``1)``, wiki markup); a quotation mark without its partner likewise, unless the source's own quotation
is open (it goes on in the next segment). Full-width brackets (``（）``) count as their ASCII forms, a doubled
bracket (``[[``) as one, and placeholders (``{0}``) are not brackets.

Not reported: a bracket pair or quotation of the source that the translation leaves out (pofilter's
``brackets`` and ``doublequoting`` count them). On the MQM zh-en and MLQE-PE dev sentences such a count fired
mostly where a translator dropped brackets on purpose: a name glossed in the source (``纳坦兹(Natanz)``), a
stage note (``（笑声）``), a reference (``(англ.)``); languages quote differently.
"""

from __future__ import annotations

from typing import Iterable

import regex

from tqcheck.core.document import Segment
from tqcheck.core.finding import Finding
from tqcheck.checks.source.markup import PLACEHOLDER_RE
from tqcheck.checks.source.rule import RULE_PREFIX

#: Opening bracket -> closing bracket (full-width forms read as their ASCII forms first).
BRACKETS = {"(": ")", "[": "]", "{": "}"}
FULL_WIDTH = str.maketrans({"（": "(", "）": ")", "［": "[", "］": "]", "｛": "{", "｝": "}"})
#: Double quotation marks of every language: a source with an odd number of them is itself unbalanced.
QUOTE_MARKS = "\"“”„«»「」『』"
BRACKET_CHARS_RE = regex.compile(r"[()\[\]{}（）［］｛｝]")
QUOTE_CHARS_RE = regex.compile(r"[\"“”«»]")


def _masked(text: str) -> str:
    """``text`` with full-width brackets as ASCII and placeholders blanked out (same length)."""
    text = text.translate(FULL_WIDTH)
    text = PLACEHOLDER_RE.sub(lambda m: " " * len(m.group()), text)
    return regex.sub(r"([\[\]{}()])\1+", lambda m: m.group(1) + " " * (len(m.group()) - 1), text)  # [[x]]: one pair


def unpaired_brackets(text: str) -> list[tuple[int, str]]:
    """(position, bracket) of every bracket of ``text`` without its partner, in order."""
    if not BRACKET_CHARS_RE.search(text):
        return []
    closing = {v: k for k, v in BRACKETS.items()}
    stack: list[tuple[int, str]] = []
    lone: list[tuple[int, str]] = []
    for position, ch in enumerate(_masked(text)):
        if ch in BRACKETS:
            stack.append((position, ch))
        elif ch in closing:
            if stack and stack[-1][1] == closing[ch]:
                stack.pop()
            else:
                lone.append((position, ch))
    return sorted(lone + stack)


def unpaired_quotes(text: str) -> list[tuple[int, str]]:
    """(position, mark) of English double quotation marks without a partner: an odd straight ``"``, a ``“``
    not closed by a ``”`` (or the reverse), the same for ``«`` and ``»``."""
    if not QUOTE_CHARS_RE.search(text):
        return []
    lone: list[tuple[int, str]] = []
    straight = [i for i, ch in enumerate(text) if ch == '"']
    inches = [i for i in straight if i and text[i - 1].isdigit()]
    if len(straight) % 2 and inches:  # an odd mark right after a digit is an inch sign (a 5" screen)
        straight.remove(inches[-1])
    if len(straight) % 2:
        lone.append((straight[-1], '"'))
    for opening, closing in (("“", "”"), ("«", "»")):
        stack: list[int] = []
        for position, ch in enumerate(text):
            if ch == opening:
                stack.append(position)
            elif ch == closing:
                if stack:
                    stack.pop()
                else:
                    lone.append((position, ch))
        lone.extend((position, opening) for position in stack)
    return sorted(lone)


def pairs(segment: Segment, source: str) -> Iterable[Finding]:
    """Unpaired brackets and quotation marks in the target, and bracket pairs of the source missing from it."""
    text = segment.text
    source_lone = unpaired_brackets(source)
    for position, ch in unpaired_brackets(text):
        if not source_lone:  # a source with an unpaired bracket of its own: the translation may mirror it
            yield segment.finding(position, position + 1, rule_id=f"{RULE_PREFIX}.Bracket",
                                  message=f"unpaired bracket {ch!r} in the translation", severity="minor",
                                  category="fluency/punctuation", origin="source", engine="tqcheck.source")
    if sum(source.count(mark) for mark in QUOTE_MARKS) % 2:
        return  # the source's quotation is itself open (it goes on in another segment)
    for position, mark in unpaired_quotes(text):
        yield segment.finding(position, position + 1, rule_id=f"{RULE_PREFIX}.Quote",
                              message=f"unpaired quotation mark {mark!r} in the translation", severity="minor",
                              category="fluency/punctuation", origin="source", engine="tqcheck.source")


#: Examples that run as tests (tests/test_source_qa.py): (source, translation) pairs the rule flags, and does not.
EXAMPLES = {
    "source.Bracket": {
        "bad": [("Die Zahl (siehe oben) ist falsch.", "The number (see above is wrong."),
                ("Die Zahl [siehe oben] ist falsch.", "The number see above] is wrong.")],
        "good": [("Die Zahl (siehe oben) ist falsch.", "The number, see above, is wrong."),
                 ("1) Öffnen Sie die Datei.", "1) Open the file."),
                 ("Klicken Sie auf {0}.", "Click {0}."),
                 ("刚果（金）的疫情", "the epidemic in the Congo (DRC)")],
    },
    "source.Quote": {
        "bad": [("Er sagte: „Nein.“", "He said: “No."),
                ("Sie nannte es „Unsinn“.", 'She called it "nonsense.')],
        "good": [("Er sagte: „Nein.“", "He said: “No.”"),
                 ("Er sagte: „Nein.", "He said: “No."),  # the quotation goes on in the next segment
                 ("Die Regierung plant „freiwillige“ Ausreisen.", "The government plans voluntary departures."),
                 ("Ein 5-Zoll-Bildschirm", 'A 5" screen')],
    },
}
