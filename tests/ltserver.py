"""A small LanguageTool stand-in for the tests: /v2/check and /v2/languages over HTTP.

Answers are shaped like LanguageTool's documented JSON (software, warnings,
language, matches with rule/category/issueType/replacements/context,
sentenceRanges; offsets in UTF-16 code units, as Java counts them). A handful of
real-looking rules fire on real text:

- MORFOLOGIK_RULE_EN_US / _EN_GB (TYPOS, misspelling): words wordfreq does not know;
- ENGLISH_WORD_REPEAT_RULE (MISC, duplication): "the the";
- EN_A_VS_AN (MISC, misspelling): "an test", "a apple";
- COMMA_PARENTHESIS_WHITESPACE (TYPOGRAPHY, whitespace): "word ,";
- UPPERCASE_SENTENCE_START (CASING, typographical): a sentence starting in lower case.

Failure modes: ``413`` (text over ``max_chars``, as LanguageTool does), ``429``
(rate limit, with ``Retry-After``), ``500``,
``timeout`` (answers after ``delay`` seconds), ``malformed`` (truncated JSON),
``incomplete`` (``warnings.incompleteResults`` set, as when LanguageTool hits its time limit),
``die`` (drops the connection and stops: in a thread the server shuts down, as
a process it exits). Failure modes start after ``after`` /v2/check requests
(so ``after=1`` lets tqcheck's start-up probe through) and last ``times``
requests (0: for ever). It stops by itself after
``lifetime`` seconds, so a test run that crashes leaves nothing behind.

In a test::

    with LTServer(mode="ok") as server:
        settings.apply({"languagetool_url": server.url}, "test")

As a process (a stand-in for a local LanguageTool)::

    python tests/ltserver.py -p PORT [--mode ok|413|500|timeout|malformed|die] [--after N] [--lifetime 60]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

VERSION = "6.4"
LANGUAGES = [
    {"name": "English", "code": "en", "longCode": "en"},
    {"name": "English (Australian)", "code": "en", "longCode": "en-AU"},
    {"name": "English (Canadian)", "code": "en", "longCode": "en-CA"},
    {"name": "English (GB)", "code": "en", "longCode": "en-GB"},
    {"name": "English (New Zealand)", "code": "en", "longCode": "en-NZ"},
    {"name": "English (South African)", "code": "en", "longCode": "en-ZA"},
    {"name": "English (US)", "code": "en", "longCode": "en-US"},
    {"name": "German (Germany)", "code": "de", "longCode": "de-DE"},
    {"name": "French", "code": "fr", "longCode": "fr"},
]
LANGUAGE_NAMES = {x["longCode"]: x["name"] for x in LANGUAGES}
SUGGESTIONS = {"recieve": ["receive"], "teh": ["the"], "adress": ["address"], "wich": ["which", "witch"]}
WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


def utf16(text: str, index: int) -> int:
    """UTF-16 code units before ``text[index]`` (LanguageTool's offsets)."""
    return len(text[:index].encode("utf-16-le")) // 2


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Rough sentence spans: up to ., ! or ? followed by space or end."""
    spans, start = [], 0
    for m in re.finditer(r"[.!?][\"”’)]*(?=\s|$)", text):
        spans.append((start, m.end()))
        start = m.end()
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _unknown(word: str) -> bool:
    from wordfreq import zipf_frequency

    if word.isupper() or "'" in word:
        return False
    return zipf_frequency(word.lower(), "en") < 1.0


def find_matches(text: str, language: str) -> list[dict]:
    """Rule hits in ``text``: (start, end, rule id, category, issue type, message, replacements)."""
    hits = []
    variant = "EN_GB" if language == "en-GB" else "EN_US"
    words = list(WORD.finditer(text))
    for m in words:
        if _unknown(m.group()) or m.group().lower() in SUGGESTIONS:
            hits.append((m.start(), m.end(), f"MORFOLOGIK_RULE_{variant}", "TYPOS", "Possible Typo", "misspelling",
                         "Possible spelling mistake found.", "Spelling mistake",
                         SUGGESTIONS.get(m.group().lower(), []), "Possible spelling mistake"))
    for a, b in zip(words, words[1:]):
        between = text[a.end():b.start()]
        if a.group().lower() == b.group().lower() and between.strip() == "":
            hits.append((a.start(), b.end(), "ENGLISH_WORD_REPEAT_RULE", "MISC", "Miscellaneous", "duplication",
                         "Possible typo: you repeated a word.", "Word repetition", [a.group()],
                         "Word repetition (e.g. 'will will')"))
        article = a.group().lower()
        if article in ("a", "an") and between == " ":
            vowel = b.group()[0].lower() in "aeiou"
            if (article == "a" and vowel) or (article == "an" and not vowel):
                fix = "an" if article == "a" else "a"
                fix = fix.capitalize() if a.group()[0].isupper() else fix
                hits.append((a.start(), a.end(), "EN_A_VS_AN", "MISC", "Miscellaneous", "misspelling",
                             f"Use “{fix}” instead of ‘{a.group()}’ if the following word starts with a "
                             f"{'vowel' if vowel else 'consonant'} sound, e.g. ‘{fix} {b.group()}’.",
                             "Wrong article", [fix], "Use of 'a' vs. 'an'"))
    for m in re.finditer(r" +,", text):
        hits.append((m.start(), m.end(), "COMMA_PARENTHESIS_WHITESPACE", "TYPOGRAPHY", "Typography", "whitespace",
                     "Put a space after the comma, but not before the comma.", "", [","],
                     "Use of whitespace before comma and before/after parentheses"))
    for start, _ in sentence_spans(text):
        m = WORD.match(text, start)
        if m and m.group()[0].islower():
            hits.append((m.start(), m.end(), "UPPERCASE_SENTENCE_START", "CASING", "Capitalization",
                         "typographical", "This sentence does not start with an uppercase letter.", "",
                         [m.group().capitalize()], "Checks that a sentence starts with an uppercase letter"))
    return [match_json(text, *hit) for hit in sorted(hits)]


def match_json(text: str, start: int, end: int, rule_id: str, category_id: str, category_name: str,
               issue_type: str, message: str, short: str, replacements: list[str], description: str) -> dict:
    """One match in LanguageTool's JSON shape (offsets in UTF-16 code units)."""
    ctx_start, ctx_end = max(0, start - 40), min(len(text), end + 40)
    context = ("..." if ctx_start else "") + text[ctx_start:ctx_end] + ("..." if ctx_end < len(text) else "")
    ctx_offset = (3 if ctx_start else 0) + utf16(text[ctx_start:], start - ctx_start)
    sentence = next((text[a:b] for a, b in sentence_spans(text) if a <= start < b), text)
    return {
        "message": message,
        "shortMessage": short,
        "replacements": [{"value": r} for r in replacements],
        "offset": utf16(text, start),
        "length": utf16(text, end) - utf16(text, start),
        "context": {"text": context, "offset": ctx_offset, "length": utf16(text, end) - utf16(text, start)},
        "sentence": sentence,
        "type": {"typeName": "UnknownWord" if issue_type == "misspelling" and category_id == "TYPOS" else "Other"},
        "rule": {
            "id": rule_id,
            "description": description,
            "issueType": issue_type,
            "category": {"id": category_id, "name": category_name},
            "isPremium": False,
            "confidence": 0.68,
        },
        "ignoreForIncompleteSentence": False,
        "contextForSureMatch": 0,
    }


def check_response(text: str, params: dict[str, str]) -> dict:
    """The whole /v2/check answer, with enabled/disabled rules and categories applied."""
    language = params.get("language", "en-US")
    matches = find_matches(text, language)
    split = lambda key: {v for v in params.get(key, "").split(",") if v}  # noqa: E731
    disabled_rules, enabled_rules = split("disabledRules"), split("enabledRules")
    disabled_cats, enabled_cats = split("disabledCategories"), split("enabledCategories")
    if params.get("enabledOnly") == "true":
        matches = [m for m in matches if m["rule"]["id"] in enabled_rules
                   or m["rule"]["category"]["id"] in enabled_cats]
    matches = [m for m in matches if m["rule"]["id"] not in disabled_rules
               and m["rule"]["category"]["id"] not in disabled_cats]
    name = LANGUAGE_NAMES.get(language, "English")
    return {
        "software": {"name": "LanguageTool", "version": VERSION, "buildDate": "2024-03-28 14:55:00 +0100",
                     "apiVersion": 1, "premium": False,
                     "premiumHint": "You might be missing errors only the Premium version can find. "
                                    "Contact us at support<at>languagetoolplus.com.",
                     "status": ""},
        "warnings": {"incompleteResults": False},
        "language": {"name": name, "code": language,
                     "detectedLanguage": {"name": name, "code": language, "confidence": 0.99,
                                          "source": "+fallback"}},
        "matches": matches,
        "sentenceRanges": [[utf16(text, a), utf16(text, b)] for a, b in sentence_spans(text)],
        "extendedSentenceRanges": [
            {"from": utf16(text, a), "to": utf16(text, b), "detectedLanguages": [{"language": "en", "rate": 1.0}]}
            for a, b in sentence_spans(text)],
    }


class Handler(BaseHTTPRequestHandler):
    """Serves /v2/languages and /v2/check according to the server's mode."""

    server: "_HTTPServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        url = urlparse(self.path)
        if url.path == "/v2/languages":
            self._send(200, json.dumps(LANGUAGES))
        elif url.path == "/v2/check":
            self._check({k: v[-1] for k, v in parse_qs(url.query).items()})
        else:
            self._send(404, "Error: unknown path " + url.path, "text/plain")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        url = urlparse(self.path)
        if url.path != "/v2/check":
            self._send(404, "Error: unknown path " + url.path, "text/plain")
            return
        self._check({k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()})

    def _check(self, params: dict[str, str]) -> None:
        state = self.server.state
        with state.lock:
            state.requests.append(params)
            count = len(state.requests)
        text = params.get("text", "")
        failing = count > state.after and (not state.times or count <= state.after + state.times)
        mode = state.mode if failing else "ok"
        if mode == "die":
            state.die(self)
            return
        if mode == "timeout" or state.delay:
            state.stopped.wait(state.delay if state.delay else state.lifetime)
        if params.get("language", "en-US") not in LANGUAGE_NAMES and params.get("language") != "auto":
            self._send(400, f"Error: '{params.get('language')}' is not a language code known to LanguageTool.",
                       "text/plain")
        elif mode == "413" or len(text) > state.max_chars:
            self._send(413, f"Error: Your text exceeds the limit of {state.max_chars} characters (it's "
                            f"{len(text)} characters). Please submit a shorter text.", "text/plain")
        elif mode == "429":
            self._send(429, "Error: Too many requests. Please wait.", "text/plain", {"Retry-After": "0.2"})
        elif mode == "500":
            self._send(500, "Error: Internal Error: java.lang.RuntimeException: Could not check sentence",
                       "text/plain")
        elif mode == "incomplete":
            answer = check_response(text, params)
            answer["warnings"]["incompleteResults"] = True
            self._send(200, json.dumps(answer))
        elif mode == "malformed":
            self._send(200, json.dumps(check_response(text, params))[:40])
        else:
            self._send(200, json.dumps(check_response(text, params)))

    def _send(self, status: int, body: str, content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", f"{content_type}; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _State:
    def __init__(self, mode: str, max_chars: int, delay: float, after: int, exit_on_die: bool,
                 lifetime: float, times: int = 0) -> None:
        self.times = times
        self.mode = mode
        self.max_chars = max_chars
        self.delay = delay
        self.after = after
        self.exit_on_die = exit_on_die
        self.lifetime = lifetime
        self.stopped = threading.Event()
        self.requests: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.stop: callable = lambda: None

    def die(self, handler: Handler) -> None:
        """Drop the connection without an answer and stop serving (or exit the process)."""
        if self.exit_on_die:
            os._exit(3)
        handler.close_connection = True
        threading.Thread(target=self.stop, daemon=True).start()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class LTServer:
    """The stand-in server on 127.0.0.1 in a background thread (a context manager)."""

    def __init__(self, mode: str = "ok", *, port: int = 0, max_chars: int = 20000, delay: float = 0.0,
                 after: int = 0, times: int = 0, lifetime: float = 120.0, exit_on_die: bool = False) -> None:
        self.httpd = _HTTPServer(("127.0.0.1", port), Handler)
        self.httpd.state = _State(mode, max_chars, delay, after, exit_on_die, lifetime, times)
        self.httpd.state.stop = self.stop
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.lifetime = lifetime
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None
        self._stopped = threading.Event()

    @property
    def requests(self) -> list[dict[str, str]]:
        """Parameters of every /v2/check request received."""
        return self.httpd.state.requests

    def start(self) -> "LTServer":
        """Serve in a daemon thread; stop by itself after ``lifetime`` seconds."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; safe to call twice."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.httpd.state.stopped.set()
        if self._timer is not None:
            self._timer.cancel()
        if self._thread is not None and self._thread is not threading.current_thread():
            self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "LTServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    """Run the stand-in as a process (like ``java ... HTTPServer -p PORT``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-p", "--port", type=int, default=8081)
    parser.add_argument("--mode", default="ok", choices=["ok", "413", "429", "500", "timeout", "malformed", "incomplete", "die"])
    parser.add_argument("--max-chars", type=int, default=20000)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--after", type=int, default=0,
                        help="the failure mode starts after this many /v2/check requests")
    parser.add_argument("--times", type=int, default=0, help="requests that fail (0: all)")
    parser.add_argument("--lifetime", type=float, default=60.0)
    parser.add_argument("--startup-delay", type=float, default=0.0, help="seconds before listening")
    args = parser.parse_args()
    time.sleep(args.startup_delay)
    server = LTServer(args.mode, port=args.port, max_chars=args.max_chars, delay=args.delay,
                      after=args.after, times=args.times, lifetime=args.lifetime, exit_on_die=True)
    print(f"listening on {server.url} pid {os.getpid()}", flush=True)
    server.start()
    server._stopped.wait()
    os._exit(0)


if __name__ == "__main__":
    main()
