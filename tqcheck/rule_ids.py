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

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from tqcheck.finding import Severity

if TYPE_CHECKING:
    from tqcheck.rules.base import Rule
    from tqcheck.rules.loader import RuleSet

MINOR, MAJOR, CRITICAL = Severity.MINOR, Severity.MAJOR, Severity.CRITICAL

#: Selectors that are not id prefixes but name groups of ids (``--disable grammar``).
GROUPS: dict[str, tuple[str, ...]] = {
    "grammar": ("harper", "languagetool", "spelling"),
}


@dataclass(frozen=True)
class RuleInfo:
    """One rule id: what it flags, why it matters, an example, its severity and MQM category.

    ``family`` ids stand for many: the engine emits ``<id>.<rule>`` (Harper's rules under a
    lint kind, LanguageTool's rules); ``members`` says which member names are valid.
    ``severity`` is the usual one; a check may raise or lower it for one finding
    (``source.Length`` is major when the ratio is extreme).
    """

    id: str
    severity: Severity
    category: str
    origin: str
    summary: str
    why: str = ""
    example: str = ""
    fixable: bool = False
    family: bool = False
    members: str = ""
    link: str = ""
    where: str = ""
    kind: str = ""
    default: str = "on"  # on, off or demoted by measured precision (tqcheck/rule_defaults.py)

    @property
    def description(self) -> str:
        """What it does, why it matters and an example, as one paragraph."""
        parts = [self.summary.rstrip(".") + "."]
        if self.why:
            parts.append(self.why.rstrip(".") + ".")
        if self.example:
            parts.append(f"Example: {self.example}")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Flat dictionary (for ``rules list --format json``)."""
        return {"id": self.id, "severity": self.severity.value, "category": self.category,
                "origin": self.origin, "kind": self.kind, "fixable": self.fixable, "family": self.family,
                "summary": self.summary, "why": self.why, "example": self.example, "link": self.link,
                "where": self.where, "default": self.default}


def _info(id: str, severity: Severity, category: str, origin: str, summary: str, why: str = "",
          example: str = "", **more: Any) -> RuleInfo:
    return RuleInfo(id, severity, category, origin, summary, why, example, **more)


#: Ids emitted by tqcheck's own Python checks (not YAML rules, not grammar engines).
BUILTIN: tuple[RuleInfo, ...] = (
    # -- source-aware checks (bilingual files; tqcheck/source.py, tqcheck/crosslingual.py)
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
    # -- spelling filter (tqcheck/grammar/spelling.py)
    _info("spelling.NameVariant", MINOR, "fluency/spelling", "grammar",
          "Flags a spelling that looks like a variant of a name used elsewhere in the document",
          "Two spellings of one name confuse readers and search",
          "'Kogat' beside 'COGAT'", kind="spelling"),
    # -- tqcheck itself
    _info("tqcheck.BadSuppression", MINOR, "other", "tqcheck",
          "Flags an inline tqcheck-disable comment that names an unknown rule id or suppresses nothing",
          "A stale or mistyped suppression hides nothing today and may hide a real finding tomorrow",
          "`<!-- tqcheck-disable mt.Stripteese -->` → unknown rule id 'mt.Stripteese'", kind="comment"),
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
    from tqcheck.grammar.base import HARPER_KINDS

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

class RuleRegistry:
    """Every registered rule id, looked up exactly, by family, or by selector prefix."""

    def __init__(self, entries: Iterable[RuleInfo]) -> None:
        self.entries: dict[str, RuleInfo] = {}
        for entry in entries:
            self.entries.setdefault(entry.id, entry)

    def __iter__(self) -> Iterator[RuleInfo]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, rule_id: str) -> bool:
        return self.lookup(rule_id) is not None

    def lookup(self, rule_id: str) -> RuleInfo | None:
        """The entry of an emitted id: exact, else the family it belongs to (``harper.Spelling``)."""
        entry = self.entries.get(rule_id)
        if entry is not None:
            return entry
        parts = rule_id.split(".")
        for n in range(len(parts) - 1, 0, -1):
            family = self.entries.get(".".join(parts[:n]))
            if family is not None and family.family:
                return family if _valid_member(family, ".".join(parts[n:])) else None
        return None

    def fixable(self, rule_id: str) -> bool:
        """Whether findings of ``rule_id`` may be fixed automatically (one suggestion given)."""
        entry = self.lookup(rule_id)
        return bool(entry and entry.fixable)

    def is_valid_selector(self, selector: str) -> bool:
        """Whether ``selector`` selects something: ``*``, an id, a family member, a prefix, a group."""
        selector = selector.strip()
        if selector in ("", "*") or selector in GROUPS:
            return True
        if selector.endswith("*"):
            stem = selector[:-1]
            return any(i.startswith(stem) for i in self.entries) or any(
                e.family and stem.startswith(e.id + ".") for e in self.entries.values())
        if self.lookup(selector) is not None:
            return True
        dotted = selector.rstrip(".") + "."
        return any(i.startswith(dotted) for i in self.entries)

    def closest(self, selector: str, count: int = 3) -> list[str]:
        """Known ids (and pack prefixes) closest to ``selector``, best first."""
        names = set(self.entries) | {i.split(".")[0] for i in self.entries} | set(GROUPS)
        family = next((e for e in self.entries.values() if e.family and selector.startswith(e.id + ".")), None)
        if family is not None and family.members == "harper":
            member = selector[len(family.id) + 1:]
            close = difflib.get_close_matches(member, sorted(harper_rule_names()), n=count, cutoff=0.6)
            if close:
                return [f"{family.id}.{name}" for name in close]
        head = selector.split(".")[0]
        same_pack = [n for n in names if n.startswith(head + ".")]
        pool = same_pack or sorted(names)
        found = difflib.get_close_matches(selector, pool, n=count, cutoff=0.0 if same_pack else 0.6)
        if not found:
            lowered = {n.lower(): n for n in names}
            found = [lowered[n] for n in difflib.get_close_matches(selector.lower(), list(lowered), n=count,
                                                                    cutoff=0.5)]
        return found

    def unknown_message(self, selector: str) -> str:
        """``unknown rule id 'mt.Nosuch' (closest: mt.X, mt.Y)``."""
        close = self.closest(selector)
        hint = f" (closest: {', '.join(close)})" if close else ""
        return f"unknown rule id {selector!r}{hint}; `tqcheck rules list` shows every id"

    def unknown(self, selectors: Iterable[str]) -> list[str]:
        """The selectors that select nothing, in order."""
        return [s for s in selectors if not self.is_valid_selector(s)]


_HARPER_RULE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_LT_RULE = re.compile(r"^[A-Z][A-Z0-9_]*(\[\d+\])?$")


def _valid_member(family: RuleInfo, member: str) -> bool:
    """Whether ``member`` can follow a family id (a Harper rule name, a LanguageTool rule id)."""
    if family.members == "languagetool":
        return bool(_LT_RULE.match(member))
    if family.members == "harper":
        if not _HARPER_RULE.match(member):
            return False
        names = harper_rule_names()
        return not names or member in names
    return True


@lru_cache(maxsize=1)
def harper_rule_names() -> frozenset[str]:
    """Names of Harper's rules (empty when harper-py is not installed: then any name is accepted)."""
    try:
        import harper
    except ImportError:  # pragma: no cover - harper-py is a dependency
        return frozenset()
    try:
        return frozenset(harper.get_default_lint_config())
    except Exception:  # pragma: no cover - an older harper-py
        return frozenset()


