"""Model-backed tests of the fluency scorer (MiniLM + 3-gram): range, sanity, seed article, signature."""

from __future__ import annotations

from pathlib import Path

import pytest

from tqcheck.core.config import Settings
from tqcheck.core.document import Document
from tqcheck.scoring.fluency import FluencyScorer, make_scorer

pytestmark = pytest.mark.slow

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_d711ba56f4b847ad.txt"
BAD = ("surrounded striptease", "France has occupied more than 170 Germany", "portray the export")


@pytest.fixture(scope="module")
def scorer() -> FluencyScorer:
    found = make_scorer(Settings())
    assert isinstance(found, FluencyScorer)
    return found


def document(texts: list[str], path: str = "test.txt") -> Document:
    doc = Document(path=path, text="\n".join(texts))
    offset = 0
    for text in texts:
        doc.add_segment(text, offset)
        offset += len(text) + 1
    return doc


def seed_document() -> Document:
    from sentencex import segment

    text = SEED.read_text(encoding="utf-8")
    doc = Document(path=str(SEED), text=text)
    position = 0
    for sentence in segment("en", text):
        stripped = sentence.strip()
        if not stripped:
            continue
        start = text.index(stripped, position)
        doc.add_segment(stripped, start)
        position = start + len(stripped)
    return doc


def test_scores_are_probabilities_with_features(scorer):
    result = scorer.score(document(["The meeting was held in Paris on Monday.", "Colorless green ideas."]), [])
    assert len(result.scores) == 2
    for s in result.scores:
        assert 0.0 <= s.score <= 1.0
        assert "adj_max" in s.features and "sem_word_max" in s.features


def test_a_garbled_sentence_scores_below_its_clean_version(scorer):
    clean = "The government announced new measures to support small businesses during the crisis."
    garbled = "The government announced new measures to support small businesses during the crisis striptease banana."
    scrambled = "Businesses the small crisis announced support to during measures new government the."
    context = ["Officials met on Monday to discuss the economy.", "Unemployment rose sharply last month."]
    scores = {}
    for name, text in (("clean", clean), ("garbled", garbled), ("scrambled", scrambled)):
        scores[name] = scorer.score(document(context + [text]), []).scores[-1].score
    assert scores["garbled"] < scores["clean"]
    assert scores["scrambled"] < scores["clean"]


def test_signature_names_models_and_coefficient_version(scorer):
    sig = scorer.signature()
    assert sig["coefficients"] == "model-v1"
    assert sig["semantic"].startswith("minilm-l6-int8==1 sha256:")
    assert sig["ngram"] == "cmu-en-us-3gram"
    assert len(sig["coefficients.sha256"]) == 16


def test_empty_document_has_no_scores(scorer):
    assert scorer.score(Document(path="empty.txt", text=""), []).scores == []


def worst_third(doc: Document, scores) -> set[int]:
    ranked = sorted(range(len(doc.segments)), key=lambda i: scores[i].score)
    return set(ranked[: -(-len(ranked) // 3)])


def index_of(doc: Document, phrase: str) -> int:
    return next(s.index for s in doc.segments if phrase in s.text)


@pytest.mark.skipif(not SEED.is_file(), reason="seed article not present")
def test_seed_striptease_ranks_in_the_worst_third_and_is_marked_by_the_score_alone(scorer):
    doc = seed_document()
    result = scorer.score(doc, [])
    index = index_of(doc, "surrounded striptease")
    assert index in worst_third(doc, result.scores)
    marked = [f for f in result.findings if f.segment == index and f.matched == "striptease"]
    assert marked and marked[0].origin == "semantic" and marked[0].severity.value == "major"
    assert marked[0].category == "accuracy/mistranslation" and "unexpected word" in marked[0].message
    for f in result.findings:
        assert f.origin in ("fluency", "semantic") and 0.0 <= f.confidence <= 1.0
        assert not f.matched[:1].isupper() or f.start == 0  # names are not reported as unexpected words


@pytest.mark.skipif(not SEED.is_file(), reason="seed article not present")
def test_seed_mistranslations_rank_in_the_worst_third_with_rule_and_grammar_findings(scorer):
    from tqcheck.engine.pipeline import build_checks

    settings = Settings()
    doc = seed_document()
    checks = build_checks(settings)
    try:
        findings = [f for c in checks for f in c.check(doc)]
    finally:
        for c in checks:
            c.close()
    result = scorer.score(doc, findings)
    worst = worst_third(doc, result.scores)
    spans = findings + result.findings
    for phrase, word in zip(BAD, ("striptease", "occupied", "export")):
        index = index_of(doc, phrase)
        assert index in worst, phrase
        start = doc.segments[index].text.index(phrase) + phrase.index(word)
        assert any(f.segment == index and f.start < start + len(word) and start < f.end for f in spans), word


def test_semantic_off_still_scores(tmp_path):
    settings = Settings()
    settings.apply({"semantic": False}, "test")
    scorer = make_scorer(settings)
    result = scorer.score(document(["The meeting was held in Paris on Monday."]), [])
    assert 0.0 <= result.scores[0].score <= 1.0
    assert "semantic" not in scorer.signature()


def test_progress_counts_every_segment_once(scorer):
    texts = [f"Sentence number {i} is about the weather in Paris." for i in range(250)]
    counts: list[int] = []
    scorer.score(document(texts), [], counts.append)
    assert sum(counts) == 250 and len(counts) >= 3


def test_a_documents_scores_do_not_depend_on_documents_scored_before(scorer):
    a = document(["The army bombed the striptease overnight.", "Refugees fled the besieged city on foot."])
    b = document(["Markets rallied after the central bank cut interest rates.", "Bond yields fell sharply."])
    first = [s.features for s in scorer.score(a, []).scores]
    scorer.score(b, [])
    again = [s.features for s in scorer.score(a, []).scores]
    assert first == again
