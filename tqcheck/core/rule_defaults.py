"""Rule ids that are off or demoted by default because reviewers do not agree with them often enough.

Every flag earns its place: ``python -m bench.rule_precision`` measures how often each rule, grammar lint kind
and source check fires on sentences MQM raters marked with a major error and on sentences they found no error
in, and writes docs/rule-precision.md with a verdict per id. The verdicts are applied here (a test keeps this
table and the page in step):

- **off**: the id's findings are dropped unless ``enable`` names it (``--enable harper.Redundancy``); naming an
  off id switches it on without narrowing the other rules (see docs/rules.md, "Choosing rules");
- **demote**: the id's major and critical findings are reported as minor, so ``--fail-on major`` does not
  fail on them.

Entries are id prefixes as in ``enable``/``disable``: ``harper.Readability`` covers every Harper rule of
that lint kind (``harper.Readability.LongSentences``).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from typing import Iterable, Iterator

from tqcheck.core.document import rule_matches
from tqcheck.core.finding import Finding, Severity

#: Fired on the translations of fewer source sentences than this in the fit sets, a rule is kept as it is: too
#: little evidence to judge.
MIN_SOURCES = 5
#: A rule keeps major findings only when they are right (the sentence has a major error) at least this often on the
#: fit sets: issue 11's target for major findings (convention), added after the first full run (docs/rule-precision.md).
MAJOR_PRECISION = 0.70


def verdict(sources: int, major_rate: float, clean_rate: float, error_rate: float, major_sources: int,
            major_precision: float) -> str:
    """keep / demote / off for one rule id from its fit-set figures (rates per 1,000 sentences of each class;
    ``sources`` and ``major_sources``: distinct source sentences it fired on, with any finding and with a major one).

    Fired on translations of fewer than MIN_SOURCES source sentences: too little evidence, kept (the systems'
    translations of one source sentence are not independent: one false alarm on a name repeats in all of them).
    A rule that fires at least as often on sentences with no error as on sentences with a major error does not
    earn a major flag: demoted to minor when it still fires more often on sentences with some error (minor ones
    included) than on clean ones and has major findings (kept when it is minor already), otherwise off by default.
    A rule that passes that floor but whose major findings (on at least MIN_SOURCES source sentences) are right less
    than MAJOR_PRECISION of the time is demoted to minor.
    """
    if sources < MIN_SOURCES:
        return "keep"
    if major_rate <= clean_rate:
        if error_rate > clean_rate:
            return "demote" if major_sources else "keep"
        return "off"
    if major_sources >= MIN_SOURCES and major_precision < MAJOR_PRECISION:
        return "demote"
    return "keep"


#: Off by default: id prefix -> why (figures on newstest2020 + newstest2021 dev, docs/rule-precision.md).
OFF: dict[str, str] = {
    "harper.Miscellaneous": "Fires on 3.5 error-free vs 0.9 major-error sentences per 1,000 (e.g. 'UM' taken for a "
                            "filler word); --enable harper.Miscellaneous.AnA switches the a/an check alone back on.",
    "harper.Redundancy": "Fires on 2.1 error-free vs 1.6 major-error sentences per 1,000 ('and also').",
    "fluency.UnexpectedWord": "Fires on 4.2 error-free vs 2.8 major-error sentences per 1,000.",
}

#: Demoted to minor by default: id prefix -> why.
DEMOTED: dict[str, str] = {
    "harper.Agreement": "Its major findings are on a major-error sentence 46 % of the time (base rate 63 %).",
    "harper.Grammar": "Its major findings are on a major-error sentence 67 % of the time (target 70 %).",
    "semantic.UnexpectedWord": "Its major findings are on a major-error sentence 60 % of the time (target 70 %).",
}


def _entry(table: dict[str, str], rule_id: str) -> str | None:
    return next((prefix for prefix in table if rule_matches(rule_id, prefix)), None)


def switched_on(rule_id: str, enable: Iterable[str]) -> bool:
    """Whether an ``enable`` prefix names ``rule_id`` (``*`` and the empty prefix do not switch anything on)."""
    return any(p.strip() not in ("", "*") and rule_matches(rule_id, p) for p in enable)


def is_off(rule_id: str, enable: Iterable[str] = ()) -> bool:
    """Whether ``rule_id`` is off by default and not switched on by ``enable``."""
    return _entry(OFF, rule_id) is not None and not switched_on(rule_id, enable)


def adds_only(prefix: str) -> bool:
    """Whether an ``enable`` prefix names an off-by-default id or part of one (``harper.Repetition``): it
    switches that on without narrowing the other rules."""
    prefix = prefix.strip()
    return prefix not in ("", "*") and _entry(OFF, prefix) is not None


def selected(rule_id: str, enable: Iterable[str] = ()) -> bool:
    """Whether ``enable`` lets ``rule_id`` run: an off-by-default id only when an ``enable`` prefix names it;
    any other id when ``enable`` has no narrowing prefix (one that is not ``adds_only``) or one matches it."""
    enable = list(enable)
    if _entry(OFF, rule_id) is not None:
        return switched_on(rule_id, enable)
    narrowing = [p for p in enable if not adds_only(p)]
    return not narrowing or any(rule_matches(rule_id, p) for p in narrowing)


def severity(rule_id: str, value: Severity | str) -> Severity:
    """The severity a finding of ``rule_id`` is reported with by default (minor when the id is demoted)."""
    value = Severity.parse(value)
    return Severity.MINOR if _entry(DEMOTED, rule_id) is not None else value


def demote(finding: Finding) -> Finding:
    """``finding`` with its default severity (minor when its id is demoted)."""
    lowered = severity(finding.rule_id, finding.severity)
    return finding if lowered == finding.severity else replace(finding, severity=lowered)


def registered(info):
    """A rule registry entry (tqcheck.checks.catalog.RuleInfo) with its default: ``default`` on/off/demoted, severity
    minor when demoted."""
    return replace(info, severity=severity(info.id, info.severity), default=describe(info.id))


@contextmanager
def suspended() -> Iterator[None]:
    """Every id on at its own severity inside the block (how bench/rule_precision.py measures them)."""
    global OFF, DEMOTED
    saved = OFF, DEMOTED
    OFF, DEMOTED = {}, {}
    try:
        yield
    finally:
        OFF, DEMOTED = saved


def describe(rule_id: str) -> str:
    """What the defaults do with ``rule_id``: ``on``, ``off`` or ``demoted``."""
    if _entry(OFF, rule_id) is not None:
        return "off"
    if _entry(DEMOTED, rule_id) is not None:
        return "demoted"
    return "on"
