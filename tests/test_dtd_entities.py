"""Entities an XLIFF or TMX file declares in its own internal DTD subset (``<!DOCTYPE xliff [ <!ENTITY co "Acme
Corp."> ]>``): read as their text, findings after a reference point at the right column of the raw file, a fix
elsewhere in the unit leaves the reference's bytes alone, a fix over the reference is refused with its reason;
external entities are never read (a one-line error at the reference); expansion bombs are refused before any
parser expands them (one line naming the file, exit 2, the other files still checked)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tqcheck.cli.main import cli

FAST = ["--no-config", "--no-fluency", "--grammar", "none", "--exit-zero"]

XLIFF = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE xliff [
  <!ENTITY co "Acme Corp.">
  <!ENTITY full "&co; &#38;#38; Sons">
  <!ENTITY st "striptease">
  <!ENTITY empty "">
]>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
<file source-language="de" target-language="en" datatype="plaintext" original="a.txt">
<body>
<trans-unit id="1"><source>Die Firma &co; verließ den Streifen.</source><target>The firm &co; waited at the border of the striptease.</target></trans-unit>
<trans-unit id="2"><source>b</source><target>&full; met at the border of the striptease.</target></trans-unit>
<trans-unit id="3"><source>c</source><target>They left the border of the &st; today.</target></trans-unit>
<trans-unit id="4"><source>d</source><target>The&empty; border striptease&empty;.</target></trans-unit>
</body>
</file>
</xliff>
"""

TMX = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tmx [ <!ENTITY co "Acme Corp."> ]>
<tmx version="1.4"><header srclang="de" datatype="plaintext" segtype="sentence" adminlang="en" o-tmf="x" creationtool="x" creationtoolversion="1"/>
<body>
<tu tuid="1"><tuv xml:lang="de"><seg>Die Firma &co; ging.</seg></tuv><tuv xml:lang="en"><seg>The firm &co; waited at the border of the striptease.</seg></tuv></tu>
</body></tmx>
"""


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)


def raw_columns(text: str, word: str) -> list[tuple[int, int]]:
    """(line, column) of every ``word`` inside a ``<target>`` or English ``<seg>`` of the raw file."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        for element in re.finditer(r"<(target|seg)>(.*?)</\1>", line):
            if element.group(1) == "seg" and 'lang="en"' not in line[:element.start()].rsplit("<tuv", 1)[-1]:
                continue
            found += [(number, element.start(2) + m.start() + 1) for m in re.finditer(word, element.group(2))]
    return found


def reported(output: str, rule: str = "mt.StripteaseForStrip") -> list[tuple[int, int]]:
    return sorted((int(m.group(1)), int(m.group(2))) for m in re.finditer(r":(\d+):(\d+): \w+ " + re.escape(rule),
                                                                         output))


@pytest.mark.parametrize("name, text", [("a.xlf", XLIFF), ("a.tmx", TMX)])
def test_findings_after_a_declared_entity_point_at_the_raw_file(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path), *FAST, "-f", "line"])
    assert result.exit_code == 0, result.output
    expected = sorted(raw_columns(text, "striptease") + raw_columns(text, "&st;"))
    assert reported(result.stdout) == expected  # the one in unit 3 points at the '&' of its reference


@pytest.mark.parametrize("name, text", [("a.xlf", XLIFF), ("a.tmx", TMX)])
def test_the_segment_text_is_the_entity_text_in_both_readers(tmp_path: Path, name: str, text: str) -> None:
    from tqcheck.readers.inputs import read_raw
    from tqcheck.readers import tmx, xliff

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    module = xliff if name.endswith(".xlf") else tmx
    whole = module.read(str(path), read_raw(str(path)))
    parts = [s for part in module.iter_parts(str(path)) for s in part.segments]
    assert [s.text for s in whole.segments] == [s.text for s in parts]
    assert [s.char_map for s in whole.segments] == [s.char_map for s in parts]
    assert whole.segments[0].text == "The firm Acme Corp. waited at the border of the striptease."
    assert whole.segments[0].source.startswith("Die Firma Acme Corp.")
    if module is xliff:
        assert [s.text for s in whole.segments[1:]] == ["Acme Corp. & Sons met at the border of the striptease.",
                                                        "They left the border of the striptease today.", "The border striptease."]
        first = whole.segments[0]
        at = text.index("&co; waited")
        assert {first.original_offset(i) for i in range(9, 19)} == {at}  # "Acme Corp." is where "&co;" is


