"""The one registry of rule ids: every id tqcheck can emit, with its severity, MQM category and docs.

Built-in checks (source, fluency, semantic, spelling, detector, tqcheck's own) are declared
here; grammar engines are registered as families (``harper.<LintKind>`` for Harper's lint
kinds, ``languagetool`` for LanguageTool's rules: an engine emits ``<family>.<rule>``); the
YAML rules are read from the packs a run loads. ``tqcheck rules list``, docs/rules.md,
``--enable``/``--disable``, the configuration, inline ``tqcheck-disable`` comments and
``--statistics`` all read this registry, and an unknown id is an error naming the closest ones.

Adding a check that emits a new id: add a ``RuleInfo`` to ``BUILTIN`` (or a family to
``FAMILIES``); a test fails when an emitted id is not registered.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from tqcheck.core import rule_defaults
from tqcheck.core.errors import ConfigError, UsageError
from tqcheck.core.finding import Severity
from tqcheck.core.registry import (GROUPS, RuleInfo, RuleRegistry,  # noqa: F401 (re-exported)
                                   harper_rule_names)

from tqcheck.checks.rules.loader import RuleSet, _setting, load_all

if TYPE_CHECKING:
    from tqcheck.checks.rules.base import Rule

MINOR, MAJOR, CRITICAL = Severity.MINOR, Severity.MAJOR, Severity.CRITICAL


def _info(id: str, severity: Severity, category: str, origin: str, summary: str, why: str = "",
          example: str = "", **more: Any) -> RuleInfo:
    return RuleInfo(id, severity, category, origin, summary, why, example, **more)


#: Ids emitted by tqcheck's own Python checks (not YAML rules, not grammar engines).
BUILTIN: tuple[RuleInfo, ...] = (
    # -- source-aware checks (bilingual files; tqcheck/checks/source/, tqcheck/checks/crosslingual.py)
    _info("source.Number", MAJOR, "accuracy/number", "source",
          "Flags a number of the source that is missing from the translation or differs in it "
          "(a number only in the translation is minor)",
          "A changed figure is an accuracy error a reader cannot detect without the source",
          "source 'mehr als 170 Menschen', target 'more than 70 people' → number differs from the source",
          kind="source"),
    _info("source.Unit", MAJOR, "accuracy/number", "source",
          "Flags a measurement unit that differs from the source's (km became miles without conversion)",
          "A unit swapped without its number converted changes the quantity",
          "source '5 km', target '5 miles'", kind="source"),
    _info("source.Date", MAJOR, "accuracy/mistranslation", "source",
          "Flags a month name that differs from the month of the source",
          "Dates are copied, not translated; a different month is a mistranslation",
          "source 'im März', target 'in May'", kind="source"),
    _info("source.Untranslated", MAJOR, "accuracy/untranslated", "source",
          "Flags a translation identical to its source, written in the source's script, or reading as "
          "the source language",
          "Untranslated text is an omission the reader of the English cannot use",
          "source 'Guten Morgen', target 'Guten Morgen'", kind="source"),
    _info("source.Script", MAJOR, "accuracy/untranslated", "source",
          "Flags a run of the source's script (Han, Cyrillic, ...) left in the English translation",
          "Characters of the source script are text the translator did not translate",
          "target 'The 国防部 said ...'", kind="source"),
    _info("source.Length", MINOR, "accuracy/omission", "source",
          "Flags a translation much shorter or longer than its source, for the language pair's measured "
          "length ratio (major when extreme; category omission when short, addition when long)",
          "A large length difference usually means a dropped or an added clause",
          "a 40-word source sentence translated as 'Thank you.'", kind="source"),
    _info("source.Placeholder", MAJOR, "accuracy/omission", "source",
          "Flags a placeholder ({0}, %s, {name}) of the source missing from the translation, or added to it",
          "A lost placeholder breaks the software message the translation is for",
          "source 'Hallo {name}', target 'Hello'", kind="source"),
    _info("source.Tag", MAJOR, "accuracy/omission", "source",
          "Flags an inline tag or markup code of the source missing from the translation, or added to it",
          "Lost markup breaks links and formatting in the published text",
          "source '<b>Achtung</b>', target 'Attention'", kind="source"),
    _info("source.Meaning", MAJOR, "accuracy/mistranslation", "source",
          "Flags a translation whose meaning is far from its source by cross-lingual sentence similarity "
          "(needs a multilingual model; minor near the threshold)",
          "A low similarity catches a wrong sentence even when each word is fluent",
          "source 'Der Zug fährt um acht', target 'The weather was fine'", kind="source"),
    # -- the translator's QA checks (Xbench, Verifika, pofilter; tqcheck/checks/source/, docs/bilingual.md)
    _info("source.Url", MAJOR, "accuracy/mistranslation", "source",
          "Flags a URL of the source missing from the translation or changed in it (Xbench: URL mismatch; "
          "pofilter: urls)",
          "A changed address sends the reader somewhere else; addresses are copied, not translated",
          "source 'Siehe https://example.com/hilfe', target 'See https://example.com/help'", kind="source"),
    _info("source.Email", MAJOR, "accuracy/mistranslation", "source",
          "Flags an e-mail address of the source missing from the translation or changed in it (pofilter: emails)",
          "Mail sent to a changed address is lost",
          "source 'an info@example.com', target 'to info@example.org'", kind="source"),
    _info("source.Code", MAJOR, "accuracy/mistranslation", "source",
          "Flags an alphanumeric code, standard or product name of the source (XJ-200, ISO 9001, v2.3.1, "
          "iPhone) missing from the translation or changed in it (Xbench: alphanumeric mismatch)",
          "Model numbers and product names are copied; a changed one names another product",
          "source 'Das Modell XJ-200', target 'The XJ-300 model'", kind="source"),
    _info("source.Bracket", MINOR, "fluency/punctuation", "source",
          "Flags a bracket left unpaired in the translation when the source's brackets are paired (Xbench: "
          "unpaired symbols)",
          "An unclosed bracket is a slip of editing that often cuts a clause in two",
          "source 'Die Zahl (siehe oben) ist falsch.', target 'The number (see above is wrong.'", kind="source"),
    _info("source.Quote", MINOR, "fluency/punctuation", "source",
          "Flags a double quotation mark left unpaired in the translation when the source's quotation is closed "
          "(Xbench: unpaired quotes)",
          "An unclosed quotation leaves the reader unsure where the quoted words end",
          "source 'Er sagte: „Nein.“', target 'He said: “No.'", kind="source"),
    _info("source.Capital", MINOR, "fluency/spelling", "source",
          "Flags a translation that begins with a small letter where the source begins with a capital "
          "(pofilter: startcaps)",
          "A sentence that begins in lower case looks truncated or carelessly edited",
          "source 'Das Haus ist rot.', target 'the house is red.'", kind="source"),
    _info("source.EndPunctuation", MINOR, "fluency/punctuation", "source",
          "Flags a translation whose final punctuation mark differs from the source's (question mark, full "
          "stop, colon, ellipsis ...; 。 counts as a full stop) (pofilter: endpunc)",
          "A question turned into a statement, or a label that lost its colon, changes how the text reads",
          "source 'Ist das Haus rot?', target 'Is the house red.'", kind="source"),
    _info("source.Whitespace", MINOR, "fluency/punctuation", "source",
          "Flags a translation whose leading or trailing whitespace differs from the source's in kind or amount "
          "(spaces, no-break spaces, tabs, line breaks) (pofilter: startwhitespace, endwhitespace; Xbench and "
          "Verifika: leading/trailing spaces)",
          "A string joined to another, a label followed by a value or a message ending in a line break loses its "
          "spacing or layout",
          "source 'Name: ', target 'Name:'", kind="source"),
    _info("source.RepeatedWord", MINOR, "fluency/grammar", "source",
          "Flags a word written twice in a row that the source does not repeat, only when no grammar engine runs "
          "(grammar = none; Harper and LanguageTool report it otherwise) (Xbench: repeated words; pofilter: "
          "doublewords)",
          "A doubled word is a typing slip readers notice at once",
          "source 'Das ist das Haus.', target 'This is the the house.'", kind="source"),
    _info("source.DoNotTranslate", MAJOR, "terminology", "source",
          "Flags a term of the do-not-translate list (--dnt FILE, config key dnt) that the source has and the "
          "translation lacks or writes differently (pofilter: notranslatewords)",
          "Brand and product names, commands and UI labels must stay as they are",
          "dnt list 'Photoshop'; source 'Öffnen Sie Photoshop.', target 'Open PhotoShop.'", kind="source"),
    _info("source.InconsistentTarget", MINOR, "fluency/inconsistency", "source",
          "Flags a segment whose source is translated differently elsewhere in the file or the run (Xbench: "
          "inconsistency in target)",
          "Readers and reviewers expect one sentence, label or term to be translated one way",
          "'Speichern' translated 'Save' in one unit and 'Store' in another", kind="source"),
    _info("source.InconsistentSource", MINOR, "fluency/inconsistency", "source",
          "Flags a translation used for different sources elsewhere in the file or the run (Xbench: "
          "inconsistency in source)",
          "One translation for two different sources often means one of them is wrong (a copy-paste slip)",
          "'Save' as the translation of both 'Speichern' and 'Löschen'", kind="source"),
    # -- fluency and semantic spans (tqcheck/fluency)
    _info("fluency.UnexpectedWord", MINOR, "accuracy/mistranslation", "fluency",
          "Marks a word the fluency language model finds very unexpected in its sentence (major when "
          "extreme)", "A word in the wrong sense is often the one a model finds least likely",
          "'the surrounded striptease' → 'striptease' is unexpected", kind="span"),
    _info("fluency.SurprisingSequence", MINOR, "fluency/coherence", "fluency",
          "Marks a run of words the fluency language model finds unusual together",
          "Scrambled word order from machine translation reads as a surprising sequence",
          "'more than 170 Germany, more than 70 countries'", kind="span"),
    _info("semantic.UnexpectedWord", MINOR, "accuracy/mistranslation", "semantic",
          "Marks a word that does not fit the meaning of its sentence by the sentence-embedding model "
          "(major when extreme)", "A word that pulls the sentence's meaning away from its context is a "
          "likely mistranslation", "'have attracted double-digit numbers' → 'double'", kind="span"),
    # -- learned detector (tqcheck/detector)
    _info("detector.ErrorSpan", MAJOR, "other", "detector",
          "A span a model trained on reviewer annotations predicts a reviewer would mark",
          "It catches errors no hand-written rule names; its category is not predicted (MQM 'other')",
          "'the exit sign again' in a sentence about a border crossing", kind="span"),
    _info("detector.Omission", MAJOR, "accuracy/omission", "detector",
          "Quotes the source words that have no counterpart in the translation, when the alignment evidence of a "
          "segment with a source says content was left out",
          "A dropped clause, name or modifier reads well and passes every English check; only the source shows it",
          "'大约' (about) and '在北京' (in Beijing) left out of 'Sales rose 5 percent'", kind="span"),
    # -- spelling filter (tqcheck/checks/grammar/spelling.py)
    _info("spelling.NameVariant", MINOR, "fluency/spelling", "grammar",
          "Flags a spelling that looks like a variant of a name used elsewhere in the document",
          "Two spellings of one name confuse readers and search",
          "'Kogat' beside 'COGAT'", kind="spelling"),
    # -- tqcheck itself
    _info("tqcheck.BadSuppression", MINOR, "other", "tqcheck",
          "Flags an inline tqcheck-disable comment that names an unknown rule id or suppresses nothing",
          "A stale or mistyped suppression hides nothing today and may hide a real finding tomorrow",
          "`<!-- tqcheck-disable mt.Stripteese -->` → unknown rule id 'mt.Stripteese'", kind="comment"),
    _info("tqcheck.HiddenCharacter", MINOR, "fluency/spelling", "tqcheck",
          "Flags a zero-width character (U+200B-200D, U+2060, U+FEFF) inside a word; every check reads the "
          "text without it",
          "An invisible character splits a word for search, translation memories and spell-checkers, and can "
          "hide a slip from a checker",
          "'strip' U+200B 'tease' (shown as 'striptease') → 'striptease' has an invisible zero width space "
          "(U+200B) inside it", kind="characters"),
)

HARPER_LINK = "https://writewithharper.com/docs/rules"

#: What each Harper lint kind flags (the kind is the second part of ``harper.<Kind>.<Rule>``).
HARPER_KIND_DOCS: dict[str, tuple[str, str]] = {
    "Agreement": ("Subject-verb, article-noun and number agreement", "'The list of names are long.'"),
    "BoundaryError": ("Words wrongly joined or split", "'a lot' written 'alot'"),
    "Capitalization": ("Wrong or missing capital letters", "'on monday'"),
    "Eggcorn": ("A similar-sounding phrase used for the right one", "'for all intensive purposes'"),
    "Enhancement": ("A clearer or shorter wording", "'in order to' → 'to'"),
    "Formatting": ("Spacing and formatting slips", "'two  spaces'"),
    "Grammar": ("Grammatical errors", "'He have gone.'"),
    "Malapropism": ("A wrong word that sounds like the right one", "'a mute point'"),
    "Miscellaneous": ("Harper's other checks", ""),
    "Nonstandard": ("Nonstandard or informal forms", "'irregardless'"),
    "Punctuation": ("Punctuation errors", "'However the plan failed.'"),
    "Readability": ("Hard-to-read sentences (very long ones)", "'This sentence is 50 words long.'"),
    "Redundancy": ("Words that repeat what is already said", "'free gift'"),
    "Regionalism": ("Words of another English variant than the configured dialect", "'colour' in en-US"),
    "Repetition": ("A word repeated by mistake", "'the the'"),
    "Spelling": ("Misspelled words (names in the document and accepted words are skipped)", "'goverment'"),
    "Style": ("Style suggestions", ""),
    "Typo": ("Typing slips", "'teh'"),
    "Usage": ("Words used in a nonstandard way", "'could of'"),
    "WordChoice": ("A better-fitting word", "'less people' → 'fewer people'"),
    "WordOrder": ("Words in the wrong order", ""),
}


def grammar_families() -> list[RuleInfo]:
    """Harper's lint kinds and LanguageTool, as families of ids."""
    from tqcheck.checks.grammar.base import HARPER_KINDS

    families = []
    for kind, (category, severity) in sorted(HARPER_KINDS.items()):
        summary, example = HARPER_KIND_DOCS.get(kind, (f"Harper's {kind} lints", ""))
        families.append(_info(
            f"harper.{kind}", severity, category, "grammar", f"{summary} (Harper lint kind {kind})",
            "Grammar slips in a translation read as carelessness and can change the meaning",
            example, family=True, members="harper", link=HARPER_LINK, kind="lint kind"))
    families.append(_info(
        "languagetool", MINOR, "fluency/grammar", "grammar",
        "LanguageTool's rules (--grammar languagetool); severity and MQM category follow the rule's issue "
        "type and category (docs/grammar.md)",
        "LanguageTool knows several thousand grammar and style patterns",
        "'a apple' → languagetool.EN_A_VS_AN", family=True, members="languagetool",
        link="https://community.languagetool.org/rule/list?lang=en", kind="engine"))
    return families


