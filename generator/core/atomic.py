"""Atomic files: written beside their target under a temporary name, renamed into place.

A reader never sees half a file, and a failed or interrupted write leaves the earlier
file as it was. Every file the program writes goes through here, so they all get the
same permissions (a new file's usual ones: 0666 less the umask) and the same clean-up.
"""

from __future__ import annotations

import os
import secrets
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

PARTIAL_SUFFIX = ".partial"
"""What a file being written is called until it is complete: `.NAME.<random>.partial`."""


def temporary_beside(path: Path) -> Path:
    """A new empty file in `path`'s folder (same file system, so the rename is atomic),
    named `.NAME.<random>.partial`, with the permissions a new file normally gets."""
    path = Path(path)
    while True:
        temp = path.parent / f".{path.name}.{secrets.token_hex(6)}{PARTIAL_SUFFIX}"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return temp


def write_atomic(path: Path, data: str | bytes, *, only_if_changed: bool = False) -> bool:
    """Write `data` (text is UTF-8, `\\n` line ends) to `path` through a temporary file and
    a rename. With `only_if_changed`, a file already holding exactly `data` is left alone.
    Returns whether anything was written."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if only_if_changed and path.is_file() and path.read_bytes() == payload:
        return False
    temp = temporary_beside(path)
    try:
        with open(temp, "wb") as handle:
            handle.write(payload)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return True


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP for the few renames that put a result in place, so
    an interruption lands before all of them or after all of them, never between."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM} | ({signal.SIGHUP} if hasattr(signal, "SIGHUP") else set())
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def replace_together(pairs: Iterable[tuple[Path, Path]]) -> None:
    """Rename each (temporary, final) pair into place, all of them or (on a signal) none yet."""
    with signals_held():
        for temp, final in pairs:
            os.replace(temp, final)
