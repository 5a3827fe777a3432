"""Temporary files of a render that was killed: found and removed by the next render.

A render writes `.NAME.XXXX.partial` files beside its target and renames them into place
at the end; only SIGKILL or a power cut leaves them behind. While a render runs it holds
a shared lock (flock) on each of its temporary files, so the next render of the same
output removes only leftovers that no running render holds, and only once they are a
minute old (a file made a moment ago may not be locked yet). Two renders to the same
output at once therefore never remove each other's files.
"""

from __future__ import annotations

import fcntl
import os
import stat
import time
from pathlib import Path
from generator.output.sidecars import sidecar_paths

STALE_SECONDS = 60
"""A leftover younger than this is left alone (its render may be about to lock it)."""

_held: list[int] = []


def hold(path: Path | str) -> None:
    """Lock one of this render's temporary files until release()."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return
    _held.append(fd)


def release() -> None:
    """Unlock every temporary file this process holds (the render is over)."""
    while _held:
        os.close(_held.pop())


def patterns(output: Path, sidecars: bool) -> list[str]:
    """The names a render's temporary files for `output` (and its sidecars) take."""

    names = [output.name, *((p.name for p in sidecar_paths(output)) if sidecars else ())]
    return [f".{name}." for name in names]


def sweep(output: Path, sidecars: bool = True, *, now: float | None = None) -> list[Path]:
    """Remove stale, unlocked temporary files of earlier renders of `output`; return them."""
    prefixes = patterns(output, sidecars)
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        names = os.listdir(output.parent)
    except OSError:
        return removed
    for name in names:
        if not name.endswith(".partial") or not any(name.startswith(p) for p in prefixes):
            continue
        path = output.parent / name
        if _stale_and_free(path, now):
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed


def _stale_and_free(path: Path, now: float) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < STALE_SECONDS:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True  # nobody holds it; removing it while locked keeps a new holder out
    except OSError:
        return False
    finally:
        os.close(fd)
