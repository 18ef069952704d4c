"""Large TMX files read a part at a time: the same parts as the whole file cut, the same errors, bounded memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tqcheck.core.errors import InputError
from tqcheck.readers import tmx, xmlstream
from tqcheck.readers.inputs import load_documents
from tqcheck.core.document import cut

ROOT = Path(__file__).resolve().parent.parent


def memory_tmx(units: int, *, header_language: str = "*all*") -> str:
    """A TMX with units several ways: on their own lines or several to a line, with inline codes, entities
    and CDATA, non-ASCII text, and units without an English variant."""
    parts = []
    for i in range(units):
        if i % 9 == 4:
            parts.append(f'<tu tuid="n{i}"><tuv xml:lang="de"><seg>Nur Deutsch {i}</seg></tuv></tu>')
        elif i % 5 == 0:
            parts.append(f'<tu><tuv xml:lang="de"><seg>Drei &amp; <bpt i="1">&lt;b&gt;</bpt>Katzen {i}'
                         f'<ept i="1">&lt;/b&gt;</ept></seg></tuv><tuv xml:lang="en-GB"><seg>Three &amp; '
                         f'<bpt i="1">&lt;b&gt;</bpt>cats {i}<ept i="1">&lt;/b&gt;</ept> <![CDATA[x<y]]></seg>'
                         '</tuv></tu>')
        else:
            parts.append(f'  <tu tuid="t{i}">\n    <tuv xml:lang="fr"><seg>Bonjour {i}.</seg></tuv>\n'
                         f'    <tuv xml:lang="en"><seg>  Héllo 😀   there {i}. </seg></tuv>\n  </tu>')
    body = "".join(p + (" " if k % 3 == 1 else "\n") for k, p in enumerate(parts))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
            f'<header srclang="{header_language}" adminlang="en"/>\n<body>\n{body}</body>\n</tmx>\n')


def fields(document) -> tuple:
    return (document.path, document.text, document.format, document.source_language, document.origin,
            document.first_line, [(s.index, s.text, s.offset, s.line, s.column, s.paragraph, s.source, s.unit_id,
                                   s.char_map, s.source_edges, s.target_edges) for s in document.segments])


def write_variants(tmp_path: Path, text: str) -> list[Path]:
    """The TMX as UTF-8, UTF-8 with BOM and CRLF line ends, and UTF-16 big-endian with BOM."""
    plain, crlf, wide = tmp_path / "plain.tmx", tmp_path / "crlf.tmx", tmp_path / "wide.tmx"
    plain.write_text(text, encoding="utf-8")
    crlf.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    wide.write_bytes(("\ufeff" + text.replace('encoding="UTF-8"', 'encoding="UTF-16"')).encode("utf-16-be"))
    return [plain, crlf, wide]


@pytest.mark.parametrize("chunk", [1, 7, 1 << 20])
def test_tmx_read_in_parts_gives_the_parts_of_the_whole_file(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(xmlstream, "CHUNK", chunk)
    for path in write_variants(tmp_path, memory_tmx(40)):
        [whole] = load_documents([str(path)])
        assert len(whole.segments) == 36 and whole.source_language == "de"  # inferred from the first unit
        for size in (None, 2, 5):
            expected = [fields(p) for p in cut(whole, size)]
            assert [fields(p) for p in tmx.iter_parts(str(path), None, size)] == expected, (path.name, size)


def test_a_long_tmx_is_cut_like_the_whole_file(tmp_path):
    path = tmp_path / "long.tmx"
    path.write_text(memory_tmx(1300, header_language="fr"), encoding="utf-8")
    [whole] = load_documents([str(path)])
    parts = list(tmx.iter_parts(str(path)))
    assert [len(p.segments) for p in parts] == [250, 250, 250, 250, 156]
    assert [fields(p) for p in parts] == [fields(p) for p in cut(whole)]
    assert "".join(p.text for p in parts) == whole.text


def longest_window(monkeypatch) -> list[int]:
    """Read in chunks of 4 KB; the list returned holds the longest text the stream window ever kept."""
    monkeypatch.setattr(xmlstream, "CHUNK", 4096)
    longest = [0]
    append = xmlstream.Window.append

    def measured(self, chunk):
        append(self, chunk)
        longest[0] = max(longest[0], len(self.text))

    monkeypatch.setattr(xmlstream.Window, "append", measured)
    return longest


def test_reading_in_parts_keeps_only_a_few_parts_of_text(tmp_path, monkeypatch):
    path = tmp_path / "big.tmx"
    path.write_text(memory_tmx(3000), encoding="utf-8")
    longest = longest_window(monkeypatch)
    parts = list(tmx.iter_parts(str(path), None, 100))
    assert len(parts) == 27
    largest_part = max(len(p.text) for p in parts)
    assert longest[0] < 2 * largest_part + 2 * 4096 < path.stat().st_size / 10


@pytest.mark.parametrize("name,data,words", [
    ("broken.tmx", memory_tmx(30).replace("</tu>", "", 1).encode(), "malformed XML: Opening and ending tag mismatch"),
    ("latin.tmx", memory_tmx(30).replace("Bonjour 7", "Bonjour \udce9").encode("utf-8", "surrogateescape"),
     "not UTF-8 or UTF-16 text (invalid byte 0xe9"),
    ("nul.tmx", memory_tmx(30).replace("Bonjour 7", "Bon\x00jour").encode(), "binary file"),
])
def test_a_bad_tmx_is_the_same_error_read_whole_or_in_parts(tmp_path, name, data, words):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as whole:
        load_documents([str(path)])
    with pytest.raises(InputError) as streamed:
        list(tmx.iter_parts(str(path), None, 3))
    assert str(streamed.value) == str(whole.value) and words in str(whole.value)
    assert whole.value.line is not None and whole.value.line > 1


def test_entities_are_not_expanded_in_parts(tmp_path):
    laughs = "".join(f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">\n' for i in range(9))
    header = ('<?xml version="1.0"?>\n<!DOCTYPE tmx [\n<!ENTITY a "aaaaaaaaaa">\n' + laughs
              + '<!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n')
    unit = '<tmx version="1.4"><header srclang="de"/><body><tu><tuv xml:lang="de"><seg>Hallo {}</seg></tuv>' \
           '<tuv xml:lang="en"><seg>Hello {} world</seg></tuv></tu></body></tmx>\n'
    bomb, outside = tmp_path / "bomb.tmx", tmp_path / "outside.tmx"
    bomb.write_text(header + unit.format("&j;", "&j;"), encoding="utf-8")
    outside.write_text(header.replace(laughs, "") + unit.format("&x;", "&x;"), encoding="utf-8")
    with pytest.raises(InputError, match=r"bomb.tmx:\d+: entity expansion too large"):  # before lxml expands it
        list(tmx.iter_parts(str(bomb)))
    # an external entity is never read: a reference to one is an error at its line (its text would be missing)
    with pytest.raises(InputError, match="outside.tmx:6: &x; is an external entity") as streamed:
        list(tmx.iter_parts(str(outside)))
    with pytest.raises(InputError) as whole:
        load_documents([str(outside)])
    assert str(whole.value) == str(streamed.value)


def test_partitioned_tmx_rows_match_the_whole_report(tmp_path):
    from tqcheck.core.config import load_settings
    from tqcheck.engine.partitioned import check_partitioned
    from tqcheck.engine.pipeline import Pipeline

    path = tmp_path / "memory.tmx"
    path.write_text(memory_tmx(60), encoding="utf-8")
    settings = load_settings(discover=False, flags={"grammar": "none", "fluency": False})
    data = check_partitioned([str(path)], settings, tmp_path / "parts", "jsonl", jobs=1, part_segments=20)
    assert len(data["parts"]) == 3
    import json

    rows = [json.loads(line) for name in sorted((tmp_path / "parts").glob("part-*.jsonl"))
            for line in name.read_text(encoding="utf-8").splitlines()]
    with Pipeline(settings) as pipeline:
        [document] = load_documents([str(path)], settings=settings)
        from tqcheck.output.report import Report

        report = Report.merge([pipeline.check_document(p).with_order(0, k) for k, p in enumerate(cut(document, 20))])
    whole = sorted(report.rows(), key=lambda r: r["segment"])
    for row in whole:
        del row["rank"]
    assert rows == whole


def test_cli_partitioned_bad_tmx_is_one_line_and_exit_2(tmp_path):
    path = tmp_path / "broken.tmx"
    path.write_text(memory_tmx(30).replace("</tu>", "", 1), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "tqcheck", "check", str(path), "--partitioned", str(tmp_path / "out"),
                           "--grammar", "none", "--no-fluency", "--no-config"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith(f"tqcheck: error: {path}:88: malformed XML")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.tmx"]  # no report folder, no temporary one


def test_parts_of_a_long_xml_file_keep_their_inline_markup_checks(tmp_path):
    from tqcheck.core.config import load_settings
    from tqcheck.readers.tmx import unit_codes
    from tqcheck.engine.pipeline import Pipeline
    from tqcheck.output.report import Report

    text = memory_tmx(1300)
    for i in range(0, 1300, 10):  # every other unit with codes loses its closing code in the English target
        text = text.replace(f'cats {i}<ept i="1">&lt;/b&gt;</ept>', f"cats {i}")
    path = tmp_path / "codes.tmx"
    path.write_text(text, encoding="utf-8")
    settings = load_settings(discover=False, flags={"grammar": "none", "fluency": False})
    [document] = load_documents([str(path)], settings=settings)
    missing = {k for k, (source, target) in unit_codes(document).items() if source != target}
    assert len(missing) == 116  # 130 units, less those without an English variant
    with Pipeline(settings) as pipeline:
        for parts in (cut(document), list(tmx.iter_parts(str(path), settings))):
            assert len(parts) == 5
            report = Report.merge([pipeline.check_document(p).with_order(0, k) for k, p in enumerate(parts)])
            tagged = {report.documents[0].segments[f.segment].unit_id for f in report.findings
                      if f.rule_id == "source.Tag"}
            assert tagged == missing


# -- XLIFF ----------------------------------------------------------------------------------------------

def xliff12(units: int) -> str:
    """XLIFF 1.2: two <file>s, a <group>, units with inline markup, without target, several to a line."""
    parts = []
    for i in range(units):
        if i % 7 == 3:
            parts.append(f'<trans-unit id="n{i}"><source>Nur {i}</source></trans-unit>')
        elif i % 5 == 0:
            parts.append(f'<trans-unit id="g{i}" resname="r{i}"><source>Drei <g id="1">Katzen</g> {i} &amp; mehr'
                         f'</source><target>Three <g id="1">cats</g> {i} &amp; more <x id="2"/></target></trans-unit>')
        else:
            parts.append(f'  <trans-unit id="t{i}">\n    <source>Hallo {i}.</source>\n'
                         f'    <target>  Héllo   😀 {i}. </target>\n  </trans-unit>')
    body = "".join(p + (" " if k % 3 == 1 else "\n") for k, p in enumerate(parts))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
            '\n<file original="a.txt" source-language="de-DE" target-language="en-US" datatype="plaintext"><body>\n'
            f'<group id="g">\n{body}</group>\n</body></file>\n<file original="b.txt" source-language="fr" '
            'target-language="en"><body><trans-unit id="z"><source>x</source><target>Zed.</target></trans-unit>'
            '</body></file>\n</xliff>\n')


def xliff20(units: int) -> str:
    """XLIFF 2.0: placeholders whose data is in the unit, two segments per unit, one on the unit's line."""
    body = "\n".join(
        f'<unit id="u{i}"><originalData><data id="d1">&lt;br/&gt;</data></originalData><segment id="s1"><source>'
        f'Bonjour <ph id="1" dataRef="d1"/> {i}</source><target>Hello <ph id="1" dataRef="d1"/> {i}</target>'
        f'</segment>\n<segment id="s2"><source>Deux {i}</source><target>Two {i}</target></segment></unit>'
        for i in range(units))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" '
            f'version="2.0" srcLang="fr" trgLang="en">\n<file id="f1">\n{body}\n</file>\n</xliff>\n')


