"""Which characters may leave the program in text: tags, captions, the page and the feed.

A script is refused at the place of a control character (YAML's double-quoted escapes
such as "\\v", "\\e", "\\0" or "\\ud800" can write them). Values from outside the
script (`--set`, roster cells) are cleaned instead, since a spreadsheet or a word
processor puts them there without the practitioner seeing them: a vertical tab (a word
processor's manual line break), a form feed, a carriage return and the Unicode line
breaks become one space; every other control character is removed. Bytes that are not
UTF-8 (which Python carries as lone surrogates) are refused, since no cleaning can tell
what they meant.
"""

from __future__ import annotations

import re
from generator.core.errors import InputError, one_line

_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
"""C0 controls except tab and newline, DEL, C1 controls, lone surrogates."""

_BREAKS = re.compile("[\t\n\x0b\x0c\r\x1c-\x1e\x85\u2028\u2029]+")
"""What a spreadsheet cell or a command-line value may hold as a line break or tab."""

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

_SURROGATE = re.compile("[\ud800-\udfff]")

_NAMES = {
    0x00: "NUL", 0x07: "bell", 0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed",
    0x0D: "carriage return", 0x1B: "escape", 0x7F: "delete", 0x85: "next line",
}


def forbidden_at(text: str) -> int | None:
    """The offset of the first character a script's text may not hold, or None."""
    match = _FORBIDDEN.search(text)
    return match.start() if match else None


def describe(char: str) -> str:
    """`U+000B (vertical tab)`: how an error names a character nobody can see."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"U+{code:04X} (half of a surrogate pair: not a character)"
    name = _NAMES.get(code, "a control character")
    return f"U+{code:04X} ({name})"


def not_utf8_at(text: str) -> int | None:
    """Where `text` holds bytes that were not UTF-8 (carried as lone surrogates), or None."""
    match = _SURROGATE.search(text)
    return match.start() if match else None


def clean_value(text: str) -> str:
    """A value from outside the script made safe: line breaks and tabs become one space,
    other control characters are removed. Lone surrogates are left for the caller to refuse."""
    return _CONTROL.sub("", _BREAKS.sub(" ", text))


def clean_out(text: str) -> str:
    """Text on its way out (a feed, a page, a tag) from a file this program did not check:
    tab and newline kept, line breaks of other kinds a space, other controls and lone
    surrogates removed, so an XML document stays well-formed."""
    text = re.sub("[\x0b\x0c\r\x85\u2028\u2029]", " ", text)
    return _FORBIDDEN.sub("", text)


def set_value(name: str, text: str) -> str:
    """A `--set` value made clean (clean_value); InputError (exit 2) when the value holds
    bytes that are not UTF-8."""

    if not_utf8_at(name + text) is not None:
        raise InputError(f"--set {one_line(name)}: the value holds bytes that are not UTF-8 text")
    return clean_value(text)


def clean_values(values: dict[str, str], error) -> dict[str, str]:
    """Variable values given from outside the script (`--set`, roster cells), cleaned;
    `error(message)` for each that holds bytes that are not UTF-8 (it is left out)."""
    out: dict[str, str] = {}
    for name, value in values.items():
        if not_utf8_at(value) is not None:
            error(f"the value given for variable '{name}' holds bytes that are not UTF-8 text")
        else:
            out[name] = clean_value(value)
    return out
