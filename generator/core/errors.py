"""The exception family.

Every error a user can cause is a :class:`MeditateError` with an exit code, so the
command line can print one clean line per problem and never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.core.console import is_escaped_byte, shown_char


class MeditateError(Exception):
    """Base of all errors the tool reports to a user. Exit code 1 unless said otherwise."""

    exit_code = 1


class InputError(MeditateError):
    """Bad input that has no position in a script: a missing file, a bad option."""

    exit_code = 2


class EngineError(MeditateError):
    """A speech engine failed (for example the online engine cannot be reached)."""

    exit_code = 1


class ScriptWarning(UserWarning):
    """Advice about a script that does not stop it (a voice of another language, say).
    The message is the whole line, `path:line:col: warning: ...`."""


@dataclass(frozen=True)
class Position:
    """Where something stands in a source file (1-based line and column)."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        return f"{self.path}:{self.line}:{self.column}"


class ScriptError(MeditateError):
    """One problem in a script, printed compiler-style as `path:line:col: error: message`."""

    exit_code = 2

    def __init__(self, message: str, position: Position | None = None, *, severity: str = "error"):
        super().__init__(message)
        self.message = message
        self.position = position
        self.severity = severity

    def __str__(self) -> str:
        where = str(self.position) if self.position else "<script>"
        return one_line(f"{where}: {self.severity}: {self.message}")


class ScriptErrors(MeditateError):
    """Every problem found in one pass over a script, reported together."""

    exit_code = 2

    def __init__(self, errors: list[ScriptError]):
        self.errors = sorted(errors, key=_sort_key)
        super().__init__("\n".join(str(e) for e in self.errors))


def one_line(text: str) -> str:
    """`text` with line breaks and other control characters shown as escapes (`\\n`), so
    one error is always one line, whatever a quoted key or value holds. An undecodable
    byte of a file name is shown as the byte (`caf\\xe9.yaml`), as the command prints it."""
    return "".join(c if c.isprintable() else shown_char(c) if is_escaped_byte(c) else repr(c)[1:-1] for c in text)


def _sort_key(error: ScriptError) -> tuple[str, int, int]:
    pos = error.position
    return (pos.path, pos.line, pos.column) if pos else ("", 0, 0)


def display_path(path: Path | str) -> str:
    """A path as a user typed it: relative to the working folder when it lies below it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, RuntimeError, OSError):  # elsewhere, a symbolic link loop, no working folder
        return str(p)
