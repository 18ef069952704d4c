"""The pipeline: filtering by --disable and suppressions, score spans, signature, notices, closing."""

from __future__ import annotations

from tqcheck.core.interfaces import Check, FluencyResult, Scorer
from tqcheck.core.config import load_settings
from tqcheck.core.finding import SegmentScore
from tqcheck.readers.inputs import document_from_text, read_markdown
from tqcheck.engine.pipeline import Pipeline


class WordCheck(Check):
    """Flags one word with a given rule id."""

    name = "words"

    def __init__(self, word: str, rule_id: str) -> None:
        self.word, self.rule_id, self.closed = word, rule_id, 0
        self.notices = [f"{word} checked"]

    def check(self, document, progress=lambda n: None):
        found = []
        for segment in document.segments:
            at = segment.text.find(self.word)
            if at >= 0:
                found.append(segment.finding(at, at + len(self.word), rule_id=self.rule_id, message="m",
                                             severity="major", category="accuracy/mistranslation",
                                             origin="rules"))
        return found

    def signature(self):
        return {"version": "1"}

    def close(self):
        self.closed += 1


class SpanScorer(Scorer):
    """Scores 0.5 everywhere and marks every word 'striptease' and 'enclave' as unexpected."""

    name = "fluency"

    def score(self, document, findings, progress=lambda n: None):
        spans = []
        for segment in document.segments:
            for word in ("striptease", "enclave"):
                at = segment.text.find(word)
                if at >= 0:
                    spans.append(segment.finding(at, at + len(word), rule_id="semantic.UnexpectedWord",
                                                 message="unexpected word", severity="minor",
                                                 category="fluency/coherence", origin="semantic"))
        return FluencyResult([SegmentScore(0.5) for _ in document.segments], spans)


TEXT = "They left the surrounded striptease. The enclave is small."


def test_score_spans_do_not_repeat_findings_of_the_checks():
    settings = load_settings(discover=False)
    report = Pipeline(settings, checks=[WordCheck("striptease", "mt.Strip")], scorer=SpanScorer()).run(
        [document_from_text(TEXT)])
    assert [(f.rule_id, f.matched) for f in report.findings] == [
        ("mt.Strip", "striptease"), ("semantic.UnexpectedWord", "enclave")]


def test_disable_prefixes_and_suppressions_remove_findings():
    settings = load_settings(discover=False, flags={"disable": ["semantic"]})
    # the comment names a registered id (an unknown one would be a tqcheck.BadSuppression finding)
    document = read_markdown("a.md", b"<!-- tqcheck-disable-next-line mt.Strip* -->\nThe surrounded striptease.\n\n"
                                     b"Another surrounded striptease.\n")
    report = Pipeline(settings, checks=[WordCheck("striptease", "mt.StripteaseForStrip")],
                      scorer=SpanScorer()).run([document])
    assert [(f.rule_id, f.line) for f in report.findings] == [("mt.StripteaseForStrip", 4)]


def test_signature_notices_and_close():
    check = WordCheck("striptease", "mt.Strip")
    settings = load_settings(discover=False)
    with Pipeline(settings, checks=[check, check], scorer=None) as pipeline:
        report = pipeline.run([document_from_text(TEXT)])
    assert report.signature["words.version"] == "1" and "tqcheck" in report.signature
    assert report.notices == ["striptease checked"]
    assert check.closed == 2


def test_untranslated_text_gets_no_spelling_findings():
    from tqcheck.engine.pipeline import without_spelling_of_untranslated

    document = document_from_text("Die meisten haben eine doppelte Staatsbürgerschaft. A real tpyo here.")
    first, second = document.segments

    def make(segment, start, end, category):
        return segment.finding(start, end, rule_id="x.Y", message="m", severity="minor", category=category,
                               origin="grammar")

    untranslated = make(first, 0, len(first.text), "accuracy/untranslated")
    spelling_inside = make(first, 4, 11, "fluency/spelling")
    grammar_inside = make(first, 4, 11, "fluency/grammar")
    typo = make(second, 7, 11, "fluency/spelling")
    kept = without_spelling_of_untranslated([untranslated, spelling_inside, grammar_inside, typo])
    assert kept == [untranslated, grammar_inside, typo]


def test_the_scorer_starts_beside_the_checks_only_after_those_with_wall_clock_timeouts():
    """The rules stop a regex after REGEX_TIMEOUT seconds of wall-clock time: work beside them (the detector's
    predictions, Scorer.prepare) could make a rule time out on a busy machine and drop its findings from one run
    only. So prepare comes after them, before the checks that do not time out on the clock."""
    events: list[str] = []

    class Timed(WordCheck):
        wall_clock_budgets = True

        def check(self, document, progress=lambda n: None):
            events.append(f"check {self.rule_id}")
            return super().check(document, progress)

    class Untimed(Timed):
        wall_clock_budgets = False

    class Preparing(SpanScorer):
        def prepare(self, document):
            events.append("prepare")

    settings = load_settings(discover=False)
    for checks, expected in (([Timed("x", "a"), Untimed("y", "b")], ["check a", "prepare", "check b"]),
                             ([Timed("x", "a")], ["check a"]),
                             ([Untimed("y", "b"), Timed("x", "a")], ["check b", "check a"]),
                             ([Untimed("y", "b"), Timed("x", "a"), Untimed("z", "c")],
                              ["check b", "check a", "prepare", "check c"])):
        events.clear()
        Pipeline(settings, checks=checks, scorer=Preparing()).run([document_from_text(TEXT)])
        assert events == expected
    from tqcheck.checks.rules import RuleCheck

    assert RuleCheck.wall_clock_budgets
