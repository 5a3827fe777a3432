"""Parsing of the script's values: durations, volumes, frequencies and glides.

Durations come back as exact :class:`~fractions.Fraction` seconds, so turning them into
sample counts never accumulates float error. Each parser raises :class:`ValueError`
with a short description of what was expected; the loader adds the position.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from fractions import Fraction

_NUMBER = r"\d+(?:\.\d+)?|\.\d+"
_DURATION_PART = re.compile(rf"\s*({_NUMBER})\s*(ms|h|m|s)\s*", re.IGNORECASE)
_UNIT_SECONDS = {"h": Fraction(3600), "m": Fraction(60), "s": Fraction(1), "ms": Fraction(1, 1000)}
_UNIT_ORDER = {"h": 0, "m": 1, "s": 2, "ms": 3}

DURATION_HINT = "a duration like '10s' or '1m30s'"
VOLUME_HINT = "a volume like '-26dB'"
FREQUENCY_HINT = "a frequency in Hz like '200' or a glide like '10 -> 6'"


def parse_duration(value: object) -> Fraction:
    """`500ms`, `3s`, `1.5s`, `2m`, `1m30s`, `1h`, or a bare number of seconds."""
    if isinstance(value, bool) or value is None:
        raise ValueError(DURATION_HINT)
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{DURATION_HINT}, never negative")
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{DURATION_HINT}, never negative")
        return Fraction(str(value))
    if not isinstance(value, str):
        raise ValueError(DURATION_HINT)
    return _parse_duration_text(value.strip())


@functools.lru_cache(maxsize=4096)
def _parse_duration_text(text: str) -> Fraction:
    """The text form, cached: scripts repeat a few durations many times, and Fraction
    arithmetic is slow enough that an alias-heavy script would otherwise take seconds."""
    if re.fullmatch(_NUMBER, text):
        return Fraction(text)
    if text.startswith("-"):
        raise ValueError(f"{DURATION_HINT}, never negative")
    total = Fraction(0)
    pos = 0
    last_order = -1
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if not match or match.end() == pos:
            raise ValueError(DURATION_HINT)
        unit = match.group(2).lower()
        order = _UNIT_ORDER[unit]
        if order <= last_order:
            raise ValueError(DURATION_HINT)
        last_order = order
        total += Fraction(match.group(1)) * _UNIT_SECONDS[unit]
        pos = match.end()
    if pos == 0:
        raise ValueError(DURATION_HINT)
    return total


_VOLUME = re.compile(rf"\s*([+-]?(?:{_NUMBER}))\s*(?:db)?\s*", re.IGNORECASE)


def parse_volume(value: object) -> float:
    """`-26dB`, `-26 dB` or a bare number of decibels, relative to the voice at 0 dB."""
    if isinstance(value, bool) or value is None:
        raise ValueError(VOLUME_HINT)
    if isinstance(value, (int, float)):
        db = _as_float(value)
    elif isinstance(value, str):
        match = _VOLUME.fullmatch(value)
        if not match:
            raise ValueError(VOLUME_HINT)
        db = float(match.group(1))
    else:
        raise ValueError(VOLUME_HINT)
    if not math.isfinite(db):
        raise ValueError(VOLUME_HINT)
    return db


def _as_float(value: int | float) -> float:
    """A number as a float; an integer too large for one becomes infinity (and is refused)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def parse_gain_db(value: object) -> float:
    """A positive amount in dB (as for `duck: 6dB`); the sign is ignored."""
    return abs(parse_volume(value))


@dataclass(frozen=True)
class Glide:
    """A value that moves smoothly from `start` to `end` over its span (equal for a constant)."""

    start: float
    end: float

    @property
    def constant(self) -> bool:
        return self.start == self.end

    def __str__(self) -> str:
        return f"{self.start:g}" if self.constant else f"{self.start:g} -> {self.end:g}"


_GLIDE = re.compile(rf"\s*({_NUMBER})\s*(?:hz)?\s*(?:->\s*({_NUMBER})\s*(?:hz)?\s*)?", re.IGNORECASE)


def parse_glide(value: object) -> Glide:
    """`200`, `200Hz`, or `10 -> 6` (gliding from 10 to 6)."""
    if isinstance(value, bool) or value is None:
        raise ValueError(FREQUENCY_HINT)
    if isinstance(value, (int, float)):
        start = end = _as_float(value)
    elif isinstance(value, str):
        match = _GLIDE.fullmatch(value)
        if not match:
            raise ValueError(FREQUENCY_HINT)
        start = float(match.group(1))
        end = float(match.group(2)) if match.group(2) is not None else start
    else:
        raise ValueError(FREQUENCY_HINT)
    for f in (start, end):
        if not math.isfinite(f) or f < 0 or f == 0:
            raise ValueError(f"{FREQUENCY_HINT}, above 0")
    return Glide(start, end)


def format_duration(seconds: float) -> str:
    """Seconds as `m:ss.s` (or `h:mm:ss.s`) for readable tables."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 1:
        return f"{sign}{int(hours)}:{int(minutes):02d}:{secs:04.1f}"
    return f"{sign}{int(minutes)}:{secs:04.1f}"