def test_a_fix_beside_an_entity_leaves_its_reference_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "a.xlf"
    path.write_text(XLIFF, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path), *FAST, "--fix"])
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    old, new = XLIFF.split("\n"), after.split("\n")
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    state = '<target state="needs-review-translation">'
    assert changed == [
        ('<trans-unit id="1"><source>Die Firma &co; verließ den Streifen.</source><target>The firm &co; waited at the '
         'border of the striptease.</target></trans-unit>',
         f'<trans-unit id="1"><source>Die Firma &co; verließ den Streifen.</source>{state}The firm &co; waited at the '
         'border of the strip.</target></trans-unit>'),
        ('<trans-unit id="2"><source>b</source><target>&full; met at the border of the striptease.</target></trans-unit>',
         f'<trans-unit id="2"><source>b</source>{state}&full; met at the border of the strip.</target></trans-unit>'),
        ('<trans-unit id="4"><source>d</source><target>The&empty; border striptease&empty;.</target></trans-unit>',
         f'<trans-unit id="4"><source>d</source>{state}The&empty; border strip&empty;.</target></trans-unit>'),
    ]
    assert "the span overlaps the entity reference &st; (declared in the file's DTD)" in result.output
    assert '<!ENTITY st "striptease">' in after  # the declaration is never edited either


def test_a_fix_over_an_empty_entity_is_refused(tmp_path: Path) -> None:
    from tqcheck.policy.fix import Edit, apply_edits
    from tqcheck.readers.inputs import read_with, reader_for

    path = tmp_path / "a.xlf"
    path.write_text(XLIFF, encoding="utf-8")
    document = read_with(reader_for(str(path)), str(path), path.read_bytes())
    segment = next(s for s in document.segments if s.unit_id == "4")
    assert segment.text == "The border striptease."
    finding = segment.finding(0, 21, rule_id="x.Test", message="m", severity="minor", category="style",
                              origin="rules", suggestions=("A border strip",))
    result = apply_edits(document, [Edit(finding, "A border strip")])
    assert result.new == path.read_bytes()
    assert [why for _, why in result.left] == ["the span overlaps the entity reference &empty; (declared in the "
                                               "file's DTD)"]


def test_a_tmx_fix_beside_an_entity(tmp_path: Path) -> None:
    path = tmp_path / "a.tmx"
    path.write_text(TMX, encoding="utf-8")
    assert CliRunner().invoke(cli, ["check", str(path), *FAST, "--fix"]).exit_code == 0
    assert path.read_text(encoding="utf-8") == TMX.replace("the striptease", "the strip")


def test_the_reader_and_the_fixer_see_the_same_characters() -> None:
    from tqcheck.policy.fix_targets import xml_chars
    from tqcheck.readers.units import declared_entities, xml_content_chars

    entities = declared_entities("a.xlf", XLIFF)
    for start in (m.start() for m in re.finditer("<target>", XLIFF)):
        read = xml_content_chars(XLIFF, start, entities)
        fixed = [(c.char, c.start) for c in xml_chars(XLIFF, start, entities=entities)[0] if c.char]
        assert read == fixed


DOCTYPE = '<?xml version="1.0"?>\n<!DOCTYPE xliff [\n{declarations}\n]>\n'
BODY = """<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
<file source-language="de" target-language="en" datatype="plaintext" original="a"><body>
<trans-unit id="1"><source>x</source><target>At the border {reference} left.</target></trans-unit>
</body></file></xliff>
"""
LAUGHS = '<!ENTITY lol "lol">\n' + "\n".join(
    '<!ENTITY lol%d "%s">' % (k, ("&lol%s;" % (k - 1 if k > 1 else "")) * 10) for k in range(1, 10))

