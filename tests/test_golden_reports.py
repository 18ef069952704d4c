"""Reports stay byte-identical across refactors: the seed article, a bilingual TSV, an XLIFF file and a
2,000-sentence corpus checked with ``--jobs 2`` give the CSV reports committed before the layer move (issue 24).

A change that means to change a report (a new detector, a new rule) regenerates these files on purpose:
``python tests/test_golden_reports.py --write``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "data" / "golden"
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from golden_corpus import corpus_text  # noqa: E402

SMALL = {
    "000_d711ba56f4b847ad.txt": (ROOT / "seeds" / "000_d711ba56f4b847ad.txt", GOLDEN / "seed.csv"),
    "sample.de-en.tsv": (ROOT / "seeds" / "sample.de-en.tsv", GOLDEN / "sample.de-en.tsv.csv"),
    "sample.de-en.xlf": (GOLDEN / "sample.de-en.xlf", GOLDEN / "sample.de-en.xlf.csv"),
}


def _check(folder: Path, name: str, *extra: str) -> bytes:
    """Run ``tqcheck check NAME`` in ``folder`` as a user would and return the CSV report's bytes."""
    out = folder / f"{name}.csv"
    done = subprocess.run([sys.executable, "-m", "tqcheck", "check", name, "--no-cache", "--exit-zero",
                           "-o", out.name, *extra], cwd=folder, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SMALL))
def test_small_reports_are_byte_identical(tmp_path, name):
    source, expected = SMALL[name]
    shutil.copy(source, tmp_path / name)
    assert _check(tmp_path, name) == expected.read_bytes()


@pytest.mark.slow
def test_corpus_report_with_two_jobs_is_byte_identical(tmp_path):
    (tmp_path / "corpus2000.txt").write_text(corpus_text(), encoding="utf-8")
    report = _check(tmp_path, "corpus2000.txt", "--jobs", "2")
    assert hashlib.sha256(report).hexdigest() == (GOLDEN / "corpus2000.csv.sha256").read_text().strip()


if __name__ == "__main__":  # regenerate on purpose: python tests/test_golden_reports.py --write
    import tempfile

    assert sys.argv[1:] == ["--write"], "usage: python tests/test_golden_reports.py --write"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, (source, expected) in SMALL.items():
            shutil.copy(source, folder / name)
            expected.write_bytes(_check(folder, name))
        (folder / "corpus2000.txt").write_text(corpus_text(), encoding="utf-8")
        digest = hashlib.sha256(_check(folder, "corpus2000.txt", "--jobs", "2")).hexdigest()
        (GOLDEN / "corpus2000.csv.sha256").write_text(digest + "\n")
