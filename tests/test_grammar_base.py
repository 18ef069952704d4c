"""Blocks and span mapping, UTF-16 offsets, the MQM mapping and its documentation, merging."""

from __future__ import annotations

import re
from pathlib import Path

from tqcheck.core.finding import CATEGORIES, Severity
from tqcheck.checks.grammar.base import (DEFAULT_MQM, HARPER_KINDS, LANGUAGETOOL_CATEGORIES,
                                  LANGUAGETOOL_CATEGORY_OVERRIDES, LANGUAGETOOL_ISSUE_TYPES, Issue,
                                  languagetool_mqm, make_blocks, split_long)
from tqcheck.checks.grammar.languagetool_backend import Utf16Offsets, api_base, choose_language
from tqcheck.checks.grammar.merge import merge_issues
from tqcheck.readers.inputs import document_from_text

DOCS = Path(__file__).resolve().parent.parent / "docs" / "grammar.md"


def test_blocks_join_segments_and_map_spans_back():
    doc = document_from_text("First one here. Second one.\n\nNew paragraph now.", "a.txt")
    blocks = make_blocks(doc.segments, 1000)
    assert len(blocks) == 1
    text = blocks[0].text
    assert text == "First one here. Second one.\n\nNew paragraph now."
    start = text.index("Second")
    segment, s, e = blocks[0].locate(start, start + 6)
    assert segment.index == 1 and segment.text[s:e] == "Second"
    start = text.index("paragraph")
    segment, s, e = blocks[0].locate(start, start + 9)
    assert segment.index == 2 and segment.text[s:e] == "paragraph"
    # A span in the gap between segments belongs to no segment.
    gap = text.index("\n\n")
    assert blocks[0].locate(gap, gap + 1) is None
    # A span running past a segment's end is clipped to it.
    segment, s, e = blocks[0].locate(text.index("one."), text.index("New") + 3)
    assert segment.index == 1 and segment.text[s:e] == "one."


def test_blocks_respect_the_size_limit_and_split_long_segments():
    doc = document_from_text(" ".join(["word"] * 300) + ". Short one.", "a.txt")
    blocks = make_blocks(doc.segments, 200)
    assert all(len(b.text) <= 200 for b in blocks)
    rebuilt = "".join(b.text[p.start:p.start + p.length] for b in blocks for p in b.pieces
                      if p.segment.index == 0)
    assert rebuilt == doc.segments[0].text
    assert split_long("aaa bbb ccc", 5) == [(0, "aaa"), (3, " bbb"), (7, " ccc")]


def test_utf16_offsets_become_str_indices():
    text = "Hi 😀 teh 𝒳 end"
    to_index = Utf16Offsets(text)
    utf16 = len(text[:text.index("teh")].encode("utf-16-le")) // 2
    assert to_index(utf16) == text.index("teh")
    utf16_end = len(text[:text.index("end")].encode("utf-16-le")) // 2
    assert to_index(utf16_end) == text.index("end")
    assert Utf16Offsets("plain")(3) == 3


def test_api_base_accepts_urls_with_or_without_v2():
    assert api_base("http://h:8081") == "http://h:8081/v2"
    assert api_base("http://h:8081/v2/") == "http://h:8081/v2"
    assert api_base("https://api.languagetool.org/v2") == "https://api.languagetool.org/v2"


def test_choose_language_substitutes_with_a_notice():
    langs = [{"code": "en", "longCode": "en-US"}, {"code": "en", "longCode": "en-GB"}]
    assert choose_language("en-GB", langs) == ("en-GB", None)
    code, notice = choose_language("en-IN", langs)
    assert code == "en-GB" and "en-IN" in notice


def test_languagetool_mapping_precedence():
    assert languagetool_mqm("misspelling", "TYPOS") == ("fluency/spelling", Severity.MINOR)
    assert languagetool_mqm("misspelling", "MISC")[0] == "fluency/grammar"  # EN_A_VS_AN
    assert languagetool_mqm("typographical", "CASING")[0] == "fluency/spelling"
    assert languagetool_mqm("grammar", "GRAMMAR") == ("fluency/grammar", Severity.MAJOR)
    assert languagetool_mqm("uncategorized", "PUNCTUATION")[0] == "fluency/punctuation"
    assert languagetool_mqm("", "SOMETHING_NEW") == DEFAULT_MQM


