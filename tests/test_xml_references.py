"""XML character references and entities are decoded by one function (``readers.units.xml_reference``) for both
the reader (which maps a segment's characters to their offsets) and the fixer (which writes a replacement where
those characters are): hostile references — out of range, surrogates, control characters, unknown or
DTD-declared names, absurd lengths — decode the same way on both paths and never raise or leak a surrogate."""

from __future__ import annotations

import pytest

from tqcheck.policy.fix_targets import xml_chars
from tqcheck.readers.units import xml_content_chars, xml_reference

HOSTILE = [
    "&#x110000;", "&#1114112;", "&#xD800;", "&#55296;", "&#xDFFF;", "&#0;", "&#x1;", "&#xFFFE;", "&#xFFFF;",
    "&#99999999999999999999999999999999999999;", "&#x" + "0" * 40 + "41;", "&#" + "9" * 5000 + ";",
    "&nbsp;", "&unknown.entity-name;", "&;", "&#;", "&#x;", "&#xZZ;", "&#-1;", "& amp;", "&amp", "a & b",
    "&amp;&lt;&gt;&quot;&apos;", "&#65;&#x41;&#X41;", "&#x1F600;", "&#9;&#xA;&#xD;", "&#x00000041;",
]


@pytest.mark.parametrize("content", HOSTILE)
def test_the_reader_and_the_fixer_decode_hostile_references_alike(content: str) -> None:
    text = f"<target>x{content}y</target>"
    read = xml_content_chars(text, 0)
    fixed = [(c.char, c.start) for c in xml_chars(text, 0)[0]]
    assert read == fixed
    assert not any("\ud800" <= ch <= "\udfff" for ch, _ in read)
    assert read[0] == ("x", 8) and read[-1] == ("y", len(text) - len("y</target>"))


def test_what_each_reference_decodes_to() -> None:
    assert xml_reference("&amp;", 0) == ("&", 5)
    assert xml_reference("&#x41;", 0) == ("A", 6)
    assert xml_reference("&#X41;", 0) is None  # XML writes the hex marker in lower case only
    assert xml_reference("&#x" + "0" * 40 + "41;", 0) == ("A", 46)  # leading zeros are allowed
    assert xml_reference("&#x1F600;", 0) == ("\U0001F600", 9)
    assert xml_reference("&#9;", 0) == ("\t", 4)
    for undecodable in ("&#x110000;", "&#xD800;", "&#0;", "&#xFFFE;", "&nbsp;", "&#" + "9" * 5000 + ";"):
        assert xml_reference(undecodable, 0) == (None, len(undecodable)), undecodable  # a reference, not decoded
    for not_a_reference in ("&;", "&#;", "&#x;", "& amp;", "&amp", "&#-1;"):
        assert xml_reference(not_a_reference, 0) is None, not_a_reference


def test_a_fix_never_writes_over_a_reference_it_cannot_decode() -> None:
    text = "<target>The &custom; striptease</target>"
    chars = xml_chars(text, 0)[0]
    opaque = [c for c in chars if c.start == text.index("&custom;")]
    assert len(opaque) == 1 and opaque[0].end == text.index(" striptease") and not opaque[0].editable
