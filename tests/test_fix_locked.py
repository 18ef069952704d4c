"""Locked segments are never changed by a fix, and a fix touches nothing else in the file: Trados SDLXLIFF
(``sdl:seg locked="true"``, signed-off confirmation levels, read as XLIFF under ``.sdlxliff``) and XLIFF 2.0
``translate="no"`` on units, ``<mrk>`` and ``<sm>``/``<em>`` spans."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tqcheck.cli.main import cli

FAST = ["--no-config", "--no-fluency", "--grammar", "none", "--exit-zero"]
GAZA = "Diplomats say hundreds of people have left the surrounded striptease this year."
AID = "Aid waited at the border of the striptease."

SDLXLIFF = """<?xml version="1.0" encoding="utf-8"?>
<xliff xmlns:sdl="http://sdl.com/FileTypes/SdlXliff/1.0" xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2" sdl:version="1.0">
<file original="news.docx" datatype="x-sdlfilterframework2" source-language="de-DE" target-language="en-US">
<body>
<trans-unit id="u1">
<source>Diplomaten sagen, Hunderte haben den belagerten Streifen verlassen.</source>
<seg-source><mrk mtype="seg" mid="1">Diplomaten sagen, Hunderte haben den belagerten Streifen verlassen.</mrk></seg-source>
<target><mrk mtype="seg" mid="1">{gaza}</mrk></target>
<sdl:seg-defs><sdl:seg id="1" conf="Translated" locked="true" origin="tm" percent="100"/></sdl:seg-defs>
</trans-unit>
<trans-unit id="u2">
<source>Die Hilfe wartete an der Grenze des Streifens.</source>
<seg-source><mrk mtype="seg" mid="2">Die Hilfe wartete an der Grenze des Streifens.</mrk></seg-source>
<target><mrk mtype="seg" mid="2">{aid}</mrk></target>
<sdl:seg-defs><sdl:seg id="2" conf="Translated"/></sdl:seg-defs>
</trans-unit>
<trans-unit id="u3">
<source>Zwei Sätze. Der zweite.</source>
<seg-source><mrk mtype="seg" mid="3">Zwei Sätze.</mrk> <mrk mtype="seg" mid="4">Der zweite.</mrk></seg-source>
<target><mrk mtype="seg" mid="3">They met at the border of the striptease.</mrk> <mrk mtype="seg" mid="4">They waited at the border of the striptease.</mrk></target>
<sdl:seg-defs><sdl:seg id="3" conf="Translated" locked="true"/><sdl:seg id="4" conf="ApprovedTranslation"/></sdl:seg-defs>
</trans-unit>
<trans-unit id="u4">
<source>Die Hilfe kam.</source>
<seg-source><mrk mtype="seg" mid="5">Die Hilfe kam.</mrk></seg-source>
<target><mrk mtype="seg" mid="5">The aid came to the border of the striptease.</mrk></target>
<sdl:seg-defs><sdl:seg id="5" conf="ApprovedSignOff"/></sdl:seg-defs>
</trans-unit>
</body>
</file>
</xliff>
""".replace("{gaza}", GAZA).replace("{aid}", AID)


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)


def fix(path: Path):
    return CliRunner().invoke(cli, ["check", str(path), *FAST, "--fix"])


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.split("\n"), after.split("\n")
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new) if a != b]


@pytest.mark.parametrize("name", ["news.sdlxliff", "news.xlf"])
def test_trados_locked_and_signed_off_segments_are_never_fixed(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(SDLXLIFF, encoding="utf-8")
    result = fix(path)
    assert result.exit_code == 0, result.output
    lines = changed_lines(SDLXLIFF, path.read_text(encoding="utf-8"))
    fixed = AID.replace("striptease", "strip")
    assert lines == [
        (f'<target><mrk mtype="seg" mid="2">{AID}</mrk></target>',
         f'<target><mrk mtype="seg" mid="2">{fixed}</mrk></target>'),
        ('<sdl:seg-defs><sdl:seg id="2" conf="Translated"/></sdl:seg-defs>',
         '<sdl:seg-defs><sdl:seg id="2" conf="Draft"/></sdl:seg-defs>'),  # as Studio marks an edited segment
        ('<target><mrk mtype="seg" mid="3">They met at the border of the striptease.</mrk> '
         '<mrk mtype="seg" mid="4">They waited at the border of the striptease.</mrk></target>',
         '<target><mrk mtype="seg" mid="3">They met at the border of the striptease.</mrk> '
         '<mrk mtype="seg" mid="4">They waited at the border of the strip.</mrk></target>'),
        ('<sdl:seg-defs><sdl:seg id="3" conf="Translated" locked="true"/><sdl:seg id="4" conf="ApprovedTranslation"/>'
         '</sdl:seg-defs>',
         '<sdl:seg-defs><sdl:seg id="3" conf="Translated" locked="true"/><sdl:seg id="4" conf="Draft"/>'
         '</sdl:seg-defs>'),
    ]
    assert 'the segment is locked (sdl:seg locked="true")' in result.stderr
    assert 'the segment is signed off (sdl:seg conf="ApprovedSignOff")' in result.stderr
    path.write_text(SDLXLIFF, encoding="utf-8")
    assert CliRunner().invoke(cli, ["check", str(path), *FAST, "--fix", "--keep-state"]).exit_code == 0
    assert [old for old, _ in changed_lines(SDLXLIFF, path.read_text(encoding="utf-8"))] == [lines[0][0], lines[2][0]]


def test_an_sdlxliff_file_is_read_as_xliff_and_its_segment_markers_are_not_markup(tmp_path: Path) -> None:
    path = tmp_path / "news.sdlxliff"
    path.write_text(SDLXLIFF, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path), *FAST, "-f", "line"])
    assert result.exit_code == 0, result.output
    assert "source.Tag" not in result.stdout  # <mrk mtype="seg"> is Trados' segmentation, in seg-source only
    assert result.stdout.count("mt.StripteaseForStrip") == 5  # the targets, never the sources or the seg-defs
    folder = CliRunner().invoke(cli, ["check", str(tmp_path), *FAST, "-f", "line"])
    assert folder.stdout.count("mt.StripteaseForStrip") == 5  # found in a folder by the default include globs


def test_the_review_shows_a_trados_locked_unit_as_locked(tmp_path: Path) -> None:
    from tqcheck.policy.fix import locked_reason
    from tqcheck.readers.inputs import read_with, reader_for

    path = tmp_path / "news.sdlxliff"
    path.write_text(SDLXLIFF, encoding="utf-8")
    document = read_with(reader_for(str(path)), str(path), path.read_bytes())
    assert document.format == "xliff"
    reasons = {s.unit_id: locked_reason(document, s) for s in document.segments}
    assert reasons == {"u1": 'the segment is locked (sdl:seg locked="true")', "u2": "", "u3": "",
                       "u4": 'the segment is signed off (sdl:seg conf="ApprovedSignOff")'}


XLIFF2 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="de" trgLang="en">
  <file id="f1">
    <unit id="u1">
      <segment id="s1"><source>a</source><target>The <sm id="m1" translate="no"/>striptease<em startRef="m1"/> left the striptease.</target></segment>
    </unit>
    <unit id="u2">
      <segment id="s1"><source>b</source><target>The <mrk id="m2" translate="no">striptease</mrk> met the striptease.</target></segment>
    </unit>
    <unit id="u3">
      <segment id="s1"><source>c</source><target><mrk id="m3" translate="no">Keep <mrk id="m4" translate="yes">the striptease</mrk> here</mrk>.</target></segment>
    </unit>
    <unit id="u4" translate="no">
      <segment id="s1"><source>d</source><target>{gaza}</target></segment>
    </unit>
    <unit id="u5">
      <segment id="s1"><source>e</source><target>A striptease <sm id="m5" translate="no"/>opens here.</target></segment>
      <segment id="s2"><source>f</source><target>The striptease<em startRef="m5"/> and the striptease.</target></segment>
    </unit>
  </file>
</xliff>
""".replace("{gaza}", GAZA)