def rule_info(rule: "Rule") -> RuleInfo:
    """The registry entry of a YAML rule (its own description, examples and ``fixable`` key)."""
    bad = rule.examples.bad[0][0] if rule.examples.bad else ""
    example = ""
    if bad:
        example = f"'{bad}'"
    return RuleInfo(rule.id, rule.severity, rule.category, "rules",
                    rule.description or _message_summary(rule.message), "", example,
                    fixable=bool(getattr(rule, "fixable", False)), link=rule.link, where=rule.where,
                    kind=rule.type_name)


def _message_summary(message: str) -> str:
    return message.replace("'%s'", "…").replace("%s", "…")


def builtin_entries() -> list[RuleInfo]:
    """Every id that does not come from a YAML rule: checks, spans, grammar families."""
    return list(BUILTIN) + grammar_families()


def registry_for(ruleset: "RuleSet | None" = None) -> RuleRegistry:
    """The registry: built-in ids, grammar families and the rules of ``ruleset`` (default: the shipped packs), with
    the measured defaults (off, demoted) applied."""
    if ruleset is None:
        from tqcheck.rules.loader import builtin_rules_dir, load_paths

        ruleset = load_paths([builtin_rules_dir()])
    from tqcheck.rule_defaults import registered

    return RuleRegistry([registered(e) for e in (*(rule_info(r) for r in ruleset), *builtin_entries())])


@lru_cache(maxsize=1)
def shipped_registry() -> RuleRegistry:
    """The registry of the shipped packs and built-in ids (cached; for writers that describe rules)."""
    return registry_for()


def registry(settings: Any = None) -> RuleRegistry:
    """The registry for a run: the packs, extra rules and glossaries ``settings`` load (unselected)."""
    from tqcheck.rules.loader import load_all

    return registry_for(load_all(settings))


__all__ = ["RuleInfo", "RuleRegistry", "BUILTIN", "GROUPS", "registry", "registry_for", "rule_info",
           "builtin_entries", "grammar_families", "harper_rule_names"]
