"""--fix and --diff: unambiguous suggestions applied in place, files otherwise unchanged (CliRunner, YAML rules)."""

from __future__ import annotations

import codecs
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tqcheck.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_d711ba56f4b847ad.txt"
FAST = ["--no-config", "--no-fluency", "--grammar", "none", "--exit-zero"]
GAZA = "Diplomats say hundreds of people have left the surrounded striptease this year."


def run(*args: str):
    return CliRunner().invoke(cli, ["check", *args, *FAST])


def test_fix_replaces_striptease_in_a_copy_of_the_seed_and_nothing_else(tmp_path: Path) -> None:
    copy = tmp_path / "seed.txt"
    shutil.copy(SEED, copy)
    before = copy.read_bytes()
    assert before.count(b"striptease") == 1
    result = run(str(copy), "--fix", "-f", "line")
    assert result.exit_code == 0, result.output
    assert copy.read_bytes() == before.replace(b"surrounded striptease", b"surrounded strip")
    assert f"tqcheck: fixed {copy}:3:77: mt.StripteaseForStrip “striptease” → “strip”" in result.stderr
    assert "tqcheck: fixed 1 finding in 1 file;" in result.stderr
    assert "left " in result.stderr and "mt.ExportOfPeople" in result.stderr  # what was not fixed, and why
    assert "mt.StripteaseForStrip" not in result.stdout  # the report no longer lists the fixed finding
    assert f"{copy}:3:112: major mt.OccupiedForTookIn" in result.stdout  # checked again: column 117 before
    again = run(str(copy), "-f", "line")
    assert "mt.StripteaseForStrip" not in again.stdout and "mt.ExportOfPeople" in again.stdout


def test_diff_prints_the_change_and_writes_nothing(tmp_path: Path) -> None:
    copy = tmp_path / "seed.txt"
    shutil.copy(SEED, copy)
    before = copy.read_bytes()
    result = run(str(copy), "--diff")
    assert result.exit_code == 0, result.output
    assert copy.read_bytes() == before
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())
    lines = result.stdout.splitlines()
    assert lines[:2] == [f"--- a/{copy}", f"+++ b/{copy}"]
    removed = [l for l in lines if l.startswith("-") and not l.startswith("---")]
    added = [l for l in lines if l.startswith("+") and not l.startswith("+++")]
    assert len(removed) == len(added) == 1
    assert added[0] == removed[0].replace("surrounded striptease", "surrounded strip").replace("-", "+", 1)


