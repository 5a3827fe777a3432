"""Breathing patterns: presets, `inhale-hold-exhale[-hold]` seconds, lists and glides.

A pattern becomes the exact list of cycles the pacer will play, each a tuple of
phases with exact Fraction seconds, so the planner can place every boundary on its
sample without drift. Nothing here knows about YAML: a bad pattern raises
`PatternError` with a message the loader puts after the script's file:line:col.
"""

from __future__ import annotations

import re
from fractions import Fraction

from generator.core.model import BreathPhase
from generator.core.suggest import did_you_mean
from generator.core.units import NUMBER

PRESETS: dict[str, str] = {
    "box": "4-4-4-4",
    "4-7-8": "4-7-8",
    "coherent": "5.5-5.5",
    "relax": "4-6",
}
"""Named patterns a practitioner can write instead of numbers."""

PATTERN_HINT = "a preset (box, 4-7-8, coherent, relax), seconds like '4-7-8' or '4-2-6-2', or a glide like '4-4 -> 4-8'"
_GLIDE_WORDS = re.compile(r"\s*(?:\bto\b|→|=>|-+>|>|\bthen\b)\s*", re.IGNORECASE)
_NUMBER = re.compile(NUMBER)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_ -]*")
MAX_PHASE_SECONDS = 120
"""No single phase longer than two minutes: a longer 'hold' is a typo, not a practice."""

MAX_CYCLES = 10_000
"""The most cycles one `breathe` step may expand to (about 12 h of the shortest sensible breath)."""

KINDS: dict[int, tuple[str, ...]] = {
    2: ("inhale", "exhale"),
    3: ("inhale", "hold", "exhale"),
    4: ("inhale", "hold", "exhale", "rest"),
}
"""Phase kinds by how many numbers a pattern has. `rest` is the model's name for the
hold after the exhale (it has its own cue word, "Rest"); the plan reports it as `hold`."""


class PatternError(ValueError):
    """A pattern that cannot be played; the message is complete and reads after 'error: '."""


def parse_phases(text: str) -> tuple[BreathPhase, ...]:
    """One pattern (a preset name or `4-7-8`-style seconds) to its phases, zero holds kept."""
    name = text.strip()
    raw = PRESETS.get(name.lower(), name)
    pieces = [p.strip() for p in raw.split("-")]
    if not 2 <= len(pieces) <= 4 or not all(_NUMBER.fullmatch(p) for p in pieces):
        if _WORD.fullmatch(name) and not any(c.isdigit() for c in name):
            raise PatternError(f"unknown breathing preset '{name}'{did_you_mean(name.lower(), PRESETS)}; use {PATTERN_HINT}")
        raise PatternError(f"pattern must be {PATTERN_HINT}, got '{name}'{_glide_suggestion(name)}")
    seconds = [Fraction(p) for p in pieces]
    if any(s > MAX_PHASE_SECONDS for s in seconds):
        raise PatternError(f"pattern '{name}' has a phase longer than {MAX_PHASE_SECONDS}s")
    phases = tuple(BreathPhase(kind, s) for kind, s in zip(KINDS[len(pieces)], seconds))
    if phases[0].seconds == 0 or next(p for p in phases if p.kind == "exhale").seconds == 0:
        raise PatternError(f"pattern '{name}': the inhale and the exhale must each last longer than 0s")
    return phases


def _glide_suggestion(text: str) -> str:
    """`: write it as '4-4 -> 4-8'` for a glide written another way ('4-4 to 4-8')."""
    if not _GLIDE_WORDS.search(text):
        return ""
    parts = [p.strip() for p in _GLIDE_WORDS.split(text) if p.strip()]
    if len(parts) != 2:
        return ""
    try:
        for part in parts:
            parse_phases(part)
    except PatternError:
        return ""
    return f": write it as '{parts[0]} -> {parts[1]}'"


def cycle_seconds(phases: tuple[BreathPhase, ...]) -> Fraction:
    """The exact length of one cycle."""
    return sum((p.seconds for p in phases), Fraction(0))


def glide_cycles(start: tuple[BreathPhase, ...], end: tuple[BreathPhase, ...], count: int) -> list[tuple[BreathPhase, ...]]:
    """`count` cycles whose phases stretch linearly from `start` (first cycle) to `end` (last).

    Exact Fractions, so the cycle lengths of a glide add up to exactly
    count × (first + last) / 2 and the planner's boundaries stay exact.
    """
    if len(start) != len(end):
        raise PatternError(
            f"both ends of a breathing glide need the same number of phases, got {len(start)} and {len(end)} "
            "(write a hold of 0 to make them match, e.g. '4-0-4 -> 4-4-6')"
        )
    cycles = []
    for index in range(count):
        t = Fraction(index, count - 1) if count > 1 else Fraction(0)
        cycles.append(
            tuple(BreathPhase(a.kind, a.seconds + (b.seconds - a.seconds) * t) for a, b in zip(start, end))
        )
    return cycles


def glide_seconds(start: tuple[BreathPhase, ...], end: tuple[BreathPhase, ...], count: int) -> Fraction:
    """Total length of a `count`-cycle glide, in closed form (a linear ramp averages its ends)."""
    if count <= 0:
        return Fraction(0)
    if count == 1:
        return cycle_seconds(start)
    return count * (cycle_seconds(start) + cycle_seconds(end)) / 2


def expand(pattern: str, *, cycles: int | None, duration: Fraction | None) -> list[tuple[BreathPhase, ...]]:
    """A single pattern or an `A -> B` glide, repeated by `cycles` or fitted into `duration`.

    With `duration`, only whole cycles are played: as many as fit (the planner reports
    how many), never a cut-off breath at the end.
    """
    if "->" in pattern:
        left, right = pattern.split("->", 1)
        start, end = parse_phases(left), parse_phases(right)
        if cycles is None:
            if duration is None:
                raise PatternError("breathe needs cycles or duration")
            glide_cycles(start, end, 0)  # the same phase count at both ends, checked before fitting
            # glide_seconds grows with count (every cycle lasts > 0 s), so the fit is a short search.
            count = 0
            while count < MAX_CYCLES and glide_seconds(start, end, count + 1) <= duration:
                count += 1
            cycles = count
        return glide_cycles(start, end, cycles)
    phases = parse_phases(pattern)
    if cycles is None:
        if duration is None:
            raise PatternError("breathe needs cycles or duration")
        cycles = int(duration // cycle_seconds(phases))
    if cycles > MAX_CYCLES:
        raise PatternError(f"that is {cycles} breathing cycles; at most {MAX_CYCLES} in one step")
    return [phases] * cycles
