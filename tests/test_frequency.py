"""tqcheck.language.frequency gives wordfreq's English Zipf values without importing wordfreq for plain words."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_zipf_matches_wordfreq_on_real_words_and_odd_ones():
    from wordfreq import iter_wordlist, zipf_frequency

    from tqcheck.language.frequency import zipf_en

    seed = (ROOT / "seeds" / "000_d711ba56f4b847ad.txt").read_text(encoding="utf-8")
    words = {w.replace("’", "'") for w in re.findall(r"[A-Za-z][A-Za-z'’]*", seed)}
    words |= {w.lower() for w in words}
    words |= set(list(iter_wordlist("en"))[::400])
    words |= {"xyzzyq", "trump's", "don't", "o'clock", "'s", "n't", "Paris", "170", "e-mail", "café", ""}
    assert {w: zipf_en(w) for w in words} == {w: zipf_frequency(w, "en") for w in words}


def test_plain_words_do_not_import_wordfreq():
    code = ("import sys; from tqcheck.language.frequency import zipf_en; "
            "print([zipf_en(w) for w in ('the', 'striptease', \"don't\", 'qqqzz')], 'wordfreq' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip().endswith("False")