def _fixed(path: Path, unit: str, nth: int, replacement: str) -> tuple[bytes, list]:
    """apply_edits on ``path``: the ``nth`` 'striptease' of unit ``unit``'s segment replaced."""
    from tqcheck.policy.fix import Edit, apply_edits
    from tqcheck.readers.inputs import read_with, reader_for

    document = read_with(reader_for(str(path)), str(path), path.read_bytes())
    segment = next(s for s in document.segments if s.unit_id.split("/")[0] == unit)
    start = -1
    for _ in range(nth):
        start = segment.text.index("striptease", start + 1)
    finding = segment.finding(start, start + len("striptease"), rule_id="x.Test", message="m", severity="minor",
                              category="style", origin="rules", suggestions=(replacement,))
    result = apply_edits(document, [Edit(finding, replacement)])
    return result.new, result.left


def test_xliff2_translate_no_spans_markers_and_units_are_never_fixed(tmp_path: Path) -> None:
    path = tmp_path / "a.xlf"
    path.write_text(XLIFF2, encoding="utf-8")
    original = path.read_bytes()
    new, left = _fixed(path, "u1", 1, "strip")  # inside <sm translate="no"/> ... <em/>
    assert new == original and "protected" in left[0][1]
    new, left = _fixed(path, "u1", 2, "strip")  # after the <em/>: editable
    assert not left
    ((old, line),) = changed_lines(XLIFF2, new.decode("utf-8"))
    assert line == old.replace("left the striptease", "left the strip").replace(
        '<segment id="s1">', '<segment id="s1" state="translated">')
    new, left = _fixed(path, "u2", 1, "strip")  # inside <mrk translate="no">
    assert new == original and "protected" in left[0][1]
    new, left = _fixed(path, "u2", 2, "strip")
    assert not left and b"met the strip." in new
    new, left = _fixed(path, "u3", 1, "strip")  # translate="yes" inside translate="no": translatable again
    assert not left and b'<mrk id="m4" translate="yes">the strip</mrk>' in new
    new, left = _fixed(path, "u4", 1, "strip")  # the unit is locked
    assert new == original and left[0][1] == 'the unit is locked (translate="no")'
    new, left = _fixed(path, "u5", 1, "strip")  # before the <sm/> in the first segment
    assert not left and b"A strip <sm" in new


def test_an_xliff2_span_opened_in_an_earlier_segment_protects_the_next_one(tmp_path: Path) -> None:
    from tqcheck.policy.fix import Edit, apply_edits
    from tqcheck.readers.inputs import read_with, reader_for

    path = tmp_path / "a.xlf"
    path.write_text(XLIFF2, encoding="utf-8")
    document = read_with(reader_for(str(path)), str(path), path.read_bytes())
    segment = next(s for s in document.segments if s.unit_id == "u5/s2")
    edits = []
    for start in (segment.text.index("striptease"), segment.text.rindex("striptease")):
        edits.append(Edit(segment.finding(start, start + 10, rule_id="x.Test", message="m", severity="minor",
                                          category="style", origin="rules", suggestions=("strip",)), "strip"))
    result = apply_edits(document, edits)
    assert [why for _, why in result.left] == ["the span is inside an inline code or a protected marker"]
    assert b'The striptease<em startRef="m5"/> and the strip.' in result.new
