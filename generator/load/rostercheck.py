"""Roster columns that would silently leave a variable at its default.

A column `Name` for a script that says `{name}` fills nothing: every client would hear
"Hello friend". Variables are matched exactly (as everywhere in a script), so a column
differing from a used variable only in case is refused before anything is rendered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from generator.core.errors import MeditateError, Position, ScriptError
from generator.load.loader import load_script


def used_variables(script: Path, variables: Mapping[str, str], engine: str | None) -> set[str]:
    """Every variable name the texts of `script` (and its includes) use."""
    used: set[str] = set()
    try:
        load_script(script, variables, engine=engine, used=used)
    except MeditateError:
        pass  # the names seen before the problem are still known; the problem is reported elsewhere
    return used


def column_case_errors(roster_path: Path, columns: tuple[str, ...], used: set[str]) -> list[ScriptError]:
    """An error at each header cell naming a used variable in another case (its column
    found in the header line as written: the cells are the column names, stripped)."""
    header = _header_line(roster_path)
    errors = []
    search_from = 0
    for name in columns:
        at = header.find(name, search_from) if name else -1
        column = at + 1 if at >= 0 else 1
        search_from = at + len(name) if at >= 0 else search_from
        if not name or name in used:
            continue
        same = sorted(u for u in used if u.lower() == name.lower())
        if same:
            errors.append(ScriptError(
                f"column '{name}' would leave '{{{same[0]}}}' at its default (variable names are matched "
                f"exactly): name the column '{same[0]}'",
                Position(str(roster_path), 1, column),
            ))
    return errors


def _header_line(path: Path) -> str:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            return handle.readline().rstrip("\r\n")
    except OSError:
        return ""
