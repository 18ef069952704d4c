"""What reaches a terminal or a page is safe, and zero-width characters cannot hide errors (issue 23, item 6)."""

from __future__ import annotations

import sys

import pytest

import tqcheck
from tqcheck.readers.inputs import document_from_text, load_documents

FAST = {"grammar": "none", "fluency": False}
ZWSP, ZWNJ, ZWJ, WJ, BOM = "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"
SENTENCE = "Diplomats say people left the surrounded strip{}tease this year."


def test_checks_read_the_visible_text_and_findings_point_into_the_original():
    for hidden in (ZWSP, ZWNJ, ZWJ, WJ, BOM):
        text = "A first line.\n\n" + SENTENCE.format(hidden) + "\n"
        report = tqcheck.check(text, **FAST)
        (strip,) = [f for f in report.findings if f.rule_id == "mt.StripteaseForStrip"]
        assert strip.matched == "striptease"
        start = text.index("strip" + hidden)
        assert (strip.line, strip.column, strip.offset) == (3, start - text.index("Diplomats") + 1, start)
        # the finding's end in the file lies after the hidden character
        assert strip.end_column == strip.column + len("striptease") + 1
        (hidden_finding,) = [f for f in report.findings if f.rule_id == "tqcheck.HiddenCharacter"]
        assert hidden_finding.matched == "striptease" and f"U+{ord(hidden):04X}" in hidden_finding.message
        assert hidden_finding.offset == start


def test_zero_width_characters_between_words_or_at_edges_are_not_reported():
    report = tqcheck.check(f"{ZWSP}The talks continue.{ZWSP} They end {WJ} today.", **FAST)
    assert not [f for f in report.findings if f.rule_id == "tqcheck.HiddenCharacter"]
    assert [s.text for s in report.segments] == ["The talks continue.", "They end  today."]


def test_markdown_and_bilingual_files_are_checked_without_them(tmp_path):
    markdown = tmp_path / "a.md"
    markdown.write_text(f"# Title\n\nPeople left the **surrounded** strip{ZWSP}tease.\n", encoding="utf-8")
    xliff = tmp_path / "b.xlf"
    xliff.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
        '<file source-language="de" target-language="en" datatype="plaintext" original="x"><body>'
        f'<trans-unit id="u1"><source>Der Streifen.</source><target>People left the surrounded strip{ZWJ}tease &amp; more.</target>'
        "</trans-unit></body></file></xliff>\n", encoding="utf-8")
    documents = load_documents([str(markdown), str(xliff)])
    assert "striptease" in documents[0].segments[1].text and documents[1].segments[0].text == "People left the surrounded striptease & more."
    report = tqcheck.check(str(tmp_path), **FAST)
    for name, raw in ((str(markdown), markdown.read_text(encoding="utf-8")), (str(xliff), xliff.read_text("utf-8"))):
        found = {f.rule_id: f for f in report.findings if f.file == name}
        assert {"mt.StripteaseForStrip", "tqcheck.HiddenCharacter"} <= set(found), (name, found)
        assert raw[found["mt.StripteaseForStrip"].offset:].startswith("strip")
    (unit,) = [f for f in report.findings if f.file == str(xliff) and f.rule_id == "tqcheck.HiddenCharacter"]
    assert unit.unit_id == "u1"


def test_the_hidden_character_rule_can_be_disabled_like_any_other():
    report = tqcheck.check(SENTENCE.format(ZWSP), disable=["tqcheck.HiddenCharacter"], **FAST)
    assert [f.rule_id for f in report.findings if f.rule_id.startswith("tqcheck.")] == []
    assert "mt.StripteaseForStrip" in [f.rule_id for f in report.findings]


def test_text_without_them_reads_as_before():
    text = "People left the surrounded striptease."
    assert document_from_text(text).segments[0].char_map is None


# -- file names and text in every view ---------------------------------------------------------------------------

NASTY = "x\x1b[31mred\x07\u202eevil.txt"  # an escape sequence, a bell and a right-to-left override in a name
ESC_FREE = ("\x1b[31mred", "\x07", "\u202e")  # what the name holds, raw (a progress bar has escapes of its own)


def _nasty_file(tmp_path):
    path = tmp_path / NASTY
    path.write_text("People left the surrounded striptease.\n", encoding="utf-8")
    return path


def _invoke(tmp_path, *args):
    from click.testing import CliRunner

    from tqcheck.cli.main import cli

    return CliRunner().invoke(cli, ["check", str(tmp_path), "--no-config", "--no-fluency", "--grammar", "none",
                                    "--exit-zero", *args])


def test_statistics_per_file_and_the_line_and_terminal_views_escape_file_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _nasty_file(tmp_path)
    for args in (["--statistics=files"], ["-f", "line"], ["-f", "terminal"]):
        result = _invoke(tmp_path, *args)
        assert result.exit_code == 0, result.output
        assert not any(ch in result.stdout + result.stderr for ch in ESC_FREE), (args, result.stdout)
        assert "\\x1b[31mred\\x07\\u202eevil.txt" in result.stdout.replace("\n", ""), (args, result.stdout)


def test_the_html_report_neutralises_bidi_overrides_and_controls(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _nasty_file(tmp_path)
    path.write_text("People left the \u202esurrounded\u202c striptease \u2066and\u2069 the \x1b[2Jrest.\n",
                    encoding="utf-8")
    result = _invoke(tmp_path, "-f", f"html={tmp_path / 'out.html'}")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out.html").read_text(encoding="utf-8")
    for raw in ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\x1b"):
        assert raw not in page
    assert "\\u202esurrounded\\u202c" in page and "\\u2066and\\u2069" in page and "\\x1b[2J" in page
    assert "striptease</mark>" in page  # highlights still land on the right words


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_review_escapes_the_file_name(tmp_path):
    from test_review import Terminal

    _nasty_file(tmp_path)
    term = Terminal(["review", NASTY, "--no-config", "--no-fluency", "--grammar", "none"], tmp_path)
    term.expect("[1/2]", timeout=300)
    term.expect("? ")
    term.type("q")
    term.finish()
    assert "\\x1b[31mred\\x07\\u202eevil.txt" in term.output
    assert not any(ch in term.output for ch in ESC_FREE), term.output


def test_hidden_characters_are_found_in_every_part_of_a_long_file():
    """A long file is checked in parts whose text starts further into the file: the places still match."""
    from tqcheck.checks.invisible import hidden_characters

    lines = [f"Sentence number {n} is plain." for n in range(30)]
    lines[25] = f"Sentence number 25 has a hid{ZWSP}den word."
    text = "\n\n".join(lines) + "\n"
    document = document_from_text(text)
    whole = [(f.line, f.column, f.matched) for f in hidden_characters(document)]
    assert whole == [(51, 26, "hidden")]
    parts = document.split(4)
    assert len(parts) > 5 and [(f.line, f.column, f.matched) for p in parts for f in hidden_characters(p)] == whole


def test_subtitles_without_sources_are_checked_without_them(tmp_path):
    path = tmp_path / "a.srt"
    path.write_text(f"1\n00:00:01,000 --> 00:00:02,000\nPeople left the surrounded strip{ZWSP}tease.\n",
                    encoding="utf-8")
    report = tqcheck.check(path, **FAST)
    rules = {f.rule_id: f for f in report.findings}
    assert {"mt.StripteaseForStrip", "tqcheck.HiddenCharacter"} <= set(rules)
    assert (rules["mt.StripteaseForStrip"].line, rules["mt.StripteaseForStrip"].column) == (3, 28)