def xliff_fields(document) -> tuple:
    return fields(document) + (document.markup,)


@pytest.mark.parametrize("chunk", [1, 7, 1 << 20])
def test_xliff_read_in_parts_gives_the_parts_of_the_whole_file(tmp_path, monkeypatch, chunk):
    from tqcheck.readers import xliff

    monkeypatch.setattr(xmlstream, "CHUNK", chunk)
    for name, text in (("one.xlf", xliff12(40)), ("two.xliff", xliff20(20))):
        for path in write_variants(tmp_path, text):
            path = path.rename(path.with_name(path.stem + "-" + name))
            [whole] = load_documents([str(path)])
            assert len(whole.segments) in (35, 40)
            for size in (None, 2, 5):
                expected = [xliff_fields(p) for p in cut(whole, size)]
                assert [xliff_fields(p) for p in xliff.iter_parts(str(path), None, size)] == expected, (name, size)


def test_a_long_xliff_is_cut_like_the_whole_file_in_bounded_memory(tmp_path, monkeypatch):
    from tqcheck.readers import xliff

    path = tmp_path / "long.xlf"
    path.write_text(xliff12(3000), encoding="utf-8")
    [whole] = load_documents([str(path)])
    parts = list(xliff.iter_parts(str(path)))
    assert [len(p.segments) for p in parts] == [250] * 10 + [72]
    assert [xliff_fields(p) for p in parts] == [xliff_fields(p) for p in cut(whole)]
    longest = longest_window(monkeypatch)
    assert len(list(xliff.iter_parts(str(path), None, 100))) == 26
    assert longest[0] < path.stat().st_size / 8


