"""The timeline as a table a person can read in a terminal (`meditate plan`)."""

from __future__ import annotations

import textwrap

from generator.timeline import Timeline
from generator.units import format_duration


def plan_table(timeline: Timeline, *, estimated: bool = False) -> str:
    """Sections as headings, one line per entry: start, length, kind and text."""
    rate = timeline.rate
    lines = [f"{timeline.title}", f"total {format_duration(timeline.seconds)}" + (" (speech estimated)" if estimated else ""), ""]
    for section in timeline.sections:
        lines.append(
            f"{format_duration(section.start / rate):>9}  {format_duration((section.end - section.start) / rate):>8}  "
            f"== {section.title} =="
        )
        cycles = {e.cycle for e in section.entries if e.cycle is not None}
        for entry in _collapse(section.entries):
            start, length, label = entry
            lines.append(f"{format_duration(start / rate):>9}  {format_duration(length / rate):>8}  {label}")
        if cycles:
            lines.append(f"{'':>9}  {'':>8}  ({len(cycles)} breathing cycles)")
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
