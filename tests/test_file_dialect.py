"""The file's English variant (issue 25, item 4): XLIFF target-language, PO Language and TMX xml:lang set the
dialect; a config file and --dialect still override."""

from __future__ import annotations

import pytest

import tqcheck
from tqcheck.readers import po, tmx, xliff
from tqcheck.readers.units import english_variant

BRITISH = "The colour of the centre is grey."
US_SPELLINGS = {"colour", "centre", "grey"}


def xliff_file(language: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">\n'
            f'  <file original="ui" source-language="de" target-language="{language}" datatype="plaintext">\n'
            '    <body>\n'
            f'      <trans-unit id="1"><source>Die Farbe des Zentrums ist grau.</source><target>{BRITISH}</target>'
            '</trans-unit>\n'
            '    </body>\n  </file>\n</xliff>\n')


def po_file(language: str) -> str:
    return (f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: {language}\\n"\n\n'
            f'msgid "Die Farbe des Zentrums ist grau."\nmsgstr "{BRITISH}"\n')


def tmx_file(language: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="de" datatype="plaintext" '
            'segtype="sentence" adminlang="en" o-tmf="x" creationtool="x" creationtoolversion="1"/><body>\n'
            f'<tu tuid="1"><tuv xml:lang="de"><seg>Die Farbe des Zentrums ist grau.</seg></tuv>'
            f'<tuv xml:lang="{language}"><seg>{BRITISH}</seg></tuv></tu>\n</body></tmx>\n')


def us_findings(report) -> set[str]:
    return {f.matched for f in report.findings if f.category == "fluency/spelling"} & US_SPELLINGS


@pytest.mark.parametrize("code, variant", [
    ("en-GB", "en-GB"), ("en_GB", "en-GB"), ("en-gb", "en-GB"), ("en-UK", "en-GB"), ("en-AU", "en-AU"),
    ("en_US.UTF-8", "en-US"), ("en", ""), ("de-DE", ""), ("en-XX", ""), ("", ""),
])
def test_english_variant(code, variant):
    assert english_variant(code) == variant


def test_readers_keep_the_declared_target_language(tmp_path):
    assert xliff.read("a.xlf", xliff_file("en-GB").encode()).target_language == "en-GB"
    assert po.read("a.po", po_file("en_GB").encode()).target_language == "en_GB"
    assert tmx.read("a.tmx", tmx_file("en-GB").encode()).target_language == "en-GB"
    # the readers that stream a file in parts say the same
    (tmp_path / "a.xlf").write_text(xliff_file("en-AU"), encoding="utf-8")
    (tmp_path / "a.tmx").write_text(tmx_file("en-GB"), encoding="utf-8")
    assert {p.target_language for p in xliff.iter_parts(str(tmp_path / "a.xlf"))} == {"en-AU"}
    assert {p.target_language for p in tmx.iter_parts(str(tmp_path / "a.tmx"))} == {"en-GB"}


@pytest.mark.slow
@pytest.mark.parametrize("name, content", [
    ("gb.xlf", xliff_file("en-GB")), ("gb.po", po_file("en_GB")), ("gb.tmx", tmx_file("en-GB")),
])
def test_a_british_target_gets_no_us_spelling_findings(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    report = tqcheck.check(path, grammar="harper", fluency=False)
    assert us_findings(report) == set()
    assert dict(report.signature)["grammar.dialect"] == "en-GB"


@pytest.mark.slow
def test_an_american_target_and_the_overrides(tmp_path):
    us = tmp_path / "us.xlf"
    us.write_text(xliff_file("en-US"), encoding="utf-8")
    assert us_findings(tqcheck.check(us, grammar="harper", fluency=False)) == US_SPELLINGS
    gb = tmp_path / "gb.xlf"
    gb.write_text(xliff_file("en-GB"), encoding="utf-8")
    # an explicit dialect (keyword, config file or --dialect) wins over the file's
    assert us_findings(tqcheck.check(gb, grammar="harper", fluency=False, dialect="en-US")) == US_SPELLINGS
    (tmp_path / ".tqcheck.toml").write_text('dialect = "en-US"\n', encoding="utf-8")
    assert us_findings(tqcheck.check(gb, grammar="harper", fluency=False)) == US_SPELLINGS
