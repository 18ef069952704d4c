"""Words of a segment with their character offsets, as the fluency signals see them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|\d+(?:[.,:]\d+)*")

#: Function words: never reported as a span of their own and left out of semantic fit.
STOPWORDS = frozenset("""
a about above after again against all almost also although am among an and another any are as at be because been
before being below between both but by can could did do does doing done down during each either else even ever
every few for from further had has have having he her here hers herself him himself his how however i if in into is
it its itself just least less let like made make many may me might more most much must my myself neither no nor not
now of off often on once one only or other others our ours ourselves out over own per perhaps quite rather really
same shall she should since so some still such than that the their theirs them themselves then there these they this
those though through thus to too under until up upon us very via was we well were what when where whether which
while who whom whose why will with within without would yet you your yours yourself yourselves s t don't it's
that's there's isn't wasn't aren't weren't can't won't didn't doesn't haven't hasn't hadn't i'm i've we're they're
he's she's let's said says say
""".split())


@dataclass(frozen=True)
class Word:
    """One word of a segment: its text, lower-cased form and character span."""

    text: str
    lower: str
    start: int
    end: int
    is_number: bool
    capitalised: bool

    @property
    def is_content(self) -> bool:
        """A content word: alphabetic, not a function word, at least three letters."""
        return not self.is_number and len(self.lower) >= 3 and self.lower not in STOPWORDS


def words(text: str) -> list[Word]:
    """The words and numbers of ``text`` with their offsets (curly apostrophes normalised)."""
    result = []
    for match in _WORD.finditer(text):
        token = match.group()
        lower = token.replace("’", "'").lower()
        result.append(Word(token, lower, match.start(), match.end(), token[0].isdigit(), token[0].isupper()))
    return result


@lru_cache(maxsize=200_000)
def zipf(word: str) -> float:
    """Zipf frequency of a lower-cased English word (wordfreq's, via tqcheck.language.frequency; 0 when unknown)."""
    from tqcheck.language.frequency import zipf_en

    return zipf_en(word)
