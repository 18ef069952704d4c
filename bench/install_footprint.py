"""Install footprint: time and size of a fresh virtual environment for the default install and each extra.

    python -m bench.install_footprint [--extras default,dev,notebook,scale,deep,train] [--keep]

For each variant: ``python -m venv``, then the README's way of installing it (``pip install .`` for the
default; ``pip install torch==2.13.0`` first for the extras that need torch, as documented), timed from the
empty venv to the end of the install; then the venv's size on disk, the number of distributions, whether
torch or any NVIDIA/CUDA or triton package is in it, and — for the default install — whether
``tqcheck check`` on the seed article works in it. pip runs with this machine's pip configuration and its
download cache as it is (a machine that downloads every wheel takes longer). Installs wait for
/tmp/pip.lock (one pip at a time on this shared machine); the waiting is not timed.
Writes the "Install footprint" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.docsection import replace_section

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Install footprint (fresh virtual environments)"
TORCH_FIRST = {"deep", "train"}
LOCK = Path("/tmp/pip.lock")


def size_mb(folder: Path) -> float:
    """Bytes under ``folder`` (files only, symlinks not followed), in MB."""
    total = 0
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = Path(dirpath) / name
            if not path.is_symlink():
                total += path.stat().st_size
    return total / 1e6


def pip(venv: Path, *args: str) -> None:
    """Run the venv's pip (quiet) while holding the machine-wide pip lock; raises on failure."""
    with LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *args], check=True,
                       cwd=ROOT, capture_output=True, text=True)


def measure(extra: str, work: Path) -> dict:
    """Create, install and measure one variant."""
    venv = work / f"venv-{extra}"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    target = "." if extra == "default" else f".[{extra}]"
    steps = ([["torch==2.13.0"]] if extra in TORCH_FIRST else []) + [[target]]
    seconds = 0.0
    for step in steps:
        started = time.perf_counter()
        try:
            pip(venv, *step)
        except subprocess.CalledProcessError as exc:
            return {"extra": extra, "error": (exc.stderr or "").strip().splitlines()[-1:] or ["pip failed"]}
        seconds += time.perf_counter() - started
    listed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
                            capture_output=True, text=True, check=True).stdout.split()
    names = [line.split("==")[0].lower() for line in listed]
    heavy = [n for n in names if n.startswith("nvidia") or n in ("triton", "cuda-python")]
    row = {"extra": extra, "command": " && ".join("pip install " + " ".join(s) for s in steps),
           "seconds": seconds, "mb": size_mb(venv), "packages": len(names), "torch": "torch" in names,
           "cuda": len(heavy)}
    if extra == "default":
        out = work / "seed.csv"
        done = subprocess.run([str(venv / "bin" / "tqcheck"), "check", str(ROOT / "seeds" / "000_d711ba56f4b847ad.txt"),
                               "-q", "--exit-zero", "--no-cache", "-o", str(out)], capture_output=True, text=True,
                              cwd=work)
        row["works"] = done.returncode == 0 and out.is_file() and out.stat().st_size > 0
        probe = subprocess.run([str(venv / "bin" / "python"), "-c", "import onnxruntime, harper, tqcheck.language.encoder"],
                               capture_output=True, text=True, cwd=work)
        row["works"] = row["works"] and probe.returncode == 0
    return row


def main(argv: list[str] | None = None) -> int:
    """Measure every variant and write the section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extras", default="default,dev,notebook,scale,deep,train")
    parser.add_argument("--keep", action="store_true", help="keep the virtual environments (printed)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="tqcheck-footprint-"))
    rows = []
    try:
        for extra in args.extras.split(","):
            row = measure(extra.strip(), work)
            print(row, flush=True)
            if "error" in row:
                rows.append(f"| `{row['extra']}` | failed: {' '.join(row['error'])[:200]} | | | | |")
                continue
            works = {True: " — `tqcheck check` on the seed article works in it", False: " — **check failed**"}
            rows.append(f"| `{row['command']}` | {row['seconds']:.0f} s | {row['mb']:,.0f} MB | {row['packages']} | "
                        f"{'yes' if row['torch'] else 'no'} | {row['cuda']}{works.get(row.get('works'), '')} |")
            shutil.rmtree(work / f"venv-{extra.strip()}", ignore_errors=True) if not args.keep else None
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    command = "python -m bench.install_footprint" + (
        f" --extras {args.extras}" if args.extras != "default,dev,notebook,scale,deep,train" else "")
    lines = [
        SECTION, "",
        f"Produced by `{command}` with Python {sys.version.split()[0]}: each row is a new virtual environment, "
        "installed the way the README says (torch first for the extras that need it) from this repository; "
        "time from the empty venv to the end of the install, with this machine's pip configuration (a local "
        "CPU torch wheel, a warm pip download cache: a machine downloading everything takes longer). An extra "
        "is measured alone on top of the default install.", "",
        "| install | time | venv size | distributions | torch | NVIDIA/CUDA/triton packages |",
        "|---|---:|---:|---:|---|---|", *rows, "",
    ]
    replace_section(Path(args.out), SECTION, "\n".join(lines), "# Speed and memory\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
