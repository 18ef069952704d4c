"""--fix like a CAT tool: only the target characters a fix changes are rewritten; locked and signed-off units,
sources, code and markup never change; files keep their mode, owner and links; temporary names are never
followed; --diff of standard input; unsafe fixes; only the changed files are checked again."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from tqcheck.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--no-config", "--no-fluency", "--grammar", "none", "--exit-zero"]
GAZA = "Diplomats say hundreds of people have left the surrounded striptease this year."


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # reports/ goes there


def run(*args: str, **kwargs):
    return CliRunner().invoke(cli, ["check", *args, *FAST], **kwargs)


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.split("\n"), after.split("\n")
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new) if a != b]


XLIFF = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file original="news.txt" source-language="de" target-language="en" datatype="plaintext">
    <body>
      <trans-unit id="u1"><source>Diplomaten sagen, Hunderte haben den Streifen verlassen.</source><target>{gaza}</target></trans-unit>
      <trans-unit id="u5" translate="no"><source>Gaza</source><target>{gaza}</target></trans-unit>
      <trans-unit  approved="no" id="u6"><source>Hilfe &amp; Streifen.</source><target xml:lang='en' state="final">{gaza}</target></trans-unit>
      <trans-unit id="u7"><source>Klicken Sie auf Speichern.</source><target state="translated" >Click <g id="1">Save</g> &amp; go.</target></trans-unit>
    </body>
  </file>
</xliff>
""".replace("{gaza}", GAZA)


def test_xliff_fix_changes_one_line_and_never_a_locked_or_final_unit(tmp_path: Path) -> None:
    path = tmp_path / "news.xlf"
    path.write_text(XLIFF, encoding="utf-8")
    result = run(str(path), "--fix")
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    ((old, new),) = changed_lines(XLIFF, after)
    assert 'id="u1"' in old
    assert new == old.replace("<target>", '<target state="needs-review-translation">').replace(
        "surrounded striptease", "surrounded strip")
    assert 'the unit is locked (translate="no")' in result.stderr
    assert 'the unit is signed off (state="final")' in result.stderr


def test_xliff_keep_state_and_an_existing_state_value_replaced_in_place(tmp_path: Path) -> None:
    path = tmp_path / "news.xlf"
    text = XLIFF.replace(f"<target>{GAZA}", f'<target state="translated">{GAZA}')
    path.write_text(text, encoding="utf-8")
    run(str(path), "--fix")
    ((_, new),) = changed_lines(text, path.read_text(encoding="utf-8"))
    assert '<target state="needs-review-translation">Diplomats' in new
    path.write_text(text, encoding="utf-8")
    run(str(path), "--fix", "--keep-state")
    ((_, new),) = changed_lines(text, path.read_text(encoding="utf-8"))
    assert '<target state="translated">Diplomats say hundreds of people have left the surrounded strip ' in new


def test_the_golden_sample_keeps_every_other_byte(tmp_path: Path) -> None:
    sample = (ROOT / "tests" / "data" / "golden" / "sample.de-en.xlf").read_text(encoding="utf-8")
    path = tmp_path / "sample.xlf"
    path.write_text(sample, encoding="utf-8")
    assert run(str(path), "--fix", "--unsafe-fixes").exit_code == 0
    lines = changed_lines(sample, path.read_text(encoding="utf-8"))
    assert [('id="u1"' in old, 'id="u2"' in old) for old, _ in lines] == [(True, False), (False, True)]
    for old, new in lines:
        assert new.count('state="needs-review-translation"') == 1
        assert new.split("<target")[0] == old.split("<target")[0]  # the source and the unit tag as they were


XLIFF2 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="de" trgLang="en">
  <file id="f1">
    <unit id="u1">
      <segment id="s1"><source>Streifen.</source><target>{gaza}</target></segment>
    </unit>
    <unit id="u2" translate="no">
      <segment id="s1"><source>Streifen.</source><target>{gaza}</target></segment>
    </unit>
    <unit id="u3">
      <segment id="s1" state="final"><source>Streifen.</source><target>{gaza}</target></segment>
    </unit>
    <unit id="u4">
      <segment id="s1" state="reviewed"><source>Streifen.</source><target>{gaza}</target></segment>
    </unit>
  </file>
