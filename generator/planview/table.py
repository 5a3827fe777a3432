"""The timeline as a table a person can read in a terminal (`meditate plan`)."""

from __future__ import annotations

import textwrap

from generator.plan.timeline import Timeline
from generator.core.units import format_duration


def plan_table(timeline: Timeline, *, estimated: bool = False) -> str:
    """Sections as headings, one line per entry: start, length, kind and text."""
    rate = timeline.rate
    lines = [f"{timeline.title}", f"total {format_duration(timeline.seconds)}" + (" (speech estimated)" if estimated else ""), ""]
    for section in timeline.sections:
        lines.append(
            f"{format_duration(section.start / rate):>9}  {format_duration((section.end - section.start) / rate):>8}  "
            f"== {section.title} =="
        )
        entries = section.entries
        for index, (start, length, label) in enumerate(_collapse(entries)):
            lines.append(f"{format_duration(start / rate):>9}  {format_duration(length / rate):>8}  {label}")
            count = _breathing_cycles_ending(entries, index)
            if count:
                lines.append(f"{'':>9}  {'':>8}  ({count} breathing cycle{'' if count == 1 else 's'})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _collapse(entries) -> list[tuple[int, int, str]]:
    """Entries as (start, length, label); text is shortened to keep one line each."""
    rows = []
    for entry in entries:
        label = entry.kind
        if entry.text:
            label += "  " + textwrap.shorten(entry.text, width=60, placeholder="…")
        if entry.cycle is not None:
            label += f"  (cycle {entry.cycle})"
        rows.append((entry.start, entry.length, label))
    return rows


def _breathing_cycles_ending(entries, index: int) -> int:
    """How many cycles a `breathe` step played, if entry `index` is that step's last phase, else 0.

    Each step numbers its cycles from 1 and every cycle starts with an inhale, so a step
    ends where the next entry is not a phase, or is the inhale of a cycle 1 (a new step).
    """
    entry = entries[index]
    if entry.cycle is None:
        return 0
    after = entries[index + 1] if index + 1 < len(entries) else None
    if after is not None and after.cycle is not None and not (after.kind == "inhale" and after.cycle == 1):
        return 0
    return entry.cycle
