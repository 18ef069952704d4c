"""Trados tracked changes in SDLXLIFF: text inside ``<mrk mtype="x-sdl-deleted">`` was deleted with track changes
on and is not part of the translation (never checked, never shifts a column, never edited by --fix); text inside
``<mrk mtype="x-sdl-added">`` is, and a fix may change it. The revision marks are not inline markup (no false
``source.Tag``). Fixes are checked byte for byte, as in tests/test_fix_locked.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tqcheck.cli.main import cli

FAST = ["--no-config", "--no-fluency", "--grammar", "none", "--exit-zero"]

SDLXLIFF = """<?xml version="1.0" encoding="utf-8"?>
<xliff xmlns:sdl="http://sdl.com/FileTypes/SdlXliff/1.0" xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2" sdl:version="1.0">
<file original="news.docx" datatype="x-sdlfilterframework2" source-language="de-DE" target-language="en-US">
<body>
<trans-unit id="u1">
<source>Die Hilfe wartete an der Grenze des Streifens.</source>
<seg-source><mrk mtype="seg" mid="1">Die Hilfe wartete an der Grenze des Streifens.</mrk></seg-source>
<target><mrk mtype="seg" mid="1">Aid <mrk mtype="x-sdl-deleted" sdl:revid="r1">left the border of the striptease and </mrk><mrk mtype="x-sdl-added" sdl:revid="r2">trucks </mrk>waited at the border of the striptease.</mrk></target>
<sdl:seg-defs><sdl:seg id="1" conf="Translated"/></sdl:seg-defs>
</trans-unit>
<trans-unit id="u2">
<source>Sie warteten an der Grenze.</source>
<seg-source><mrk mtype="seg" mid="2">Sie warteten an der Grenze.</mrk></seg-source>
<target><mrk mtype="seg" mid="2">They waited at the border of the <mrk mtype="x-sdl-deleted" sdl:revid="r3">striptease</mrk><mrk mtype="x-sdl-added" sdl:revid="r4">striptease zone</mrk>.</mrk></target>
<sdl:seg-defs><sdl:seg id="2" conf="Translated"/></sdl:seg-defs>
</trans-unit>
<trans-unit id="u3">
<source>Nur gelöscht.</source>
<seg-source><mrk mtype="seg" mid="3">Nur gelöscht.</mrk></seg-source>
<target><mrk mtype="seg" mid="3"><mrk mtype="x-sdl-deleted" sdl:revid="r5">At the border of the <mrk mtype="x-sdl-added" sdl:revid="r6">striptease</mrk> it rained.</mrk></mrk></target>
<sdl:seg-defs><sdl:seg id="3" conf="Draft"/></sdl:seg-defs>
</trans-unit>
</body>
</file>
</xliff>
"""


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)


def visible_columns(text: str, word: str) -> list[tuple[int, int]]:
    """(line, column) of ``word`` in the targets, outside tracked deletions."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.startswith("<target>"):
            continue
        kept = re.sub(r'<mrk mtype="x-sdl-deleted"[^>]*>.*?</mrk>(?:</mrk>)?',
                      lambda m: "\0" * len(m.group(0)), line)
        found += [(number, m.start() + 1) for m in re.finditer(word, kept)]
    return found


@pytest.mark.parametrize("name", ["news.sdlxliff", "news.xlf"])
def test_deleted_text_is_not_checked_and_columns_are_exact(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(SDLXLIFF, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path), *FAST, "-f", "line"])
    assert result.exit_code == 0, result.output
    found = sorted((int(m.group(1)), int(m.group(2)))
                   for m in re.finditer(r":(\d+):(\d+): \w+ mt\.StripteaseForStrip", result.stdout))
    assert found == visible_columns(SDLXLIFF, "striptease") and len(found) == 2
    assert "source.Tag" not in result.stdout  # revision marks are not inline markup