</xliff>
""".replace("{gaza}", GAZA)


def test_xliff2_locked_final_and_state_translated(tmp_path: Path) -> None:
    path = tmp_path / "news.xlf"
    path.write_text(XLIFF2, encoding="utf-8")
    run(str(path), "--fix")
    lines = changed_lines(XLIFF2, path.read_text(encoding="utf-8"))
    assert len(lines) == 2
    (old1, new1), (old4, new4) = lines
    assert new1 == old1.replace('<segment id="s1">', '<segment id="s1" state="translated">').replace(
        "striptease", "strip")
    assert new4 == old4.replace('state="reviewed"', 'state="translated"').replace("striptease", "strip")


PO = r'''# Translator comment
msgid ""
msgstr ""
"Language: en\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: a.c:1
#, c-format
msgid "%d Streifen"
msgid_plural "%d Streifen"
msgstr[0] "Diplomats say %d people left the surrounded striptease this year."
msgstr[1] "Diplomats say %d people left the surrounded stripteases this year."
msgstr[2] "a third form"

#, fuzzy
msgid "Der belagerte Streifen."
msgstr ""
"Diplomats say hundreds of people have left the surrounded strip"
"tease this year."

#~ msgid "Alt"
#~ msgstr "Diplomats say hundreds of people have left the surrounded striptease this year."

msgctxt "quote"
msgid "Hallo"
msgstr "Diplomats say \"hundreds\" of people have left the surrounded striptease this year."

msgid "Untouched, wrapped"
msgstr ""
"a long line that is wrapped "
"as its author wrapped it"
'''


def test_po_fix_keeps_plural_forms_obsolete_entries_and_wrapping(tmp_path: Path) -> None:
    path = tmp_path / "news.po"
    path.write_text(PO, encoding="utf-8")
    result = run(str(path), "--fix")
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    expected = PO.replace('surrounded striptease this year."\nmsgstr[1]', 'surrounded strip this year."\nmsgstr[1]')
    expected = expected.replace('surrounded strip"\n"tease this', 'surrounded strip"\n" this')
    expected = expected.replace('surrounded striptease this year."\n\nmsgid "Untouched',
                                'surrounded strip this year."\n\nmsgid "Untouched')
    assert after == expected
    assert 'msgstr[1] "Diplomats say %d people left the surrounded stripteases this year."' in after
    assert 'msgstr[2] "a third form"' in after
    assert '#~ msgstr "Diplomats say hundreds of people have left the surrounded striptease this year."' in after
    from translate.storage import po

    store = po.pofile.parsestring(after.encode("utf-8"))
    plural = next(u for u in store.units if u.hasplural())
    assert len(plural.target.strings) == 3


def test_po_fix_changes_one_line_beside_an_obsolete_entry(tmp_path: Path) -> None:
    text = ('msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
            f'msgid "Streifen"\nmsgstr "{GAZA}"\n\n'
            f'#~ msgid "Alt"\n#~ msgstr "{GAZA}"\n')
    path = tmp_path / "a.po"
    path.write_text(text, encoding="utf-8")
    run(str(path), "--fix")
    ((old, new),) = changed_lines(text, path.read_text(encoding="utf-8"))
    assert old.startswith("msgstr") and new == old.replace("striptease", "strip")


TMX_EN_EN = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4">
  <header srclang="en-US" datatype="plaintext" segtype="sentence" adminlang="en" creationtool="t" creationtoolversion="1" o-tmf="t"/>
  <body>
    <tu tuid="1">
      <tuv xml:lang="en-US"><seg>{gaza}</seg></tuv>
      <tuv xml:lang="en-GB"><seg>{gaza}</seg></tuv>
    </tu>
  </body>
</tmx>
""".replace("{gaza}", GAZA)


def test_tmx_whose_source_is_english_is_never_fixed_in_the_source(tmp_path: Path) -> None:
    # srclang="en-US": the en-US variant is the source, the en-GB one the target (readers.tmx.choose_variants)
    path = tmp_path / "m.tmx"
    path.write_text(TMX_EN_EN, encoding="utf-8")
    run(str(path), "--fix")
    ((old, new),) = changed_lines(TMX_EN_EN, path.read_text(encoding="utf-8"))
    assert 'xml:lang="en-GB"' in old and new == old.replace("striptease", "strip")


