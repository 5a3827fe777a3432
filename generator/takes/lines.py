"""The lines a practitioner records for a script: gathered, merged over a roster, written.

`meditate takes` and `meditate record` both start here. The lines are the distinct
utterances (after variables) that a recorded voice speaks from the folder; a script that
does not use a recorded voice yet contributes all its lines, so the sheet can be made
before the script is switched over. With a roster, each client's script is loaded with
that client's variables and the texts are merged in speaking order, so "Welcome, Ana."
and "Welcome, Ben." are neighbours on the sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from generator.core.errors import InputError, display_path
from generator.load.loader import load_script
from generator.core.model import Session
from generator.core.atomic import write_atomic
from generator.script.roster import read_roster
from generator.kinds.steps import utterances
from generator.load.takes import RECORDED
from generator.voice.takesheet import Row, Sheet, normal_text, read_sheet, sheet_text, updated


@dataclass(frozen=True)
class SheetUpdate:
    """The sheet as written: every row, and which of the script's lines still lack a take."""

    title: str
    sheet: Sheet
    lines: tuple[Row, ...]  # the script's lines, in speaking order
    missing: tuple[Row, ...]
    changed: bool

    def report(self) -> list[str]:
        """What `takes` and `record` print: the sheet written and the lines still to record."""
        head = f"{'wrote' if self.changed else 'unchanged:'} {display_path(self.sheet.path)} ({_count(len(self.lines), 'line')})"
        if not self.missing:
            return [head, "every line has a take"]
        missing = [f"  {display_path(self.sheet.folder / row.file)}  {row.text}" for row in self.missing]
        return [head, f"{len(self.missing)} of {_count(len(self.lines), 'take')} missing:", *missing]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def script_texts(session: Session, folder: Path) -> list[str]:
    """The texts spoken from `folder` (or every text, when no voice is recorded yet)."""
    spoken = utterances(session)
    recorded = [u.text for u in spoken if u.voice.engine == RECORDED and u.voice.takes == folder]
    return recorded or [u.text for u in spoken if u.voice.engine != RECORDED]


def merged(sequences: list[list[str]]) -> list[str]:
    """One speaking order for several clients' texts: a new text follows its own predecessor."""
    out: list[str] = []
    for sequence in sequences:
        own = set(sequence)
        at = 0
        for text in sequence:
            if text in out:
                at = out.index(text) + 1
                continue
            while at < len(out) and out[at] not in own:
                at += 1  # after the other clients' versions of this line
            out.insert(at, text)
            at += 1
    return out


def default_folder(script: Path, variables: Mapping[str, str]) -> Path:
    """The takes folder a script's recorded voice names, when it names exactly one."""
    session = load_script(script, variables, takes=False)
    folders = {u.voice.takes for u in utterances(session) if u.voice.engine == RECORDED and u.voice.takes}
    if len(folders) != 1:
        raise InputError("give the folder of recordings with --folder DIR (the script names " + (
            "none" if not folders else ", ".join(sorted(display_path(f) for f in folders))) + ")")
    return folders.pop()


def update_sheet(
    script: Path, folder: Path | None, variables: Mapping[str, str], roster: Path | None = None, *, write: bool = True
) -> SheetUpdate:
    """Write or update `folder/takes.csv` (default: the script's takes folder) for the script,
    loaded with each roster row's variables when a roster is given."""
    folder = (folder or default_folder(script, variables)).resolve()
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{display_path(folder)} is a file; give a folder for the recordings")
    sessions = []
    if roster is None:
        sessions.append(load_script(script, variables, takes=False))
    else:
        for row in read_roster(roster, script).rows:
            sessions.append(load_script(script, {**variables, **row.variables}, takes=False))
    sequences = [script_texts(session, folder) for session in sessions]
    texts = merged([[normal_text(t) for t in seq] for seq in sequences])
    sheet = read_sheet(folder)
    rows = updated(sheet, texts)
    text = sheet_text(rows)
    changed = False
    if write:
        folder.mkdir(parents=True, exist_ok=True)
        changed = write_atomic(sheet.path, text.encode("utf-8"), only_if_changed=True)
    written = Sheet(folder, tuple(rows))
    spoken = set(texts)
    lines = tuple(row for row in rows if row.text in spoken)
    missing = tuple(row for row in lines if written.recording(row) is None)
    return SheetUpdate(sessions[0].title, written, lines, missing, changed)
