"""Output paths checked before anything is written: nothing a practitioner owns is replaced.

Every command that writes (render, batch, `plan --html`, publish) passes its output paths
and the files it read through :func:`refuse_unsafe`. Files are compared by identity
(device and inode, so a hard link, a symbolic link or another spelling of the same file
is caught), and by their real path when the output does not exist yet. Only a regular
file, or nothing, is ever replaced: a rename onto a FIFO, a device such as `/dev/null`,
a socket or a folder would swap a system object for a plain file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from generator.core.errors import InputError, display_path

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def _real(path: Path) -> str:
    return os.path.realpath(path)  # never raises, even on a symbolic link loop


def special_kind(path: Path) -> str | None:
    """What stands at `path` when it is something other than a regular file or nothing."""
    try:
        info = os.stat(path)  # follows a symbolic link: a link to /dev/null is a device
    except FileNotFoundError:
        return None
    except OSError as exc:
        if os.path.islink(path):
            return "a broken or looping symbolic link"
        return f"something that cannot be examined ({exc.strerror or exc})"
    for test, kind in _KINDS:
        if test(info.st_mode):
            return kind
    return None


class InputFiles:
    """The files a command read, by identity and by real path, for comparing outputs with."""

    def __init__(self, paths: Iterable[Path], *, identity: bool = True):
        """With `identity=False` only real paths are compared: for writers that only ever
        rename onto a name (publish), where another hard link to an input is harmless."""
        self.identity = identity
        self.by_identity: dict[tuple[int, int], Path] = {}
        self.by_real: dict[str, Path] = {}
        for path in paths:
            self.add(Path(path))

    def add(self, path: Path) -> None:
        identity = _identity(path) if self.identity else None
        if identity is not None:
            self.by_identity.setdefault(identity, path)
        self.by_real.setdefault(_real(path), path)

    def clash(self, output: Path) -> Path | None:
        """The input that writing `output` would replace, or None."""
        identity = _identity(output) if self.identity else None
        if identity is not None and identity in self.by_identity:
            return self.by_identity[identity]
        return self.by_real.get(_real(output))


def refuse_unsafe(
    outputs: Iterable[Path], inputs: InputFiles | Iterable[Path], *, what: str = "the script", main: Path | None = None
) -> None:
    """Raise InputError (exit 2) when an output would replace an input or a non-regular file.

    `main` is the script itself, named as such in the message."""
    known = inputs if isinstance(inputs, InputFiles) else InputFiles(inputs)
    main_identity = _identity(main) if main is not None else None
    for output in outputs:
        output = Path(output)
        kind = special_kind(output)
        if kind == "a folder":
            raise InputError(f"{output}: a folder is in the way of the output file")
        if kind is not None:
            raise InputError(f"{output}: is {kind}, not a regular file; meditate only replaces regular files, so choose a file name")
        source = known.clash(output)
        if source is not None and main is not None and (_identity(source) == main_identity or _real(source) == _real(main)):
            raise InputError(f"{output}: writing there would overwrite the script {main}; choose another output name")
        if source is not None:
            raise InputError(
                f"{output}: writing there would overwrite {display_path(source)}, which {what} reads; choose another output name"
            )


def refuse_special(path: Path) -> None:
    """InputError when something other than a regular file, a folder or nothing is at `path`."""
    kind = special_kind(path)
    if kind not in (None, "a folder"):
        raise InputError(f"{path}: is {kind}, not a regular file; meditate only replaces regular files")
