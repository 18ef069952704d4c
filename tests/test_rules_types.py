"""Behaviour of each rule type on small documents."""

from __future__ import annotations

from pathlib import Path

from tqcheck.checks.rules import RuleCheck, load_paths
from tqcheck.checks.rules.examples import example_document
from tqcheck.checks.rules.inflect import inflections, noun_forms, verb_forms


def run(tmp_path: Path, yaml_text: str, text: str, name: str = "R"):
    folder = tmp_path / "t"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.yml").write_text(yaml_text, encoding="utf-8")
    check = RuleCheck(load_paths([folder]))
    return check.check(example_document(text)), check


def test_substitution_inflects_and_fills_suggestions(tmp_path: Path) -> None:
    rule = ("extends: substitution\nmessage: \"'%s' -> '%s'\"\nswap: {export: exit}\ninflect: both\n")
    findings, _ = run(tmp_path, rule, "Exports accelerated and he exported them, exporting more.")
    assert [(f.matched, f.suggestions) for f in findings] == [
        ("Exports", ("Exits",)), ("exported", ("exited",)), ("exporting", ("exiting",))]
    assert findings[0].message == "'Exports' -> 'Exits'"
    assert findings[0].origin == "rules" and findings[0].rule_id == "t.R"


def test_substitution_respects_word_boundaries_and_case_flag(tmp_path: Path) -> None:
    rule = "extends: substitution\nmessage: m\nswap: {strip: band}\nignorecase: false\n"
    findings, _ = run(tmp_path, rule, "The Strip, a striptease and a strip.")
    assert [(f.start, f.end, f.matched) for f in findings] == [(30, 35, "strip")]


def test_existence_and_exceptions(tmp_path: Path) -> None:
    rule = "extends: existence\nmessage: m\ntokens: [Defense Secretary]\nexceptions: ['U\\.S\\.\\s+Defense']\n"
    findings, _ = run(tmp_path, rule, "U.S. Defense Secretary Hegseth met Defense Secretary Katz.")
    assert [f.start for f in findings] == [35]


def test_pattern_span_group_and_suggest(tmp_path: Path) -> None:
    rule = ("extends: pattern\nmessage: \"'%s' -> '%s'\"\npattern: 'the (?P<span>(\\w+)er) \\w+ ever'\n"
            "suggest: '\\2est'\n")
    findings, _ = run(tmp_path, rule, "It was the smaller land ever seen.")
    assert findings[0].matched == "smaller" and findings[0].suggestions == ("smallest",)


def test_repetition_in_sentence_and_across_sentences(tmp_path: Path) -> None:
    rule = "extends: repetition\nmessage: \"'%s' again\"\n"
    findings, _ = run(tmp_path, rule, "Months later, a few months later, they left.")
    assert [f.matched for f in findings] == ["months later"]
    rule = "extends: repetition\nmessage: m\nscope: document\nmin_words: 4\n"
    findings, _ = run(tmp_path, rule, "The border crossing reopened on Monday.\nAid said the border crossing "
                                      "reopened on Monday.")
    assert findings and findings[0].segment == 1


def test_consistency_flags_the_minority_variant(tmp_path: Path) -> None:
    rule = "extends: consistency\nmessage: \"'%s' vs '%s'\"\neither: {Kyiv: Kiev}\n"
    findings, _ = run(tmp_path, rule, "Kyiv said yes.\nKyiv agreed.\nKiev denied it.")
    assert [(f.segment, f.matched, f.suggestions) for f in findings] == [(2, "Kiev", ("Kyiv",))]


def test_context_near_topic_and_unless(tmp_path: Path) -> None:
    rule = ("extends: context\nmessage: m\ntokens: [striptease]\nnear: [besieged, surrounded]\nwindow: 3\n"
            "unless_near: [club]\n")
    findings, _ = run(tmp_path, rule, "They left the surrounded striptease.\nThe striptease club closed.\n"
                                      "A striptease is a dance.")
    assert [f.segment for f in findings] == [0]
    rule = "extends: context\nmessage: m\ntokens: [striptease]\ntopic: [Gaza, Hamas]\ntopic_min: 2\n"
    findings, _ = run(tmp_path, rule, "Gaza is under siege.\nHamas said so.\nPeople left the striptease.")
    assert [f.segment for f in findings] == [2]
    findings, _ = run(tmp_path, rule, "Gaza is under siege.\nPeople left the striptease.")
    assert findings == []


