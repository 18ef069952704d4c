"""The HTML report in a real headless browser (Debian's chromium); skipped when chromium is absent.

Regenerate the committed screenshot of the seed report with:

    python tests/test_bilingual_browser.py docs/seed-report.png
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_d711ba56f4b847ad.txt"
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
needs_browser = pytest.mark.skipif(BROWSER is None, reason="chromium not installed (apt-get install -y chromium)")


def chromium(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run headless chromium offline with a fresh profile folder."""
    with tempfile.TemporaryDirectory(prefix="tqcheck-chromium-") as profile:
        command = [BROWSER or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                   "--no-first-run", "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", f"--user-data-dir={profile}", *arguments]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def screenshot(page: Path, png: Path, width: int = 1200, height: int = 1500) -> None:
    """A PNG screenshot of ``page``."""
    result = chromium(f"--screenshot={png}", f"--window-size={width},{height}", page.resolve().as_uri())
    assert png.exists(), result.stderr[-2000:]


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG header."""
    data = path.read_bytes()[:24]
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


def render_page(report, path: Path) -> Path:
    """Write the html writer's page for ``report`` to ``path``."""
    from tqcheck.output.writers import get_writer

    path.write_text(get_writer("html").render(report), encoding="utf-8")
    return path


@needs_browser
def test_html_report_parses_and_renders_in_chromium(tmp_path):
    import tqcheck

    text = ('Diplomats say Israel has allowed hundreds of people to leave the surrounded striptease. '
            'The <b>bold</b> & "quoted" text stays text.')
    page = render_page(tqcheck.check(text, grammar="none", fluency=False), tmp_path / "report.html")
    dom = chromium("--dump-dom", page.as_uri()).stdout
    assert '<div class="tqc">' in dom
    assert "striptease</mark>" in dom and 'title="mt.StripteaseForStrip' in dom
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; \"quoted\"" in dom  # the browser kept the text as text
    png = tmp_path / "report.png"
    screenshot(page, png, 1000, 700)
    assert png_size(png) == (1000, 700) and png.stat().st_size > 10_000


@needs_browser
@pytest.mark.slow
def test_seed_report_screenshot(tmp_path):
    import tqcheck

    page = render_page(tqcheck.check(SEED), tmp_path / "seed.html")
    png = tmp_path / "seed.png"
    screenshot(page, png)
    assert png_size(png) == (1200, 1500) and 50_000 < png.stat().st_size < 2_000_000


if __name__ == "__main__":  # regenerate docs/seed-report.png
    import tqcheck

    target = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "seed-report.png")
    with tempfile.TemporaryDirectory() as folder:
        page = render_page(tqcheck.check(SEED), Path(folder) / "seed.html")
        screenshot(page, target)
    print(f"{target}: {target.stat().st_size} bytes")
