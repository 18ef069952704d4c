"""The rule base class: common keys, strict validation, message templates and examples."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterable, Iterator

import regex

try:  # the standard library's parser checks syntax without building a matcher (fast)
    from re import _parser as _re_parser  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_parse as _re_parser  # type: ignore[no-redef]

from tqcheck.core.errors import RuleError
from tqcheck.core.finding import CATEGORIES, Severity
from tqcheck.checks.rules.yamlfile import Mapping, Sequence, line_of

#: Seconds one regular-expression search may take before its rule is stopped.
REGEX_TIMEOUT = 0.25

#: Vale's level names, accepted as aliases of the MQM severities.
LEVEL_ALIASES = {"suggestion": "minor", "warning": "major", "error": "critical"}

#: A word as rules see it (apostrophes join: "Israel's", "don't").
WORD = re.compile(r"\w+(?:['’]\w+)*")
_WORD_START = re.compile(r"\w")
_WORD_END = re.compile(r"\w$")
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class KeySpec:
    """One key a rule file may use: its YAML type(s), whether it is required, and its help."""

    name: str
    types: tuple[type, ...]
    help: str
    required: bool = False
    default: Any = None

    @property
    def type_name(self) -> str:
        """The key's type in the words of the docs (text, list, mapping, ...)."""
        names = {str: "text", list: "list", dict: "mapping", bool: "true/false", int: "whole number",
                 float: "number"}
        return " or ".join(names.get(t, t.__name__) for t in self.types)


COMMON_KEYS: tuple[KeySpec, ...] = (
    KeySpec("extends", (str,), "Rule type (substitution, existence, pattern, repetition, consistency, "
            "context, glossary).", required=True),
    KeySpec("message", (str,), "Message shown for a finding; `%s` is replaced by the matched text "
            "(a second `%s` by the suggestion).", required=True),
    KeySpec("description", (str,), "Longer explanation, shown by `tqcheck rules list --long` and in docs."),
    KeySpec("level", (str,), "Severity: minor, major or critical (Vale's suggestion/warning/error also work)."),
    KeySpec("severity", (str,), "Same as `level`."),
    KeySpec("category", (str,), "MQM category, e.g. accuracy/mistranslation, fluency/grammar, style."),
    KeySpec("link", (str,), "URL with more information."),
    KeySpec("fixable", (bool,), "Its suggestion is safe to apply without reading: `tqcheck check --fix` "
            "applies it when a finding has exactly one suggestion (default false)."),
    KeySpec("ignorecase", (bool,), "Match regardless of letter case (default true)."),
    KeySpec("exceptions", (list,), "Regular expressions: a match overlapping one of these in the same "
            "sentence is not reported."),
    KeySpec("examples", (dict,), "`bad`: sentences the rule must flag; `good`: sentences it must not flag. "
            "For document-level rules each line of an example is one sentence."),
    KeySpec("provenance", (str,), "Where the rule was learned, as `KIND: what`; KIND is `seed` (the seed "
            "article's errors), `dev set NAME[, NAME]` (annotated sentences of those data sets: docs/rule-precision.md "
            "scores the rule on the other sets only), `published list` or `linguistic resource`. Every shipped rule "
            "has one."),
)

#: The kinds of ``provenance`` (``dev set`` is followed by the data sets' names).
PROVENANCE_KINDS = ("seed", "dev set", "published list", "linguistic resource")


@dataclass(frozen=True)
class Provenance:
    """Where a rule was learned: its kind, the data sets it was written from (``dev set``) and what."""

    kind: str
    what: str
    sets: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "Provenance":
        """``KIND: what`` (``dev set NAME[, NAME]: what``); ValueError naming the problem."""
        head, colon, what = text.partition(":")
        head, what = " ".join(head.split()), " ".join(what.split())
        if not colon or not what:
            raise ValueError("must read 'KIND: what it was learned from'")
        if head.startswith("dev set"):
            sets = tuple(s.strip() for s in head[len("dev set"):].split(",") if s.strip())
            if not sets or not all(re.fullmatch(r"[A-Za-z0-9_.-]+", s) for s in sets):
                raise ValueError("'dev set' must name the data sets (dev set NAME[, NAME]: what)")
            return cls("dev set", what, sets)
        if head not in PROVENANCE_KINDS:
            raise ValueError(f"unknown kind {head!r} (valid: {', '.join(PROVENANCE_KINDS)})")
        return cls(head, what)

    def __str__(self) -> str:
        return f"{self.kind}{' ' + ', '.join(self.sets) if self.sets else ''}: {self.what}"


@dataclass
class Hit:
    """One match of a rule inside one segment (span relative to the segment text)."""

    segment: int
    start: int
    end: int
    suggestions: tuple[str, ...] = ()
    message: str = ""


