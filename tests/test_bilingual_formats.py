"""Bilingual readers: units, ids, places in the file, and loud errors for malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tqcheck.core.config import Settings
from tqcheck.core.document import Document
from tqcheck.core.errors import InputError
from tqcheck.readers.inputs import load_documents

XLIFF12 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file original="news.txt" source-language="de" target-language="en" datatype="plaintext">
    <body>
      <trans-unit id="p1">
        <source>Frankreich hat <g id="1">mehr als 170</g> aufgenommen.</source>
        <target>France has taken in <g id="1">more than 170</g> &amp; more.</target>
      </trans-unit>
      <trans-unit id="p2">
        <source>Noch nicht übersetzt.</source>
      </trans-unit>
      <trans-unit id="p3">
        <source>Der Streifen.</source>
        <target>The strip.</target>
      </trans-unit>
    </body>
  </file>
</xliff>
"""

XLIFF20 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="fr" trgLang="en">
  <file id="f1">
    <unit id="u1">
      <segment id="s1">
        <source>Bonjour <pc id="1">le monde</pc>.</source>
        <target>Hello <pc id="1">world</pc>.</target>
      </segment>
    </unit>
  </file>
</xliff>
"""

PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: en\\n"

#: src/app.c:10
msgctxt "menu"
msgid "Datei %s öffnen"
msgstr "Open file %s"

msgid "Zwei "
"Zeilen"
msgstr "Two "
"lines \\"quoted\\""

msgid "Leer"
msgstr ""

#~ msgid "alt"
#~ msgstr "old"
"""

TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4">
  <header creationtool="t" creationtoolversion="1" datatype="plaintext" segtype="sentence" adminlang="en"
          srclang="de" o-tmf="t"/>
  <body>
    <tu tuid="7">
      <tuv xml:lang="de"><seg>Drei <bpt i="1">&lt;b&gt;</bpt>Katzen<ept i="1">&lt;/b&gt;</ept></seg></tuv>
      <tuv xml:lang="en-US"><seg>Three <bpt i="1">&lt;b&gt;</bpt>cats<ept i="1">&lt;/b&gt;</ept></seg></tuv>
    </tu>
  </body>
</tmx>
"""

TSV = ("id\tsource\ttarget\n"
       "a1\tDer Preis beträgt 25 Euro.\tThe price is 25 euros.\n"
       "a2\t\"Er sagte \"\"Hallo\"\".\"\t\"He said \"\"hello\"\".\"\n")

SRT_EN = """1
00:00:01,000 --> 00:00:02,500
<i>Hello</i>
world

2
00:00:03,000 --> 00:00:04,000
Three cats.
"""

SRT_DE = """1
00:00:01,000 --> 00:00:02,500
Hallo Welt

