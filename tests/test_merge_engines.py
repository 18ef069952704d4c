"""One finding per problem: the rule packs and Harper (or LanguageTool, or spelling) on the same span with the same
meaning give one finding that names every rule that agreed (issue 25, item 6)."""

from __future__ import annotations

import tqcheck
from tqcheck.checks.grammar.merge import merge_findings, same_meaning
from tqcheck.readers.inputs import document_from_text


def finding(segment, word, rule_id, suggestions=(), *, engine="harper", origin="grammar",
            category="fluency/grammar", severity="minor"):
    start = segment.text.index(word)
    return segment.finding(start, start + len(word), rule_id=rule_id, message=f"{rule_id} says so",
                           severity=severity, category=category, origin=origin, suggestions=suggestions,
                           engine=engine)


def test_same_fix_on_overlapping_spans_merges_and_names_both_rules():
    [segment] = document_from_text("I could of done it.", "a.txt").segments
    ours = finding(segment, "of", "agreement.CouldOf", ["have"], engine="tqcheck-rules", origin="rules")
    harper = finding(segment, "could of", "harper.WordChoice.ModalOf", ["could have"])
    assert same_meaning(ours, harper) and same_meaning(harper, ours)
    [merged] = merge_findings([harper, ours])
    # the rule packs speak for the problem at equal severity; every rule and engine is named
    assert merged.rule_id == "agreement.CouldOf" and merged.suggestions == ("have",)
    assert merged.rules == ("agreement.CouldOf", "harper.WordChoice.ModalOf")
    assert merged.engine == "tqcheck-rules+harper"
    assert merged.to_dict()["rules"] == ["agreement.CouldOf", "harper.WordChoice.ModalOf"]


def test_the_more_severe_finding_speaks_and_other_findings_pass_untouched():
    [segment] = document_from_text("He came despite of the rain.", "a.txt").segments
    ours = finding(segment, "despite of", "calque.DespiteOf", ["despite"], engine="tqcheck-rules", origin="rules")
    harper = finding(segment, "despite of", "harper.WordChoice.DespiteOf", ["despite", "in spite of"],
                     severity="major")
    detector = finding(segment, "despite of", "fluency.Span", engine="detector", origin="detector")
    merged, kept = merge_findings([ours, harper, detector])
    assert merged.rule_id == "harper.WordChoice.DespiteOf" and merged.severity.value == "major"
    assert merged.rules == ("harper.WordChoice.DespiteOf", "calque.DespiteOf")
    assert kept is detector


def test_different_problems_on_one_span_stay_apart():
    [segment] = document_from_text("The colour of teh sky.", "a.txt").segments
    spelling = finding(segment, "teh", "harper.Spelling.SpellCheck", ["the"], category="fluency/spelling")
    style = finding(segment, "teh sky", "style.Sky", ["sky"], engine="tqcheck-rules", origin="rules",
                    category="style")
    other_word = finding(segment, "colour", "spelling.Colour", ["color"], engine="tqcheck-rules", origin="rules",
                         category="fluency/spelling")
    # different fixes, different spans: three findings
    assert len(merge_findings([spelling, style, other_word])) == 3
    # one engine twice is not a cross-engine duplicate
    again = finding(segment, "teh", "harper.Spelling.Other", ["the"], category="fluency/spelling")
    assert len(merge_findings([spelling, again])) == 2
    # the same span and category from two engines is one problem, even with different suggestions
    lt = finding(segment, "teh", "languagetool.MORFOLOGIK_RULE_EN_US", ["tech"], engine="languagetool",
                 category="fluency/spelling")
    assert len(merge_findings([spelling, lt])) == 1


def test_a_report_counts_despite_of_and_could_of_once():
    report = tqcheck.check("He came despite of the rain. I could of done it.", grammar="harper", fluency=False)
    rules = [f.rule_id for f in report.findings]
    assert rules.count("calque.DespiteOf") == 1 and "harper.WordChoice.DespiteOf" not in rules
    assert "harper.WordChoice.ModalOf" not in rules and rules.count("agreement.CouldOf") == 1
    merged = {f.rule_id: f for f in report.findings}
    assert "harper.WordChoice.DespiteOf" in merged["calque.DespiteOf"].rules
    assert "harper.WordChoice.ModalOf" in merged["agreement.CouldOf"].rules
    row = report.rows()[0]
    assert "harper.WordChoice.ModalOf" in row["rules"] or "harper.WordChoice.DespiteOf" in row["rules"]
