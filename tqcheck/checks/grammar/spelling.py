"""Spelling that respects the document: names, acronyms, terms and accepted words are not misspellings.

A spell-checker flags every word missing from its dictionary, and a news
translation is full of names (Moshe Arbel, Rafah, Kerem Shalom). A flagged word
is *accepted* when a user word list has it, and is a *name or term* when the
document itself says so: it is an acronym, it is capitalised in the middle of a
sentence somewhere, it is used capitalised more than once and never in lower
case, it is a capitalised word that is neither an English word nor one edit
away from a much more common one, it stands next to such a name (Jiang Rui), or
it is a lower-case word used at least twice that is not one edit away from a
common word. Possessives count as the name (Dapeng's), and nothing inside a web
address or domain is checked. Such words are not misspellings, but a name that
is a near variant of another name in the document or in the known-names list
("Kogat" beside "COGAT") still gets a minor ``spelling.NameVariant`` finding:
transliterations are where machine translation mangles names.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from importlib.resources import files
from typing import Iterable, Sequence

import regex

from tqcheck.core.document import Document, Segment
from tqcheck.core.errors import ConfigError
from tqcheck.core.finding import Severity
from tqcheck.checks.grammar.base import Issue

WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*")
#: A word with inner apostrophes (Yan'an, O'Brien, Dapeng's): names are compared without a possessive 's.
NAME_TOKEN = regex.compile(r"\p{L}[\p{L}\p{M}]*(?:['’]\p{L}[\p{L}\p{M}]*)*")
POSSESSIVE = regex.compile(r"['’][sS]$")
#: A web address, e-mail or domain (news.cn, www.gfbzb.gov.cn, http://x.org/a): not words to spell-check.
ADDRESS = regex.compile(r"(?i)^\W*(?:\w+://\S+|www\.\S+|\S+@\S+\.\w+|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}(?:/\S*)?)\W*$")
#: Characters after which a capital letter does not show a name (sentence or quote start).
OPENERS = frozenset("\"“”‘'([{:—–-•*>")
#: A capitalised word one edit away from a word at least this frequent (Zipf scale), and at least
#: TYPO_GAIN more frequent than itself, looks like a typo ("Recieve", "Annouces"), not a name ("Amal").
#: Origin: convention, set by hand with the filter's tests (86ecb0d); what the filter keeps and drops on MQM
#: spelling marks is in docs/benchmarks-grammar-accuracy.md (git show 3fab348:bench/grammar_accuracy.py).
TYPO_ZIPF = 3.5
TYPO_GAIN = 1.75
#: A lower-case word one edit away from a word this frequent looks like a typo, not a term.
#: Origin: convention, as TYPO_ZIPF.
LOWER_TYPO_ZIPF = 3.0
#: Words at least this frequent are English words, not names, even capitalised (names such as
#: Chen or Wang reach 3.9 in wordfreq, so the bar is high; the dictionary check catches the rest).
#: Origin: measured, the Zipf frequencies of common Chinese surnames in wordfreq (4fc3176).
KNOWN_ZIPF = 4.0
NAME_VARIANT = "spelling.NameVariant"
#: Names one edit apart are variants only from this length on (Jiang and Xiang are two names).
#: Origin: convention (4fc3176); not measured.
VARIANT_MIN_LENGTH = 6

ACCEPTED, NAME, MISSPELLING = "accepted", "name", "misspelling"


# -- word lists ------------------------------------------------------------------------------

def read_word_list(path: str, key: str = "accept") -> list[str]:
    """Entries of a word-list file (one per line, ``#`` comments); ConfigError if unreadable."""
    from tqcheck.core.limits import MAX_RULE_FILE_BYTES, read_text_file

    text = read_text_file(path, MAX_RULE_FILE_BYTES, "word-list file", ConfigError, key=key)
    entries = []
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            entries.append(entry)
    return entries


def accepted_words(paths: Sequence[str]) -> frozenset[str]:
    """Case-folded words and phrases of the ``accept`` files (each word of a phrase too)."""
    words: set[str] = set()
    for path in paths:
        for entry in read_word_list(path):
            words.add(entry.casefold())
            words.update(w.casefold() for w in WORD.findall(entry))
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def known_names() -> tuple[str, ...]:
    """Single-word names of the shipped known-names list (names.txt)."""
    text = files("tqcheck.checks.grammar").joinpath("names.txt").read_text(encoding="utf-8")
    names: list[str] = []
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip()
        for word in WORD.findall(entry):
            if len(word) >= 4 and word not in names:
                names.append(word)
    return tuple(names)


# -- word evidence ---------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _spellchecker():
    from spellchecker import SpellChecker

    return SpellChecker(distance=1)


@functools.lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """Frequency of ``word`` in English on the Zipf scale (0 unknown .. 8; wordfreq's, via tqcheck.language.frequency)."""
    from tqcheck.language.frequency import zipf_en

    return zipf_en(word)


@functools.lru_cache(maxsize=65536)
def near_common_word(word: str, min_zipf: float = TYPO_ZIPF, min_gain: float = TYPO_GAIN) -> str | None:
    """A word one edit away from ``word`` that is common and much more frequent (so ``word`` looks
    like its typo), or None."""
    lower = word.lower()
    floor = max(min_zipf, zipf(lower) + min_gain)
    checker = _spellchecker()
    best, best_zipf = None, floor
    for candidate in checker.known(checker.edit_distance_1(lower)):
        if candidate != lower and zipf(candidate) >= best_zipf:
            best, best_zipf = candidate, zipf(candidate)
    return best


@functools.lru_cache(maxsize=65536)
def looks_like_name(word: str) -> bool:
    """A capitalised word that is no English word and no typo of a common one (Kogat, Jiang, Amal)."""
    lower = word.lower()
    return (word[:1].isupper() and zipf(lower) < KNOWN_ZIPF and lower not in _spellchecker()
            and near_common_word(word) is None)


def in_address(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is part of a web address, e-mail or domain name."""
    left = start
    while left > 0 and not text[left - 1].isspace():
        left -= 1
    right = end
    while right < len(text) and not text[right].isspace():
        right += 1
    return ADDRESS.match(text[left:right]) is not None


def is_acronym(word: str) -> bool:
    """All capitals (COGAT, UNRWA) or capitals inside the word (McCain, iPhone)."""
    letters = [c for c in word if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return True
    return any(c.isupper() for c in word[1:]) and any(c.islower() for c in word)


def _is_title_case(words: list[str]) -> bool:
    long_words = [w for w in words if len(w) > 3]
    return len(long_words) >= 3 and sum(w[0].isupper() for w in long_words) >= 0.6 * len(long_words)


def name_token(word: str) -> str:
    """``word`` without a possessive ending (Dapeng's -> Dapeng)."""
    return POSSESSIVE.sub("", word)


@dataclass
class DocumentWords:
    """How a document uses its words: counts, capitals mid-sentence, lower-case forms, neighbours."""

    counts: Counter
    folded: Counter
    mid_sentence_capitals: Counter
    lower_case: set[str]
    neighbours: dict[str, set[str]]

    @classmethod
    def of(cls, segments: Iterable[Segment]) -> "DocumentWords":
        """Word evidence gathered from ``segments``."""
        counts: Counter = Counter()
        folded: Counter = Counter()
        mid: Counter = Counter()
        lower: set[str] = set()
        neighbours: dict[str, set[str]] = {}
        for segment in segments:
            text = segment.text
            matches = list(NAME_TOKEN.finditer(text))
            title_case = _is_title_case([m.group() for m in matches])
            previous = None
            for i, match in enumerate(matches):
                word = name_token(match.group())
                counts[word] += 1
                folded[word.casefold()] += 1
                if word.islower():
                    lower.add(word)
                elif word[0].isupper():
                    if i > 0 and not title_case and not _after_opener(text, match.start()):
                        mid[word] += 1
                    if previous is not None and previous[1][0].isupper() and \
                            text[previous[0].end():match.start()] in (" ", "-", "‐"):
                        neighbours.setdefault(word, set()).add(previous[1])
                        neighbours.setdefault(previous[1], set()).add(word)
                previous = (match, word)
        return cls(counts, folded, mid, lower, neighbours)

    def names(self) -> Counter:
        """Names the document uses (capitalised mid-sentence, or acronyms) and how often."""
        found: Counter = Counter()
        for word, count in self.counts.items():
            if self.mid_sentence_capitals[word] or (is_acronym(word) and len(word) >= 3):
                found[word] = count
        return found


def _after_opener(text: str, start: int) -> bool:
    """Whether the word at ``start`` follows an opening quote, bracket, colon or dash."""
    i = start - 1
    while i >= 0 and text[i] in " \t\n":
        i -= 1
    return i < 0 or text[i] in OPENERS


# -- the filter ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reference:
    """A name a flagged word may be a variant of, with where it comes from and its keys."""

    name: str
    where: str
    uses: int
    key: str
    sound: str

    @classmethod
    def of(cls, name: str, where: str, uses: int) -> "Reference":
        """A reference with its case-folded and phonetic keys computed once."""
        return cls(name, where, uses, name.casefold(), _phonetic_key(name))


class SpellingFilter:
    """Drops misspellings that are names, terms or accepted words; flags name variants."""

    def __init__(self, accepted: frozenset[str] = frozenset(), names: Sequence[str] | None = None) -> None:
        self.accepted = accepted
        self.known = tuple(known_names() if names is None else names)
        self._known_keys = frozenset(n.casefold() for n in self.known)

    def verdict(self, word: str, words: DocumentWords) -> str:
        """``accepted``, ``name`` (a name or term of the document) or ``misspelling``."""
        parts = [name_token(p) for p in NAME_TOKEN.findall(word)]
        if not parts:
            return MISSPELLING
        if word.casefold() in self.accepted or all(p.casefold() in self.accepted for p in parts):
            return ACCEPTED
        if all(self._part_is_name(p, words) for p in parts):
            return NAME
        return MISSPELLING

    def _part_is_name(self, part: str, words: DocumentWords) -> bool:
        if part.casefold() in self.accepted or is_acronym(part):
            return True
        if part[0].isupper():
            if words.mid_sentence_capitals[part]:
                return True
            if words.counts[part] >= 2 and part.lower() not in words.lower_case:
                return True
            if looks_like_name(part):
                return True
            # Part of a run of capitalised words with a name in it (Jiang Rui, Xiao Yan).
            return any(words.mid_sentence_capitals[n] or is_acronym(n) or looks_like_name(n)
                       for n in words.neighbours.get(part, ()))
        return words.folded[part.casefold()] >= 2 and near_common_word(part, LOWER_TYPO_ZIPF, 0.0) is None

    def references(self, words: DocumentWords) -> list["Reference"]:
        """Names a flagged word is compared with: the document's names, then the known names."""
        refs = [Reference.of(n, f"used {c} time{'s' if c > 1 else ''} in this document", c)
                for n, c in words.names().most_common()]
        return refs + [Reference.of(n, "in the known-names list", 1_000_000) for n in self.known]

    def variant_of(self, word: str, references: Sequence["Reference"],
                   count: int = 1) -> tuple[str, str] | None:
        """(name, where) when ``word`` (used ``count`` times) looks like a variant of a reference name.

        A word in the known-names list is never a variant, and a document name only
        counts as the original when it is used at least as often as ``word``.
        """
        from rapidfuzz.distance import OSA

        key = word.casefold()
        if key in self._known_keys or any(c.isdigit() for c in word):
            return None
        sound = _phonetic_key(word)
        for ref in references:
            other = ref.key
            if ref.uses < count or other == key or other + "s" == key or key + "s" == other:
                continue
            # OSA: Damerau-Levenshtein with adjacent transpositions counted once
            if ref.sound == sound or (
                    min(len(key), len(other)) >= VARIANT_MIN_LENGTH
                    and OSA.distance(key, other, score_cutoff=1) <= 1):
                return ref.name, ref.where
        return None

    def apply(self, issues: list[Issue], document: Document) -> list[Issue]:
        """``issues`` without names, accepted words and web addresses; name variants become minor findings."""
        # Web addresses and domains are not prose: nothing found inside them is kept.
        issues = [i for i in issues if not in_address(i.segment.text, i.start, i.end)]
        if not any(i.misspelling for i in issues):
            return issues
        words = DocumentWords.of(document.segments)
        references: list[tuple[str, str, int]] | None = None
        kept: list[Issue] = []
        for issue in issues:
            if not issue.misspelling:
                kept.append(issue)
                continue
            verdict = self.verdict(issue.word, words)
            if verdict == MISSPELLING:
                kept.append(issue)
            elif verdict == NAME:
                if references is None:
                    references = self.references(words)
                variant = self.variant_of(name_token(issue.word), references,
                                          max(1, words.counts[name_token(issue.word)]))
                if variant is not None:
                    kept.append(name_variant(issue, *variant))
        return kept


def name_variant(issue: Issue, name: str, where: str) -> Issue:
    """A minor finding: ``issue``'s word looks like a mangled form of ``name``."""
    return Issue(
        segment=issue.segment, start=issue.start, end=issue.end, rule_id=NAME_VARIANT,
        message=f"'{issue.word}' looks like a variant of the name '{name}' ({where}): "
                "check the spelling or transliteration.",
        category="fluency/spelling", severity=Severity.MINOR, engine=issue.engine,
        suggestions=[name], link="", misspelling=False)


# -- names mistaken for grammar slips ---------------------------------------------------------

#: Harper's repeated-word rule: a repeated capitalised word ("Li Li", "Bora Bora") is a name.
REPEATED_WORDS = "harper.Repetition.RepeatedWords"
#: Harper's a/an rule: a capital "A" or "An" inside a sentence ("Serie A and", "Ping An recently") is a name.
A_AN = "harper.Miscellaneous.AnA"
#: Function words that are a slip even when repeated capitalised ("The The" after a title).
FUNCTION_WORDS = frozenset("the a an and of to in on is it that this for with as at by".split())
SENTENCE_END = frozenset(".!?")


def is_name_not_slip(issue: Issue) -> bool:
    """Whether a Harper repeated-word or a/an issue is about a name: a repeated capitalised word that is not
    a function word ("Li Li"), or a capital "A"/"An" inside a sentence ("Serie A and", "Ping An recently")."""
    text = issue.segment.text
    if issue.rule_id == REPEATED_WORDS:
        words = issue.word.split()
        return (len(words) >= 2 and all(w[:1].isupper() and not w.isupper() for w in words)
                and words[0].lower() not in FUNCTION_WORDS)
    if issue.rule_id == A_AN and issue.word in ("A", "An"):
        i = issue.start - 1
        while i >= 0 and text[i] in " \t\n":
            i -= 1
        return not (i < 0 or text[i] in OPENERS or text[i] in SENTENCE_END)
    return False


def without_names(issues: list[Issue]) -> list[Issue]:
    """``issues`` without the grammar slips that are names (see ``is_name_not_slip``)."""
    return [i for i in issues if not is_name_not_slip(i)]


# -- string similarity -----------------------------------------------------------------------

_PHONETIC = (("ph", "f"), ("ck", "k"), ("kh", "h"), ("gh", "g"), ("q", "k"), ("x", "ks"),
             ("z", "s"), ("y", "i"), ("w", "v"), ("j", "i"), ("ou", "u"), ("oo", "u"),
             ("ee", "i"), ("ie", "i"))


@functools.lru_cache(maxsize=65536)
def _phonetic_key(word: str) -> str:
    """A rough sound key for transliteration variants (Kogat ~ COGAT, Zelenskyy ~ Zelensky)."""
    key = "".join(c for c in word.lower() if c.isalpha())
    key = regex.sub(r"c(?=[eiy])", "s", key)
    key = key.replace("c", "k")
    for old, new in _PHONETIC:
        key = key.replace(old, new)
    key = regex.sub(r"(.)\1+", r"\1", key)
    if len(key) > 3 and key.endswith("h"):
        key = key[:-1]
    return key
