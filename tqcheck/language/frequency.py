"""English word frequencies on the Zipf scale: wordfreq's numbers, without importing wordfreq on the start path.

Importing wordfreq and unpacking its English list costs about a third of a second of CPU per process. The
first call builds (once per machine and wordfreq version) a sorted index of the list's plain lower-case
words — ``[a-z]+`` with inner apostrophes — with their frequency bucket, in the user cache folder; later
processes memory-map it and look words up by binary search. A word of that shape that wordfreq tokenizes
as itself gets exactly ``wordfreq.zipf_frequency(word, "en")``: the bucket's value when listed, 0 when a
``[a-z]+`` word is not listed. Anything else (capitals, digits, hyphens, other scripts, an apostrophe word
missing from the index) is asked of wordfreq itself.
"""

from __future__ import annotations

import math
import re
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

_PLAIN = re.compile(r"[a-z]+")
_APOSTROPHE = re.compile(r"[a-z]+(?:'[a-z]+)+")
FORMAT = "1"
_LOCK = threading.Lock()


def bucket_zipf(index: int) -> float:
    """wordfreq's Zipf value of a single listed token in bucket ``index`` (frequency 10 ** (-index / 100))."""
    freq = 10 ** (-index / 100)
    leading_zeroes = math.floor(-math.log(freq, 10))
    freq = round(freq, leading_zeroes + 3)
    return round(math.log(freq, 10) + 9, 2)


def wordfreq_version() -> str | None:
    """The installed wordfreq's version (None when not installed)."""
    from tqcheck.core.versions import installed_version

    return installed_version("wordfreq")


def index_folder() -> Path:
    """Where the index is kept (user cache folder, per wordfreq version)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("tqcheck")) / f"wordfreq-en-{wordfreq_version() or 'unknown'}-f{FORMAT}"


def build_index(folder: Path) -> None:
    """Write ``words.txt`` (sorted, newline-separated) and ``index.npy`` (offset, bucket) from wordfreq's list."""
    import numpy as np
    from wordfreq import get_frequency_list, zipf_frequency
    from wordfreq.tokens import lossy_tokenize

    entries: dict[str, int] = {}
    for bucket, words in enumerate(get_frequency_list("en", "best")):
        for word in words:
            if word in entries:
                continue
            if _PLAIN.fullmatch(word) or (_APOSTROPHE.fullmatch(word) and lossy_tokenize(word, "en") == [word]):
                entries[word] = bucket
    ordered = sorted(entries)
    for word in ordered[::97]:  # a sample: the index must give wordfreq's own answer
        if lossy_tokenize(word, "en") == [word] and bucket_zipf(entries[word]) != zipf_frequency(word, "en"):
            raise RuntimeError(f"word-frequency index disagrees with wordfreq on {word!r}")
    blob = "\n".join(ordered).encode("ascii")
    offsets = np.zeros((len(ordered) + 1, 2), dtype=np.int64)
    position = 0
    for i, word in enumerate(ordered):
        offsets[i] = (position, entries[word])
        position += len(word) + 1
    offsets[len(ordered)] = (position, -1)
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    (partial / "words.txt").write_bytes(blob)
    np.save(partial / "index.npy", offsets)
    try:
        partial.replace(folder)
    except OSError:  # another process built it first
        import shutil

        shutil.rmtree(partial, ignore_errors=True)


class FrequencyIndex:
    """The memory-mapped index: sorted words and their buckets."""

    def __init__(self, folder: Path) -> None:
        import mmap

        import numpy as np

        self.index = np.load(folder / "index.npy", mmap_mode="r")
        with (folder / "words.txt").open("rb") as handle:
            self.words = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        self.count = len(self.index) - 1

    def bucket(self, word: str) -> int | None:
        """The bucket of ``word`` (ASCII), or None when it is not listed."""
        key = word.encode("ascii")
        low, high = 0, self.count
        index, words = self.index, self.words
        while low < high:
            middle = (low + high) // 2
            start, end = int(index[middle, 0]), int(index[middle + 1, 0]) - 1
            found = words[start:end]
            if found < key:
                low = middle + 1
            elif found > key:
                high = middle
            else:
                return int(index[middle, 1])
        return None


_INDEX: list[FrequencyIndex | None] = []


def _index() -> FrequencyIndex | None:
    with _LOCK:
        if not _INDEX:
            try:
                folder = index_folder()
                if not (folder / "index.npy").is_file():
                    build_index(folder)
                _INDEX.append(FrequencyIndex(folder))
            except Exception:  # noqa: BLE001 - no cache folder, a broken index: wordfreq answers instead
                _INDEX.append(None)
        return _INDEX[0]


@lru_cache(maxsize=200_000)
def zipf_en(word: str) -> float:
    """``wordfreq.zipf_frequency(word, "en")``, from the index when ``word`` is plain lower-case ASCII."""
    plain = _PLAIN.fullmatch(word) is not None
    if plain or _APOSTROPHE.fullmatch(word):
        index = _index()
        if index is not None:
            bucket = index.bucket(word)
            if bucket is not None:
                return bucket_zipf(bucket)
            if plain:
                return 0.0
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")
