"""Issue 25 leftovers: the raw leading/trailing whitespace of bilingual units kept by every reader and compared by
``source.Whitespace``; the TMX target variant chosen as a CAT tool does when the source is English too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tqcheck.checks.source import QAOptions, check_segment
from tqcheck.cli.main import cli
from tqcheck.core.document import Document, whitespace_edges
from tqcheck.core.errors import InputError
from tqcheck.readers import po, srt, table, tmx, xliff
from tqcheck.readers.corpus import iter_parts as corpus_parts
from tqcheck.readers.inputs import load_documents

FAST = ["--no-config", "--no-fluency", "--grammar", "none", "--exit-zero", "-f", "json", "-o", "-"]


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # reports/ goes there


def rule_ids(report: str) -> list[str]:
    return [f["rule_id"] for f in json.loads(report)["findings"]]


def whitespace_findings(document: Document) -> list:
    return [f for s in document.segments
            for f in check_segment(s, document.source_language, None, QAOptions()) if f.rule_id == "source.Whitespace"]


# -- the raw edges -------------------------------------------------------------------------------------------

def test_whitespace_edges() -> None:
    assert whitespace_edges("  a b\r\n") == ("  ", "\r\n")
    assert whitespace_edges("a") == ("", "")
    assert whitespace_edges(None) == ("", "")
    assert whitespace_edges(" \n") == (" \n", "")
    assert whitespace_edges("\u3000x\u00a0") == ("\u3000", "\u00a0")


PO = ('msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
      'msgid "Name: "\nmsgstr "Name:"\n\n'
      'msgid "Fertig.\\n"\nmsgstr "Done.\\n"\n\n'
      'msgid "Weiter"\nmsgstr "Next "\n\n'
      'msgid "Haus"\nmsgstr "House"\n')


def test_po_keeps_the_edges_and_the_rule_reports_both_directions() -> None:
    document = po.read("a.po", PO.encode())
    assert [(s.source_edges, s.target_edges) for s in document.segments] == [
        (("", " "), ("", "")), (("", "\n"), ("", "\n")), (("", ""), ("", " ")), (("", ""), ("", ""))]
    assert [s.text for s in document.segments] == ["Name:", "Done.", "Next", "House"]  # the checked text: stripped
    found = whitespace_findings(document)
    assert [(f.unit_id, f.line, f.message) for f in found] == [
        ("Name: ", 6, "the source ends with a space, the translation with no whitespace"),
        ("Weiter", 12, "the source ends with no whitespace, the translation with a space")]
    assert found[0].matched == ":" and found[0].column == 13  # points at the last character of the target


def test_the_rule_runs_from_the_command_line_on_a_po_file(tmp_path: Path) -> None:
    (tmp_path / "a.po").write_text(PO, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "a.po", *FAST])
    assert result.exit_code == 0, result.output
    assert rule_ids(result.output).count("source.Whitespace") == 2


def test_kinds_and_amounts_are_compared_at_each_end() -> None:
    def messages(source: str, target: str) -> list[str]:
        document = Document(path="x.tsv", text=target, format="tsv", source_language="de")
        document.add_segment(target.strip(), 0, source=source.strip(), source_edges=whitespace_edges(source),
                             target_edges=whitespace_edges(target))
        return [f.message for f in whitespace_findings(document)]

    assert messages("Weiter  ", "Next ") == ["the source ends with 2 spaces, the translation with a space"]
    assert messages("Zeile\n", "Line ") == ["the source ends with a line break, the translation with a space"]
    assert messages("\t von", "of") == ["the source begins with a tab and a space, the translation with no "
                                        "whitespace"]
    assert messages(" a ", "b") == ["the source begins with a space, the translation with no whitespace",
                                    "the source ends with a space, the translation with no whitespace"]
    assert messages("Preis:\u00a0", "Price: ") == ["the source ends with a no-break space, the translation with "
                                                   "a space"]
    assert messages("Zeile\r\n", "Line\n") == []  # one line break either way
    assert messages("\u3000\u3000这是测试。", "This is a test.") == []  # a Chinese paragraph indent


def test_monolingual_text_and_subtitles_keep_no_edges(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("  An indented sentence here.  \n", encoding="utf-8")
    [text] = load_documents([str(tmp_path / "a.txt")])
    assert {(s.source_edges, s.target_edges) for s in text.segments} == {(("", ""), ("", ""))}
    (tmp_path / "film.de.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\n Hallo Welt. \n\n", encoding="utf-8")
    (tmp_path / "film.en.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHello world.\n\n", encoding="utf-8")
    document = srt.read(str(tmp_path / "film.en.srt"), (tmp_path / "film.en.srt").read_bytes())
    assert document.segments[0].source == "Hallo Welt."
    assert not whitespace_findings(document)


def test_tsv_read_whole_and_streamed_keep_the_same_edges(tmp_path: Path) -> None:
    path = tmp_path / "a.de-en.tsv"
    path.write_text('source\ttarget\nName: \tName:\n"Zeile\n"\tLine\nHaus\t House\n', encoding="utf-8")
    whole = table.read(str(path), path.read_bytes())
    edges = [(s.source_edges, s.target_edges) for s in whole.segments]
    assert edges == [(("", " "), ("", "")), (("", "\n"), ("", "")), (("", ""), (" ", ""))]
    streamed = [(s.source_edges, s.target_edges) for part in corpus_parts(str(path)) for s in part.segments]
    assert streamed == edges
    assert len(whitespace_findings(whole)) == 3


def test_jsonl_keeps_the_edges(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"source": "Name: ", "target": "Name:", "id": 1}\n', encoding="utf-8")
    [part] = list(corpus_parts(str(path)))
    assert part.segments[0].source_edges == ("", " ")
    assert len(whitespace_findings(part)) == 1


XLIFF = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file source-language="de" target-language="en" datatype="plaintext" original="x"><body>
<trans-unit id="1" xml:space="preserve"><source>Speichern unter: </source><target>Save as:</target></trans-unit>
<trans-unit id="2"><source>Das Haus. </source><target>The house.</target></trans-unit>
<trans-unit id="3" xml:space="preserve"><source>Fertig.
</source><target>Done.
</target></trans-unit>
</body></file></xliff>
"""