def test_glossary_forbidden_and_required_terms(tmp_path: Path) -> None:
    terms = tmp_path / "terms.csv"
    terms.write_text("target,forbidden,source\nCOGAT,Kogat|Cogat,\nIDF,,以色列国防军\n", encoding="utf-8")
    rule = f"extends: glossary\nmessage: \"'%s': use '%s'\"\nfile: {terms}\n"
    document = example_document("Kogat said so.\nThe army said so.")
    object.__setattr__(document.segments[1], "source", "以色列国防军表示")
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "G.yml").write_text(rule, encoding="utf-8")
    findings = RuleCheck(load_paths([folder])).check(document)
    assert [(f.segment, f.suggestions) for f in findings] == [(0, ("COGAT",)), (1, ("IDF",))]


def test_glossary_from_settings_gets_its_own_id(tmp_path: Path) -> None:
    terms = tmp_path / "house terms.yml"
    terms.write_text("- target: Defence Minister\n  forbidden: [Defense Secretary]\n", encoding="utf-8")
    ruleset = load_paths([], glossaries=[terms])
    findings = RuleCheck(ruleset).check(example_document("Defense Secretary Katz spoke."))
    assert findings[0].rule_id == "glossary.house_terms" and findings[0].category == "terminology"


def test_signature_names_packs_and_versions() -> None:
    from tqcheck.checks.rules import builtin_rules_dir

    signature = RuleCheck(load_paths([builtin_rules_dir()])).signature()
    assert "mt 1.0.0" in signature["rules"] and signature["tqcheck"]


def test_inflection_helper() -> None:
    assert verb_forms("take in") == ("take in", "takes in", "took in", "taken in", "taking in")
    assert verb_forms("occupy") == ("occupy", "occupies", "occupied", "occupied", "occupying")
    assert verb_forms("stop")[2] == "stopped" and verb_forms("visit")[2] == "visited"
    assert verb_forms("withdraw")[3] == "withdrawn" and verb_forms("agree")[4] == "agreeing"
    assert noun_forms("crisis") == ("crisis", "crises") and noun_forms("border city")[1] == "border cities"
    assert inflections("occupy", "take in", "verb")["occupied"] == ["took in", "taken in"]


def test_inflection_agrees_with_lemminflect_when_installed() -> None:
    import pytest

    lemminflect = pytest.importorskip("lemminflect")
    verbs = ["export", "occupy", "take", "withdraw", "surround", "besiege", "admit", "travel", "stop", "open",
             "commit", "carry", "die", "agree", "make", "do", "go", "leave", "flee", "seize", "catch"]
    tags = ("VB", "VBZ", "VBD", "VBN", "VBG")
    for verb in verbs:
        expected = lemminflect.getAllInflections(verb, upos="VERB")
        for tag, form in zip(tags, verb_forms(verb)):
            if verb == "travel":
                continue  # lemminflect gives British 'travelled'; tqcheck uses American spelling
            assert form in expected.get(tag, (form,)), (verb, tag, form, expected.get(tag))


def test_trigger_words_match_possessives(tmp_path: Path) -> None:
    rule = "extends: context\nmessage: m\ntokens: [Defense Secretary]\nnear: [Israel]\n"
    findings, _ = run(tmp_path, rule, "Israel's Defense Secretary spoke.")
    assert [f.matched for f in findings] == ["Defense Secretary"]
    rule = "extends: pattern\nmessage: m\npattern: \"o'clock a\\\\.m\\\\.\"\ntriggers: [clock]\n"
    findings, _ = run(tmp_path, rule, "It happened at ten o'clock a.m. sharp.", name="P")
    assert [f.matched for f in findings] == ["o'clock a.m."]
