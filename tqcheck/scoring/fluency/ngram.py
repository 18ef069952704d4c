"""The 3-gram language-model signal: CMU en-us (pocketsphinx) surprisal against word frequency."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from tqcheck.core.errors import BackendError
from tqcheck.scoring.fluency.tokens import Word, zipf

NAME = "cmu-en-us-3gram"
#: pocketsphinx reports log probabilities in log base 1.0001.
_TO_LOG10 = math.log10(1.0001)
_OOV = -536870912
INSTALL_HINT = "pip install pocketsphinx"


def locate_ngram() -> Path:
    """Path of the CMU en-us 3-gram model shipped with pocketsphinx."""
    try:
        import pocketsphinx
    except ImportError:
        raise BackendError(f"the 3-gram language model needs pocketsphinx: {INSTALL_HINT}") from None
    path = Path(pocketsphinx.get_model_path()) / "en-us" / "en-us.lm.bin"
    if not path.is_file():
        raise BackendError(f"pocketsphinx's en-us.lm.bin is missing at {path}: reinstall with {INSTALL_HINT}")
    return path


@dataclass(frozen=True)
class TokenScore:
    """LM surprisal of one word (log10 units) and the same adjusted for word frequency."""

    word: Word
    surprisal: float
    adjusted: float
    known: bool


class NgramLM:
    """The loaded 3-gram model; scores words in context."""

    def __init__(self, path: Path | None = None) -> None:
        import pocketsphinx

        self.path = path or locate_ngram()
        pocketsphinx.set_loglevel("FATAL") if hasattr(pocketsphinx, "set_loglevel") else None
        try:
            self._model = pocketsphinx.NGramModel.readfile(str(self.path))
        except (ValueError, RuntimeError) as exc:
            raise BackendError(f"cannot read the 3-gram model {self.path}: {exc}") from None
        self._cache: dict[tuple[str, ...], float] = {}

    def logprob(self, word: str, history: tuple[str, ...]) -> float | None:
        """log10 P(word | history) (history oldest first); None when the word is unknown."""
        key = (word, *history[::-1])
        value = self._cache.get(key)
        if value is None:
            value = self._model.prob(list(key))
            if len(self._cache) < 2_000_000:
                self._cache[key] = value
        return None if value <= _OOV else value * _TO_LOG10

    def score(self, tokens: list[Word]) -> list[TokenScore]:
        """Surprisal of every word given the two before it (a number or unknown word resets the context)."""
        result = []
        history: tuple[str, ...] = ("<s>",)
        for word in tokens:
            if word.is_number:  # the model has no digits: a number reads as "hundred" in the context
                result.append(TokenScore(word, 0.0, 0.0, False))
                history = history[-1:] + ("hundred",)
                continue
            lp = self.logprob(word.lower, history[-2:])
            if lp is None:
                result.append(TokenScore(word, 0.0, 0.0, False))
                history = ()
                continue
            unigram = zipf(word.lower) - 9.0  # log10 of the word's frequency per word
            if unigram < -8.0:
                unigram = -8.0
            surprisal = -lp
            result.append(TokenScore(word, surprisal, surprisal + unigram, True))
            history = history[-1:] + (word.lower,) if history else (word.lower,)
        return result
