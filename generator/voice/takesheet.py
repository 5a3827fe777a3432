"""The recording sheet: `DIR/takes.csv`, which recording speaks which line.

The sheet has two columns, `file,text`: one row per distinct utterance (after variables),
in speaking order. File names are human (`001-welcome-friend.wav`) and never change once
written, so a practitioner's recordings stay attached to their lines however the script
grows: a line added later gets a name that sorts between its neighbours (`002a-...`)
instead of renumbering the rest. Rows whose text left the script are kept while their
recording exists.

Texts match exactly, except that runs of whitespace count as one space (a spreadsheet
may have rewrapped a cell).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from generator.core.errors import Position, ScriptError, ScriptErrors, display_path

SHEET_NAME = "takes.csv"
TAKE_SUFFIX = ".wav"
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aac", ".opus", ".aiff", ".aif")
"""A take may be any of these; a sheet's `001-x.wav` is also found as `001-x.flac` and so on."""

SLUG_WORDS = 5
SLUG_CHARS = 40
_PREFIX = re.compile(r"(\d+[a-z]*)-")


def normal_text(text: str) -> str:
    """The text as the sheet matches it: whitespace runs as one space, no edges."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Row:
    """One line of the sheet: the recording's file name (inside the folder) and its text."""

    file: str
    text: str
    line: int = 0  # where it stands in takes.csv (0: not written yet)


@dataclass(frozen=True)
class Sheet:
    """A folder's recording sheet as read from disk (empty when there is none yet)."""

    folder: Path
    rows: tuple[Row, ...] = ()

    @property
    def path(self) -> Path:
        return self.folder / SHEET_NAME

    def row_for(self, text: str) -> Row | None:
        wanted = normal_text(text)
        return next((row for row in self.rows if row.text == wanted), None)

    def recording(self, row: Row) -> Path | None:
        """The row's recording: the file it names, else the same name with another audio suffix."""
        named = self.folder / row.file
        if named.is_file():
            return named
        stem = Path(row.file).stem
        for suffix in AUDIO_SUFFIXES:
            other = self.folder / f"{stem}{suffix}"
            if other.is_file():
                return other
        return None


def read_sheet(folder: Path) -> Sheet:
    """The sheet in `folder`; ScriptErrors (with the CSV's lines) when it is malformed."""
    path = folder / SHEET_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Sheet(folder)
    except OSError as exc:
        raise ScriptErrors([ScriptError(f"cannot read the recording sheet ({exc.strerror or exc})", Position(display_path(path)))]) from None
    shown = display_path(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScriptErrors([ScriptError("the recording sheet is not UTF-8 text; save it as 'CSV UTF-8'", Position(shown, line, 1))]) from None
    return Sheet(folder, tuple(_rows(text, shown)))


def _rows(text: str, shown: str) -> list[Row]:
    errors: list[ScriptError] = []
    rows: list[Row] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        if "file" not in header or "text" not in header:
            raise ScriptErrors([ScriptError("the recording sheet's first line must name the columns: file,text", Position(shown, 1, 1))])
        at_file, at_text = header.index("file"), header.index("text")
        seen: dict[str, int] = {}
        line = 1
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            cells = cells + [""] * (len(header) - len(cells))
            name, said = cells[at_file].strip(), normal_text(cells[at_text])
            problem = _bad_name(name) or ("" if said else "this row has no text")
            if not problem and name.casefold() in seen:
                problem = f"the file '{name}' is also named on line {seen[name.casefold()]}"
            if problem:
                errors.append(ScriptError(problem, Position(shown, start, 1)))
                continue
            seen[name.casefold()] = start
            rows.append(Row(name, said, start))
    except csv.Error as exc:
        errors.append(ScriptError(f"not a readable CSV line ({exc})", Position(shown, reader.line_num, 1)))
    if errors:
        raise ScriptErrors(errors)
    return rows


def _bad_name(name: str) -> str:
    """Why `name` cannot be a take's file name (empty when it can): a plain name inside the folder."""
    if not name:
        return "this row has no file name"
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith(".") or any(ord(c) < 32 for c in name):
        return f"'{name}' must be a plain file name inside the takes folder"
    if Path(name).suffix.lower() not in AUDIO_SUFFIXES:
        return f"'{name}' is not an audio file name (use one of {', '.join(AUDIO_SUFFIXES)})"
    return ""


# --- updating ---------------------------------------------------------------------------------


def updated(sheet: Sheet, texts: Iterable[str]) -> list[Row]:
    """The sheet's rows for `texts` (in speaking order), new lines named, old names kept.

    Rows whose text is no longer spoken follow at the end while their recording exists.
    """
    wanted = list(dict.fromkeys(normal_text(t) for t in texts if normal_text(t)))
    known = {row.text: row for row in sheet.rows}
    taken = {_prefix(row.file) or row.file.casefold() for row in sheet.rows}
    rows: list[Row] = []
    for index, text in enumerate(wanted):
        row = known.get(text)
        if row is None:
            following = next((known[t].file for t in wanted[index + 1 :] if t in known), None)
            name = _new_name(text, index + 1, rows[-1].file if rows else None, following, taken)
            taken.add(_prefix(name))
            row = Row(name, text)
        rows.append(row)
    spoken = set(wanted)
    rows.extend(row for row in sheet.rows if row.text not in spoken and sheet.recording(row) is not None)
    return rows


def _new_name(text: str, number: int, previous: str | None, following: str | None, taken: set[str]) -> str:
    """`NNN-first-words.wav`, with a prefix no other row has that sorts between its neighbours'.

    When no prefix fits between them (a line squeezed between `002` and `002a`), the first
    free one after the previous line's is taken: the sheet's order is still the speaking order.
    """
    low = _prefix(previous) if previous else ""
    high = _prefix(following) if following else ""
    free = [prefix for prefix in _prefixes(number, low) if prefix > low and prefix not in taken]
    fitting = [prefix for prefix in free if not high or prefix < high]
    return f"{(fitting or free)[0]}-{slug_of(text)}{TAKE_SUFFIX}"


def _prefixes(number: int, low: str) -> Iterator[str]:
    """`NNN` first, then the previous prefix with letters after it: `002a`, `002b`, ..., `002aa`."""
    yield f"{number:03d}"
    level = [low or f"{number - 1:03d}"]
    for _ in range(2):
        level = [base + letter for base in level for letter in "abcdefghijklmnopqrstuvwxyz"]
        yield from level


def _prefix(name: str) -> str:
    match = _PREFIX.match(name)
    return match.group(1) if match else ""


def slug_of(text: str) -> str:
    """The first few words of `text`, lower case, as a file-name piece (`welcome-friend`)."""
    words = re.findall(r"\w+", text.lower())[:SLUG_WORDS]
    slug = "-".join(words)[:SLUG_CHARS].strip("-_")
    return slug or "line"


def sheet_text(rows: Iterable[Row]) -> str:
    """The CSV for `rows` (header `file,text`), with Unix line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["file", "text"])
    for row in rows:
        writer.writerow([row.file, row.text])
    return out.getvalue()
