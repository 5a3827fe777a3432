"""The roster of a batch: one client a row, each column a variable, an `output` column for the file name.

Read strictly, before anything is rendered: every problem is reported with the roster's
file and line, so a practitioner fixes the spreadsheet once.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from generator.core.audiotypes import DEFAULT_SUFFIX, WRITTEN_SUFFIXES
from generator.core.cleantext import clean_value, not_utf8_at
from generator.core.errors import InputError, Position, ScriptError, ScriptErrors
from generator.script.bounds import MAX_ROSTER_BYTES

OUTPUT_COLUMN = "output"
"""The roster column that names a row's file; every other column is a variable."""

MAX_NAME_BYTES = 120
"""File names are cut to this many UTF-8 bytes (file systems allow 255), at a character."""

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UNSAFE = re.compile(r"[^\w.\-]+")  # \w is Unicode-aware: letters and digits of any script stay


# --- the roster -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    """One client: the CSV line it starts on, its variables and the file it becomes."""

    line: int
    variables: dict[str, str]
    output: str
    label: str  # the first column's value, for messages


@dataclass(frozen=True)
class Roster:
    path: Path
    columns: tuple[str, ...]
    rows: tuple[RosterRow, ...]


def read_roster(path: Path, script: Path, fmt: str | None = None) -> Roster:
    """Read a roster CSV; raise ScriptErrors naming the file and line of every problem.

    The delimiter is whichever of `,` `;` or tab the header line uses most (spreadsheets
    in many countries save with `;`). Empty cells keep the script's default; blank lines
    are ignored. Parsing is strict: a row with more or fewer cells than the header, or a
    quote left open (which would swallow the next rows into one cell), is an error on
    its line. Cells are cleaned like `--set` values (generator.core.cleantext.clean_value).
    """
    shown = str(path)
    text = _read_text(path)
    errors: list[ScriptError] = []

    def error(line: int, message: str) -> None:
        errors.append(ScriptError(message, Position(shown, line, 1)))

    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count) if any(d in first_line for d in ",;\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ScriptErrors([ScriptError(f"not a readable CSV file ({exc})", Position(shown, 1, 1))]) from None
    if not header or not any(cell.strip() for cell in header):
        raise ScriptErrors([ScriptError("the roster is empty: the first line should name the columns, e.g. name,output", Position(shown, 1, 1))])
    columns = tuple(cell.strip() for cell in header)
    _check_header(columns, error)
    stem = script.stem
    rows: list[RosterRow] = []
    taken: dict[str, int] = {}
    line = 1
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            problem = row_problem(cells, len(columns), line - start)
            if problem:
                error(start, problem)
                continue
            values = {name: clean_value(cell).strip() for name, cell in zip(columns, cells)}
            label = next((v for k, v in values.items() if k != OUTPUT_COLUMN), "")
            name = _file_name(values.get(OUTPUT_COLUMN, ""), label, stem, fmt, len(rows) + 1)
            key = unicodedata.normalize("NFC", Path(name).stem).casefold()
            if key in taken:
                error(start, f"this row's file '{name}' is also the file of the row on line {taken[key]} "
                             "(give each row its own name in the output column)")
                continue
            taken[key] = start
            variables = {k: v for k, v in values.items() if k != OUTPUT_COLUMN and v}
            rows.append(RosterRow(start, variables, name, label))
    except csv.Error as exc:
        error(line + 1, f"not a readable CSV line ({exc}; is a quote left open?)")
    if not rows and not errors:
        error(1, "the roster has a header but no rows")
    if errors:
        raise ScriptErrors(errors)
    return Roster(path, columns, tuple(rows))


def _check_header(columns: tuple[str, ...], error) -> None:
    """Every column named once, with a name a script can use as a variable."""
    for index, name in enumerate(columns, start=1):
        if not name:
            error(1, f"column {index} has no name in the header")
        elif name != OUTPUT_COLUMN and not _VARIABLE_NAME.fullmatch(name):
            suggestion = re.sub(r"\W+", "_", name).strip("_") or "name"
            error(1, f"column '{name}' is not a variable name (letters, digits, _), e.g. '{suggestion}'")
    for name, count in Counter(columns).items():
        if name and count > 1:
            error(1, f"column '{name}' appears {count} times")


def row_problem(cells: list[str], columns: int, extra_lines: int) -> str | None:
    """Why a parsed row cannot be a client, or None: a ragged row, a quote left open."""
    if extra_lines > 0 or any("\n" in cell or "\r" in cell for cell in cells):
        return ("this row runs on over the next line: a quote is not closed, or a cell holds a line "
                "break (close the quote; a cell must fit on one line)")
    if len(cells) > columns:
        return (f"this row has {len(cells)} values but the header names {columns} columns "
                "(a comma inside a value needs quotes: \"Smith, Ana\")")
    if len(cells) < columns:
        return f"this row has {len(cells)} values but the header names {columns} columns (add the missing cells, empty if need be)"
    if any(not_utf8_at(cell) is not None for cell in cells):
        return "a cell holds bytes that are not UTF-8 text"
    return None


def _read_text(path: Path) -> str:

    try:
        with open(path, "rb") as handle:  # never more than the limit: /dev/zero has no end
            data = handle.read(MAX_ROSTER_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such roster file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the roster ({exc.strerror or exc})") from None
    if len(data) > MAX_ROSTER_BYTES:
        raise ScriptErrors([ScriptError(f"the roster is larger than {MAX_ROSTER_BYTES} bytes; split it into several", Position(str(path)))])
    if b"\x00" in data:
        raise ScriptErrors([ScriptError("the roster is a binary file, not CSV text", Position(str(path)))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScriptErrors(
            [ScriptError("the roster is not UTF-8 text; save it as 'CSV UTF-8' from your spreadsheet", Position(str(path), line, 1))]
        ) from None


def safe_name(text: str, *, lower: bool) -> str:
    """`text` as one file-name component: no separators, no control or reserved characters.

    Letters of every script are kept (a client called Zoë or 张伟 gets a readable file).
    """
    text = unicodedata.normalize("NFC", text).strip()
    if lower:
        text = text.lower()
    text = re.sub(r"\s+", "-", text)
    text = _UNSAFE.sub("-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-._")
    encoded = text.encode("utf-8")[:MAX_NAME_BYTES]
    return encoded.decode("utf-8", errors="ignore").rstrip("-._")


def _file_name(output: str, label: str, stem: str, fmt: str | None, number: int) -> str:
    """The row's file name in the output folder (the `output` column, else script + name)."""
    if output:
        suffix = Path(output).suffix.lower()
        if suffix in WRITTEN_SUFFIXES:
            base = safe_name(output[: -len(suffix)], lower=False)
            if base:
                return f"{base}{suffix}"
        elif base := safe_name(output, lower=False):
            return f"{base}{_suffix(fmt)}"
    slug = safe_name(label, lower=True) or f"row{number}"
    return f"{safe_name(stem, lower=False) or 'track'}-{slug}{_suffix(fmt)}"


def _suffix(fmt: str | None) -> str:
    """The suffix of the format named `fmt` (a format's name is its suffix without the dot), else the default's."""
    return f".{fmt}" if fmt else DEFAULT_SUFFIX