# -- the registry ------------------------------------------------------------------------------

def rule_info(rule: "Rule") -> RuleInfo:
    """The registry entry of a YAML rule (its own description, examples and ``fixable`` key)."""
    bad = rule.examples.bad[0][0] if rule.examples.bad else ""
    example = ""
    if bad:
        example = f"'{bad}'"
    return RuleInfo(rule.id, rule.severity, rule.category, "rules",
                    rule.description or _message_summary(rule.message), "", example,
                    fixable=bool(getattr(rule, "fixable", False)), link=rule.link, where=rule.where,
                    kind=rule.type_name, provenance=str(rule.provenance or ""))


def _message_summary(message: str) -> str:
    return message.replace("'%s'", "…").replace("%s", "…")


def builtin_entries() -> list[RuleInfo]:
    """Every id that does not come from a YAML rule: checks, spans, grammar families."""
    return list(BUILTIN) + grammar_families()


def registry_for(ruleset: "RuleSet | None" = None) -> RuleRegistry:
    """The registry: built-in ids, grammar families and the rules of ``ruleset`` (default: the shipped packs), with
    the measured defaults (off, demoted) applied."""
    if ruleset is None:
        from tqcheck.checks.rules.loader import builtin_rules_dir, load_paths

        ruleset = load_paths([builtin_rules_dir()])
    from tqcheck.core.rule_defaults import registered

    return RuleRegistry([registered(e) for e in (*(rule_info(r) for r in ruleset), *builtin_entries())])