2
00:00:03,000 --> 00:00:04,000
Drei Katzen.
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    """Write ``text`` to ``tmp_path/name`` and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def load(path: str, settings: Settings | None = None) -> Document:
    """The one document read from ``path``."""
    (document,) = load_documents([path], settings=settings)
    return document


def located(document: Document, segment_index: int, start: int, end: int):
    """A finding on a segment span, to check where it points in the file."""
    segment = document.segments[segment_index]
    return segment.finding(start, end, rule_id="T.Test", message="m", severity="minor", category="other",
                           origin="source")


def assert_points_back(document: Document) -> None:
    """Every word of every segment maps to the same characters of the original file."""
    for index, segment in enumerate(document.segments):
        for word_start in range(len(segment.text)):
            if segment.text[word_start].isalnum() and (word_start == 0 or segment.text[word_start - 1] == " "):
                word_end = word_start
                while word_end < len(segment.text) and segment.text[word_end].isalnum():
                    word_end += 1
                finding = located(document, index, word_start, word_end)
                assert document.text[finding.offset:finding.offset + len(finding.matched)] == finding.matched


def test_xliff12_units_ids_sources_and_places(tmp_path):
    document = load(write(tmp_path, "news.xlf", XLIFF12))
    assert document.format == "xliff" and document.source_language == "de"
    assert [s.unit_id for s in document.segments] == ["p1", "p3"]  # p2 has no target: nothing to check
    first = document.segments[0]
    assert first.text == "France has taken in more than 170 & more."
    assert first.source == "Frankreich hat mehr als 170 aufgenommen."
    assert first.line == 7
    finding = located(document, 0, first.text.index("170"), first.text.index("170") + 3)
    assert (finding.line, finding.column) == (7, XLIFF12.splitlines()[6].index("170") + 1)
    assert_points_back(document)


def test_xliff20_segments(tmp_path):
    document = load(write(tmp_path, "page.xliff", XLIFF20))
    assert document.source_language == "fr"
    (segment,) = document.segments
    assert (segment.unit_id, segment.text, segment.source, segment.line) == ("u1/s1", "Hello world.",
                                                                             "Bonjour le monde.", 7)
    assert_points_back(document)


def test_po_messages_with_context_and_continuation_lines(tmp_path):
    document = load(write(tmp_path, "app.po", PO), Settings())
    assert [s.unit_id for s in document.segments] == ["menu|Datei %s öffnen", "Zwei Zeilen"]
    assert [s.text for s in document.segments] == ["Open file %s", 'Two lines "quoted"']
    assert [s.line for s in document.segments] == [9, 13]
    finding = located(document, 1, 4, 9)  # "lines" is on the continuation line
    assert finding.line == 14 and finding.matched == "lines"
    assert_points_back(document)


def test_tmx_english_variant_is_the_target(tmp_path):
    document = load(write(tmp_path, "memory.tmx", TMX))
    (segment,) = document.segments
    line = next(n for n, text in enumerate(TMX.splitlines(), start=1) if "en-US" in text)
    assert (segment.unit_id, segment.text, segment.source, segment.line) == ("7", "Three cats", "Drei Katzen", line)
    assert_points_back(document)


def test_tsv_and_csv_columns_ids_and_lines(tmp_path):
    document = load(write(tmp_path, "prices.de-en.tsv", TSV))
    assert document.source_language == "de"
    assert [(s.unit_id, s.line, s.text) for s in document.segments] == [
        ("a1", 2, "The price is 25 euros."), ("a2", 3, 'He said "hello".')]
    assert document.segments[1].source == 'Er sagte "Hallo".'
    assert_points_back(document)
    csv_text = "key,original,translation\nk1,Zwei Hunde.,Two dogs.\n"
    settings = Settings()
    settings.apply({"source_column": "original", "target_column": "translation", "id_column": "key"}, "test")
    document = load(write(tmp_path, "dogs.csv", csv_text), settings)
    assert [(s.unit_id, s.source, s.text, s.line) for s in document.segments] == [("k1", "Zwei Hunde.", "Two dogs.", 2)]


def test_table_without_id_column_uses_the_line(tmp_path):
    document = load(write(tmp_path, "plain.tsv", "src\ttgt\nEins.\tOne.\n\nZwei.\tTwo.\n"))
    assert [(s.unit_id, s.text) for s in document.segments] == [("2", "One."), ("4", "Two.")]


def test_srt_target_only_and_paired(tmp_path):
    alone = load(write(tmp_path, "clip.srt", SRT_EN))
    assert [(s.unit_id, s.text, s.source, s.line) for s in alone.segments] == [
        ("1", "Hello world", None, 3), ("2", "Three cats.", None, 8)]
    assert_points_back(alone)
    write(tmp_path, "film.de.srt", SRT_DE)
    paired = load(write(tmp_path, "film.en.srt", SRT_EN))
    assert paired.source_language == "de"
    assert [(s.unit_id, s.source) for s in paired.segments] == [("1", "Hallo Welt"), ("2", "Drei Katzen.")]


@pytest.mark.parametrize("name, text, line, words", [
    ("broken.xlf", XLIFF12.replace("</target>\n      </trans-unit>\n      <trans-unit id=\"p2\">", "\n"), None,
     "malformed XML"),
    ("broken.tmx", TMX.replace("</tu>", ""), None, "malformed XML"),
    ("broken.po", 'msgid "a"\nmsgstr "b\n', 2, "malformed PO"),
    ("nocol.tsv", "id\tsrc\tmt_output\nx\ty\tz\n", 1, "no target column 'target'"),
    ("ragged.tsv", "id\tsource\ttarget\nx\ty\tz\nx2\ty2\n", 3, "row has 2 columns"),
    ("bad.srt", "1\n00:00:01,000 -> 00:00:02,000\nHello\n", 1, "malformed subtitles"),
])
def test_malformed_files_name_file_and_line(tmp_path, name, text, line, words):
    path = write(tmp_path, name, text)
    with pytest.raises(InputError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(path) and words in message
    if line is not None:
        assert caught.value.line == line
    else:
        assert caught.value.line is not None


def test_mismatched_subtitle_pair_is_an_error(tmp_path):
    write(tmp_path, "film.de.srt", SRT_DE.split("\n2\n")[0])
    path = write(tmp_path, "film.en.srt", SRT_EN)
    with pytest.raises(InputError, match="mismatched pair: 2 subtitles here, 1 in") as caught:
        load(path)
    assert caught.value.line == 6


def test_source_language_subtitles_alone_are_refused(tmp_path):
    with pytest.raises(InputError, match="German subtitles"):
        load(write(tmp_path, "film.de.srt", SRT_DE))


def test_cli_exits_2_with_one_line_for_a_malformed_file(tmp_path):
    from tqcheck.cli.main import cli

    path = write(tmp_path, "nocol.csv", "a,b\n1,2\n")
    result = CliRunner().invoke(cli, ["check", path, "--format", "csv", "--output-dir", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert f"{path}:1: no source column 'source'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_files_translated_into_another_language_are_refused(tmp_path):
    xliff = write(tmp_path, "fr.xlf", XLIFF12.replace('target-language="en"', 'target-language="fr-FR"'))
    with pytest.raises(InputError, match=r"in French \(target-language 'fr-FR'\); tqcheck checks English targets"):
        load(xliff)
    po = write(tmp_path, "de.po", PO.replace("Language: en", "Language: de_DE"))
    with pytest.raises(InputError, match="in German"):
        load(po)
