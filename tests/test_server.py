"""``tqcheck server``: a real LSP exchange over the server's stdio (JSON-RPC with Content-Length framing), and the
position and edit helpers it relies on."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from tqcheck.cli.server import char_column, client_units, edit_text  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_d711ba56f4b847ad.txt"
#: Bounds of one exchange: the first check loads the models.
TIMEOUT = float(os.environ.get("TQCHECK_TEST_SERVER_TIMEOUT", 180))


class Client:
    """A minimal LSP client: writes framed requests, a reader thread collects framed messages."""

    def __init__(self, cwd: Path, *args: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT), TQCHECK_CACHE_DIR=str(cwd / ".cache"))
        self.log = cwd / "server.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "tqcheck", "server", *args], cwd=cwd,
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env)
        self.messages: queue.Queue = queue.Queue()
        self.next_id = 0
        self.backlog: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.decode("ascii").strip()
                if not line:
                    break
                name, _, value = line.partition(":")
                headers[name.lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def send(self, payload: dict) -> None:
        body = json.dumps(payload).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: dict | None) -> dict:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        answer = self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)
        assert "error" not in answer, answer
        return answer["result"]

    def wait(self, match, timeout: float = TIMEOUT) -> dict:
        """The first message (kept back or new) that ``match`` accepts; the others are kept for later waits."""
        for i, message in enumerate(self.backlog):
            if match(message):
                return self.backlog.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no answer from the server in time; its log:\n"
                                     + self.log.read_text(errors="replace")[-3000:])
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if match(message):
                return message
            self.backlog.append(message)

    def diagnostics(self, uri: str, version: int | None = None) -> list[dict]:
        message = self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                            and m["params"]["uri"] == uri
                            and (version is None or m["params"].get("version") == version))
        return message["params"]["diagnostics"]

    def start(self, root: Path, capabilities: dict | None = None) -> dict:
        result = self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                             "capabilities": capabilities or {}})
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str, language: str = "plaintext", version: int = 1) -> str:
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": language,
                                                              "version": version, "text": text}})
        return uri

    def stop(self) -> int:
        self.request("shutdown", None)
        self.notify("exit", None)
        try:
            return self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            for stream in (self.process.stdin, self.process.stdout):
                stream.close()


@pytest.fixture
def client(tmp_path):
    started = Client(tmp_path)
    yield started
    if started.process.poll() is None:
        started.process.kill()
        started.process.wait(timeout=10)
        for stream in (started.process.stdin, started.process.stdout):
            stream.close()


def apply(text: str, edit: dict) -> str:
    """``text`` with one LSP TextEdit applied (UTF-16 positions)."""
    lines = text.split("\n")

    def offset(pos: dict) -> int:
        line = lines[pos["line"]]
        return sum(len(x) + 1 for x in lines[:pos["line"]]) + char_column(line, pos["character"])

    rng = edit["range"]
    return text[:offset(rng["start"])] + edit["newText"] + text[offset(rng["end"]):]


@pytest.mark.slow
def test_seed_article_diagnostics_and_a_quick_fix_for_striptease(client, tmp_path):
    path = tmp_path / SEED.name
    shutil.copy(SEED, path)
    text = path.read_text(encoding="utf-8")
    init = client.start(tmp_path)
    capabilities = init["capabilities"]
    assert capabilities["codeActionProvider"] and capabilities["hoverProvider"]
    uri = client.open(path, text)
    # the first check loads the models on the worker thread: the server answers meanwhile (nothing to show yet)
    asked = time.monotonic()
    assert client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                 "position": {"line": 0, "character": 0}}) is None
    answered = time.monotonic() - asked
    assert not any(m.get("method") == "textDocument/publishDiagnostics" for m in client.backlog)
    diagnostics = client.diagnostics(uri)
    assert answered < 5
    codes = [d["code"] for d in diagnostics]
    assert "mt.StripteaseForStrip" in codes and len(diagnostics) > 10
    strip = next(d for d in diagnostics if d["code"] == "mt.StripteaseForStrip")
    assert strip["source"] == "tqcheck" and strip["severity"] in (1, 2, 3)
    line = text.split("\n")[strip["range"]["start"]["line"]]
    assert line[strip["range"]["start"]["character"]:strip["range"]["end"]["character"]] == "striptease"

    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": strip["range"], "context": {"diagnostics": [strip]}})
    fix = next(a for a in actions if "mt.StripteaseForStrip" in a["title"])
    assert fix["kind"] == "quickfix"
    edits = fix["edit"]["changes"][uri]
    assert len(edits) == 1 and edits[0]["range"] == strip["range"] and edits[0]["newText"] == "strip"
    fixed = apply(text, edits[0])
    assert "surrounded strip so far" in fixed and "striptease" not in fixed.split("\n")[strip["range"]["start"]["line"]]

    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": strip["range"]["start"]})
    value = hover["contents"]["value"]
    assert "mt.StripteaseForStrip" in value and "striptease" in value

    # the fixed text, sent as a change, gets no StripteaseForStrip any more (change -> debounced check)
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": fixed}]})
    assert "mt.StripteaseForStrip" not in [d["code"] for d in client.diagnostics(uri, version=2)]
    assert client.stop() == 0


@pytest.mark.slow
def test_non_bmp_characters_utf16_positions_and_formats(client, tmp_path):
    (tmp_path / ".tqcheck.toml").write_text('grammar = "harper"\nfluency = false\n', encoding="utf-8")
    client.start(tmp_path)
    # two emoji (two UTF-16 units each) before the mistranslation on the same line
    text = "Title line.\n\U0001F600\U0001F600 People left the surrounded striptease so far this year.\n"
    uri = client.open(tmp_path / "emoji.txt", text)
    strip = next(d for d in client.diagnostics(uri) if d["code"] == "mt.StripteaseForStrip")
    line = text.split("\n")[1]
    start = line.index("striptease")
    assert strip["range"]["start"] == {"line": 1, "character": start + 2}  # +1 unit per emoji
    assert strip["range"]["end"] == {"line": 1, "character": start + 2 + len("striptease")}
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": strip["range"], "context": {"diagnostics": [strip]}})
    edit = next(a for a in actions if "mt.StripteaseForStrip" in a["title"])["edit"]["changes"][uri][0]
    assert apply(text, edit) == text.replace("striptease", "strip")

    # a PO file: the finding is located in the msgstr and the fix edits exactly that word
    po = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: en\\n"\n\n'
          'msgid "Sie verlassen den Streifen."\nmsgstr "They leave the surrounded striptease."\n')
    po_uri = client.open(tmp_path / "app.po", po, "po")
    found = next(d for d in client.diagnostics(po_uri) if d["code"] == "mt.StripteaseForStrip")
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": po_uri}, "range": found["range"], "context": {"diagnostics": [found]}})
    edit = next(a for a in actions if "mt.StripteaseForStrip" in a["title"])["edit"]["changes"][po_uri][0]
    assert apply(po, edit) == po.replace("surrounded striptease", "surrounded strip")

    # XLIFF: the finding sits inside <target>, after an entity; the fix edits that word only
    xlf = ('<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" '
           'xmlns="urn:oasis:names:tc:xliff:document:1.2">\n<file original="a" source-language="de" '
           'target-language="en" datatype="plaintext"><body>\n<trans-unit id="1"><source>Der Streifen</source>'
           '<target>R&amp;D people left the surrounded striptease.</target></trans-unit>\n</body></file></xliff>\n')
    xlf_uri = client.open(tmp_path / "ui.xlf", xlf, "xml")
    found = next(d for d in client.diagnostics(xlf_uri) if d["code"] == "mt.StripteaseForStrip")
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": xlf_uri}, "range": found["range"], "context": {"diagnostics": [found]}})
    edit = next(a for a in actions if "mt.StripteaseForStrip" in a["title"])["edit"]["changes"][xlf_uri][0]
    assert apply(xlf, edit) == xlf.replace("surrounded striptease", "surrounded strip")

    # Markdown: inline markup is not checked text, yet the range is the word's place in the file
    md = "# Notes\n\nPeople *left* the **surrounded** striptease today.\n"
    md_uri = client.open(tmp_path / "notes.md", md, "markdown")
    found = next(d for d in client.diagnostics(md_uri) if d["code"] == "mt.StripteaseForStrip")
    assert found["range"]["start"] == {"line": 2, "character": md.split("\n")[2].index("striptease")}

    # saving checks again (same version, new diagnostics)
    client.notify("textDocument/didSave", {"textDocument": {"uri": md_uri}})
    assert "mt.StripteaseForStrip" in [d["code"] for d in client.diagnostics(md_uri)]

    # a bad file gets one error diagnostic, the server keeps going
    bad = client.open(tmp_path / "bad.xlf", "<xliff><file", "xml")
    [error] = client.diagnostics(bad)
    assert error["severity"] == 1 and "bad.xlf" in error["message"]
    assert client.stop() == 0


def test_utf16_units_and_back():
    line = "a\U0001F600b\u00e9c"
    assert client_units(line) == 6 and client_units(line, "utf-8") == 9 and client_units(line, "utf-32") == 5
    assert [char_column(line, n) for n in (0, 1, 3, 4, 5, 6)] == [0, 1, 2, 3, 4, 5]
    assert char_column(line, 99) == len(line)
    assert char_column(line, 5, "utf-8") == 2


def test_edits_are_escaped_as_the_file_escapes_text():
    assert edit_text("text", "colour", "colour", "color") == "color"
    assert edit_text("text", "colour", "flavour", "color") is None  # the file's text moved: no edit
    assert edit_text("xliff", "R&amp;D", "R&D", "R&D <b>") == "R&amp;D &lt;b&gt;"
    assert edit_text("po", 'say \\"hi\\"', 'say "hi"', 'say "bye"') == 'say \\"bye\\"'


def test_server_without_pygls_is_a_clear_error(tmp_path):
    code = ("import sys, builtins\nreal = builtins.__import__\n"
            "def fake(name, *a, **k):\n    if name.startswith('pygls'): raise ImportError(name)\n"
            "    return real(name, *a, **k)\nbuiltins.__import__ = fake\n"
            "from tqcheck.cli.main import cli\nsys.argv = ['tqcheck', 'server']\ncli(prog_name='tqcheck')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 2 and "pip install" in done.stderr and done.stderr.count("\n") == 1


@pytest.mark.slow
def test_pipelines_load_once_per_configuration(tmp_path):
    from tqcheck.cli.server import Checker

    (tmp_path / ".tqcheck.toml").write_text('grammar = "harper"\nfluency = false\n', encoding="utf-8")
    other = tmp_path / "other"
    other.mkdir()
    (other / ".tqcheck.toml").write_text('grammar = "none"\nfluency = false\n', encoding="utf-8")
    checker = Checker()
    try:
        first = checker.check(str(tmp_path / "a.txt"), "He came despite of the rain.", 1)
        second = checker.check(str(tmp_path / "b.md"), "# Title\n\nThe surrounded striptease.\n", 1)
        assert len(checker._pipelines) == 1
        third = checker.check(str(other / "c.txt"), "He came despite of the rain.", 1)
        assert len(checker._pipelines) == 2
    finally:
        checker.close()
    assert [i.finding.rules for i in first.located] == [("calque.DespiteOf", "harper.WordChoice.DespiteOf")]
    assert {i.finding.rule_id for i in second.located} >= {"mt.StripteaseForStrip"}
    assert [i.finding.engine for i in third.located] == ["tqcheck-rules"]  # that folder's config: no Harper
    strip = next(i for i in second.located if i.finding.rule_id == "mt.StripteaseForStrip")
    assert strip.start == (2, len("The surrounded ")) and second.text_between(strip.start, strip.end) == "striptease"


@pytest.mark.slow
def test_a_byte_order_mark_and_an_empty_buffer(tmp_path):
    from tqcheck.cli.server import Checker

    (tmp_path / ".tqcheck.toml").write_text('grammar = "none"\nfluency = false\n', encoding="utf-8")
    checker = Checker()
    try:
        text = "\ufeffThe surrounded striptease.\n"
        checked = checker.check(str(tmp_path / "bom.txt"), text, 1)
        strip = next(i for i in checked.located if i.finding.rule_id == "mt.StripteaseForStrip")
        assert checked.text_between(strip.start, strip.end) == "striptease"
        empty = checker.check(str(tmp_path / "new.txt"), "\n  \n", 1)
        assert empty.error == "" and empty.located == []
    finally:
        checker.close()


@pytest.mark.slow
def test_a_client_that_counts_utf8_bytes(client, tmp_path):
    """Neovim offers UTF-8 positions first: the server takes them, and counts bytes in and out."""
    (tmp_path / ".tqcheck.toml").write_text('grammar = "none"\nfluency = false\n', encoding="utf-8")
    init = client.start(tmp_path, {"general": {"positionEncodings": ["utf-8", "utf-16"]}})
    assert init["capabilities"]["positionEncoding"] == "utf-8"
    text = "\U0001F600 Café people left the surrounded striptease.\n"
    uri = client.open(tmp_path / "utf8.txt", text)
    strip = next(d for d in client.diagnostics(uri) if d["code"] == "mt.StripteaseForStrip")
    before = text[:text.index("striptease")]
    assert strip["range"]["start"] == {"line": 0, "character": len(before.encode("utf-8"))}
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": strip["range"]["end"]})
    assert "mt.StripteaseForStrip" in hover["contents"]["value"]
    assert client.stop() == 0
