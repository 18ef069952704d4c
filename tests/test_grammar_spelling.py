"""Spelling that respects the document: names, acronyms, terms, accepted words, name variants."""

from __future__ import annotations

import pytest

from tqcheck.core.config import Settings
from tqcheck.core.errors import ConfigError
from tqcheck.core.finding import Severity
from tqcheck.checks.grammar import make_grammar_check
from tqcheck.checks.grammar.spelling import (ACCEPTED, MISSPELLING, NAME, DocumentWords, SpellingFilter,
                                      accepted_words, known_names)
from tqcheck.readers.inputs import document_from_text

SEED_NAMES = {"Moshe", "Arbel", "Rafah", "Kerem", "Shalom", "Katz", "Netanyahu", "Kogat", "Dunya", "Amal",
              "Ismail", "Gaza", "Gazans", "Hamas", "Trump", "Donald", "Benjamin", "Jordan", "Egypt"}


def grammar(**values):
    settings = Settings()
    settings.apply({"grammar": "harper", **values}, "test")
    return make_grammar_check(settings)


@pytest.fixture(scope="module")
def check():
    return grammar()


def misspellings(findings):
    return [f for f in findings if f.category == "fluency/spelling" and f.rule_id != "spelling.NameVariant"]


def test_seed_article_reports_no_proper_name_as_misspelling(check, seed_path):
    doc = document_from_text(seed_path.read_text(encoding="utf-8"), str(seed_path))
    findings = check.check(doc)
    flagged = {word for f in misspellings(findings) for word in f.matched.replace("-", " ").split()}
    assert not flagged & SEED_NAMES
    # The whole article has no real misspelling, so nothing at all is reported as one.
    assert misspellings(findings) == []


def test_seed_article_kogat_is_a_minor_name_variant_of_cogat(check, seed_path):
    doc = document_from_text(seed_path.read_text(encoding="utf-8"), str(seed_path))
    variants = [f for f in check.check(doc) if f.rule_id == "spelling.NameVariant"]
    assert [(f.matched, f.suggestions) for f in variants] == [("Kogat", ("COGAT",))]
    assert variants[0].severity == Severity.MINOR
    assert "COGAT" in variants[0].message


def test_real_misspellings_are_still_reported(check):
    text = ("Teh minister will recieve the delegation. The adress was wrong.\n\n"
            "Officials in Rafah said the recieve desk was closed.")
    words = {f.matched for f in misspellings(check.check(document_from_text(text, "a.txt")))}
    assert {"Teh", "recieve", "adress"} <= words
    assert "Rafah" not in words


def test_near_duplicate_name_in_the_document_is_a_name_variant(check):
    text = ("Prime Minister Netanyahu spoke on Monday. Aides to Netanyahu said more talks would follow. "
            "Later, Netanyahou left for Washington.")
    findings = check.check(document_from_text(text, "a.txt"))
    variant = next(f for f in findings if f.rule_id == "spelling.NameVariant")
    assert variant.matched == "Netanyahou"
    assert variant.suggestions == ("Netanyahu",)
    assert "used 2 times in this document" in variant.message
    assert not misspellings(findings)


def test_accept_file_words_are_not_misspellings(tmp_path):
    accept = tmp_path / "accept.txt"
    accept.write_text("# names we know\nKogat\nqwzxy  # a product code\n", encoding="utf-8")
    text = "Kogat said the qwzxy unit and the qwzxy team were ready."
    findings = grammar(accept=[str(accept)]).check(document_from_text(text, "a.txt"))
    assert not [f for f in findings if f.matched in ("Kogat", "qwzxy")]
    assert accepted_words([str(accept)]) >= {"kogat", "qwzxy"}


def test_missing_accept_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as error:
        grammar(accept=[str(tmp_path / "nope.txt")])
    assert "nope.txt" in str(error.value) and "accept" in str(error.value)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ConfigError, match="cannot read word-list file"):
        grammar(accept=[str(bad)])


def verdicts(text: str, *words: str, accepted=frozenset()) -> list[str]:
    doc = document_from_text(text, "a.txt")
    found = DocumentWords.of(doc.segments)
    spelling = SpellingFilter(accepted)
    return [spelling.verdict(w, found) for w in words]


def test_verdicts_follow_document_evidence():
    text = ("Officials met Zorvek in Blantrow. Zorvek agreed. Grelpish is a new term, and grelpish "
            "appears twice here. The UNRWA and the XQZ agency replied. Recieve it, said Kovalenko.")
    assert verdicts(text, "Zorvek", "Blantrow", "XQZ", "Kovalenko") == [NAME] * 4
    # Lower-case term used twice and not one letter from a common word: a document term.
    assert verdicts(text, "grelpish") == [NAME]
    # A sentence-initial word one letter away from a common word is a typo.
    assert verdicts(text, "Recieve") == [MISSPELLING]
    assert verdicts(text, "zorvek", accepted=frozenset({"zorvek"})) == [ACCEPTED]


def test_title_case_headings_are_not_evidence_of_names():
    text = "Government Annouces Sweeping New Measures Today\n\nThe plan was announced."
    assert verdicts(text, "Annouces") == [MISSPELLING]


def test_lowercase_typo_used_twice_is_still_a_misspelling():
    text = "We will recieve them. They recieve us."
    assert verdicts(text, "recieve") == [MISSPELLING]


def test_known_names_list_is_loaded():
    names = known_names()
    assert "COGAT" in names and "UNRWA" in names and "Shalom" in names


def test_possessives_and_inner_apostrophes_keep_names_names(check):
    text = ("The exhibition in Yan'an opened. Dapeng's first film is about Yan'an's history.\n\n"
            "Critics praised Dapeng for it.")
    assert not misspellings(check.check(document_from_text(text, "a.txt")))


def test_web_addresses_are_not_spell_checked(check):
    text = "Read more at english.news.cn or www.gfbzb.gov.cn and write to desk@xqzv.org today."
    assert not misspellings(check.check(document_from_text(text, "a.txt")))


def test_names_in_a_title_case_byline_are_names(check):
    text = "New Hunan Client Reporter Jiang Rui Correspondent Xiao Yan.\n\nThe report was filed on Monday."
    words = {f.matched for f in misspellings(check.check(document_from_text(text, "a.txt")))}
    assert not words & {"Jiang", "Rui", "Xiao", "Yan"}


@pytest.mark.parametrize("text, kept", [
    ("(Reporter Li Li) The report said so.", []),
    ("It has never missed Serie A and the only team that has.", []),
    ("China Ping An recently disclosed the figures.", []),
    ("He saw a apple and the the dog.", ["a", "the the"]),
    ("The The band played.", ["The The"]),
    ('She said: "A apple fell."', ["A"]),
])
def test_repeated_names_and_capital_articles_are_not_grammar_slips(check, text, kept) -> None:
    findings = check.check(document_from_text(text, "t.txt"))
    assert [f.matched for f in findings if f.rule_id in ("harper.Repetition.RepeatedWords",
                                                         "harper.Miscellaneous.AnA")] == kept
