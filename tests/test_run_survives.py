"""A run survives one bad file (like ruff): the others are checked and reported, the bad one named, exit 2."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FRENCH_XLIFF = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
 <file source-language="en" target-language="fr" datatype="plaintext" original="x">
  <body>
   <trans-unit id="1"><source>Hello world.</source><target>Bonjour le monde.</target></trans-unit>
  </body>
 </file>
</xliff>
"""


def test_a_folder_with_a_french_target_xliff_reports_the_two_good_files(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("The surrounded striptease was closed. He said it twice.\n", encoding="utf-8")
    (folder / "b.md").write_text("# Notes\n\nThe committee approved the budget on Tuesday.\n", encoding="utf-8")
    (folder / "fr.xlf").write_text(FRENCH_XLIFF, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "tqcheck", "check", "docs", "--no-config", "--no-fluency",
                             "--grammar", "none", "-f", "line,csv"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("tqcheck: error:")]
    assert len(errors) == 1 and "fr.xlf" in errors[0] and "French" in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    with open(tmp_path / "reports" / "docs.csv", newline="", encoding="utf-8") as handle:
        files = {row["file"] for row in csv.DictReader(handle)}
    assert files == {os.path.join("docs", "a.txt"), os.path.join("docs", "b.md")}
    assert "striptease" in result.stdout  # the good files' findings are printed
    # the error comes after the report of the others, the last thing the run says
    assert result.stderr.rstrip().splitlines()[-1].startswith("tqcheck: 1 input not checked")
