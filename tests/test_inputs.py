"""Reading and segmenting inputs: decoding, Markdown, offsets, suppressions, errors."""

from __future__ import annotations

import codecs

import pytest

from tqcheck.core.errors import InputError
from tqcheck.readers.inputs import (collect_files, decode, document_from_text, load_documents, read_markdown,
                            read_text, suppressions)


def test_seed_sentences_keep_us_together(seed_path):
    document = read_text(str(seed_path), seed_path.read_bytes())
    texts = [s.text for s in document.segments]
    assert not any(t.endswith("U.S.") for t in texts)
    assert any("U.S. President Donald Trump" in t for t in texts)
    assert any(t.startswith("Diplomats say Israel has allowed hundreds") for t in texts)
    for segment in document.segments:  # every segment is an exact slice with its place
        assert document.text[segment.offset:segment.offset + len(segment.text)] == segment.text
        line_start = document.text.rfind("\n", 0, segment.offset) + 1
        assert segment.column == segment.offset - line_start + 1
        assert segment.line == document.text.count("\n", 0, segment.offset) + 1


def test_quotes_ellipses_and_paragraphs():
    document = document_from_text('He said "it is fine." Then he left… Wait... what?\n\nA new paragraph starts here.')
    texts = [s.text for s in document.segments]
    assert texts[-1] == "A new paragraph starts here."
    assert document.segments[-1].paragraph > document.segments[0].paragraph
    assert "Wait... what?" in " ".join(texts)


@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8"),
    lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    lambda t: t.encode("utf-16"),  # with BOM
    lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
])
def test_decodes_utf8_and_utf16_with_bom(encode):
    assert decode(encode("Café au lait. Second sentence."), "x.txt") == "Café au lait. Second sentence."


@pytest.mark.parametrize("raw, words", [
    (b"\xff\xfe\x00", "UTF-16"),  # UTF-16 LE BOM then odd byte count
    (b"caf\xe9 latin-1 text", "not UTF-8"),
    (b"PK\x03\x04\x00\x00binary", "binary"),
    (b"", "empty"),
    (b"  \n\n ", "empty"),
])
def test_bad_bytes_name_the_file(raw, words):
    with pytest.raises(InputError) as info:
        decode(raw, "bad.txt")
    message = str(info.value)
    assert message.startswith("bad.txt")
    assert "\n" not in message
    assert words.split()[0].lower() in message.lower()


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        collect_files([str(tmp_path / "nope.txt")], ["*.txt"], [])
    with pytest.raises(InputError, match="no files to check"):
        collect_files([str(tmp_path)], ["*.txt"], [])


def test_folders_recursive_with_globs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("One sentence here.")
    (tmp_path / "a" / "two.md").write_text("# Title\n\nTwo sentences. Here.")
    (tmp_path / "a" / "skip.txt").write_text("Skipped.")
    (tmp_path / "a" / "data.json").write_text("{}")
    files = collect_files([str(tmp_path)], ["*.txt", "*.md"], ["skip.*"])
    assert [f.rsplit("/", 1)[-1] for f in files] == ["one.txt", "two.md"]
    documents = load_documents([str(tmp_path)], ["*.txt", "*.md"], ["skip.*"])
    assert [d.format for d in documents] == ["text", "markdown"]


def test_stdin_is_read_with_its_name():
    (document,) = load_documents(["-"], stdin=b"# Head\n\nFrom stdin here.", stdin_name="notes.md")
    assert document.path == "notes.md" and document.format == "markdown"
    assert [s.text for s in document.segments] == ["Head", "From stdin here."]


MARKDOWN = b"""---
title: Not checked
---
# A heading

Some **bold** text with a [link](http://example.com) here. Then U.S. President Trump
left the room.

```python
code = "not checked. at all"
```

| table | cell |
|---|---|
| not | checked |

<!-- tqcheck-disable mt.FalseFriends -->
> Quoted text is checked. Also this.
<!-- tqcheck-enable -->

After it. <!-- tqcheck-disable-line grammar -->
"""


def test_markdown_skips_code_front_matter_and_tables():
    document = read_markdown("doc.md", MARKDOWN)
    texts = [s.text for s in document.segments]
    assert texts == ["A heading", "Some bold text with a link here.",
                     "Then U.S. President Trump left the room.", "Quoted text is checked.",
                     "Also this.", "After it."]


def test_markdown_findings_point_into_the_original_file():
    document = read_markdown("doc.md", MARKDOWN)
    segment = document.segments[1]
    start = segment.text.index("link")
    finding = segment.finding(start, start + 4, rule_id="x.Y", message="m", severity="minor",
                              category="style", origin="rules")
    assert finding.offset == MARKDOWN.decode().index("[link]") + 1
    line = MARKDOWN.decode().splitlines()[finding.line - 1]
    assert line[finding.column - 1:finding.column + 3] == "link"
    wrapped = document.segments[2]  # spans a line break inside the paragraph
    at = wrapped.text.index("left")
    found = wrapped.finding(at, at + 4, rule_id="x.Y", message="m", severity="minor",
                            category="style", origin="rules")
    assert (found.line, found.column) == (7, 1)


def test_suppression_comments():
    document = read_markdown("doc.md", MARKDOWN)

    def finding(index, rule):
        segment = document.segments[index]
        return segment.finding(0, 3, rule_id=rule, message="m", severity="major", category="style",
                               origin="rules")

    assert document.is_suppressed(finding(3, "mt.FalseFriends"))
    assert not document.is_suppressed(finding(3, "mt.Calques"))
    assert not document.is_suppressed(finding(1, "mt.FalseFriends"))
    assert document.is_suppressed(finding(5, "grammar.Anything"))
    assert not document.is_suppressed(finding(5, "mt.FalseFriends"))


def test_disable_without_ids_disables_everything():
    regions = suppressions("a <!-- tqcheck-disable --> b <!-- tqcheck-enable --> c")
    assert len(regions) == 1 and regions[0][2] == frozenset({"*"})


def test_plain_text_hides_html_comments():
    document = read_text("x.txt", b"Checked text. <!-- tqcheck-disable --> More text.")
    assert all("<!--" not in s.text for s in document.segments)