HOSTILE = {
    "billion laughs": (LAUGHS, "&lol9;", "entity expansion too large"),
    "billion laughs, unreferenced": (LAUGHS, "striptease", "entity expansion too large"),
    "quadratic blowup": (f'<!ENTITY big "{"x" * 200_000}">', "&big;" * 50, "entity expansion too large"),
    "loop": ('<!ENTITY a "&b;">\n<!ENTITY b "&a;">', "&a;", "refers to itself"),
    "deep": ("\n".join('<!ENTITY e%d "%s">' % (k, "&e%d;" % (k + 1) if k < 40 else "end") for k in range(41)),
             "&e0;", "nested more than 16 deep"),
    "parameter laughs": ('<!ENTITY % p0 "<!ENTITY lol \'lol\'>">\n' + "\n".join(
        '<!ENTITY %% p%d "%s">' % (k, ("&#37;p%d;" % (k - 1)) * 10) for k in range(1, 8)) + "\n%p7;", "x",
        "entity expansion too large"),
    "external": ('<!ENTITY ext SYSTEM "file:///etc/hostname">', "&ext;", "is an external entity"),
    "external public": ('<!ENTITY ext PUBLIC "-//X//EN" "http://example.com/x.ent">', "a &ext;",
                        "is an external entity"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("partitioned", [False, True])
def test_hostile_entities_are_one_error_and_the_other_files_are_checked(tmp_path: Path, case: str,
                                                                       partitioned: bool) -> None:
    declarations, reference, message = HOSTILE[case]
    bad = tmp_path / "bad.xlf"
    bad.write_text(DOCTYPE.format(declarations=declarations) + BODY.format(reference=reference), encoding="utf-8")
    good = tmp_path / "good.xlf"
    good.write_text(BODY.format(reference="striptease"), encoding="utf-8")
    extra = ["--partitioned", str(tmp_path / "parts")] if partitioned else ["-f", "line"]
    result = CliRunner().invoke(cli, ["check", str(bad), str(good), "--no-config", "--no-fluency", "--grammar",
                                      "none", *extra])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if "bad.xlf" in line]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert re.search(r"bad\.xlf:\d+: ", errors[0])
    assert "Traceback" not in result.output
    if not partitioned:
        assert "good.xlf:3:" in result.stdout and "mt.StripteaseForStrip" in result.stdout


def test_an_external_entity_error_names_the_line_of_the_reference(tmp_path: Path) -> None:
    from tqcheck.core.errors import InputError
    from tqcheck.readers import xliff

    declarations, reference, _ = HOSTILE["external"]
    text = DOCTYPE.format(declarations=declarations) + BODY.format(reference=reference)
    with pytest.raises(InputError) as caught:
        xliff.read("bad.xlf", text.encode("utf-8"))
    assert caught.value.line == text[:text.index("&ext;")].count("\n") + 1
    with pytest.raises(InputError) as streamed:
        (tmp_path / "bad.xlf").write_text(text, encoding="utf-8")
        list(xliff.iter_parts(str(tmp_path / "bad.xlf")))
    assert str(streamed.value).endswith(str(caught.value).split(": ", 1)[1])


def test_an_unused_external_entity_and_a_parameter_entity_are_harmless(tmp_path: Path) -> None:
    declarations = ('<!ENTITY ext SYSTEM "file:///etc/hostname">\n<!ENTITY % pe SYSTEM "file:///etc/hostname">\n'
                    '%pe;\n<!ENTITY % local "<!ENTITY co \'Acme\'>">\n%local;')
    path = tmp_path / "a.xlf"
    path.write_text(DOCTYPE.format(declarations=declarations) + BODY.format(reference="&co; striptease"),
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path), *FAST, "-f", "line"])
    assert result.exit_code == 0, result.output
    line = path.read_text(encoding="utf-8").split("\n")
    number = next(k for k, text in enumerate(line, start=1) if "striptease" in text)
    assert f"a.xlf:{number}:{line[number - 1].index('striptease') + 1}: " in result.stdout
