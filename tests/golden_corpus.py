"""A deterministic 2,000-sentence corpus for the byte-identical report test (built at test time, never stored)."""

from __future__ import annotations

SUBJECTS = ["The ministry", "Our neighbour", "The committee", "A spokesman for the city", "The new manager",
            "Most of the students", "The hospital", "Local farmers", "The airline", "Her brother"]
VERBS = ["said that it would", "has decided to", "was not able to", "will try to", "refused to",
         "is expected to", "could of", "wanted to", "did not want to", "despite of the rain tried to"]
OBJECTS = ["close the exports before midnight", "open {n} new schools next year", "leave the surrounded striptease",
           "take in more than {n} refugees", "raise prices by {n} per cent", "discuss the matter on Monday",
           "recieve the visitors at the station", "sign the agreement in {n}", "build a bridge over the river",
           "explain the decision to the press"]
ENDINGS = [".", ", according to officials.", " after a long debate.", ", which surprised many people.",
           " in the morning."]


def sentences(count: int = 2000) -> list[str]:
    """``count`` sentences, the same on every machine: clean ones and ones with seeded slips."""
    out = []
    for i in range(count):
        subject = SUBJECTS[i % len(SUBJECTS)]
        verb = VERBS[(i // len(SUBJECTS)) % len(VERBS)]
        obj = OBJECTS[(i * 7 + i // 13) % len(OBJECTS)].format(n=(i * 37) % 900 + 10)
        ending = ENDINGS[(i * 3 + i // 11) % len(ENDINGS)]
        out.append(f"{subject} {verb} {obj}{ending}")
    return out


def corpus_text(count: int = 2000) -> str:
    """The corpus as a text file: paragraphs of five sentences."""
    items = sentences(count)
    paragraphs = [" ".join(items[i:i + 5]) for i in range(0, len(items), 5)]
    return "\n\n".join(paragraphs) + "\n"
