"""glossary: a user's term list (CSV, YAML or a TBX termbase) — forbidden variants, and target terms required for
source terms."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import regex

from tqcheck.core.errors import RuleError
from tqcheck.checks.rules.base import Hit, KeySpec, LazyPattern, Rule, phrase_pattern
from tqcheck.checks.rules.types.phrases import PhraseTable
from tqcheck.checks.rules.yamlfile import Mapping, line_of, parse_yaml

TERM_KEYS = ("target", "forbidden", "source", "note")


class GlossaryRule(Rule):
    """Flags forbidden variants of a term (suggesting the term), and segments whose source text has a
    glossary source term while the translation lacks its target term."""

    type_name = "glossary"
    summary = "A term list (inline or a CSV, YAML or TBX file): forbidden variants and required target terms."
    default_category = "terminology"
    keys = (
        KeySpec("terms", (list,), "Terms: mappings with `target` (required), `forbidden` (text or list), "
                "`source` (source-language term; needs bilingual input) and `note`."),
        KeySpec("file", (str,), "A CSV (columns target, forbidden, source, note; `|` separates several "
                "forbidden variants), YAML or TBX term list, relative to the rule file."),
    )

    def configure(self, data: Any) -> None:
        """Read the terms inline or from the file."""
        if ("terms" in data) == ("file" in data):
            raise self.error("give exactly one of 'terms' or 'file'", data)
        if "terms" in data:
            terms = [self._term(item, data["terms"], i, self.path) for i, item in enumerate(data["terms"])]
        else:
            file = Path(self.path).parent / data["file"]
            terms = read_terms(file)
        self.terms = terms
        forbidden = {variant: term["target"] for term in terms for variant in term["forbidden"]}
        self.table = PhraseTable(self, forbidden, "none", data, "terms" if "terms" in data else "file") \
            if forbidden else None
        self.required = [(self._source_pattern(t["source"]),
                          self.compile(phrase_pattern([t["target"]]), data, literal=True), t)
                         for t in terms if t["source"]]

    def _term(self, item: Any, container: Any, index: int, path: str) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise self.error(f"term {index + 1} must be a mapping with a 'target'", container, index)
        return parse_term(item, path, line_of(container, index, self.line) or self.line)

    def _source_pattern(self, term: str) -> LazyPattern:
        if regex.search(r"[A-Za-z]", term):
            return self.compile(phrase_pattern([term]), literal=True)
        return self.compile(regex.escape(term), literal=True)  # scripts without spaces: plain substring

    def triggers(self) -> frozenset[str] | None:
        """Required-term checks read the source text, so the rule always runs when it has them."""
        if self.required or self.table is None:
            return None
        return self.table.triggers

    def match_segment(self, segment: Any, context: Any) -> Iterable[Hit]:
        """Forbidden variants, and missing target terms."""
        text = segment.text
        if self.table is not None:
            for start, end, suggestions in self.table.find(self, text, segment.index):
                if text[start:end] in {t["target"] for t in self.terms}:
                    continue  # "COGAT" is the term itself even if "Cogat" is forbidden
                if not self.excepted(text, start, end, segment.index):
                    message = self.format_message(text[start:end], " or ".join(suggestions))
                    yield Hit(segment.index, start, end, tuple(suggestions), message)
        if segment.source:
            for source_pattern, target_pattern, term in self.required:
                if source_pattern.search(segment.source) and not target_pattern.search(text):
                    message = f"glossary: '{term['source']}' should be translated as '{term['target']}'"
                    yield Hit(segment.index, 0, len(text), (term["target"],), message)


def parse_term(item: dict, path: str, line: int) -> dict[str, Any]:
    """A term mapping checked: target text, forbidden list, source and note."""
    for key in item:
        if key not in TERM_KEYS:
            raise RuleError(f"unknown glossary key {key!r} (valid: {', '.join(TERM_KEYS)})",
                            path=path, line=line_of(item, key, line))
    target = item.get("target")
    if not isinstance(target, str) or not target.strip():
        raise RuleError("glossary term needs a non-empty 'target'", path=path, line=line)
    forbidden = item.get("forbidden") or []
    if isinstance(forbidden, str):
        forbidden = [v.strip() for v in forbidden.split("|")]
    if not isinstance(forbidden, list) or not all(isinstance(v, str) for v in forbidden):
        raise RuleError("glossary 'forbidden' must be text or a list of text", path=path,
                        line=line_of(item, "forbidden", line))
    source = item.get("source") or ""
    note = item.get("note") or ""
    if not isinstance(source, str) or not isinstance(note, str):
        raise RuleError("glossary 'source' and 'note' must be text", path=path, line=line)
    return {"target": target.strip(), "forbidden": [v for v in forbidden if v], "source": source.strip(),
            "note": note}


def read_terms(path: Path) -> list[dict[str, Any]]:
    """Terms from a CSV, YAML or TBX glossary file; RuleError naming path:line on any problem."""
    from tqcheck.core.limits import MAX_RULE_FILE_BYTES, read_file, read_text_file

    if path.suffix.lower() == ".tbx":
        return read_tbx(path, read_file(path, MAX_RULE_FILE_BYTES, "glossary file", RuleError))
    text = read_text_file(path, MAX_RULE_FILE_BYTES, "glossary file", RuleError)
    if path.suffix.lower() in (".yml", ".yaml"):
        data = parse_yaml(text, str(path))
        if isinstance(data, dict) and "terms" in data:
            data = data["terms"]
        if not isinstance(data, list):
            raise RuleError("a YAML glossary is a list of terms (or a mapping with 'terms')", path=str(path),
                            line=1)
        terms = []
        for i, item in enumerate(data):
            if not isinstance(item, Mapping):
                raise RuleError("each glossary term must be a mapping with a 'target'", path=str(path),
                                line=line_of(data, i, 1))
            terms.append(parse_term(item, str(path), line_of(data, i, 1) or 1))
        return terms
    from tqcheck.readers.table import csv_rows

    rows = csv_rows(text, ",", str(path), RuleError)
    if not rows:
        raise RuleError("glossary file is empty", path=str(path), line=1)
    header = [h.strip().lower() for h in rows[0][1]]
    for name in header:
        if name not in TERM_KEYS:
            raise RuleError(f"unknown glossary column {name!r} (valid: {', '.join(TERM_KEYS)})",
                            path=str(path), line=1)
    if "target" not in header:
        raise RuleError("glossary CSV needs a 'target' column", path=str(path), line=1)
    terms = []
    for number, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise RuleError(f"row has {len(row)} cells but the header has {len(header)}", path=str(path),
                            line=number)
        terms.append(parse_term(dict(zip(header, row)), str(path), number))
    return terms


#: TBX status notes (administrativeStatus, normativeAuthorization) whose values mark a term not to be used.
TBX_STATUS_TYPES = ("administrativeStatus", "normativeAuthorization")
TBX_FORBIDDEN = ("deprecated", "superseded", "forbidden", "rejected")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _tbx_terms(lang_set: Any) -> list[tuple[str, bool]]:
    """(term, forbidden) of every term of a langSet, in order (TBX-Basic ``tig`` and TBX ``ntig/termGrp``)."""
    found = []
    for term in (e for e in lang_set.iter() if _local(e.tag) == "term"):
        text = " ".join("".join(term.itertext()).split())
        notes = [n for n in term.getparent() if _local(n.tag) == "termNote" and n.get("type") in TBX_STATUS_TYPES]
        status = " ".join("".join(n.itertext()).lower() for n in notes)
        if text:
            found.append((text, any(word in status for word in TBX_FORBIDDEN)))
    return found


def read_tbx(path: Path, data: bytes) -> list[dict[str, Any]]:
    """Terms of a TBX termbase (read with translate-toolkit): per term entry, the English terms give the target
    (the first term not marked deprecated, superseded or forbidden) and the forbidden variants (those so marked);
    every term of another language is a source term requiring that target. RuleError naming path:line when the file
    is not TBX or has no English term."""
    from lxml import etree
    from translate.storage.tbx import tbxfile

    try:
        store = tbxfile(data)
    except etree.XMLSyntaxError as exc:
        raise RuleError(f"not a TBX file: {exc.msg}", path=str(path), line=exc.lineno or 1) from None
    except AssertionError:
        raise RuleError("not a TBX file: the root element is not <martif> (TBX 2 / TBX-Basic)", path=str(path),
                        line=1) from None
    terms: list[dict[str, Any]] = []
    for unit in store.units:
        entry = unit.xmlelement
        english: list[tuple[str, bool]] = []
        sources: list[str] = []
        for lang_set in (e for e in entry.iter() if _local(e.tag) == "langSet"):
            language = (lang_set.get(XML_LANG) or lang_set.get("lang") or "").lower()
            found = _tbx_terms(lang_set)
            if language == "en" or language.startswith(("en-", "en_")):
                english += found
            else:
                sources += [term for term, _ in found]
        allowed = [term for term, forbidden in english if not forbidden]
        if not allowed:
            continue  # no English term to require (a monolingual entry of another language)
        line = entry.sourceline or 1
        forbidden = [term for term, bad in english if bad]
        for source in sources or [""]:
            terms.append(parse_term({"target": allowed[0], "forbidden": forbidden, "source": source}, str(path), line))
    if not terms:
        raise RuleError("TBX glossary has no English term (langSet xml:lang=\"en\")", path=str(path), line=1)
    return terms
