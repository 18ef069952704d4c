"""`tqcheck review` and `check --fix --interactive`, driven by scripted key presses through a pseudo-terminal."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--no-config", "--no-fluency", "--grammar", "none"]
TEXT = ("Diplomats say hundreds of people have left the surrounded striptease this year.\n\n"
        "Families in Gaza had delayed their exports several times.\n\n"
        "It acted on the instructions of the political echelon.\n")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")


class Terminal:
    """A tqcheck process on a pseudo-terminal: wait for text, then type keys."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        master, slave = os.openpty()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "TERM": "xterm", "COLUMNS": "100"}
        def controlling_terminal() -> None:  # a session of its own whose terminal is the pty: Ctrl-C is SIGINT
            import fcntl
            import termios

            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.process = subprocess.Popen([sys.executable, "-m", "tqcheck", *args], stdin=slave, stdout=slave,
                                        stderr=slave, cwd=cwd, env=env, preexec_fn=controlling_terminal)
        os.close(slave)
        self.master = master
        self.output = ""
        self.mark = 0

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.master, 4096)
        except OSError:  # the child closed the terminal
            return False
        if not data:
            return False
        self.output += data.decode("utf-8", "replace")
        return True

    def expect(self, text: str, timeout: float = 60) -> None:
        """Wait until ``text`` has been printed since the last expected text."""
        deadline = time.monotonic() + timeout
        while text not in self.output[self.mark:]:
            assert time.monotonic() < deadline, f"timed out waiting for {text!r}:\n{self.output}"
            assert self._read(0.5), f"process ended before {text!r}:\n{self.output}"
        self.mark = self.output.index(text, self.mark)

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode("utf-8"))

    def finish(self, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while self._read(0.5) and time.monotonic() < deadline:
            pass
        code = self.process.wait(timeout=timeout)
        os.close(self.master)
        return code


def test_review_walks_findings_with_key_presses(tmp_path: Path) -> None:
    path = tmp_path / "article.txt"
    path.write_text(TEXT, encoding="utf-8")
    term = Terminal(["review", "article.txt", *FAST], tmp_path)
    term.expect("[1/4]", timeout=300)  # the check runs first
    term.expect("[surrounded]")
    term.expect("? ")
    term.type("f")                      # false alarm: 'surrounded'
    term.expect("[2/4]")
    term.expect("1) strip")
    term.expect("? ")
    term.type("\r")                     # accept the suggestion: striptease -> strip
    term.expect("[3/4]")
    term.expect("? ")
    term.type("x")                      # not a key: asked again
    term.type("e")                      # type another: exports -> departures
    term.expect("replacement")
    term.type("departures\n")
    term.expect("[4/4]")
    term.expect("? ")
    term.type("s")                      # skip 'political echelon'
    term.expect("2 replaced, 1 skipped, 1 false alarm recorded in tqcheck-baseline.json")
    assert term.finish() == 0, term.output
    assert path.read_text(encoding="utf-8") == (
        TEXT.replace("surrounded striptease", "surrounded strip").replace("their exports", "their departures"))
    baseline = json.loads((tmp_path / "tqcheck-baseline.json").read_text(encoding="utf-8"))
    (entry,) = baseline["findings"]
    assert (entry["rule_id"], entry["matched"], entry["false_alarm"]) == ("mt.SurroundedForBesieged", "surrounded", True)
    from tqcheck.cli.main import cli

    os.chdir(tmp_path)
    try:
        again = CliRunner().invoke(cli, ["check", "article.txt", *FAST, "-f", "line", "--baseline",
                                         "tqcheck-baseline.json"])
    finally:
        os.chdir(ROOT)
    assert "mt.SurroundedForBesieged" not in again.stdout and "mt.StripteaseForStrip" not in again.stdout
    assert "mt.PoliticalEchelon" in again.stdout  # skipped: still reported
    assert again.exit_code == 0  # the remaining finding is minor


def test_check_fix_interactive_digit_and_quit(tmp_path: Path) -> None:
    path = tmp_path / "article.txt"
    path.write_text(TEXT, encoding="utf-8")
    term = Terminal(["check", "article.txt", *FAST, "--fix", "--interactive", "-f", "line", "--exit-zero"],
                    tmp_path)
    term.expect("[1/4]", timeout=300)
    term.expect("? ")
    term.type("1")                      # surrounded -> besieged
    term.expect("[2/4]")
    term.expect("? ")
    term.type("q")                      # stop: the first decision is applied
    term.expect("1 replaced, 0 skipped, 0 false alarms")
    assert term.finish() == 0, term.output
    assert path.read_text(encoding="utf-8") == TEXT.replace("surrounded striptease", "besieged striptease")
    after = term.output.split("1 replaced")[1]  # the report printed after the review
    assert "mt.StripteaseForStrip" in after and "mt.SurroundedForBesieged" not in after
    assert not (tmp_path / "tqcheck-baseline.json").exists()


def test_review_needs_a_terminal(tmp_path: Path) -> None:
    from tqcheck.cli.main import cli

    path = tmp_path / "article.txt"
    path.write_text(TEXT, encoding="utf-8")
    result = CliRunner().invoke(cli, ["review", str(path), *FAST])
    assert result.exit_code == 2 and "needs a terminal" in result.output
    assert path.read_text(encoding="utf-8") == TEXT


XLIFF = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file original="news.txt" source-language="de" target-language="en" datatype="plaintext">
    <body>
      <trans-unit id="u1"><source>Diplomaten sagen, dass Hunderte Menschen in diesem Jahr den belagerten Streifen verlassen haben.</source><target>Diplomats say hundreds of people have left the surrounded striptease this year.</target></trans-unit>
      <trans-unit id="u2" translate="no"><source>Die Hilfe wartete an der Grenze des Streifens.</source><target>Aid waited at the border of the striptease.</target></trans-unit>
      <trans-unit id="u3"><source>Frankreich hat mehr als 170 aufgenommen, Deutschland mehr als 70.</source><target>France has taken in more than 170, Germany more than 17.</target></trans-unit>
    </body>
  </file>
</xliff>
"""


def test_review_shows_the_sentence_as_it_now_reads_locks_units_and_keeps_decisions_on_ctrl_c(tmp_path: Path) -> None:
    path = tmp_path / "news.xlf"
    path.write_text(XLIFF, encoding="utf-8")
    term = Terminal(["review", "news.xlf", *FAST], tmp_path)
    term.expect("[1/4]", timeout=300)
    term.expect("[surrounded] striptease")
    term.expect("[1/Enter] accept  [e] edit  [s] skip")
    term.type("1")                      # surrounded -> besieged
    term.expect("[2/4]")
    term.expect("left the besieged [striptease] this year")  # the sentence as it now reads
    term.expect("? ")
    term.type("\r")                     # striptease -> strip
    term.expect("[3/4]")
    term.expect('not changed: the unit is locked (translate="no")')
    term.expect("  [s] skip  [f] false alarm  [q] quit ? ")  # a locked unit: neither accept nor edit
    term.type("1")                      # not offered: asked again
    term.type("f")                      # false alarm
    term.expect("[4/4]")
    term.expect("  [e] edit  [s] skip  [f] false alarm  [q] quit ? ")  # no suggestion: no accept
    term.type("\x03")                   # Ctrl-C: what was decided is kept
    term.expect("interrupted: keeping the 3 decisions made so far")
    term.expect("2 replaced, 0 skipped, 1 false alarm recorded in tqcheck-baseline.json")
    assert term.finish() == 0, term.output
    after = path.read_text(encoding="utf-8")
    assert after == XLIFF.replace(
        "<target>Diplomats say hundreds of people have left the surrounded striptease this year.",
        '<target state="needs-review-translation">Diplomats say hundreds of people have left the besieged strip '
        "this year.")
    from tqcheck.cli.main import cli

    os.chdir(tmp_path)
    try:  # no --baseline and no --no-config: check finds the baseline the review wrote by itself
        again = CliRunner().invoke(cli, ["check", "news.xlf", "--no-fluency", "--grammar", "none", "-f", "line"])
    finally:
        os.chdir(ROOT)
    assert "baseline tqcheck-baseline.json: 1 new, 1 known" in again.stderr  # new: source.Number, skipped
    assert "mt.StripteaseForStrip" not in again.stdout and "source.Number" in again.stdout


def test_a_baseline_is_discovered_up_to_the_project_folder(tmp_path: Path, monkeypatch) -> None:
    from tqcheck.policy.baseline import default_baseline, discover_baseline

    project = tmp_path / "project"
    (project / "docs" / "de").mkdir(parents=True)
    (project / ".git").mkdir()
    (tmp_path / "tqcheck-baseline.json").write_text("{}", encoding="utf-8")  # outside the project: never read
    monkeypatch.chdir(tmp_path)
    file = str(project / "docs" / "de" / "a.xlf")
    assert discover_baseline([file]) is None
    assert default_baseline([file]) == project / "tqcheck-baseline.json"
    (project / "docs" / "tqcheck-baseline.json").write_text("{}", encoding="utf-8")
    assert discover_baseline([file]) == project / "docs" / "tqcheck-baseline.json"


def test_review_of_several_files_is_not_stopped_by_a_bad_one(tmp_path: Path) -> None:
    (tmp_path / "article.txt").write_text(TEXT.split("\n\n")[0] + "\n", encoding="utf-8")
    (tmp_path / "broken.xlf").write_text('<xliff version="1.2"><file><body><trans-unit id="1">\n', encoding="utf-8")
    later = TEXT.split("\n\n")[1]
    (tmp_path / "later.txt").write_text(later, encoding="utf-8")
    term = Terminal(["review", "article.txt", "broken.xlf", "missing.txt", "later.txt", *FAST], tmp_path)
    term.expect("2 inputs could not be read (listed at the end); reviewing the others", timeout=300)
    term.expect("[1/3]")
    term.expect("? ")
    term.type("s")
    term.expect("[2/3]")
    term.expect("? ")
    term.type("s")
    term.expect("[3/3]")
    term.expect("later.txt")
    term.expect("? ")
    term.type("e")                      # the file after the bad one is reviewed and written
    term.expect("replacement")
    term.type("departures\n")
    term.expect("1 replaced, 2 skipped")
    term.expect("tqcheck: error: broken.xlf:2: malformed XML")
    term.expect("2 inputs not checked (exit 2)")
    assert term.finish() == 2, term.output
    assert "tqcheck: error: missing.txt: no such file or folder" in term.output
    assert (tmp_path / "later.txt").read_text(encoding="utf-8") == later.replace("exports", "departures")
