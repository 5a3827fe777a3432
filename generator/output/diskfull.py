"""A full disk reported as what it is: one line, exit 1, the earlier track untouched.

Encoders report a failed write in their own words (libsndfile: "System error.", mutagen:
an OggVorbisHeaderError wrapping errno 28), which would read as an internal error. Any
failure while writing is checked here: when it carries ENOSPC or EDQUOT, or is a bare
system error while the target's disk has no room left, it becomes one MeditateError.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.core.errors import MeditateError

_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
LOW_SPACE_BYTES = 1 << 20
"""Below this much free space a bare 'system error' from an encoder is taken for a full disk."""


def _carries_full(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in _FULL:
            return True
        if any(isinstance(arg, OSError) and arg.errno in _FULL for arg in exc.args):
            return True
        if "No space left on device" in str(exc) or "Errno 28" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _no_room(folder: Path) -> bool:
    try:
        info = os.statvfs(folder)
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < LOW_SPACE_BYTES


@contextmanager
def full_disk_reported(folder: Path) -> Iterator[None]:
    """Run the writing; a failure that is a full disk leaves as one clear MeditateError."""
    try:
        yield
    except MeditateError:
        raise
    except Exception as exc:
        if _carries_full(exc) or (type(exc).__name__ == "LibsndfileError" and _no_room(folder)):
            raise MeditateError(
                f"{folder}: the disk is full (no space left on device); nothing was replaced, "
                "any earlier track there is unchanged"
            ) from exc
        raise