def test_xliff_keeps_preserved_edges_read_whole_and_streamed(tmp_path: Path) -> None:
    path = tmp_path / "a.xlf"
    path.write_text(XLIFF, encoding="utf-8")
    whole = xliff.read(str(path), path.read_bytes())
    edges = [(s.unit_id, s.source_edges, s.target_edges) for s in whole.segments]
    # unit 2 has no xml:space="preserve": its whitespace may be normalised, as translate-toolkit and CAT tools do
    assert edges == [("1", ("", " "), ("", "")), ("2", ("", ""), ("", "")), ("3", ("", "\n"), ("", "\n"))]
    streamed = [(s.unit_id, s.source_edges, s.target_edges) for p in xliff.iter_parts(str(path)) for s in p.segments]
    assert streamed == edges
    assert [f.unit_id for f in whitespace_findings(whole)] == ["1"]


# -- TMX: the target variant ---------------------------------------------------------------------------------

def memory(header: str, *tus: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
            f'  <header srclang="{header}" datatype="plaintext" segtype="sentence" adminlang="en" '
            'creationtool="t" creationtoolversion="1" o-tmf="t"/>\n  <body>\n' + "".join(tus) + "  </body>\n</tmx>\n")


def tu(*variants: tuple[str, str], tuid: str = "1", srclang: str = "") -> str:
    attributes = f' tuid="{tuid}"' + (f' srclang="{srclang}"' if srclang else "")
    return (f"    <tu{attributes}>\n" + "".join(f'      <tuv xml:lang="{lang}"><seg>{text}</seg></tuv>\n'
                                                for lang, text in variants) + "    </tu>\n")


