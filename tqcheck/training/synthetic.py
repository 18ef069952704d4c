"""Synthetic errors made from clean human translations: the damage reviewers mark, with its place known.

Each corruption keeps the marked span (where the damage is visible in the text) so the token head learns it;
an omission marks the words on both sides of the gap, since the gap itself has no characters.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, Sequence

import numpy as np

from tqcheck.training.data import Example

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
#: Function words whose loss or doubling breaks a sentence.
_CONJUNCTIONS = ("and", "but", "or", "that", "which", "because", "while", "although", "if", "when")
_NEGATIONS = (("is not", "is"), ("are not", "are"), ("was not", "was"), ("do not", "do"), ("does not", "does"),
              ("did not", "did"), ("cannot", "can"), ("will not", "will"), ("not ", ""))

Corruption = Callable[[str, list[re.Match], np.random.Generator, Sequence[str]], tuple[str, list[tuple[int, int]]] | None]


def _drop_phrase(text: str, words: list[re.Match], rng: np.random.Generator, _vocab) -> tuple[str, list] | None:
    """Remove two to four words from inside the sentence; mark the words either side of the gap."""
    if len(words) < 8:
        return None
    n = int(rng.integers(2, 5))
    i = int(rng.integers(1, len(words) - n))
    start, end = words[i].start(), words[i + n - 1].end()
    out = text[:start] + text[end:].lstrip()
    left = words[i - 1]
    right_start = start
    right_end = right_start + (words[i + n].end() - words[i + n].start()) if i + n < len(words) else right_start
    return out, [(left.start(), left.end()), (right_start, right_end)]


def _drop_conjunction(text: str, words: list[re.Match], rng: np.random.Generator, _vocab) -> tuple[str, list] | None:
    """Remove a conjunction; mark the words either side of the gap."""
    found = [k for k, w in enumerate(words[1:-1], 1) if w.group().lower() in _CONJUNCTIONS]
    if not found:
        return None
    k = found[int(rng.integers(len(found)))]
    start, end = words[k].start(), words[k].end()
    out = text[:start] + text[end:].lstrip()
    nxt = words[k + 1]
    shift = nxt.start() - start
    return out, [(words[k - 1].start(), words[k - 1].end()), (nxt.start() - shift, nxt.end() - shift)]


def _repeat(text: str, words: list[re.Match], rng: np.random.Generator, _vocab) -> tuple[str, list] | None:
    """Say one or two words twice; mark the copy."""
    if len(words) < 4:
        return None
    n = int(rng.integers(1, 3))
    i = int(rng.integers(0, len(words) - n))
    start, end = words[i].start(), words[i + n - 1].end()
    piece = text[start:end]
    out = text[:end] + " " + piece + text[end:]
    return out, [(end + 1, end + 1 + len(piece))]


def _swap(text: str, words: list[re.Match], rng: np.random.Generator, _vocab) -> tuple[str, list] | None:
    """Swap two neighbouring words; mark both."""
    if len(words) < 4:
        return None
    i = int(rng.integers(0, len(words) - 1))
    a, b = words[i], words[i + 1]
    if a.group().lower() == b.group().lower():
        return None
    between = text[a.end():b.start()]
    if between.strip():
        return None
    out = text[:a.start()] + b.group() + between + a.group() + text[b.end():]
    return out, [(a.start(), b.end())]


def _wrong_word(text: str, words: list[re.Match], rng: np.random.Generator, vocab) -> tuple[str, list] | None:
    """Replace a content word by an unrelated one of the corpus (a wrong-sense word); mark it."""
    content = [w for w in words if len(w.group()) > 3 and w.group()[0].islower()]
    if not content or not vocab:
        return None
    w = content[int(rng.integers(len(content)))]
    new = vocab[int(rng.integers(len(vocab)))]
    if new.lower() == w.group().lower():
        return None
    out = text[:w.start()] + new + text[w.end():]
    return out, [(w.start(), w.start() + len(new))]


def _flip_negation(text: str, words: list[re.Match], rng: np.random.Generator, _vocab) -> tuple[str, list] | None:
    """Drop or add a negation (meaning reversed: visible only against the source); mark the verb."""
    lower = text.lower()
    for negated, plain in _NEGATIONS:
        at = lower.find(negated)
        if at > 0 and plain:
            return text[:at] + plain + text[at + len(negated):], [(at, at + len(plain))]
    return None


CORRUPTIONS: dict[str, Corruption] = {
    "drop_phrase": _drop_phrase,
    "drop_conjunction": _drop_conjunction,
    "repeat": _repeat,
    "swap": _swap,
    "wrong_word": _wrong_word,
    "negation": _flip_negation,
}


def corrupt(examples: Sequence[Example], *, per_example: float = 0.5, kinds: Sequence[str] = tuple(CORRUPTIONS),
            seed: int = 0) -> list[Example]:
    """Damaged copies of clean examples (label 0), each with its marked span; deterministic for a seed."""
    rng = np.random.default_rng(seed)
    clean = [e for e in examples if e.label == 0.0 and e.text.strip()]
    vocab = sorted({w.group() for e in clean for w in _WORD.finditer(e.text)
                    if len(w.group()) > 3 and w.group()[0].islower()})
    out = []
    for e in clean:
        if rng.random() >= per_example:
            continue
        words = list(_WORD.finditer(e.text))
        kind = kinds[int(rng.integers(len(kinds)))]
        made = CORRUPTIONS[kind](e.text, words, rng, vocab)
        if made is None:
            continue
        text, spans = made
        spans = [(a, b, 1.0) for a, b in spans if 0 <= a < b <= len(text)]
        out.append(replace(e, text=text, label=1.0, spans=tuple(spans), spans_known=True, kind=f"synthetic.{kind}",
                           original=e.text))
    return out


__all__ = ["CORRUPTIONS", "corrupt"]
