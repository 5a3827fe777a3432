"""Whatever the command prints reaches the terminal: a file name that is not UTF-8 too.

Python carries a file name's undecodable bytes as lone surrogates (PEP 383): Latin-1
`café.yaml` on a UTF-8 system is `caf\\udce9.yaml`. Under most UTF-8 locales stdout
refuses them, so `meditate check` of such a file ended in a UnicodeEncodeError after its
work was done. The command's streams show each such byte as `\\xe9` instead, and any
other character the terminal's encoding lacks as a backslash escape, never an error.
"""

from __future__ import annotations

import codecs
import sys

ERRORS = "meditate-shown"
"""The name of the codec error handler below, for `TextIOWrapper.reconfigure(errors=...)`."""


def is_escaped_byte(char: str) -> bool:
    """A lone surrogate standing for one undecodable byte (0x80 to 0xFF) of a file name."""
    return "\udc80" <= char <= "\udcff"


def shown_char(char: str) -> str:
    """How a character the terminal cannot take is shown: an undecodable byte of a file
    name as the byte (`\\xe9`), anything else as Python's escape (`\\u2028`)."""
    if is_escaped_byte(char):
        return f"\\x{ord(char) - 0xDC00:02x}"
    return char.encode("ascii", "backslashreplace").decode("ascii")


def _shown(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return "".join(shown_char(c) for c in error.object[error.start : error.end]), error.end


codecs.register_error(ERRORS, _shown)


def make_streams_safe() -> None:
    """Switch stdout and stderr to the handler above (the encoding stays the locale's)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:  # a stream replaced by something that is not a TextIOWrapper
            continue
        try:
            reconfigure(errors=ERRORS)
        except (AttributeError, ValueError, OSError):  # closed or detached: nothing to print to
            continue
