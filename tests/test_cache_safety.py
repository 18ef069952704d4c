"""The result cache cannot lie, run code or destroy what tqcheck did not write (issue 23, items 1 and 3).

A forged, corrupt, truncated, foreign or non-regular entry is ignored and the part checked again; entries are
plain JSON (never unpickled) signed with a key kept outside the cache folder; ``cache clear`` and pruning delete
only tqcheck's own entries; a cache that cannot be used costs one notice, never the report.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: One finding (a minor calque) with the built-in rules alone: the gate at --fail-on minor fails on it.
TEXT = "The committee met on Monday.\nPlease kindly revert back to me at your earliest convenience.\n"
FAST = ["--no-config", "--grammar", "none", "--no-fluency", "--no-semantic"]


def tqcheck(args: list[str], cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m tqcheck ARGS`` in a fresh process with this checkout first on the path."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "tqcheck", *args], cwd=cwd, capture_output=True, text=True,
                          env=environment, timeout=timeout)


def check(cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Check doc.txt into out.json with the gate at --fail-on minor."""
    return tqcheck(["check", "doc.txt", *FAST, "-f", "json=out.json", "-q", "--fail-on", "minor"], cwd, env)


def findings(cwd: Path) -> list[str]:
    data = json.loads((cwd / "out.json").read_text(encoding="utf-8"))
    return [f["rule_id"] for f in data["findings"]]


def no_internal_error(done: subprocess.CompletedProcess) -> None:
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr, done.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "doc.txt").write_text(TEXT, encoding="utf-8")
    return folder


def cache_folder() -> Path:
    return Path(os.environ["TQCHECK_CACHE_DIR"])


def entry_keys() -> list[str]:
    """Keys of the entries in the cache folder, whatever their format."""
    return sorted({p.name.split(".")[0] for p in cache_folder().glob("*/*") if len(p.name.split(".")[0]) == 64})


# -- a forged or corrupted entry never changes a result ------------------------------------------------------