def test_tmx_whose_english_source_is_ambiguous_is_never_fixed(tmp_path: Path) -> None:
    text = TMX_EN_EN.replace('srclang="en-US"', 'srclang="*all*"')
    path = tmp_path / "m.tmx"
    path.write_text(text, encoding="utf-8")
    result = run(str(path), "--fix")
    assert path.read_text(encoding="utf-8") == text
    assert "the English variant may be the source" in result.stderr


def test_jsonl_with_an_escape_is_fixed_in_the_target_member(tmp_path: Path) -> None:
    line = ('{"source": "Diplomats say people have left the surrounded striptease.", '
            '"target": "Diplomats say \\"people\\" have left the surrounded striptease.", "id": 7}\n')
    path = tmp_path / "c.jsonl"
    path.write_text(line, encoding="utf-8")
    run(str(path), "--fix")
    assert path.read_text(encoding="utf-8") == line.replace('surrounded striptease.", "id"',
                                                            'surrounded strip.", "id"')


def test_markdown_code_and_html_attributes_script_style_are_never_fixed(tmp_path: Path) -> None:
    md = tmp_path / "a.md"
    text = ("Run `the surrounded striptease` now: diplomats say people left the surrounded striptease.\n\n"
            '<a title="the surrounded striptease">Diplomats say people have left the surrounded striptease.</a>\n')
    md.write_text(text, encoding="utf-8")
    run(str(md), "--fix")
    assert md.read_text(encoding="utf-8") == text.replace("left the surrounded striptease.\n",
                                                          "left the surrounded strip.\n").replace(
        "left the surrounded striptease.</a>", "left the surrounded strip.</a>")
    html = tmp_path / "a.html"
    page = ('<html><head><style>/* the surrounded striptease */</style><script>var a = "Diplomats say people '
            'have left the surrounded striptease.";</script></head>\n<body><p title="Diplomats say people have '
            f'left the surrounded striptease.">{GAZA}</p></body></html>\n')
    html.write_text(page, encoding="utf-8")
    run(str(html), "--fix")
    assert html.read_text(encoding="utf-8") == page.replace(f">{GAZA}<", f">{GAZA.replace('striptease', 'strip')}<")


# -- writing -----------------------------------------------------------------------------------------

