"""Pure helpers of bench/accuracy_fluency.py (the benchmark itself reads ../shared/data and is run by hand)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import accuracy_fluency as accuracy  # noqa: E402


def test_bad_tag_runs_become_character_spans_of_the_detokenised_text():
    text = "Wu Zuoren said China's level rose, \"sharply\"."
    tokens = "Wu Zuoren said China &apos;s level rose , &quot; sharply &quot; . <EOS>"
    tags = "OK BAD BAD OK OK OK OK OK OK BAD OK OK BAD"
    spans = accuracy.bad_tag_spans(text, tokens, tags)
    assert [text[a:b] for a, b in spans] == ["Zuoren said", "sharply"]


def test_a_token_missing_from_the_text_is_skipped_without_losing_the_place():
    spans = accuracy.bad_tag_spans("a b c", "a XYZ b c", "OK BAD OK BAD")
    assert spans == [(4, 5)]


def test_overlap_scores_count_hits_on_both_sides():
    precision, recall, flagged = accuracy.overlap_scores([[(0, 5), (10, 12)], []], [[(3, 4), (6, 8)], [(0, 1)]])
    assert (precision, recall, flagged) == (pytest.approx(1 / 3), 0.5, 3)
