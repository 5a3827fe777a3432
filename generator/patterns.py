"""Breathing patterns: presets, `inhale-hold-exhale[-hold]` seconds, lists and glides.

A pattern becomes the exact list of cycles the pacer will play, each a tuple of
phases with exact Fraction seconds, so the planner can place every boundary on its
sample without drift.
"""

from __future__ import annotations

import re
from fractions import Fraction

from generator.model import BreathPhase

PRESETS: dict[str, str] = {
    "box": "4-4-4-4",
    "4-7-8": "4-7-8",
    "coherent": "5.5-5.5",
    "relax": "4-6",
}
"""Named patterns a practitioner can write instead of numbers."""

PATTERN_HINT = "a preset (box, 4-7-8, coherent, relax) or seconds like '4-7-8' or '4-2-6-2'"
_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+")
MAX_PHASE_SECONDS = 120


def parse_phases(text: str) -> tuple[BreathPhase, ...]:
    """One pattern (a preset name or `4-7-8`-style seconds) to its phases, zero holds kept."""
    raw = PRESETS.get(text.strip().lower(), text.strip())
    pieces = [p.strip() for p in raw.split("-")]
    if not 2 <= len(pieces) <= 4 or not all(_NUMBER.fullmatch(p) for p in pieces):
        raise ValueError(PATTERN_HINT)
    seconds = [Fraction(p) for p in pieces]
    if any(s > MAX_PHASE_SECONDS for s in seconds):
        raise ValueError(f"{PATTERN_HINT}, each phase at most {MAX_PHASE_SECONDS}s")
    kinds = {2: ("inhale", "exhale"), 3: ("inhale", "hold", "exhale"), 4: ("inhale", "hold", "exhale", "rest")}
    phases = tuple(BreathPhase(kind, s) for kind, s in zip(kinds[len(pieces)], seconds))
    if phases[0].seconds == 0 or next(p for p in phases if p.kind == "exhale").seconds == 0:
        raise ValueError(f"{PATTERN_HINT}; inhale and exhale must last longer than 0s")
    return phases


def cycle_seconds(phases: tuple[BreathPhase, ...]) -> Fraction:
    return sum((p.seconds for p in phases), Fraction(0))


def glide_cycles(start: tuple[BreathPhase, ...], end: tuple[BreathPhase, ...], count: int) -> list[tuple[BreathPhase, ...]]:
    """`count` cycles whose phases stretch linearly from `start` to `end`."""
    if len(start) != len(end):
        raise ValueError("both ends of a breathing glide need the same number of phases")
    cycles = []
    for index in range(count):
        t = Fraction(index, count - 1) if count > 1 else Fraction(0)
        cycles.append(
            tuple(BreathPhase(a.kind, a.seconds + (b.seconds - a.seconds) * t) for a, b in zip(start, end))
        )
    return cycles


def expand(pattern: str, *, cycles: int | None, duration: Fraction | None) -> list[tuple[BreathPhase, ...]]:
    """A single pattern or an `A -> B` glide, repeated by `cycles` or fitted into `duration`."""
    if "->" in pattern:
        left, right = pattern.split("->", 1)
        start, end = parse_phases(left), parse_phases(right)
        if cycles is not None:
            return glide_cycles(start, end, cycles)
        assert duration is not None
        best: list[tuple[BreathPhase, ...]] = []
        for count in range(1, 10_000):
            trial = glide_cycles(start, end, count)
            if sum((cycle_seconds(c) for c in trial), Fraction(0)) > duration:
                break
            best = trial
        return best
    phases = parse_phases(pattern)
    if cycles is None:
        assert duration is not None
        cycles = int(duration // cycle_seconds(phases))
    return [phases] * cycles
