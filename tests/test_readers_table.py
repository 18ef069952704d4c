"""One reader table and one TSV/CSV row reader (issue 24): a file is read the same way whole and in parts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tqcheck.core.errors import InputError
from tqcheck.engine.partitioned import STREAMED_XML
from tqcheck.readers.corpus import CORPUS_EXTENSIONS, corpus_format, iter_parts
from tqcheck.readers.inputs import EXTENSIONS, FORMATS, load_documents

TABLE = "id\tsource\ttarget\n1\tDas Haus.\tThe house.\n2\tDer Baum.\tThe tree.\n"


def test_every_extension_has_one_format_and_the_corpus_and_xml_tables_come_from_it() -> None:
    assert set(EXTENSIONS.values()) <= set(FORMATS)
    assert set(CORPUS_EXTENSIONS) == {e for e, f in EXTENSIONS.items() if FORMATS[f].parts == "rows"}
    assert set(STREAMED_XML) == {e for e, f in EXTENSIONS.items() if FORMATS[f].parts == "xml"}


def test_a_tab_file_is_a_table_whole_as_in_parts(tmp_path: Path) -> None:
    """.tab was a corpus table in parts but plain text when read whole (its header became a sentence)."""
    path = tmp_path / "units.de-en.tab"
    path.write_text(TABLE, encoding="utf-8")
    assert corpus_format(str(path)) == "tsv"
    [whole] = load_documents([str(path)])
    [part] = list(iter_parts(str(path)))
    assert [s.text for s in whole.segments] == ["The house.", "The tree."] == [s.text for s in part.segments]
    assert [s.source for s in whole.segments] == [s.source for s in part.segments]


def test_a_quote_that_swallows_rows_is_an_error_whole_and_in_parts(tmp_path: Path) -> None:
    """The corpus reader had its own TSV reader, which read an unterminated quote's rows as one cell."""
    path = tmp_path / "broken.tsv"
    path.write_text('id\tsource\ttarget\n1\tDas Haus.\t"The house.\n2\tDer Baum.\tThe tree.\n3\tA\tB"\n',
                    encoding="utf-8")
    messages = []
    for read in (lambda: load_documents([str(path)]), lambda: list(iter_parts(str(path)))):
        with pytest.raises(InputError) as caught:
            read()
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert "a quoted cell holds whole rows" in messages[0] and ":2" in messages[0]


@pytest.mark.parametrize("name, source", [
    ("csv_dup_ids.csv", ""),  # two words, no English target: was the pair dup-en
    ("notes.de-fr.tsv", ""),  # not an English target
    ("notes.xx-en.tsv", ""), ("notes_und_en.tsv", ""), ("notes.qaa-en.tsv", ""),  # no language
    ("notes.de-en.tsv", "de"), ("notes_zh_en.tsv", "zh"), ("zh-en.tsv", "zh"), ("notes.zh-Hans-en.tsv", "zh"),
    ("notes_pt_BR_en_US.csv", "pt"), ("notes.es-419_en.tsv", "es"), ("notes.deu-eng.tsv", "de"),
    ("notes.yue-en.tsv", "yue"), ("release_2_ab_de_en.tsv", "de"),  # the rightmost pair
])
def test_a_language_pair_is_read_from_a_file_name_only_when_it_names_real_languages(tmp_path: Path, name: str,
                                                                                     source: str) -> None:
    """A file name gives the source language only as a real language code before an English target
    (docs/bilingual.md, "Language pair from a file name"), whole and in parts."""
    path = tmp_path / name
    path.write_text(TABLE.replace("\t", ",") if name.endswith(".csv") else TABLE, encoding="utf-8")
    [whole] = load_documents([str(path)])
    [part] = list(iter_parts(str(path)))
    assert whole.source_language == part.source_language == source
