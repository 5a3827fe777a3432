"""A content-addressed speech cache shared by every render on the machine.

An entry's name is the hash of everything that shapes the sound (engine, voice model
hash, speed, rate, text, shaping version), so an unchanged sentence is never
synthesized twice. Entries are written to a temporary file and renamed into place, so
two renders sharing the cache never see half an entry; each entry carries its length
and a checksum, so a truncated or corrupted one is detected and made again. A cache
folder that cannot be written degrades to no cache, with a warning.
"""

from __future__ import annotations

import hashlib
import os
import stat
import struct
import tempfile
import warnings
from pathlib import Path

import numpy as np

from generator.voice.chain import CHAIN_VERSION
from generator.voice.delivery import PHRASING_VERSION

SHAPING_VERSION = "2"
"""Bump when trimming or levelling changes, so old entries are not reused (the voice
chain's and the phrasing's own versions are in the key too)."""

MAX_ENTRY_BYTES = 64 * 1024 * 1024
"""An utterance is at most a few hundred characters (generator.script.limits): some 30 s, 5 MB."""

_MAGIC = b"MDSPCH1\0"
_HEADER = struct.Struct("<8sQ32s")  # magic, sample count, sha256 of the samples


def default_cache_dir() -> Path:
    """MEDITATE_CACHE_DIR, else the user's cache folder (e.g. ~/.cache/meditate)."""
    env = os.environ.get("MEDITATE_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("meditate"))


def cache_key(engine: str, voice_id: str, speed: float, rate: int, text: str) -> str:
    """The entry's name; `text` is the text the engine reads (pronunciations applied)."""
    versions = f"{SHAPING_VERSION}.{CHAIN_VERSION}.{PHRASING_VERSION}"
    payload = "\x1f".join([versions, engine, voice_id, f"{speed:.4f}", str(rate), text])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class SpeechCache:
    """Reads and writes shaped utterances by key under `root/speech/`."""

    def __init__(self, root: Path):
        self.folder = root / "speech"
        self.writable = True

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pcm"

    def length(self, key: str) -> int | None:
        """The entry's sample count, only from an entry whose checksum holds: a header
        alone could claim any length and stretch the planned track."""
        samples = self.load(key)
        return None if samples is None else int(samples.shape[0])

    def load(self, key: str) -> np.ndarray | None:
        """The samples, or None when missing or damaged (a damaged entry is removed).

        Anything at the entry's path that is not a regular file (a FIFO would block the
        read for ever, a device could be endless) is ignored and removed, so the store
        that follows puts a real entry there."""
        path = self._path(key)
        data = _read_regular(path, MAX_ENTRY_BYTES)
        if data is not None and len(data) >= _HEADER.size:
            magic, count, digest = _HEADER.unpack_from(data)
            body = data[_HEADER.size :]
            if magic == _MAGIC and len(body) == 4 * count and hashlib.sha256(body).digest() == digest:
                return np.frombuffer(body, dtype="<f4").copy()
        if data is None and not _is_other(path):
            return None  # simply missing
        try:
            path.unlink()
        except OSError:
            pass
        return None

    def store(self, key: str, samples: np.ndarray) -> None:
        """Write atomically; on any OS error stop using the cache for this run."""
        if not self.writable:
            return
        body = np.ascontiguousarray(samples, dtype="<f4").tobytes()
        header = _HEADER.pack(_MAGIC, samples.shape[0], hashlib.sha256(body).digest())
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pcm")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(header)
                    handle.write(body)
                os.replace(temp, path)
            except BaseException:
                try:
                    os.unlink(temp)
                except OSError:
                    pass
                raise
        except OSError as exc:
            self.writable = False
            warnings.warn(f"speech cache at {self.folder} is not usable ({exc.strerror or exc}); continuing without it", stacklevel=2)


def _is_other(path: Path) -> bool:
    """Whether something that is not a regular file stands at `path`."""
    try:
        return not stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file (at most `limit` + 1), or None for anything else:
    opened without following a link and without blocking, then checked by its handle."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)
