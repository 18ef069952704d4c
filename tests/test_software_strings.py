"""Software strings (issue 25, item 5): placeholders and markup are masked for spelling and grammar with positions
kept, and short UI labels are not "corrected"."""

from __future__ import annotations

import pytest

import tqcheck
from tqcheck.checks.grammar.base import make_blocks
from tqcheck.checks.grammar.placeholders import is_label, mask, masked_spans
from tqcheck.readers.inputs import document_from_text


def spans_text(text: str) -> list[str]:
    return [text[s:e] for s, e in masked_spans(text)]


@pytest.mark.parametrize("text, expected", [
    ("Saved %s.", ["%s"]),
    ("Deleted %d files in %1$s (%-5.2f%%).", ["%d", "%1$s", "%-5.2f", "%%"]),
    ("Welcome %(user)s to %@!", ["%(user)s", "%@"]),
    ("Hello, {name}! You have {0} new {count:>3} items.", ["{name}", "{0}", "{count:>3}"]),
    ("{count, plural, one {# file} other {# files}} deleted.", ["{count, plural, one {# file} other {# files}}"]),
    ("Hi {{user}}, see ${path} and $t(common.ok).", ["{{user}}", "${path}", "$t(common.ok)"]),
    ('Click <b>Save</b> or <a href="https://x.org/a">here</a>.<br/>',
     ["<b>", "</b>", '<a href="https://x.org/a">', "</a>", "<br/>"]),
])
def test_placeholders_and_tags_are_found(text, expected):
    assert spans_text(text) == expected


@pytest.mark.parametrize("text", [
    "Some 50% of people left, 20% stayed.",   # a percent sign is prose, not "% o"
    "The set {a, b} is small.",                 # not an ICU argument: "a, b" has no type
    "He said 3 < 4 and 5 > 2.",
    "Prices rose 5%, then 3 %.",
])
def test_prose_is_not_masked(text):
    assert masked_spans(text) == []


def test_mask_keeps_every_position():
    text = "Click <b>Save</b> to store %1$s in {folder}."
    masked = mask(text)
    assert len(masked) == len(text)
    assert masked == "Click    Save     to store 0000 in 00000000."
    doc = document_from_text(text, "ui.txt")
    [block] = make_blocks(doc.segments, 1000)
    assert block.text == masked
    segment, start, end = block.locate(masked.index("store"), masked.index("store") + 5)
    assert segment.text[start:end] == "store"


@pytest.mark.parametrize("text, label", [
    ("OK", True), ("Cancel", True), ("Save as…", True), ("OK, got it", True),
    ("Saved %s.", False), ("The file was saved.", False), ("Are you sure?", False),
    ("This is a much longer string than a label", False),
])
def test_labels(text, label):
    assert is_label(text) is label


@pytest.mark.slow
def test_saved_percent_s_and_ok_get_no_spelling_findings():
    report = tqcheck.check("Saved %s.\n\nOK\n\nCancel\n\nDeleted %d files in %1$s.\n\nHello, {name}!\n",
                           grammar="harper", fluency=False)
    assert [f for f in report.findings if f.category == "fluency/spelling"] == []
    assert all(f.rule_id != "harper.Spelling.OkToOkay" for f in report.findings)
    assert not any(f.matched in ("1$", "s.", "s") for f in report.findings)
    # a real misspelling next to a placeholder is still found, at its place
    report = tqcheck.check("Saved %s to the folderr.", grammar="harper", fluency=False)
    [typo] = [f for f in report.findings if f.category == "fluency/spelling"]
    assert typo.matched == "folderr" and typo.column == len("Saved %s to the ") + 1


@pytest.mark.slow
def test_po_strings_with_placeholders(tmp_path):
    po = tmp_path / "app.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: en\\n"\n\n'
                  'msgid "Gespeichert: %s."\nmsgstr "Saved %s."\n\n'
                  'msgid "OK"\nmsgstr "OK"\n\n'
                  'msgid "{count} Dateien"\nmsgstr "{count} files"\n', encoding="utf-8")
    report = tqcheck.check(po, grammar="harper", fluency=False)
    assert [f for f in report.findings if f.origin in ("grammar", "rules")] == []
