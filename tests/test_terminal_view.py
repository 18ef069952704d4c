"""The terminal view a translator reads: short spans, messages without the span, no escapes, indentation."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from tqcheck.core.finding import SegmentScore
from tqcheck.readers.units import Unit, bilingual_document
from tqcheck.readers.inputs import document_from_text
from tqcheck.output.report import Report
from tqcheck.output.writers.terminal import TerminalWriter, message_without_span, short_span

LONG = ("Trump's proposal was condemned by the United Nations, government and rights groups as an issue involving "
        "ethnic cleansing, but was caught by ministers in Israel's far-right government, Defense Secretary Israel "
        "Katz announced in March that Israel would establish an agency to promote voluntary departure.")
SHORT = "Those who stayed had delayed their exports several times."


def view(report: Report, width: int) -> str:
    buffer = io.StringIO()
    TerminalWriter().print(report, Console(file=buffer, width=width, no_color=True, highlight=False))
    return buffer.getvalue()


def seed_like_report() -> Report:
    document = document_from_text(f"{LONG}\n\n{SHORT}\n\nThe weather was fine, the officials said quietly.\n")
    long, short, flagged = document.segments
    at = short.text.index("exports")
    span = long.text.index("Israel's far-right government, Defense")
    findings = [
        long.finding(0, len(long.text), rule_id="harper.Readability.LongSentences",
                     message="This sentence is 45 words long.", severity="minor", category="style/awkward",
                     origin="grammar"),
        long.finding(span, span + len("Israel's far-right government, Defense Secretary Israel Katz announced"),
                     rule_id="detector.ErrorSpan", message="a reviewer would likely mark this span",
                     severity="major", category="other", origin="detector"),
        short.finding(at, at + 7, rule_id="mt.ExportOfPeople",
                      message="'exports' is used of people here; did the source mean 'exit', 'departure' or "
                              "'evacuation'?", severity="major", category="accuracy/mistranslation", origin="rules",
                      suggestions=("exits",)),
    ]
    scores = {(document.path, s.index): SegmentScore(v) for s, v in zip(document.segments, (0.1, 0.2, 0.3))}
    return Report([document], findings, scores)


@pytest.mark.parametrize("width", [80, 140])
def test_spans_are_short_messages_do_not_repeat_them_and_wrapping_keeps_indentation(width: int) -> None:
    text = view(seed_like_report(), width)
    lines = text.splitlines()
    assert "whole sentence: This sentence is 45 words long." in " ".join(text.split())
    assert LONG.count("Trump's") and " ".join(text.split()).count("Trump's proposal") == 1  # sentence shown once
    assert "“Israel's far-right government, … Katz announced”" in text
    assert "“exports” is used of people here; did the source mean 'exit'," in " ".join(text.split())
    assert "'exports'" not in text and "\\'" not in text  # no repeated span, no Python escapes
    assert "→ exits" in text
    for number, line in enumerate(lines):
        if line.startswith("    ") and line.strip().split()[0] in ("minor", "major", "critical", "flagged"):
            follow = lines[number + 1] if number + 1 < len(lines) else ""
            if follow.strip() and not follow.lstrip().startswith(("minor", "major", "critical", "#")):
                assert follow.startswith(" " * 13), (width, follow)  # under the message, not at column 0
        assert len(line.rstrip()) <= width
    sentence_lines = [l for l in lines if l.startswith("  ") and not l.startswith("    ")]
    assert sentence_lines and all(l.startswith("  ") for l in sentence_lines)


def test_flagged_sentence_without_findings_says_why() -> None:
    text = " ".join(view(seed_like_report(), 100).split())
    assert "flagged fluency 0.3000 is below the flag threshold 0.5" in text


def test_bilingual_units_show_their_source_under_the_target() -> None:
    document = bilingual_document("t.tsv", "x", "table", [
        Unit("u1", "Nach Angaben der Behörden verließen im März 1.250 Menschen das Gebiet.",
             "According to the authorities, people left the area in March.", 0)])
    segment = document.segments[0]
    finding = segment.finding(0, len(segment.text), rule_id="source.Number",
                              message="number '1.250' of the source is missing from the translation",
                              severity="major", category="accuracy/omission", origin="source")
    lines = view(Report([document], [finding]), 80).splitlines()
    target = next(i for i, l in enumerate(lines) if "According to the authorities" in l)
    assert lines[target + 1].startswith("  source: Nach Angaben der Behörden")
    assert "[u1]" in lines[0]
    assert "whole sentence: number '1.250' of the source is missing" in " ".join(" ".join(lines).split())


@pytest.mark.parametrize("message, matched, expected", [
    ("'exports' is used of people", "exports", (True, "is used of people")),
    ("'170 Germany': '170 Germany': a number runs", "170 Germany", (True, ": a number runs")),
    ("unexpected word in this context: 'double'", "double", (False, "unexpected word in this context")),
    ("This sentence is 50 words long.", "whole", (False, "This sentence is 50 words long.")),
])
def test_message_without_span(message: str, matched: str, expected: tuple[bool, str]) -> None:
    assert message_without_span(message, matched) == expected


def test_short_span() -> None:
    assert short_span("caught by") == "caught by"
    assert short_span("one two three four five six seven eight") == "one two three … seven eight"
    assert short_span("The whole sentence.", "The whole sentence.") == ""
