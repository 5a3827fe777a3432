"""A file's content digest, read once per version of the file.

The speech cache keys on a voice model's content, batch's row keys on every file a script
reads; both ask here, so a 60 MB voice is hashed once per run, and again only when its
size or modification time changes.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


def file_digest(path: Path | str) -> str:
    """The SHA-256 of the file's content (hex), or "missing" when it cannot be read."""
    try:
        stat = Path(path).stat()
    except OSError:
        return "missing"
    return _digest(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=64)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