def test_every_mapped_category_is_an_mqm_category():
    for table in (HARPER_KINDS, LANGUAGETOOL_CATEGORY_OVERRIDES, LANGUAGETOOL_ISSUE_TYPES, LANGUAGETOOL_CATEGORIES):
        for category, severity in table.values():
            assert category in CATEGORIES and isinstance(severity, Severity)


def _doc_table(heading: str) -> dict[str, tuple[str, str]]:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*`([^`]+)`\s*\|\s*([a-z/]+)\s*\|\s*(minor|major|critical)\s*\|", section, re.M)
    return {key: (category, severity) for key, category, severity in rows}


def _as_strings(table) -> dict[str, tuple[str, str]]:
    return {key: (category, severity.value) for key, (category, severity) in table.items()}


def test_documented_mapping_is_the_mapping_in_the_code():
    assert _doc_table("### Harper lint kinds") == _as_strings(HARPER_KINDS)
    assert _doc_table("### LanguageTool category overrides") == _as_strings(LANGUAGETOOL_CATEGORY_OVERRIDES)
    assert _doc_table("### LanguageTool issue types") == _as_strings(LANGUAGETOOL_ISSUE_TYPES)
    assert _doc_table("### LanguageTool categories") == _as_strings(LANGUAGETOOL_CATEGORIES)


def _issue(segment, start, end, engine, rule, category="fluency/spelling", message="m", suggestions=(),
           severity=Severity.MINOR):
    return Issue(segment, start, end, rule, message, category, severity, engine, list(suggestions))


def test_duplicates_from_two_engines_merge_into_one():
    doc = document_from_text("I will recieve the the letter.", "a.txt")
    seg = doc.segments[0]
    issues = [
        _issue(seg, 7, 14, "harper", "harper.Spelling.SpellCheck", message="Did you mean to spell `recieve`?",
               suggestions=["receive", "relieve"]),
        _issue(seg, 7, 14, "languagetool", "languagetool.MORFOLOGIK_RULE_EN_US",
               message="Possible spelling mistake found.", suggestions=["receive", "recede"]),
        _issue(seg, 15, 22, "harper", "harper.Repetition.RepeatedWords", category="fluency/grammar",
               message="Did you mean to repeat this word?", suggestions=["the"]),
        _issue(seg, 19, 22, "languagetool", "languagetool.ENGLISH_WORD_REPEAT_RULE", category="fluency/grammar",
               message="Possible typo: you repeated a word.", suggestions=["the"]),
        _issue(seg, 0, 30, "harper", "harper.Readability.LongSentences", category="style/awkward"),
    ]
    merged = merge_issues(issues)
    assert len(merged) == 3
    spelling = next(i for i in merged if i.category == "fluency/spelling")
    assert spelling.engine == "harper+languagetool"
    assert spelling.suggestions == ["receive", "relieve", "recede"]
    assert spelling.message == "Did you mean to spell `recieve`?"
    repeat = next(i for i in merged if i.category == "fluency/grammar")
    assert repeat.engine == "harper+languagetool"


def test_different_categories_or_distant_spans_do_not_merge():
    doc = document_from_text("The colour was very nice today.", "a.txt")
    seg = doc.segments[0]
    issues = [
        _issue(seg, 4, 10, "harper", "harper.Spelling.SpellCheck"),
        _issue(seg, 4, 10, "languagetool", "languagetool.X", category="locale/convention"),
        _issue(seg, 15, 19, "languagetool", "languagetool.Y"),
    ]
    assert len(merge_issues(issues)) == 3


def test_merge_keeps_the_higher_severity():
    doc = document_from_text("She has went home.", "a.txt")
    seg = doc.segments[0]
    merged = merge_issues([
        _issue(seg, 8, 12, "harper", "harper.Grammar.X", category="fluency/grammar", severity=Severity.MINOR),
        _issue(seg, 8, 12, "languagetool", "languagetool.Y", category="fluency/grammar", severity=Severity.MAJOR),
    ])
    assert len(merged) == 1 and merged[0].severity == Severity.MAJOR and merged[0].rule_id == "languagetool.Y"
