"""In-context replaced-token damage (tqcheck.training.replaced_token): where words are replaced, what a sample
must be to count, the cache, and the training examples of each variant. The LM is a stand-in here."""

from __future__ import annotations

import numpy as np
import pytest

from tqcheck.training.data import Example
from tqcheck.training.replaced_token import (as_examples, cached_substitutes, lm_substitutes, pick, positions, prompt,
                                             replaced, training_examples)


class FakeSampler:
    """Continues every prompt with fixed candidates; records the prompts."""

    def __init__(self, candidates: list[str]) -> None:
        self.candidates = candidates
        self.prompts: list[str] = []

    def sample(self, prompts, hypotheses: int = 4):
        self.prompts += list(prompts)
        return [list(self.candidates) for _ in prompts]


def test_positions_skip_the_first_word_and_short_words() -> None:
    text = "The cat sat on an old red mat."
    for seed in range(20):
        picked = positions(text, np.random.default_rng(seed), copies=2)
        assert len(picked) == 2 and len({m.start() for m in picked}) == 2
        assert all(m.group() in ("cat", "sat", "old", "red", "mat") for m in picked)
    assert positions("Go on.", np.random.default_rng(0)) == []


def test_prompt_leaves_the_space_to_the_lm() -> None:
    text = 'He said "hello there" twice.'
    words = {m.group(): m for m in positions(text, np.random.default_rng(0), copies=4)}
    assert prompt(text, words["said"]) == ("He", True)
    assert prompt(text, words["hello"]) == ('He said "', False)


def test_pick_takes_the_first_different_word_spaced_as_the_original() -> None:
    assert pick([" Cat", " dog runs", " bird"], "cat", True) == "dog"  # same word in another case is not a change
    assert pick(["dog", " 42", " fox"], "cat", True) == "fox"  # unspaced and non-words are skipped
    assert pick([" dog"], "cat", False) is None
    assert pick(["", ","], "cat", True) is None


def test_replaced_marks_the_new_word() -> None:
    text = "They closed the exits at noon."
    word = [m for m in positions(text, np.random.default_rng(1), copies=5) if m.group() == "exits"][0]
    s = replaced(text, word, "exports")
    assert s.text == "They closed the exports at noon." and s.text[s.start:s.end] == "exports"
    assert (s.original, s.old, s.new) == (text, "exits", "exports")


def test_lm_substitutes_one_sample_per_word_and_each_text_once() -> None:
    sampler = FakeSampler([" zebra"])
    made = lm_substitutes(["The cat sat on the mat.", "The cat sat on the mat.", "Go."], sampler, copies=2)
    assert len(made) == 2 and len(sampler.prompts) == 2  # the repeated text once; "Go." has no word to replace
    assert all(s.text[s.start:s.end] == "zebra" and s.original == "The cat sat on the mat." for s in made)
    assert {s.old for s in made} <= {"cat", "sat", "the", "mat"}


def test_cached_substitutes_are_computed_once(tmp_path) -> None:
    calls = []

    def factory():
        calls.append(1)
        return FakeSampler([" zebra"])

    texts = ["The cat sat on the mat.", "A dog barked at night."]
    first = cached_substitutes(texts, tmp_path, factory)
    again = cached_substitutes(list(reversed(texts)), tmp_path, lambda: pytest.fail("the LM must not run again"))
    assert calls == [1] and again == first and len(first) == 4
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_examples_of_each_variant() -> None:
    train = [Example(text=f"Clean sentence number {w} is here today.", label=0.0, group=f"g{i}")
             for i, w in enumerate(["one", "two", "three", "four"])]
    subs = lm_substitutes([e.text for e in train], FakeSampler([" zebra"]), copies=1)
    a = training_examples("A", train, subs, seed=0)
    b = training_examples("B", train, subs, seed=0)
    c = training_examples("C", train, subs, seed=0)
    assert b[:len(a)] == a and c[:len(a)] == a
    assert [e.label for e in b[len(a):]] == [None] * 4 and [e.label for e in c[len(a):]] == [1.0] * 4
    assert all(e.spans_known and e.text[e.spans[0][0]:e.spans[0][1]] == "zebra" for e in as_examples(subs, None))
    with pytest.raises(ValueError, match="unknown variant"):
        training_examples("D", train, subs, seed=0)
