"""Speed of the fluency stage alone on a >= 5,000-sentence document; writes docs/benchmarks-fluency.md.

    python bench/fluency_speed.py [--data ../shared/data] [--sentences 5000] [--lm smollm2]

The document is made of real English sentences: the first N distinct MLQE-PE dev translations (Wikipedia
sentences from seven language pairs: a wide vocabulary, so the word-embedding cache works hard) when the data
folder is there, else the seed article's sentences repeated with numbered variations.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tqcheck.core.document import Document  # noqa: E402


def sentences(data: Path, n: int) -> tuple[list[str], str]:
    """N sentences and a description of where they come from."""
    source = data / "mlqe_pe_da_xen" / "dev.tsv"
    if source.is_file():
        import pandas as pd

        frame = pd.read_csv(source, sep="\t", keep_default_na=False)
        texts = list(dict.fromkeys(t.replace("\n", " ") for t in frame["target"]))[:n]
        return texts, f"first {len(texts)} translations of {source.relative_to(data.parent)} (mean " \
                      f"{sum(len(t.split()) for t in texts) / len(texts):.1f} words)"
    from sentencex import segment

    seed = (ROOT / "seeds" / "000_d711ba56f4b847ad.txt").read_text(encoding="utf-8")
    base = [s.strip() for s in segment("en", seed) if s.strip()]
    texts = [f"{base[i % len(base)]} ({i // len(base)})" for i in range(n)]
    return texts, f"the seed article's {len(base)} sentences repeated to {n}"


def build(texts: list[str]) -> Document:
    """A document whose segments are ``texts`` (one per line)."""
    document = Document(path="bench.txt", text="\n".join(texts))
    offset = 0
    for text in texts:
        document.add_segment(text, offset)
        offset += len(text) + 1
    return document


def main(argv: list[str] | None = None) -> int:
    """Measure and write docs/benchmarks-fluency.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data", help="data folder (relative to the repository root)")
    parser.add_argument("--sentences", type=int, default=5000)
    parser.add_argument("--lm", default="")
    parser.add_argument("--semantic", default="on", choices=("on", "off"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks-fluency.md"))
    args = parser.parse_args(argv)
    data = Path(args.data) if Path(args.data).is_absolute() else ROOT / args.data
    texts, origin = sentences(data.resolve(), args.sentences)
    document = build(texts)
    started = time.perf_counter()
    from tqcheck.scoring.fluency import FluencyScorer

    scorer = FluencyScorer(semantic=args.semantic == "on", lm=args.lm)
    load = time.perf_counter() - started
    started = time.perf_counter()
    scorer.score(document, [])
    cold = time.perf_counter() - started
    started = time.perf_counter()
    scorer.score(document, [])
    warm = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(document.segments)
    command = "python bench/fluency_speed.py" + "".join(
        f" --{k} {v}" for k, v in (("sentences", args.sentences), ("lm", args.lm), ("semantic", args.semantic))
        if v and not (k == "semantic" and v == "on") and not (k == "sentences" and v == 5000))
    rows = [
        f"## `{command}`",
        "",
        f"Document: {n} segments, {origin}. Tier: {'deep (' + args.lm + ')' if args.lm else 'default'}, "
        f"semantic {args.semantic}. Machine: this 2-core CPU box (load average before the run "
        f"{os.getloadavg()[0]:.1f}: other work shares it); sentence encoder: int8 ONNX Runtime, 1 thread; "
        "`--lm smollm2`: ctranslate2 int8 (its default threads).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| model load (3-gram{', int8 MiniLM + hash check' if args.semantic == 'on' else ''}"
        f"{', causal LM' if args.lm else ''}) | {load:.1f} s |",
        f"| first pass | {cold:.1f} s = **{n / cold:.0f} sentences/s** |",
        f"| same document again (warm per-text caches, if any) | {warm:.1f} s = {n / warm:.0f} sentences/s |",
        f"| peak memory (max RSS of the process) | {peak_mb:.0f} MB |",
        "",
    ]
    out = Path(args.out)
    previous = out.read_text(encoding="utf-8") if out.exists() else \
        "# Fluency stage speed\n\nEach section is written by the command in its title (latest run replaces it).\n\n"
    head = f"## `{command}`"
    if head in previous:
        before, _, after = previous.partition(head)
        rest = after.split("\n## ", 1)
        previous = before + ("## " + rest[1] if len(rest) > 1 else "")
    out.write_text(previous.rstrip("\n") + "\n\n" + "\n".join(rows), encoding="utf-8")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