def test_a_symlink_planted_at_any_temporary_name_is_not_followed(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "a.txt"
    path.write_text(GAZA + "\n", encoding="utf-8")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    os.chmod(victim, 0o600)
    real_names = tempfile._get_candidate_names()

    def planted_first():
        yield from ("planted1", "planted2", "free")
        yield from real_names

    names = planted_first()
    monkeypatch.setattr(tempfile, "_get_candidate_names", lambda: names)
    for name in ("planted1", "planted2"):
        os.symlink(victim, tmp_path / f".a.txt.{name}.tqcheck-fix")
    (tmp_path / ".a.txt.tqcheck-fix.tmp").symlink_to(victim)  # the old predictable name
    result = run(str(path), "--fix")
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == GAZA.replace("striptease", "strip") + "\n"
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o600
    assert not path.is_symlink() and not (tmp_path / ".a.txt.free.tqcheck-fix").exists()


def test_mode_symlink_and_hard_links_are_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text(GAZA + "\n", encoding="utf-8")
    os.chmod(real, 0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    run(str(link), "--fix")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8") == GAZA.replace("striptease", "strip") + "\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    first = tmp_path / "first.txt"
    first.write_text(GAZA + "\n", encoding="utf-8")
    second = tmp_path / "second.txt"
    os.link(first, second)
    inode = first.stat().st_ino
    run(str(first), "--fix")
    assert first.stat().st_ino == inode == second.stat().st_ino
    assert second.read_text(encoding="utf-8") == GAZA.replace("striptease", "strip") + "\n"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to hand a file to another user")
def test_the_owner_is_kept_when_root_fixes_another_users_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(GAZA + "\n", encoding="utf-8")
    os.chown(path, 65534, 65534)
    run(str(path), "--fix")
    assert path.read_text(encoding="utf-8") == GAZA.replace("striptease", "strip") + "\n"
    assert (path.stat().st_uid, path.stat().st_gid) == (65534, 65534)


def test_a_read_only_file_is_refused_and_the_others_are_fixed(tmp_path: Path) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text(GAZA + "\n", encoding="utf-8")
    os.chmod(locked, 0o444)
    other = tmp_path / "other.txt"
    other.write_text(GAZA + "\n", encoding="utf-8")
    result = run(str(locked), str(other), "--fix")
    assert result.exit_code == 2
    assert locked.read_text(encoding="utf-8") == GAZA + "\n"
    assert other.read_text(encoding="utf-8") == GAZA.replace("striptease", "strip") + "\n"
    (error,) = [line for line in result.stderr.splitlines() if "error" in line]
    assert str(locked) in error and "read-only" in error


# -- --diff of standard input, unsafe fixes, checking again ---------------------------------------------

def test_diff_of_standard_input_prints_a_unified_diff() -> None:
    process = subprocess.run([sys.executable, "-m", "tqcheck", "check", "-", "--diff", *FAST], input=GAZA + "\n",
                             capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout.splitlines() == ["--- a/<stdin>", "+++ b/<stdin>", "@@ -1 +1 @@", f"-{GAZA}",
                                           f"+{GAZA.replace('striptease', 'strip')}"]


def test_diff_with_stdin_name_diffs_what_was_piped_not_the_file_on_disk(tmp_path: Path) -> None:
    (tmp_path / "s.txt").write_text("Something else entirely.\n", encoding="utf-8")
    result = run("-", "--diff", "--stdin-name", "s.txt", input=GAZA + "\n")
    fixed = run("-", "--fix", "--stdin-name", "s.txt", input=GAZA + "\n")
    assert result.stdout.splitlines()[:2] == ["--- a/s.txt", "+++ b/s.txt"]
    assert f"-{GAZA}" in result.stdout.splitlines()
    assert (tmp_path / "s.txt").read_text(encoding="utf-8") == "Something else entirely.\n"
    assert "standard input cannot be fixed in place" in fixed.stderr


def test_unsafe_fixes_only_with_the_flag(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(GAZA + "\n", encoding="utf-8")
    result = run(str(path), "--fix")
    assert "surrounded strip" in path.read_text(encoding="utf-8")
    assert "unsafe fix" in result.stderr
    run(str(path), "--fix", "--unsafe-fixes")
    assert path.read_text(encoding="utf-8") == GAZA.replace("surrounded striptease", "besieged strip") + "\n"


def test_fix_model_applicability() -> None:
    from tqcheck.core.finding import Applicability, Finding, Severity
    from tqcheck.policy.fix import fix_of

    class Registry:
        def fixable(self, rule_id: str) -> bool:
            return rule_id == "a.Safe"

    def finding(rule_id: str, suggestions: tuple[str, ...]) -> Finding:
        return Finding(rule_id, "m", Severity.MINOR, "style", "rules", "f", 0, 0, 3, "abc", 1, 1, 0, 1, 4,
                       suggestions)

    assert fix_of(finding("a.Safe", ("x",)), Registry()).applicability is Applicability.SAFE
    assert fix_of(finding("a.Other", ("x",)), Registry()).applicability is Applicability.UNSAFE
    several = fix_of(finding("a.Safe", ("x", "y")), Registry())
    assert several.applicability is Applicability.DISPLAY_ONLY and not several.applies(unsafe=True)
    assert fix_of(finding("a.Safe", ()), Registry()) is None


def test_fix_checks_again_only_the_files_it_changed(tmp_path: Path, monkeypatch) -> None:
    import tqcheck.cli.main as main

    fixed = tmp_path / "fixed.txt"
    fixed.write_text(GAZA + "\n", encoding="utf-8")
    clean = tmp_path / "clean.txt"
    clean.write_text("Families in Gaza had delayed their exports several times.\n", encoding="utf-8")
    calls = []
    real = main.run_pipeline

    def recording(paths, *args, **kwargs):
        calls.append(list(paths))
        return real(paths, *args, **kwargs)

    monkeypatch.setattr(main, "run_pipeline", recording)
    result = run(str(fixed), str(clean), "--fix", "-f", "line")
    assert calls == [[str(fixed), str(clean)], [str(fixed)]]
    assert "mt.ExportOfPeople" in result.stdout and "mt.StripteaseForStrip" not in result.stdout


# -- escapes, CDATA, groups and line endings, through the library --------------------------------------

def _fixed(path: Path, word: str, replacement: str, **kwargs) -> tuple[bytes, list]:
    """apply_edits on the document read from ``path``: ``word`` (in the first segment holding it) replaced."""
    from tqcheck.policy.fix import Edit, apply_edits
    from tqcheck.readers.inputs import read_with, reader_for

    document = read_with(reader_for(str(path)), str(path), path.read_bytes())
    segment = next(s for s in document.segments if word in s.text)
    start = segment.text.index(word)
    finding = segment.finding(start, start + len(word), rule_id="x.Test", message="m", severity="minor",
                              category="style", origin="rules", suggestions=(replacement,))
    fix = apply_edits(document, [Edit(finding, replacement)], **kwargs)
    return fix.new, fix.left


def test_replacements_are_written_with_the_format_escapes(tmp_path: Path) -> None:
    xlf = tmp_path / "a.xlf"
    xlf.write_bytes(XLIFF.replace("\n", "\r\n").encode("utf-8"))
    new, left = _fixed(xlf, "striptease", "strip & <b>")
    assert not left
    lines = changed_lines(XLIFF, new.decode("utf-8").replace("\r\n", "\n"))
    assert len(lines) == 1 and "surrounded strip &amp; &lt;b&gt; this year" in lines[0][1]
    assert new.count(b"\r\n") == XLIFF.count("\n")  # CRLF kept
    po = tmp_path / "a.po"
    po.write_text(PO, encoding="utf-8")
    new, _ = _fixed(po, "hundreds", 'a "few"\tmore')
    assert '"Diplomats say a \\"few\\"\\tmore of people have left the surrounded strip"\n' in new.decode("utf-8")
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text('{"target": "Diplomats say the surrounded striptease.", "source": "x"}\n', encoding="utf-8")
    new, _ = _fixed(jsonl, "striptease", 'strip "Gaza"')
    assert new.decode("utf-8") == '{"target": "Diplomats say the surrounded strip \\"Gaza\\".", "source": "x"}\n'


def test_cdata_inline_codes_and_locked_groups(tmp_path: Path) -> None:
    text = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file original="a" source-language="de" target-language="en" datatype="plaintext">
    <body>
      <trans-unit id="u1"><source>a</source><target><![CDATA[Diplomats say the surrounded striptease.]]></target></trans-unit>
      <trans-unit id="u2"><source>b</source><target>Aid <ph id="1">striptease</ph> waited at the <g id="2">border</g>.</target></trans-unit>
      <group id="g" translate="no">
        <trans-unit id="u3"><source>c</source><target>They crossed the second border.</target></trans-unit>
      </group>
    </body>
  </file>
</xliff>
"""
    path = tmp_path / "a.xlf"
    path.write_text(text, encoding="utf-8")
    new, left = _fixed(path, "striptease", "strip & co")
    assert not left and "<![CDATA[Diplomats say the surrounded strip & co.]]>" in new.decode("utf-8")
    new, left = _fixed(path, "waited at the border", "waited")
    assert new == path.read_bytes() and left[0][1] == "the span crosses inline markup of the target"
    new, left = _fixed(path, "second", "2nd")
    assert new == path.read_bytes() and 'translate="no"' in left[0][1]
    new, left = _fixed(path, "border", "frontier")
    assert b'<g id="2">frontier</g>' in new


def test_markup_regions_are_found_in_one_pass() -> None:
    from tqcheck.policy.fix_targets import markup_regions

    text = ('<style>a>b{}</style><script>if (a<b) x="</div>";</script><p title="a>b">prose <b>bold</b></p>'
            "<!-- a comment -->")
    regions = [text[a:b] for a, b in markup_regions(text)]
    assert regions == ["<style>a>b{}</style>", '<script>if (a<b) x="</div>";</script>', '<p title="a>b">', "<b>",
                       "</b>", "</p>", "<!-- a comment -->"]
    assert markup_regions("<a " * 1000) == []  # a tag that never closes ends the search


def test_po_entries_without_blank_lines_between_them() -> None:
    from tqcheck.policy.fix_targets import po_entries

    text = ('msgid "a"\nmsgstr "A"\n#~ msgid "b"\n#~ msgstr "B"\nmsgctxt "c"\nmsgid "d"\nmsgstr[0] "D0"\n'
            'msgstr[1] "D1"\nmsgid "e"\nmsgstr ""\n"E1 "\n"E2"\n')
    found = [(e.unit_id, e.obsolete, {k: "".join(c for c, *_ in v) for k, v in e.forms.items()})
             for e in po_entries(text)]
    assert found == [("a", False, {0: "A"}), ("b", True, {0: "B"}), ("c|d", False, {0: "D0", 1: "D1"}),
                     ("e", False, {0: "E1 E2"})]
