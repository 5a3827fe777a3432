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
import struct
import tempfile
import warnings
from pathlib import Path

import numpy as np

from generator.tts.chain import CHAIN_VERSION
from generator.tts.delivery import PHRASING_VERSION

SHAPING_VERSION = "2"
"""Bump when trimming or levelling changes, so old entries are not reused (the voice
chain's and the phrasing's own versions are in the key too)."""

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
        """The entry's sample count from its header alone (cheap: for planning)."""
        try:
            with open(self._path(key), "rb") as handle:
                header = handle.read(_HEADER.size)
                size = os.fstat(handle.fileno()).st_size
        except OSError:
            return None
        if len(header) != _HEADER.size:
            return None
        magic, count, _ = _HEADER.unpack(header)
        if magic != _MAGIC or size != _HEADER.size + 4 * count:
            return None
        return int(count)

    def load(self, key: str) -> np.ndarray | None:
        """The samples, or None when missing or damaged (a damaged entry is removed)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if len(data) >= _HEADER.size:
            magic, count, digest = _HEADER.unpack_from(data)
            body = data[_HEADER.size :]
            if magic == _MAGIC and len(body) == 4 * count and hashlib.sha256(body).digest() == digest:
                return np.frombuffer(body, dtype="<f4").copy()
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