def read_both(tmp_path: Path, text: str) -> list[tuple[str, str, str]]:
    """(text, source, target language) of every segment, read whole and streamed (asserted equal)."""
    path = tmp_path / "m.tmx"
    path.write_text(text, encoding="utf-8")
    whole = tmx.read(str(path), path.read_bytes())
    parts = list(tmx.iter_parts(str(path)))
    found = [(s.text, s.source, whole.target_language) for s in whole.segments]
    assert [(s.text, s.source, p.target_language) for p in parts for s in p.segments] == found
    return found


@pytest.mark.parametrize("order", [("en-US", "en-GB"), ("en-GB", "en-US")])
def test_english_source_the_target_is_the_other_english_variant(tmp_path: Path, order) -> None:
    texts = {"en-US": "The color.", "en-GB": "The colour."}
    text = memory("en-US", tu(*[(lang, texts[lang]) for lang in order]))
    assert read_both(tmp_path, text) == [("The colour.", "The color.", "en-GB")]


def test_the_tu_srclang_wins_over_the_header(tmp_path: Path) -> None:
    text = memory("de", tu(("en-GB", "The colour."), ("en-US", "The color."), srclang="en-GB"),
                  tu(("de", "Haus."), ("en-GB", "House."), tuid="2"))
    assert read_both(tmp_path, text) == [("The color.", "The colour.", "en-US"), ("House.", "Haus.", "en-US")]


def test_a_unit_whose_only_english_variant_is_its_source_is_skipped(tmp_path: Path) -> None:
    text = memory("en-US", tu(("en-US", "The house."), ("de", "Das Haus.")),
                  tu(("en-US", "The colour."), ("en-GB", "The colour."), tuid="2"))
    assert read_both(tmp_path, text) == [("The colour.", "The colour.", "en-GB")]
    only_source = memory("en-US", tu(("en-US", "The house."), ("de", "Das Haus.")))
    path = tmp_path / "s.tmx"
    path.write_text(only_source, encoding="utf-8")
    for read in (lambda: tmx.read(str(path), path.read_bytes()), lambda: list(tmx.iter_parts(str(path)))):
        with pytest.raises(InputError, match="the English variants are the source"):
            read()


def test_a_non_english_source_keeps_the_first_english_variant(tmp_path: Path) -> None:
    text = memory("de", tu(("de", "Die Farbe."), ("en-GB", "The colour."), ("en-US", "The color.")))
    assert read_both(tmp_path, text) == [("The colour.", "Die Farbe.", "en-GB")]
    text = memory("*all*", tu(("en-US", "The color."), ("fr", "La couleur.")))
    assert read_both(tmp_path, text) == [("The color.", "La couleur.", "en-US")]


def test_english_source_tmx_gets_the_target_dialect_and_its_edges(tmp_path: Path) -> None:
    text = memory("en-US", tu(("en-US", "Name: "), ("en-GB", "Colour:")))
    path = tmp_path / "m.tmx"
    path.write_text(text, encoding="utf-8")
    document = tmx.read(str(path), path.read_bytes())
    assert document.target_language == "en-GB" and document.segments[0].source_edges == ("", " ")
    assert [f.rule_id for f in whitespace_findings(document)] == ["source.Whitespace"]
    result = CliRunner().invoke(cli, ["check", "m.tmx", *FAST])
    assert result.exit_code == 0, result.output
    assert rule_ids(result.output).count("source.Whitespace") == 1


def test_a_dataframe_keeps_the_edges() -> None:
    pd = pytest.importorskip("pandas")
    from tqcheck.readers.frame import document_from_frame

    frame = pd.DataFrame({"source": ["Name: ", "Haus"], "target": ["Name:", "House\n"]})
    document = document_from_frame(frame)
    assert [(s.text, s.source_edges, s.target_edges) for s in document.segments] == [
        ("Name:", ("", " "), ("", "")), ("House", ("", ""), ("", "\n"))]
    assert len(whitespace_findings(document)) == 2
