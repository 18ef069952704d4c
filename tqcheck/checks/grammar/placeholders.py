"""Software strings: placeholders and markup are not prose, and a short UI label is not a sentence.

A translated user-interface string carries code the program fills in: printf (``%s``, ``%1$d``, ``%-5.2f``,
``%@``), Python (``%(name)s``, ``{name}``, ``{0:>3}``), ICU MessageFormat (``{count, plural, one {# file}
other {# files}}``), brace templates (``{{name}}``, ``${name}``) and markup tags (``<b>``, ``</a>``,
``<x id="1"/>``). ``mask`` hides them from the grammar engines with text of the same length (placeholders become
a number-like ``0…0``, tags become spaces), so every position is kept; ``masked_spans`` lets the pipeline drop any
rule, grammar or spelling finding that still touches one (``Saved %s.`` has no misspelling ``s.``).

``is_label`` tells a short UI label (``OK``, ``Cancel``, ``Save as…``): at most ``LABEL_WORDS`` words, no
sentence punctuation at the end. In a label, tqcheck does not "correct" house style: ``OK`` stays ``OK``
(Harper's OK → OKAY), and style and register rewrites are not offered; misspellings and grammar still are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import regex

if TYPE_CHECKING:
    from tqcheck.core.document import Segment
    from tqcheck.core.finding import Finding

#: printf conversions (C, POSIX positional ``%1$s``, Objective-C ``%@``) and Python's ``%(name)s``. A space flag is
#: left out on purpose: "50% of" is prose, not ``% o``.
PRINTF = regex.compile(
    r"%(?:\(\w+\)|\d+\$)?[-+#0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|L|q|j|z|t)?[diouxXeEfFgGaAcsSpn@r]"
    r"|%%")
#: Template placeholders: ``{{name}}``, ``${name}``, ``$t(key)``.
TEMPLATE = regex.compile(r"\{\{[^{}\n]{1,80}\}\}|\$\{[^{}\n]{1,80}\}|\$t\([^()\n]{1,80}\)")
#: What a ``{...}`` must look like to be a placeholder: Python/C#/ICU argument (``{}``, ``{0}``, ``{name}``,
#: ``{name!r:>10}``, ``{count, number}``, ``{count, plural, ...}``).
BRACE_BODY = regex.compile(r"\s*(?:[\w.\[\]-]*(?:![rsa])?(?::[^{}]*)?|\w+\s*,\s*(?:number|date|time|plural|select"
                           r"|selectordinal|spellout|ordinal|duration|choice)\s*(?:,.*)?)\s*", regex.S)
#: Markup tags: ``<b>``, ``</b>``, ``<br/>``, ``<a href="...">``, ``<x id="1"/>``, ``<ph>``.
TAG = regex.compile(r"</?[A-Za-z][\w:.-]*(?:\s+[\w:.-]+(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s<>\"']+))?)*\s*/?>")

#: A label has at most this many words.
LABEL_WORDS = 4
#: Rules that "correct" a label's house style (``OK`` → ``OKAY``).
LABEL_STYLE_RULES = frozenset({"harper.Spelling.OkToOkay"})
#: Categories of findings a label does not get: style and register rewrites.
LABEL_STYLE_CATEGORIES = frozenset({"style", "style/awkward", "fluency/register"})


def _braces(text: str) -> list[tuple[int, int]]:
    """Spans of balanced ``{...}`` groups whose body reads as a placeholder or an ICU argument."""
    spans: list[tuple[int, int]] = []
    i = 0
    while True:
        start = text.find("{", i)
        if start < 0:
            return spans
        depth, j = 0, start
        while j < len(text):
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if depth != 0:
            return spans
        body = text[start + 1:j]
        if BRACE_BODY.fullmatch(body) and ("{" not in body or "," in body):
            spans.append((start, j + 1))
            i = j + 1
        else:
            i = start + 1


def placeholder_spans(text: str) -> list[tuple[int, int]]:
    """Spans of placeholders (printf, Python, ICU, brace templates) in ``text``, in order, not overlapping."""
    found = [m.span() for m in PRINTF.finditer(text)] + [m.span() for m in TEMPLATE.finditer(text)]
    found += _braces(text)
    return _disjoint(found)


def tag_spans(text: str) -> list[tuple[int, int]]:
    """Spans of markup tags in ``text``."""
    return [m.span() for m in TAG.finditer(text)] if "<" in text else []


def masked_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that are code, not prose: placeholders and markup tags."""
    if not any(c in text for c in "%{$<"):
        return []
    return _disjoint(placeholder_spans(text) + tag_spans(text))


def _disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans sorted, the ones inside an earlier wider span dropped."""
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if kept and start < kept[-1][1]:
            if end > kept[-1][1]:
                kept[-1] = (kept[-1][0], end)
            continue
        kept.append((start, end))
    return kept


def mask(text: str) -> str:
    """``text`` with placeholders as ``0…0`` and tags as spaces, every character where it was."""
    spans = masked_spans(text)
    if not spans:
        return text
    tags = set(tag_spans(text))
    parts, at = [], 0
    for start, end in spans:
        parts.append(text[at:start])
        parts.append((" " if (start, end) in tags else "0") * (end - start))
        at = end
    parts.append(text[at:])
    return "".join(parts)


def touches(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``[start, end)`` overlaps one of ``spans`` (an empty span counts at its place)."""
    end = max(end, start + 1)
    return any(s < end and start < e for s, e in spans)


def is_label(text: str) -> bool:
    """A short UI label: at most ``LABEL_WORDS`` words and no sentence punctuation at the end (``OK``, ``Cancel``,
    ``Save as…``, ``OK, got it``)."""
    stripped = text.strip()
    if not stripped or stripped[-1] in ".!?;":
        return False
    return len(stripped.split()) <= LABEL_WORDS


def label_style(rule_id: str, category: str) -> bool:
    """Whether a finding of ``rule_id`` and ``category`` only "corrects" a label's house style."""
    return rule_id in LABEL_STYLE_RULES or category in LABEL_STYLE_CATEGORIES


#: Origins whose findings are about prose (and so never about a placeholder or a tag).
PROSE_ORIGINS = frozenset({"rules", "grammar"})


def without_code_findings(findings: list["Finding"], segments: "Sequence[Segment]") -> list["Finding"]:
    """``findings`` without rule, grammar and spelling findings that touch a placeholder or a tag, and without
    house-style "corrections" of short UI labels (see ``is_label``)."""
    texts = {s.index: s.text for s in segments}
    spans = {index: masked_spans(text) for index, text in texts.items()}
    labels = {index for index, text in texts.items() if is_label(text)}
    if not labels and not any(spans.values()):
        return findings
    return [f for f in findings
            if f.origin not in PROSE_ORIGINS
            or not (touches(spans.get(f.segment, []), f.start, f.end)
                    or (f.segment in labels and label_style(f.rule_id, f.category)))]
