"""Do-not-translate terms (``source.DoNotTranslate``): a term of the ``dnt`` list that the source has must
appear unchanged in the translation.

As pofilter's ``notranslatewords`` (``--notranslatefile``) and the "non-translatables" lists of Xbench and
Verifika: brand and product names, commands, UI strings kept in the source language. The list is a UTF-8 text
file, one term per line (``#`` begins a comment line); terms are matched case-sensitively, as whole words when
they begin and end with a letter or digit. A term written with other capitals in the translation is pointed
at (``Photoshop`` for ``PhotoShop``); a term missing from it is reported on the whole sentence.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import regex

from tqcheck.core.document import Segment
from tqcheck.core.errors import ConfigError
from tqcheck.core.finding import Finding
from tqcheck.checks.source.rule import RULE_PREFIX

#: Largest do-not-translate file read (bytes).
MAX_DNT_BYTES = 4 * 1024 * 1024


def read_dnt(path: str | Path) -> tuple[str, ...]:
    """The terms of one do-not-translate file; ConfigError naming the file (and line) when it cannot be read."""
    from tqcheck.core.limits import read_text_file

    text = read_text_file(path, MAX_DNT_BYTES, "do-not-translate file", ConfigError, key="dnt")
    terms: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        term = line.strip()
        if not term or term.startswith("#"):
            continue
        if "\t" in term:
            raise ConfigError("one term per line (a tab is not allowed in a term)", path=str(path), line=number,
                              key="dnt")
        terms.append(term)
    return tuple(dict.fromkeys(terms))


def read_dnt_files(paths: Sequence[str]) -> tuple[str, ...]:
    """The terms of every do-not-translate file, in order, each once."""
    return tuple(dict.fromkeys(term for path in paths for term in read_dnt(path)))


@lru_cache(maxsize=4096)
def term_pattern(term: str, ignore_case: bool = False) -> "regex.Pattern[str]":
    """``term`` as written, bounded as a whole word at a letter or digit end."""
    head = r"(?<![\p{L}\p{N}_])" if regex.match(r"[\p{L}\p{N}]", term) else ""
    tail = r"(?![\p{L}\p{N}_])" if regex.search(r"[\p{L}\p{N}]$", term) else ""
    return regex.compile(head + regex.escape(term) + tail, regex.IGNORECASE if ignore_case else 0)


def do_not_translate(segment: Segment, source: str, terms: Sequence[str]) -> Iterable[Finding]:
    """Terms of ``terms`` the source has and the translation lacks."""
    text = segment.text
    for term in terms:
        if not term_pattern(term).search(source) or term_pattern(term).search(text):
            continue
        other = term_pattern(term, True).search(text)
        if other is not None:
            yield segment.finding(other.start(), other.end(), rule_id=f"{RULE_PREFIX}.DoNotTranslate",
                                  message=f"do-not-translate term {term!r} is written {other.group()!r}",
                                  severity="major", category="terminology", origin="source", suggestions=(term,),
                                  engine="tqcheck.source")
        else:
            yield segment.finding(0, len(text), rule_id=f"{RULE_PREFIX}.DoNotTranslate",
                                  message=f"do-not-translate term {term!r} of the source is not in the translation",
                                  severity="major", category="terminology", origin="source",
                                  engine="tqcheck.source")


#: Examples that run as tests (tests/test_source_qa.py) with the do-not-translate list ``DNT_EXAMPLE_TERMS``.
DNT_EXAMPLE_TERMS = ("Photoshop", "Save As")
EXAMPLES = {
    "source.DoNotTranslate": {
        "bad": [("Öffnen Sie Photoshop.", "Open PhotoShop."), ("Öffnen Sie Photoshop.", "Open the image editor."),
                ("Klicken Sie auf Save As.", "Click Save as.")],
        "good": [("Öffnen Sie Photoshop.", "Open Photoshop."), ("Öffnen Sie die Datei.", "Open the file."),
                 ("Photoshopkurse", "Photoshop courses")],  # not the whole word in the source
    },
}