@lru_cache(maxsize=1)
def shipped_registry() -> RuleRegistry:
    """The registry of the shipped packs and built-in ids (cached; for writers that describe rules)."""
    return registry_for()


def registry(settings: Any = None) -> RuleRegistry:
    """The registry for a run: the packs, extra rules and glossaries ``settings`` load (unselected)."""
    from tqcheck.checks.rules.loader import load_all

    return registry_for(load_all(settings))


def load_rules(settings: Any = None, rules: RuleSet | None = None, registry: RuleRegistry | None = None) -> RuleSet:
    """The rules of ``load_all`` (or ``rules``, loaded already) selected by ``enable``/``disable``, with the measured
    defaults applied (tqcheck/core/rule_defaults.py: off-by-default rules left out unless enabled, demoted ones
    minor); an unknown id in either is an error (UsageError from the command line, ConfigError naming the file from
    a config file). ``registry``: the run's registry of ``rules``, when it is built already."""
    ruleset = load_all(settings) if rules is None else rules
    check_selection(settings, ruleset, registry)
    ruleset = ruleset.select(_setting(settings, "enable", []) or [], _setting(settings, "disable", []) or [],
                             selected=rule_defaults.selected)
    for rule in ruleset:
        rule.severity = rule_defaults.severity(rule.id, rule.severity)
    return ruleset


