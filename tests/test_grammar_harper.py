"""Harper through the grammar check: rule ids, suggestions, dialects, exact spans."""

from __future__ import annotations

import pytest

from tqcheck.core.interfaces import Check
from tqcheck.core.config import Settings
from tqcheck.core.finding import CATEGORIES, Severity
from tqcheck.checks.grammar import GrammarCheck, make_grammar_check
from tqcheck.checks.grammar.base import HARPER_KINDS
from tqcheck.readers.inputs import document_from_text


def harper(**values) -> GrammarCheck:
    settings = Settings()
    settings.apply({"grammar": "harper", **values}, "test")
    check = make_grammar_check(settings)
    assert check is not None
    return check


@pytest.fixture(scope="module")
def us() -> GrammarCheck:
    return harper()


def test_none_gives_no_check():
    settings = Settings()
    settings.apply({"grammar": "none"}, "test")
    assert make_grammar_check(settings) is None


def test_check_interface_and_signature(us):
    assert isinstance(us, Check)
    assert us.name == "grammar"
    signature = us.signature()
    assert signature["engines"] == "harper"
    assert signature["harper"].startswith("harper-py 0.2.0")
    assert us.notices == []


def test_findings_have_harper_rule_ids_spans_and_suggestions(us):
    doc = document_from_text("This is an test of the the linter.\n\nShe has went home yesterday.", "a.txt")
    findings = us.check(doc)
    by_text = {f.matched: f for f in findings}
    article = by_text["an"]
    assert article.rule_id == "harper.Miscellaneous.AnA"
    assert article.origin == "grammar" and article.engine == "harper"
    assert article.suggestions == ("a",)
    assert (article.line, article.column, article.start, article.end) == (1, 9, 8, 10)
    repeat = by_text["the the"]
    assert repeat.rule_id.startswith("harper.Repetition.")
    assert repeat.suggestions == ("the",)
    went = by_text["went"]
    assert went.rule_id.startswith("harper.Grammar.")
    assert went.category == "fluency/grammar" and went.severity == Severity.MAJOR
    assert went.line == 3 and went.segment == 1
    assert "gone" in went.suggestions
    for f in findings:
        assert f.category in CATEGORIES
        assert doc.segments[f.segment].text[f.start:f.end] == f.matched
        assert doc.text[f.offset:f.offset + len(f.matched)] == f.matched


def test_spans_map_back_in_many_sentences_and_paragraphs(us):
    paragraphs = [" ".join(f"Sentence {p}-{i} has an mistake." for i in range(4)) for p in range(30)]
    doc = document_from_text("\n\n".join(paragraphs), "many.txt")
    findings = [f for f in us.check(doc) if f.rule_id == "harper.Miscellaneous.AnA"]
    assert len(findings) == len(doc.segments) == 120
    for f in findings:
        assert f.matched == "an"
        assert doc.text[f.offset:f.offset + 2] == "an"


def test_markdown_offsets_follow_the_character_map(us):
    doc = document_from_text("# Title\n\nThis is **an** test with a [link](http://x.org).\n", "a.md", "markdown")
    finding = next(f for f in us.check(doc) if f.rule_id == "harper.Miscellaneous.AnA")
    assert doc.text[finding.offset:finding.offset + 2] == "an"
    assert (finding.line, finding.column) == (3, 11)


def test_dialect_changes_spelling():
    text = "The colour of the centre was nice."
    us_findings = harper(dialect="en-US").check(document_from_text(text, "a.txt"))
    gb_findings = harper(dialect="en-GB").check(document_from_text(text, "a.txt"))
    assert {"colour", "centre"} <= {f.matched for f in us_findings}
    assert not [f for f in gb_findings if f.category == "fluency/spelling"]


def test_dialect_without_harper_variant_gives_notice():
    check = harper(dialect="en-NZ")
    assert any("en-NZ" in n for n in check.notices)


def test_progress_counts_every_segment(us):
    doc = document_from_text("One sentence. Two sentences here.\n\nA third one.", "a.txt")
    ticks: list[int] = []
    us.check(doc, ticks.append)
    assert sum(ticks) == len(doc.segments) == 3


def test_every_harper_kind_maps_to_a_known_category():
    for kind, (category, severity) in HARPER_KINDS.items():
        assert category in CATEGORIES, kind
        assert isinstance(severity, Severity)


def test_close_is_idempotent(us):
    us.close()
    us.close()


def long_document():
    paragraphs = [" ".join(f"In paragraph {p}, sentence {i} has an mistake and teh typo." for i in range(5))
                  for p in range(120)]
    return document_from_text("\n\n".join(paragraphs), "long.txt")


def test_two_threads_give_the_same_findings_as_one():
    from tqcheck.checks.grammar.harper_backend import HarperEngine

    doc = long_document()
    one = HarperEngine("en-US", threads=1).issues(doc)
    two_engine = HarperEngine("en-US", threads=2)
    ticks: list[int] = []
    two = two_engine.issues(doc, ticks.append)
    key = lambda i: (i.segment.index, i.start, i.end, i.rule_id, i.message, tuple(i.suggestions))  # noqa: E731
    assert [key(i) for i in one] == [key(i) for i in two]
    assert len(one) >= 2 * len(doc.segments)
    assert sum(ticks) == len(doc.segments)


def test_interrupting_a_threaded_check_stops_its_threads():
    import threading

    from tqcheck.checks.grammar.harper_backend import HarperEngine

    def interrupt(_n: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        HarperEngine("en-US", threads=2).issues(long_document(), interrupt)
    assert not [t for t in threading.enumerate() if t.name.startswith("tqcheck-harper")]


def test_progress_counts_a_segment_longer_than_a_block_once(us):
    from tqcheck.checks.grammar import harper_backend

    long_sentence = " ".join(["word"] * 3000) + "."
    doc = document_from_text(f"Short one. {long_sentence}\n\nAnother one.", "a.txt")
    assert max(len(s.text) for s in doc.segments) > harper_backend.BLOCK_CHARS
    ticks: list[int] = []
    us.check(doc, ticks.append)
    assert sum(ticks) == len(doc.segments)