def test_po_xliff_is_read_whole_and_cut(tmp_path):
    from tqcheck.readers import xliff

    path = tmp_path / "messages.xlf"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" '
                    'xmlns="urn:oasis:names:tc:xliff:document:1.2">\n<file original="m.po" source-language="de" '
                    'target-language="en" datatype="po"><body>\n<trans-unit id="1"><source>Hallo</source>'
                    '<target>Hello there.</target></trans-unit>\n<group restype="x-gettext-plurals"><trans-unit '
                    'id="2[0]"><source>Ein Haus</source><target>One house.</target></trans-unit><trans-unit '
                    'id="2[1]"><source>Häuser</source><target>Houses.</target></trans-unit></group>\n</body></file>'
                    '</xliff>\n', encoding="utf-8")
    [whole] = load_documents([str(path)])
    assert [xliff_fields(p) for p in xliff.iter_parts(str(path), None, 2)] == \
        [xliff_fields(p) for p in cut(whole, 2)]


@pytest.mark.parametrize("change,words", [
    (lambda t: t.replace("</target>", "", 1), "malformed XML: Opening and ending tag mismatch"),
    (lambda t: t.replace('target-language="en-US"', 'target-language="fr-FR"'), "in French"),
])
def test_a_bad_xliff_is_the_same_error_read_whole_or_in_parts(tmp_path, change, words):
    from tqcheck.readers import xliff

    path = tmp_path / "bad.xlf"
    path.write_text(change(xliff12(30)), encoding="utf-8")
    with pytest.raises(InputError) as whole:
        load_documents([str(path)])
    with pytest.raises(InputError) as streamed:
        list(xliff.iter_parts(str(path), None, 3))
    assert str(streamed.value) == str(whole.value) and words in str(whole.value)