class RunsCode:
    """A pickle payload that creates a file when unpickled."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def forge(keys: list[str], payload: object) -> None:
    """As someone who can write the cache folder: replace every entry by ``payload``, signed with a key of
    their own placed in the folder, in the old (pickle) and the new (JSON: a result with no findings) layout."""
    folder = cache_folder()
    secret = b"k" * 32
    (folder / "secret.key").write_bytes(secret)  # where the old cache kept its key
    pickled = pickle.dumps(payload, protocol=5)
    for key in keys:
        (folder / key[:2] / f"{key}.pickle").write_bytes(hmac.new(secret, pickled, hashlib.sha256).digest() + pickled)
        clean = json.dumps({"segments": 2, "findings": [], "scores": [], "similarities": [], "notices": [],
                            "signature": [], "metrics": []}).encode()
        mac = hmac.new(secret, b"tqcheck-cache 2\n" + key.encode() + b"\n" + clean, hashlib.sha256).hexdigest()
        (folder / key[:2] / f"{key}.json").write_bytes(b"tqcheck-cache 2\n" + mac.encode() + b"\n" + clean)


def test_a_forged_entry_with_no_findings_does_not_pass_the_gate(project: Path) -> None:
    from tqcheck.core.document import Document
    from tqcheck.core.result import DocumentResult

    first = check(project)
    assert first.returncode == 1 and findings(project) == ["calque.ReturnBack"], first.stderr
    keys = entry_keys()
    assert keys
    document = Document(path="doc.txt", text=TEXT)
    document.add_segment(TEXT.splitlines()[0], 0)
    document.add_segment(TEXT.splitlines()[1], len(TEXT.splitlines()[0]) + 1)
    forge(keys, DocumentResult(document=document))
    again = check(project)
    no_internal_error(again)
    assert again.returncode == 1, again.stderr  # the real finding still fails the gate
    assert findings(project) == ["calque.ReturnBack"]


def test_a_cache_entry_never_runs_code(project: Path) -> None:
    assert check(project).returncode == 1
    forge(entry_keys(), RunsCode(str(project / "code-ran")))
    again = check(project)
    no_internal_error(again)
    assert again.returncode == 1 and findings(project) == ["calque.ReturnBack"]
    assert not (project / "code-ran").exists()  # nothing in the cache is ever unpickled


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "fifo", "zero", "folder", "huge"])
def test_a_corrupt_or_non_regular_entry_is_ignored_and_rechecked(project: Path, damage: str) -> None:
    assert check(project).returncode == 1
    [key] = entry_keys()
    entry = cache_folder() / key[:2] / f"{key}.json"
    if damage == "truncated":
        entry.write_bytes(entry.read_bytes()[: len(entry.read_bytes()) // 2])
    elif damage == "garbage":
        entry.write_bytes(os.urandom(4096))
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "fifo":
        entry.unlink()
        os.mkfifo(entry)
    elif damage == "zero":
        entry.unlink()
        entry.symlink_to("/dev/zero")
    elif damage == "folder":
        entry.unlink()
        entry.mkdir()
    else:  # larger than an entry can be: not read
        with open(entry, "ab") as handle:
            handle.truncate(65 * 1024 * 1024)
    again = check(project)
    no_internal_error(again)
    assert again.returncode == 1 and findings(project) == ["calque.ReturnBack"], again.stderr
    if damage in ("fifo", "zero", "folder"):  # never replaced: it is not tqcheck's
        assert not entry.is_file() or entry.is_symlink()


def test_entries_are_validated_against_the_part_they_claim_to_describe(tmp_path: Path) -> None:
    from tqcheck.core.document import Document
    from tqcheck.core.finding import Severity
    from tqcheck.core.result import DocumentResult
    from tqcheck.engine.cache import EntryError, decode_result, encode_result

    document = Document(path="a.txt", text="Hello there.")
    document.add_segment("Hello there.", 0)
    finding = document.segments[0].finding(0, 5, rule_id="x.Y", message="m", severity=Severity.MINOR,
                                           category="style", origin="rules")
    result = DocumentResult(document=document, findings=(finding,))
    assert decode_result(encode_result(result), document).findings == (finding,)
    bad = json.loads(encode_result(result))
    bad["findings"][0]["segment"] = 7
    with pytest.raises(EntryError):
        decode_result(json.dumps(bad).encode(), document)
    bad = json.loads(encode_result(result))
    bad["findings"][0]["severity"] = "harmless"
    with pytest.raises(EntryError):
        decode_result(json.dumps(bad).encode(), document)
    other = Document(path="a.txt", text="Hello there. Bye.")
    other.add_segment("Hello there.", 0)
    other.add_segment("Bye.", 13)
    with pytest.raises(EntryError):  # another number of segments
        decode_result(encode_result(result), other)


def test_the_pickle_module_is_not_used_by_the_cache() -> None:
    source = (ROOT / "tqcheck" / "engine" / "cache.py").read_text(encoding="utf-8")
    assert "import pickle" not in source and "pickle.load" not in source


# -- the signing key -------------------------------------------------------------------------------------------

def test_the_key_is_made_completely_or_not_at_all(monkeypatch, tmp_path: Path) -> None:
    from tqcheck.engine import cache as module

    path = tmp_path / "state" / "result-cache.key"

    def full_disk(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(module, "_write_all", full_disk)
    with pytest.raises(OSError):
        module.load_or_create_key(path)
    assert not path.exists() and not list(path.parent.iterdir())  # no empty key left for good
    monkeypatch.undo()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")  # what the old code left after a full disk
    key = module.load_or_create_key(path)
    assert len(key) == 32 and module.load_or_create_key(path) == key
    assert path.stat().st_mode & 0o077 == 0


def test_an_unusable_key_folder_costs_one_notice_not_the_report(project: Path, tmp_path: Path) -> None:
    state = tmp_path / "state-is-a-file"
    state.write_text("not a folder")
    done = check(project, {"XDG_STATE_HOME": str(state)})
    no_internal_error(done)
    assert done.returncode == 1 and findings(project) == ["calque.ReturnBack"]
    notices = [line for line in done.stderr.splitlines() if "cache" in line]
    assert len(notices) == 1 and "result cache not used" in notices[0], done.stderr


def test_a_key_from_the_environment_signs_a_shared_cache(project: Path, tmp_path: Path) -> None:
    secret = {"TQCHECK_CACHE_KEY": "a-ci-secret-of-some-length-0123456789"}
    assert check(project, secret).returncode == 1
    keyed = entry_keys()
    assert keyed
    # another machine restoring the same cache folder with the same secret reuses the entries
    other_state = {**secret, "XDG_STATE_HOME": str(tmp_path / "elsewhere")}
    again = check(project, other_state)
    assert again.returncode == 1 and "ignored" not in again.stderr, again.stderr
    assert not (tmp_path / "elsewhere").exists()  # no key file needed
    # without the secret the entries do not verify: checked again, never trusted
    without = check(project, {"XDG_STATE_HOME": str(tmp_path / "third")})
    assert without.returncode == 1 and "ignored" in without.stderr
    short = check(project, {"TQCHECK_CACHE_KEY": "short"})
    assert short.returncode == 2 and "TQCHECK_CACHE_KEY" in short.stderr
    no_internal_error(short)


# -- limits and unusable folders -------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["nan", "-1", "inf", "abc", "-inf"])
def test_a_bad_cache_size_is_a_one_line_error_naming_the_variable(project: Path, value: str) -> None:
    done = check(project, {"TQCHECK_CACHE_MAX_MB": value})
    no_internal_error(done)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "TQCHECK_CACHE_MAX_MB" in lines[0] and value in lines[0], done.stderr
    assert not (project / "out.json").exists()


def test_a_cache_size_of_zero_turns_the_cache_off(project: Path) -> None:
    done = check(project, {"TQCHECK_CACHE_MAX_MB": "0"})
    assert done.returncode == 1 and findings(project) == ["calque.ReturnBack"]
    assert entry_keys() == []


@pytest.mark.parametrize("problem", ["long-name", "file-in-the-way"])
def test_an_unusable_cache_folder_costs_one_notice_not_the_report(project: Path, tmp_path: Path,
                                                                  problem: str) -> None:
    if problem == "long-name":
        folder = tmp_path / ("c" * 255) / ("d" * 256)
    else:
        (tmp_path / "plain-file").write_text("x")
        folder = tmp_path / "plain-file" / "cache"
    done = check(project, {"TQCHECK_CACHE_DIR": str(folder)})
    no_internal_error(done)
    assert done.returncode == 1 and findings(project) == ["calque.ReturnBack"]
    notices = [line for line in done.stderr.splitlines() if "cache" in line]
    assert len(notices) == 1 and notices[0].startswith("tqcheck: notice: result cache not used"), done.stderr


def test_an_unreadable_cache_folder_is_one_notice(monkeypatch, tmp_path: Path) -> None:
    """EACCES (an untraversable folder; root cannot be refused one) turns the cache off with one notice."""
    from tqcheck.core.config import Settings
    from tqcheck.core.document import Document
    from tqcheck.engine import cache as module

    def refused(path, limit):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(module, "_read_regular", refused)
    store = module.ResultCache(tmp_path / "cache", secret=b"s" * 32)
    document = Document(path="a.txt", text="Hello.")
    document.add_segment("Hello.", 0)
    for _ in range(3):
        assert store.get(store.key(document, Settings())) is None
    assert len(store.notices) == 1 and "Permission denied" in store.notices[0]


# -- cache clear and pruning delete only tqcheck's entries -----------------------------------------------------

def plant_other_files(folder: Path) -> dict[Path, bytes]:
    """Files and folders a user keeps where the cache folder points, some named like entries; their bytes."""
    kept = {folder / "model.pickle": b"user model", folder / "notes.txt": b"notes",
            folder / "data" / "x.json": b"{}", folder / "ab" / "model.pickle": b"another model",
            folder / "ab" / ("ab" + "0" * 62 + ".json"): b'{"mine": true}',
            folder / "cd" / ("cd" + "1" * 62 + ".pickle"): b"\x80\x04 not tqcheck's layout" * 3,
            folder / "ef" / ("ef" + "2" * 62 + ".json"): b"tqcheck-cache 1\nnot the marker"}
    for path, data in kept.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return kept


@pytest.mark.parametrize("where", ["folder", "dot", "home"])
def test_cache_clear_leaves_everything_it_did_not_write(project: Path, tmp_path: Path, where: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    folder = {"folder": tmp_path / "shared", "dot": project, "home": home}[where]
    folder.mkdir(exist_ok=True)
    setting = {"folder": str(folder), "dot": ".", "home": "~"}[where]
    env = {"TQCHECK_CACHE_DIR": setting, "HOME": str(home), "XDG_STATE_HOME": str(tmp_path / "state")}
    kept = plant_other_files(folder)
    assert check(project, env).returncode == 1
    entries = [p for p in folder.glob("*/*.json") if p not in kept]
    assert len(entries) == 1
    empty = folder / ("12" if entries[0].parent.name != "12" else "13")
    empty.mkdir()  # an empty folder named like an entry folder, made by the user
    cleared = tqcheck(["cache", "clear"], project, env)
    no_internal_error(cleared)
    assert cleared.returncode == 0 and "removed 1 cached result " in cleared.stderr, cleared.stderr
    assert not entries[0].exists()
    for path, data in kept.items():
        assert path.read_bytes() == data, path
    assert (project / "doc.txt").read_text(encoding="utf-8") == TEXT and folder.is_dir()
    assert empty.is_dir()


def test_pruning_deletes_only_entries(tmp_path: Path) -> None:
    from tqcheck.core.document import Document
    from tqcheck.core.finding import SegmentScore
    from tqcheck.core.result import DocumentResult
    from tqcheck.engine.cache import ResultCache

    folder = tmp_path / "cache"
    kept = plant_other_files(folder)
    kept[folder / "ab" / "model.pickle"] = os.urandom(3_000_000)  # large: pruning must not take it
    (folder / "ab" / "model.pickle").write_bytes(kept[folder / "ab" / "model.pickle"])
    store = ResultCache(folder, secret=b"s" * 32)
    document = Document(path="a.txt", text="Hello.")
    document.add_segment("Hello.", 0)
    features = {f"f{i}": i / 3 for i in range(2000)}
    for i in range(6):
        store.put(f"{i:02x}" * 32, DocumentResult(document=document, scores=((0, SegmentScore(0.5, features)),)))
    assert store.prune(max_mb=0.01) == 6
    assert all(path.read_bytes() == data for path, data in kept.items())


def test_old_pickle_entries_are_never_unpickled_and_cleared_only_when_recognisably_tqcheck(tmp_path: Path) -> None:
    from tqcheck.engine.cache import ResultCache

    folder = tmp_path / "cache"
    secret = os.urandom(32)
    (folder / "ab").mkdir(parents=True)
    (folder / "secret.key").write_bytes(secret)
    payload = pickle.dumps(RunsCode(str(tmp_path / "code-ran")), protocol=5)
    old = folder / "ab" / ("ab" * 32 + ".pickle")
    old.write_bytes(hmac.new(secret, payload, hashlib.sha256).digest() + payload)
    forged = folder / "ab" / ("ab" + "9" * 62 + ".pickle")  # tqcheck's layout, not signed by its old key
    forged.write_bytes(b"\0" * 32 + payload)
    assert ResultCache(folder).clear() == 1
    assert not old.exists() and forged.exists() and not (folder / "secret.key").exists()
    assert not (tmp_path / "code-ran").exists()


@pytest.mark.parametrize("problem", ["long-name", "file-in-the-way"])
def test_cache_clear_on_an_unusable_folder_is_one_line(tmp_path: Path, problem: str) -> None:
    (tmp_path / "plain-file").write_text("x")
    folder = tmp_path / ("c" * 256) if problem == "long-name" else tmp_path / "plain-file" / "cache"
    done = tqcheck(["cache", "clear"], tmp_path, {"TQCHECK_CACHE_DIR": str(folder)})
    no_internal_error(done)
    assert len(done.stderr.strip().splitlines()) == 1
    if problem == "long-name":
        assert done.returncode == 2 and "cannot clear the result cache" in done.stderr
    else:
        assert done.returncode == 0 and "removed 0 cached results" in done.stderr
    assert (tmp_path / "plain-file").read_text() == "x"


@pytest.mark.parametrize("kind", ["fifo", "zero", "folder"])
def test_a_key_that_is_not_a_regular_file_is_one_notice_not_a_hang(project: Path, tmp_path: Path, kind: str) -> None:
    key = tmp_path / "state" / "tqcheck" / "result-cache.key"
    key.parent.mkdir(parents=True)
    if kind == "fifo":
        os.mkfifo(key)
    elif kind == "zero":
        key.symlink_to("/dev/zero")
    else:
        key.mkdir()
    done = tqcheck(["check", "doc.txt", *FAST, "-f", "json=out.json", "-q", "--fail-on", "minor"], project,
                   {"XDG_STATE_HOME": str(tmp_path / "state")}, timeout=60)
    no_internal_error(done)
    assert done.returncode == 1 and findings(project) == ["calque.ReturnBack"]
    notices = [line for line in done.stderr.splitlines() if "cache" in line]
    assert len(notices) == 1 and "result cache not used" in notices[0], done.stderr
    assert os.path.lexists(key) and not key.is_file()  # left as it was
