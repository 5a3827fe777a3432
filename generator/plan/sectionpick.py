"""Choosing one section for `--section`: by its title, ignoring case, or by its number.

A practitioner types what the plan shows ("body scan" for "Body Scan") or simply the
section's place in the script ("3"), so both are accepted; anything else is an error
listing the sections with their numbers.
"""

from __future__ import annotations

import difflib

from generator.core.errors import InputError


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def pick_section(titles: list[str] | tuple[str, ...], wanted: str) -> str:
    """The title of the section `wanted` names: the exact title, the title ignoring case
    and spacing, or the section's number counting from 1. Raises InputError otherwise."""
    if wanted in titles:
        return wanted
    folded = [t for t in titles if _folded(t) == _folded(wanted)]
    if len(folded) == 1:
        return folded[0]
    number = wanted.strip()
    if number.isdigit() and 1 <= int(number) <= len(titles):
        return titles[int(number) - 1]
    listed = ", ".join(f"{i} '{t}'" for i, t in enumerate(titles, start=1))
    if number.isdigit():
        problem = f"there is no section {number}: the script has {len(titles)}"
    else:
        by_folded = {_folded(t): t for t in titles}
        close = difflib.get_close_matches(_folded(wanted), list(by_folded), n=1, cutoff=0.6)
        hint = f" (did you mean '{by_folded[close[0]]}'?)" if close else ""
        problem = f"no section titled '{wanted}'{hint}"
    raise InputError(f"{problem}; give a title or a number: {listed}")