def test_the_segments_read_whole_and_streamed_leave_deletions_out(tmp_path: Path) -> None:
    from tqcheck.readers import xliff
    from tqcheck.readers.inputs import read_raw

    path = tmp_path / "news.sdlxliff"
    path.write_text(SDLXLIFF, encoding="utf-8")
    whole = xliff.read(str(path), read_raw(str(path)))
    streamed = [s for part in xliff.iter_parts(str(path)) for s in part.segments]
    assert [s.text for s in whole.segments] == [s.text for s in streamed] == [
        "Aid trucks waited at the border of the striptease.", "They waited at the border of the striptease zone."]
    assert [s.char_map for s in whole.segments] == [s.char_map for s in streamed]
    first = whole.segments[0]
    assert SDLXLIFF[first.original_offset(4):].startswith("trucks </mrk>waited")


def test_a_fix_edits_added_and_plain_text_and_never_deleted_text(tmp_path: Path) -> None:
    path = tmp_path / "news.sdlxliff"
    path.write_text(SDLXLIFF, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path), *FAST, "--fix"])
    assert result.exit_code == 0, result.output
    old, new = SDLXLIFF.split("\n"), path.read_text(encoding="utf-8").split("\n")
    assert len(old) == len(new)
    assert [(a, b) for a, b in zip(old, new) if a != b] == [
        ('<target><mrk mtype="seg" mid="1">Aid <mrk mtype="x-sdl-deleted" sdl:revid="r1">left the border of the '
         'striptease and </mrk><mrk mtype="x-sdl-added" sdl:revid="r2">trucks </mrk>waited at the border of the '
         'striptease.</mrk></target>',
         '<target><mrk mtype="seg" mid="1">Aid <mrk mtype="x-sdl-deleted" sdl:revid="r1">left the border of the '
         'striptease and </mrk><mrk mtype="x-sdl-added" sdl:revid="r2">trucks </mrk>waited at the border of the '
         'strip.</mrk></target>'),
        ('<sdl:seg-defs><sdl:seg id="1" conf="Translated"/></sdl:seg-defs>',
         '<sdl:seg-defs><sdl:seg id="1" conf="Draft"/></sdl:seg-defs>'),
        ('<target><mrk mtype="seg" mid="2">They waited at the border of the <mrk mtype="x-sdl-deleted" '
         'sdl:revid="r3">striptease</mrk><mrk mtype="x-sdl-added" sdl:revid="r4">striptease zone</mrk>.</mrk>'
         '</target>',
         '<target><mrk mtype="seg" mid="2">They waited at the border of the <mrk mtype="x-sdl-deleted" '
         'sdl:revid="r3">striptease</mrk><mrk mtype="x-sdl-added" sdl:revid="r4">strip zone</mrk>.</mrk>'
         '</target>'),
        ('<sdl:seg-defs><sdl:seg id="2" conf="Translated"/></sdl:seg-defs>',
         '<sdl:seg-defs><sdl:seg id="2" conf="Draft"/></sdl:seg-defs>'),
    ]


def test_a_fix_across_a_deletion_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    from tqcheck.policy.fix import Edit, apply_edits
    from tqcheck.readers.inputs import read_with, reader_for

    path = tmp_path / "news.sdlxliff"
    path.write_text(SDLXLIFF, encoding="utf-8")
    document = read_with(reader_for(str(path)), str(path), path.read_bytes())
    segment = document.segments[0]
    assert segment.text.startswith("Aid trucks")
    finding = segment.finding(0, len("Aid trucks"), rule_id="x.Test", message="m", severity="minor",
                              category="style", origin="rules", suggestions=("Aid lorries",))
    result = apply_edits(document, [Edit(finding, "Aid lorries")])
    assert result.new == path.read_bytes()
    assert [why for _, why in result.left] == [
        "the span crosses a Trados tracked deletion (x-sdl-deleted), which is not part of the translation"]


def test_the_reader_and_the_fixer_skip_the_same_deleted_text() -> None:
    from tqcheck.policy.fix_targets import xml_chars
    from tqcheck.readers.units import xml_content_chars

    for start in (m.start() for m in re.finditer("<target>", SDLXLIFF)):
        read = xml_content_chars(SDLXLIFF, start)
        fixed = xml_chars(SDLXLIFF, start)[0]
        assert read == [(c.char, c.start) for c in fixed if not c.deleted]
        assert all(c.char == "" and not c.editable for c in fixed if c.deleted)