@dataclass
class Examples:
    """Sentences a rule must flag (bad) and must not flag (good), with their lines."""

    bad: list[tuple[str, int]] = field(default_factory=list)
    good: list[tuple[str, int]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.bad or self.good)


class RuleTimeout(Exception):
    """A rule's regular expression ran longer than REGEX_TIMEOUT on one segment, or the rule's time
    budget ran out during a search (``budget`` True)."""

    def __init__(self, rule: "Rule", segment: int, budget: bool = False) -> None:
        super().__init__(f"{rule.id} ({rule.where}) {'spent its time budget' if budget else 'timed out'}")
        self.rule = rule
        self.segment = segment
        self.budget = budget


class Rule:
    """A rule loaded from YAML; subclasses (one per type) add their keys and matching."""

    type_name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    keys: ClassVar[tuple[KeySpec, ...]] = ()
    document_level: ClassVar[bool] = False
    default_category: ClassVar[str] = "accuracy/mistranslation"

    def __init__(self, rule_id: str, data: Mapping, path: str, pack: str = "") -> None:
        self.id = rule_id
        self.path = path
        self.pack = pack
        self.line = getattr(data, "line", 0) or 1
        self.data = data
        self._validate_keys(data)
        self.message = self.text(data, "message")
        self.description = self.optional_text(data, "description")
        self.severity = self._severity(data)
        self.category = self._category(data)
        self.link = self.optional_text(data, "link")
        self.fixable = bool(data.get("fixable", False))
        self.ignorecase = bool(data.get("ignorecase", True))
        self.flags = regex.IGNORECASE if self.ignorecase else 0
        self.exceptions = self._exceptions(data)
        self.examples = self._examples(data)
        self.provenance = self._provenance(data)
        self.configure(data)

    # ----------------------------------------------------------------- loading
    @property
    def where(self) -> str:
        """``path:line`` of the rule's definition."""
        return f"{self.path}:{self.line}"

    def error(self, message: str, container: Any = None, key: str | int | None = None) -> RuleError:
        """A RuleError naming this rule and the line of ``key`` in ``container``."""
        line = line_of(container if container is not None else self.data, key, self.line)
        return RuleError(f"rule {self.id}: {message}", path=self.path, line=line)

    def _validate_keys(self, data: Mapping) -> None:
        allowed = {k.name: k for k in COMMON_KEYS + self.keys}
        for key, value in data.items():
            spec = allowed.get(key)
            if spec is None:
                valid = ", ".join(sorted(allowed))
                raise self.error(f"unknown key {key!r} for type {self.type_name} (valid: {valid})", data, key)
            if value is None or not isinstance(value, spec.types) or (
                    isinstance(value, bool) and bool not in spec.types):
                if isinstance(value, int) and float in spec.types and not isinstance(value, bool):
                    continue
                raise self.error(f"key {key!r} must be {spec.type_name}, got {_shown(value)}", data, key)
        for spec in COMMON_KEYS + self.keys:
            if spec.required and spec.name not in data:
                raise self.error(f"missing required key {spec.name!r}", data)
        if "level" in data and "severity" in data:
            raise self.error("give either 'level' or 'severity', not both", data, "severity")

    def _provenance(self, data: Mapping) -> Provenance | None:
        if "provenance" not in data:
            return None
        try:
            return Provenance.parse(data["provenance"])
        except ValueError as exc:
            raise self.error(f"key 'provenance' {exc}", data, "provenance") from None

    def configure(self, data: Mapping) -> None:
        """Read the type-specific keys (validated for type already)."""

    def text(self, data: Mapping, key: str) -> str:
        """A required non-empty text value."""
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"key {key!r} must be non-empty text", data, key)
        return value

    def optional_text(self, data: Mapping, key: str, default: str = "") -> str:
        """An optional text value."""
        value = data.get(key, default)
        return value if isinstance(value, str) else default

    def text_list(self, data: Mapping, key: str, *, required: bool = False) -> list[str]:
        """A list of non-empty strings (numbers are taken as text)."""
        value = data.get(key)
        if value is None:
            if required:
                raise self.error(f"missing required key {key!r}", data)
            return []
        if not isinstance(value, list) or (required and not value):
            raise self.error(f"key {key!r} must be a non-empty list", data, key)
        result = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)) or not str(item).strip():
                raise self.error(f"item {i + 1} of {key!r} must be non-empty text, got {_shown(item)}",
                                 value, i)
            result.append(str(item))
        return result

    def text_mapping(self, data: Mapping, key: str, *, required: bool = False) -> dict[str, str]:
        """A mapping of text to text (e.g. swap: wrong -> right)."""
        value = data.get(key)
        if value is None:
            if required:
                raise self.error(f"missing required key {key!r}", data)
            return {}
        if not isinstance(value, dict) or not value:
            raise self.error(f"key {key!r} must be a non-empty mapping", data, key)
        result = {}
        for k, v in value.items():
            if isinstance(v, bool) or not isinstance(v, (str, int, float)) or not str(v).strip():
                raise self.error(f"value of {k!r} in {key!r} must be non-empty text, got {_shown(v)}", value, k)
            result[str(k)] = str(v)
        return result

    def number(self, data: Mapping, key: str, default: int, *, minimum: int = 0) -> int:
        """A whole-number value of at least ``minimum``."""
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(f"key {key!r} must be a whole number >= {minimum}, got {_shown(value)}", data, key)
        return value

    def compile(self, pattern: str, container: Any = None, key: str | int | None = None,
                flags: int | None = None, *, literal: bool = False) -> "LazyPattern":
        """A checked regular expression (compiled on first use); a syntax error is a RuleError at its line.

        ``literal`` patterns are built by tqcheck from escaped text, so they skip the check.
        """
        flags = self.flags if flags is None else flags
        if literal:
            return LazyPattern(pattern, flags, "re")
        try:
            state = _re_parser.parse(pattern, flags).state
        except (re.error, RecursionError, OverflowError, ValueError, TypeError):
            state = None  # syntax only the regex module knows (\\p{Han}, ...), or an error
        if state is not None:
            return LazyPattern(pattern, flags, "regex", state.groupdict, state.groups - 1)
        try:
            compiled = regex.compile(pattern, flags | regex.VERSION0)
        except (regex.error, TypeError, ValueError, OverflowError, RecursionError) as exc:
            raise self.error(f"invalid regular expression {pattern!r}: {exc}", container, key) from None
        lazy = LazyPattern(pattern, flags, "regex", dict(compiled.groupindex), compiled.groups)
        lazy._compiled = compiled
        return lazy

    def _severity(self, data: Mapping) -> Severity:
        key = "severity" if "severity" in data else "level"
        raw = data.get(key, "minor")
        try:
            return Severity.parse(LEVEL_ALIASES.get(str(raw).lower(), raw))
        except ValueError as exc:
            raise self.error(str(exc), data, key) from None

    def _category(self, data: Mapping) -> str:
        category = str(data.get("category", self.default_category)).strip().lower()
        if category not in CATEGORIES:
            raise self.error(f"unknown category {category!r} (valid: {', '.join(CATEGORIES)})", data, "category")
        return category

    def _exceptions(self, data: Mapping) -> "LazyPattern | None":
        items = self.text_list(data, "exceptions")
        if not items:
            return None
        try:
            return self.compile("|".join(f"(?:{item})" for item in items), data, "exceptions")
        except RuleError:
            for i, item in enumerate(items):
                self.compile(item, data.get("exceptions"), i)
            raise

    def _examples(self, data: Mapping) -> Examples:
        raw = data.get("examples")
        examples = Examples()
        if raw is None:
            return examples
        for key in raw:
            if key not in ("bad", "good"):
                raise self.error(f"unknown key {key!r} in examples (valid: bad, good)", raw, key)
        for key in ("bad", "good"):
            items = raw.get(key, [])
            if isinstance(items, str):
                items = [items]
            if not isinstance(items, list):
                raise self.error(f"examples.{key} must be a list of sentences", raw, key)
            for i, item in enumerate(items):
                if not isinstance(item, str) or not item.strip():
                    raise self.error(f"examples.{key} item {i + 1} must be non-empty text", items, i)
                line = line_of(items, i, line_of(raw, key, self.line)) or self.line
                getattr(examples, key).append((item, line))
        return examples

    # ---------------------------------------------------------------- matching
    def triggers(self) -> frozenset[str] | None:
        """Lower-case words one of which a segment must contain for the rule to match (None: always run)."""
        return None

    def match_segment(self, segment: Any, context: "DocumentContext") -> Iterable[Hit]:
        """Hits of a sentence-level rule in one segment."""
        return ()

    def match_document(self, context: "DocumentContext") -> Iterable[Hit]:
        """Hits of a document-level rule over the whole document."""
        return ()

    #: time.monotonic() by which the rule's time budget is spent (set by the rule stage while it runs).
    deadline: float | None = None

    def search(self, pattern: "LazyPattern", text: str, segment: int) -> Iterator[Any]:
        """``pattern.finditer(text)`` bounded by REGEX_TIMEOUT and by the rule's budget; raises RuleTimeout."""
        timeout, by_budget = REGEX_TIMEOUT, False
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise RuleTimeout(self, segment, budget=True)
            if left < timeout:
                timeout, by_budget = left, True
        try:
            yield from pattern.finditer(text, timeout)
        except TimeoutError:
            raise RuleTimeout(self, segment, budget=by_budget) from None
        except (regex.error, re.error) as exc:
            raise RuleError(f"rule {self.id}: invalid regular expression: {exc}", path=self.path,
                            line=self.line) from None

    def excepted(self, text: str, start: int, end: int, segment: int) -> bool:
        """Whether an exception pattern matches over ``text[start:end]``."""
        if self.exceptions is None:
            return False
        for match in self.search(self.exceptions, text, segment):
            if match.start() < end and match.end() > start and match.end() > match.start():
                return True
        return False

    def format_message(self, matched: str, suggestion: str = "") -> str:
        """The message with ``%s`` replaced by the match (and a second ``%s`` by the suggestion)."""
        parts = self.message.replace("%%", "\x00").split("%s")
        values = [matched, suggestion]
        out = parts[0]
        for i, part in enumerate(parts[1:]):
            out += (values[i] if i < len(values) else matched) + part
        return out.replace("\x00", "%")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} at {self.where}>"