def check_selection(settings: Any, ruleset: RuleSet, registry: RuleRegistry | None = None) -> None:
    """Raise when an ``enable``/``disable`` entry (or a per-path override's) names no registered id (``registry``:
    the registry of ``ruleset``, built from it when not given)."""
    if settings is None:
        return
    checks: list[tuple[str, list[str], str]] = []
    for key in ("enable", "disable"):
        origin = settings.origins.get(key, "") if hasattr(settings, "origins") else ""
        checks.append((key, list(_setting(settings, key, []) or []), origin))
    values = getattr(settings, "values", settings if isinstance(settings, dict) else {})
    for item in values.get("_overrides") or []:
        for key in ("enable", "disable"):
            if key in item["values"]:
                checks.append((f"overrides.{key}", list(item["values"][key]), item["origin"]))
    if not any(selectors for _, selectors, _ in checks):
        return
    registry = registry_for(ruleset) if registry is None else registry
    for key, selectors, origin in checks:
        for selector in registry.unknown(selectors):
            message = registry.unknown_message(selector)
            if origin and origin not in ("command line", "default"):
                raise ConfigError(message, path=origin, key=key)
            raise UsageError(f"--{key}: {message}")


__all__ = ["load_rules", "check_selection", "RuleInfo", "RuleRegistry", "BUILTIN", "GROUPS", "registry", "registry_for", "rule_info",
           "builtin_entries", "grammar_families", "harper_rule_names"]