def test_fix_keeps_bom_crlf_and_markdown_markup(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    text = f"# Gaza\r\n\r\nAid **waited** at the [border](https://x.org) of the striptease in Gaza.\r\n\r\n{GAZA}\r\n"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    result = run(str(path), "--fix")
    assert result.exit_code == 0, result.output
    expected = text.replace("the striptease in", "the strip in").replace("surrounded striptease", "surrounded strip")
    assert path.read_bytes() == codecs.BOM_UTF8 + expected.encode("utf-8")


def test_fix_keeps_utf16(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + (GAZA + "\n").encode("utf-16-le"))
    run(str(path), "--fix")
    assert path.read_bytes() == codecs.BOM_UTF16_LE + (GAZA.replace("striptease", "strip") + "\n").encode("utf-16-le")


XLIFF = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file original="news.txt" source-language="de" target-language="en" datatype="plaintext">
    <body>
      <trans-unit id="u1">
        <source>Diplomaten sagen, dass Hunderte den belagerten Streifen verlassen haben.</source>
        <target>Diplomats say hundreds of people have left the surrounded striptease this year.</target>
      </trans-unit>
      <trans-unit id="u2">
        <source>Hilfslaster warteten an der Grenze des <g id="1">Streifens</g> in Gaza.</source>
        <target>Aid trucks waited at the border of the <g id="1">striptease</g> in Gaza &amp; Rafah.</target>
      </trans-unit>
      <trans-unit id="u3">
        <source>Das Wetter war gut.</source>
        <target>The weather was fine.</target>
      </trans-unit>
    </body>
  </file>
</xliff>
"""

PO = '''msgid ""
msgstr ""
"Language: en\\n"
"X-Source-Language: de\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

#: news.c:1
msgid "Diplomaten sagen, dass Hunderte den belagerten Streifen verlassen haben."
msgstr ""
"Diplomats say hundreds of people have left the surrounded striptease this "
"year."

msgctxt "weather"
msgid "Das Wetter war gut."
msgstr "The weather was \\"fine\\"."
'''


def units(path: Path) -> list[tuple[str, str, str]]:
    """(id, source, target) of every unit, as translate-toolkit reads the file."""
    from translate.storage import factory

    store = factory.getobject(str(path))
    return [(u.getid(), str(u.source), str(u.target)) for u in store.units if not u.isheader()]


@pytest.mark.parametrize("name, content", [("news.xlf", XLIFF), ("news.po", PO)])
def test_bilingual_fix_lands_in_the_target_and_rereads(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    before = units(path)
    result = run(str(path), "--fix")
    assert result.exit_code == 0, result.output
    after = units(path)
    assert len(after) == len(before)
    changed = [(b, a) for b, a in zip(before, after) if b != a]
    assert changed, result.output
    for old, new in changed:
        assert old[:2] == new[:2]  # id and source unchanged
        assert new[2] == old[2].replace("striptease", "strip")
    assert "surrounded strip this" in after[0][2]
    if name.endswith(".xlf"):
        assert 'border of the <g id="1">strip</g> in Gaza &amp; Rafah' in path.read_text(encoding="utf-8")
        assert len(changed) == 2
    again = run(str(path), "-f", "line")
    assert "mt.StripteaseForStrip" not in again.stdout


TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4">
  <header srclang="de" datatype="plaintext" segtype="sentence" adminlang="en" creationtool="t" creationtoolversion="1" o-tmf="t"/>
  <body>
    <tu tuid="1">
      <tuv xml:lang="de"><seg>Diplomaten sagen, dass Hunderte den belagerten Streifen verlassen haben.</seg></tuv>
      <tuv xml:lang="en"><seg>Diplomats say hundreds of people have left the surrounded striptease this year.</seg></tuv>
    </tu>
  </body>
</tmx>
"""


def test_tmx_tsv_and_srt_fixes(tmp_path: Path) -> None:
    tmx = tmp_path / "m.tmx"
    tmx.write_text(TMX, encoding="utf-8")
    run(str(tmx), "--fix")
    assert units(tmx)[0][2] == GAZA.replace("striptease", "strip")
    tsv = tmp_path / "m.tsv"
    tsv.write_text(f"source\ttarget\nDiplomaten sagen ...\t{GAZA}\n", encoding="utf-8")
    run(str(tsv), "--fix")
    assert tsv.read_text(encoding="utf-8") == f"source\ttarget\nDiplomaten sagen ...\t{GAZA.replace('striptease', 'strip')}\n"
    srt = tmp_path / "m.srt"
    text = f"1\n00:00:01,000 --> 00:00:04,000\n{GAZA}\n"
    srt.write_text(text, encoding="utf-8")
    run(str(srt), "--fix")
    assert srt.read_text(encoding="utf-8") == text.replace("striptease", "strip")


def test_stdin_is_never_fixed_in_place() -> None:
    result = CliRunner().invoke(cli, ["check", "-", *FAST, "--fix"], input=GAZA + "\n")
    assert result.exit_code == 0
    assert "standard input cannot be fixed in place" in result.stderr


XLIFF2 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="de" trgLang="en">
  <file id="f1">
    <unit id="u1">
      <segment id="s1">
        <source>Hilfe an der Grenze des <pc id="1">Streifens</pc>.</source>
        <target>Aid at the border of the <pc id="1">striptease</pc> in Gaza.</target>
      </segment>
    </unit>
  </file>
</xliff>
"""


def test_xliff2_in_utf16_keeps_encoding_declaration_and_markup(tmp_path: Path) -> None:
    path = tmp_path / "m.xlf"
    text = XLIFF2.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    result = run(str(path), "--fix")
    assert result.exit_code == 0, result.output
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF16_LE)
    fixed = raw[2:].decode("utf-16-le")
    assert fixed.startswith('<?xml version="1.0" encoding="UTF-16"?>')
    assert '<target>Aid at the border of the <pc id="1">strip</pc> in Gaza.</target>' in fixed
    assert fixed == text.replace(">striptease<", ">strip<").replace('<segment id="s1">',
                                                                  '<segment id="s1" state="translated">')


@pytest.mark.parametrize("mode", ["--diff", "--fix"])
def test_diff_and_fix_runs_write_no_report_file_unless_asked(tmp_path: Path, monkeypatch, mode: str) -> None:
    monkeypatch.chdir(tmp_path)
    copy = tmp_path / "seed.txt"
    shutil.copy(SEED, copy)
    result = run(str(copy), mode)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "reports").exists()
    shutil.copy(SEED, copy)
    result = run(str(copy), mode, "-f", "csv")  # asked for: written
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reports" / "seed.csv").is_file()
    result = run(str(copy), mode, "-o", str(tmp_path / "out.csv"))
    assert (tmp_path / "out.csv").is_file()
