"""Leading and trailing whitespace that differs from the source's (``source.Whitespace``).

As pofilter's ``startwhitespace`` and ``endwhitespace``, Xbench's and Verifika's leading/trailing space checks: a
string that begins or ends with whitespace usually does so for a reason (it is concatenated with another string,
a label is followed by a value, a message ends with a line break), and a translation that drops, adds or changes
it shows as words run together, a doubled space or a broken layout. Readers strip both ends of every source and
target and keep what they stripped on the segment (``Segment.source_edges`` / ``target_edges``); this check
compares the two ends separately, by kind and amount: spaces, no-break spaces, tabs and line breaks (``\\r\\n`` is
one line break), so ``"Name: "`` against ``"Name:"``, ``"Done.\\n"`` against ``"Done."`` or one space against two
are reported, and a line break that became a space too.

One allowance, for the Chinese and Japanese paragraph indent: ideographic spaces (U+3000) opening a source are a
typographic convention of those scripts, not part of the string, and English does not indent with spaces; they
may be dropped. An ideographic space elsewhere counts as a space (English writes ``" "`` where CJK text writes
``"\\u3000"``).

The category is fluency/punctuation: MQM files whitespace under typography with punctuation (tqcheck has one
category for both).
"""

from __future__ import annotations

from typing import Iterable

from tqcheck.core.document import Segment
from tqcheck.core.finding import Finding
from tqcheck.checks.source.rule import RULE_PREFIX

LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
NO_BREAK_SPACES = frozenset("\u00a0\u2007\u202f")
IDEOGRAPHIC_SPACE = "\u3000"
#: Kind names (singular, plural) for messages.
NAMES = {"space": ("space", "spaces"), "no-break space": ("no-break space", "no-break spaces"),
         "tab": ("tab", "tabs"), "line break": ("line break", "line breaks")}


def kinds(edge: str) -> tuple[str, ...]:
    """The kinds of the whitespace characters of ``edge`` in order (``\\r\\n`` is one line break)."""
    result: list[str] = []
    previous = ""
    for ch in edge:
        if ch == "\n" and previous == "\r":
            previous = ch
            continue
        previous = ch
        if ch in LINE_BREAKS:
            result.append("line break")
        elif ch == "\t":
            result.append("tab")
        elif ch in NO_BREAK_SPACES:
            result.append("no-break space")
        else:
            result.append("space")
    return tuple(result)


def described(found: tuple[str, ...]) -> str:
    """``found`` in words: "no whitespace", "a space", "2 spaces", "a line break and a space"."""
    if not found:
        return "no whitespace"
    runs: list[list] = []
    for kind in found:
        if runs and runs[-1][0] == kind:
            runs[-1][1] += 1
        else:
            runs.append([kind, 1])
    words = [(f"a {NAMES[k][0]}" if n == 1 else f"{n} {NAMES[k][1]}") for k, n in runs]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def whitespace(segment: Segment, source: str) -> Iterable[Finding]:
    """A finding for each end (leading, trailing) whose whitespace differs from the source's in kind or amount."""
    text = segment.text
    if not text:
        return
    (source_lead, source_trail), (lead, trail) = segment.source_edges, segment.target_edges
    if source_lead.startswith(IDEOGRAPHIC_SPACE):  # a CJK paragraph indent: not part of the string
        source_lead = source_lead.lstrip(IDEOGRAPHIC_SPACE)
    for where, wanted, found, span in (("begins", source_lead, lead, (0, 1)),
                                       ("ends", source_trail, trail, (len(text) - 1, len(text)))):
        wanted_kinds, found_kinds = kinds(wanted), kinds(found)
        if wanted_kinds == found_kinds:
            continue
        yield segment.finding(*span, rule_id=f"{RULE_PREFIX}.Whitespace",
                              message=f"the source {where} with {described(wanted_kinds)}, "
                                      f"the translation with {described(found_kinds)}",
                              severity="minor", category="fluency/punctuation", origin="source",
                              engine="tqcheck.source")


#: Examples that run as tests (tests/test_source_qa.py): (source, translation) pairs *as written in the unit*,
#: their edges kept (the test strips them as a reader does).
EXAMPLES = {
    "source.Whitespace": {
        "bad": [("Name: ", "Name:"), ("Fertig.\n", "Done."), ("Datei", "File "), (" von", "of"),
                ("Weiter  ", "Next "), ("Zeile\n", "Line "), ("Speichern\r\n", "Save\t")],
        "good": [("Name: ", "Name: "), ("Fertig.\r\n", "Done.\n"), ("Das Haus ist rot.", "The house is red."),
                 ("\u3000\u3000这是测试。", "This is a test."), ("\u6587\u4ef6\u3000", "File ")],
    },
}
