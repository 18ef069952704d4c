"""How long an editor waits for tqcheck server's diagnostics: the seed article opened, then edited.

    python bench/server_latency.py            # default settings (detector on, Harper)
    python bench/server_latency.py --runs 5

Starts ``python -m tqcheck server`` as an editor would, speaks JSON-RPC over its stdio, and times: ``initialize``;
``didOpen`` of the seed article until its ``publishDiagnostics`` (the first check, which loads the rule packs,
Harper and the detector); then ``--runs`` edits (``didChange`` with one word changed) until their diagnostics,
which includes the server's debounce (``--debounce``, 0.4 s by default). Wall-clock on this machine; prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_d711ba56f4b847ad.txt"


class Server:
    """The server process and a blocking JSON-RPC reader."""

    def __init__(self, cwd: Path, debounce: float) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.process = subprocess.Popen([sys.executable, "-m", "tqcheck", "server", "--debounce", str(debounce)],
                                        cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, env=env)
        self.next_id = 0

    def send(self, payload: dict) -> None:
        body = json.dumps(payload).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self) -> dict:
        length = 0
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit("the server stopped")
            if not line.strip():
                break
            name, _, value = line.decode("ascii").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return json.loads(self.process.stdout.read(length))

    def request(self, method: str, params: dict | None) -> dict:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("id") == self.next_id and "method" not in message:
                return message

    def diagnostics(self, version: int) -> list:
        while True:
            message = self.receive()
            if message.get("method") == "textDocument/publishDiagnostics" and \
                    message["params"].get("version") == version:
                return message["params"]["diagnostics"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--debounce", type=float, default=0.4)
    args = parser.parse_args()
    text = SEED.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / SEED.name
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        server = Server(Path(tmp), args.debounce)
        try:
            began = time.perf_counter()
            server.request("initialize", {"processId": os.getpid(), "rootUri": Path(tmp).as_uri(),
                                          "capabilities": {}})
            server.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
            started = time.perf_counter() - began
            began = time.perf_counter()
            server.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
                "uri": uri, "languageId": "plaintext", "version": 1, "text": text}}})
            count = len(server.diagnostics(1))
            first = time.perf_counter() - began
            edits = []
            for run in range(args.runs):
                changed = text.replace("striptease", "strip" if run % 2 == 0 else "striptease area", 1)
                began = time.perf_counter()
                server.send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                    "textDocument": {"uri": uri, "version": run + 2}, "contentChanges": [{"text": changed}]}})
                server.diagnostics(run + 2)
                edits.append(time.perf_counter() - began)
            server.request("shutdown", None)
            server.send({"jsonrpc": "2.0", "method": "exit", "params": None})
            server.process.wait(timeout=30)
        finally:
            if server.process.poll() is None:
                server.process.kill()
    print(f"seed article: {len(text.split())} words, {count} diagnostics")
    print("| step | seconds |\n| --- | --- |")
    print(f"| start and initialize | {started:.2f} |")
    print(f"| open, first diagnostics (loads the models) | {first:.2f} |")
    print(f"| edit, diagnostics (median of {args.runs}, includes the {args.debounce} s debounce) | "
          f"{statistics.median(edits):.2f} |")


if __name__ == "__main__":
    main()