class LazyPattern:
    """A regular expression compiled on first use: user patterns with the ``regex`` module (time-limited),
    tqcheck's own escaped word lists with ``re`` (linear, no limit needed)."""

    __slots__ = ("pattern", "flags", "engine", "groupindex", "groups", "_compiled")

    def __init__(self, pattern: str, flags: int, engine: str, groupindex: Any = None, groups: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self.engine = engine
        self.groupindex = dict(groupindex or {})
        self.groups = groups
        self._compiled: Any = None

    @property
    def compiled(self) -> Any:
        """The compiled pattern."""
        if self._compiled is None:
            if self.engine == "re":
                self._compiled = re.compile(self.pattern, self.flags)
            else:
                self._compiled = regex.compile(self.pattern, self.flags | regex.VERSION0)
        return self._compiled

    def finditer(self, text: str, timeout: float = REGEX_TIMEOUT) -> Iterator[Any]:
        """Matches in ``text``; ``regex`` patterns raise TimeoutError after ``timeout`` seconds."""
        if self.engine == "re":
            return self.compiled.finditer(text)
        return self.compiled.finditer(text, timeout=max(timeout, 0.001))

    def search(self, text: str) -> Any:
        """The first match in ``text`` or None (time-limited like finditer)."""
        return next(iter(self.finditer(text)), None)


class DocumentContext:
    """What rules share while checking one document: its segments and word caches."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.segments = list(document.segments)
        self._by_index = {segment.index: segment for segment in self.segments}
        self._words: dict[int, list[tuple[int, int, str]]] = {}
        self.cache: dict[Any, Any] = {}

    def segment(self, index: int) -> Any:
        """The segment whose index is ``index``."""
        return self._by_index[index]

    def words(self, segment: Any) -> list[tuple[int, int, str]]:
        """(start, end, lower-case word) for every word of ``segment``."""
        found = self._words.get(segment.index)
        if found is None:
            found = [(m.start(), m.end(), m.group().lower()) for m in WORD.finditer(segment.text)]
            self._words[segment.index] = found
        return found


def phrase_pattern(phrases: Iterable[str]) -> str:
    """A regex matching any of the literal ``phrases`` as whole words, longest first.

    Phrases that start and end with a word character share one pair of boundary checks, which lets
    the regex engine scan for their first characters instead of trying every phrase at every position.
    """
    groups: dict[tuple[bool, bool], list[str]] = {}
    for phrase in sorted(set(phrases), key=lambda p: (-len(p), p)):
        body = r"\s+".join(re.escape(w) for w in phrase.split())
        key = (bool(_WORD_START.match(phrase)), bool(_WORD_END.search(phrase)))
        groups.setdefault(key, []).append(body)
    parts = []
    for (left, right), bodies in sorted(groups.items(), reverse=True):
        parts.append((r"(?<!\w)" if left else "") + "(?:" + "|".join(bodies) + ")" + (r"(?!\w)" if right else ""))
    return "|".join(parts)


def first_words(phrases: Iterable[str]) -> frozenset[str] | None:
    """One trigger word per phrase (its longest, usually rarest, word), or None when a phrase has no word."""
    words = set()
    for phrase in phrases:
        found = [w.lower() for w in WORD.findall(phrase)]
        if not found:
            return None
        longest = max(found, key=len)
        words.add(longest)
        words.update(_WORDS.findall(longest))
    return frozenset(words)


def _shown(value: Any) -> str:
    if isinstance(value, (Mapping, dict)):
        return "a mapping"
    if isinstance(value, (Sequence, list)):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"

