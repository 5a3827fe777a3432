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

MAX_NUMBER_DIGITS = 100
"""The most digits a number may run to on either side of its point. Python refuses to
convert more than 4,300 digits (a ValueError the parsers did not expect), and no
duration, volume, frequency or breathing phase needs more than a few; 100 is what any
YAML value may hold (yamlnodes.MAX_VALUE_CHARS), so numbers inside text (a breathing
pattern, `[pause 2s]`) are held to the same."""

NUMBER = rf"\d{{1,{MAX_NUMBER_DIGITS}}}(?:\.\d{{1,{MAX_NUMBER_DIGITS}}})?|\.\d{{1,{MAX_NUMBER_DIGITS}}}"
"""A number as scripts write it (`4`, `1.5`, `.5`); every parser of numbers in text uses
it, so a longer run of digits is refused as not a number, at its place."""
_NUMBER = NUMBER
_UNIT_WORDS = {
    "h": ("h", "hr", "hrs", "hour", "hours"),
    "m": ("m", "min", "mins", "minute", "minutes"),
    "s": ("s", "sec", "secs", "second", "seconds"),
    "ms": ("ms", "msec", "msecs", "millisecond", "milliseconds"),
}
_UNIT_OF = {word: unit for unit, words in _UNIT_WORDS.items() for word in words}
_UNIT_PATTERN = "|".join(sorted(_UNIT_OF, key=len, reverse=True))
_DURATION_PART = re.compile(rf"\s*(?:,|and\b)?\s*({_NUMBER})\s*({_UNIT_PATTERN})(?![A-Za-z])\s*", re.IGNORECASE)
_CLOCK = re.compile(rf"(\d{{1,{MAX_NUMBER_DIGITS}}}):([0-5]?\d)(?::([0-5]?\d(?:\.\d{{1,{MAX_NUMBER_DIGITS}}})?))?|(\d{{1,{MAX_NUMBER_DIGITS}}}):([0-5]?\d(?:\.\d{{1,{MAX_NUMBER_DIGITS}}})?)")
_UNIT_SECONDS = {"h": Fraction(3600), "m": Fraction(60), "s": Fraction(1), "ms": Fraction(1, 1000)}
_UNIT_ORDER = {"h": 0, "m": 1, "s": 2, "ms": 3}

DURATION_HINT = "a duration like '10s' or '1m30s'"
VOLUME_HINT = "a volume like '-26dB'"
FREQUENCY_HINT = "a frequency in Hz like '200' or a glide like '10 -> 6'"


class DurationError(ValueError):
    """A refused duration; `suggestion` is the nearest accepted spelling, when one is clear."""

    def __init__(self, message: str, suggestion: str = ""):
        super().__init__(message)
        self.suggestion = suggestion


def parse_duration(value: object) -> Fraction:
    """`500ms`, `3s`, `1.5s`, `2m`, `1m30s`, `1h`, a bare number of seconds, the words
    people write (`12 min`, `10 sec`, `90 seconds`, `1 minute`, `2 hours`, `1h 2m`), or
    a clock time (`1:30` is a minute and a half, `1:02:03` an hour, two minutes, three seconds)."""
    if isinstance(value, bool) or value is None:
        raise DurationError(DURATION_HINT)
    if isinstance(value, int):
        if value < 0:
            raise DurationError(f"{DURATION_HINT}, never negative")
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value) or value < 0:
            raise DurationError(f"{DURATION_HINT}, never negative")
        return Fraction(str(value))
    if not isinstance(value, str):
        raise DurationError(DURATION_HINT)
    return _parse_duration_text(value.strip())


@functools.lru_cache(maxsize=4096)
def _parse_duration_text(text: str) -> Fraction:
    """The text form, cached: scripts repeat a few durations many times, and Fraction
    arithmetic is slow enough that an alias-heavy script would otherwise take seconds."""
    if re.fullmatch(_NUMBER, text):
        return Fraction(text)
    if text.startswith("-"):
        raise DurationError(f"{DURATION_HINT}, never negative")
    clock = _clock(text)
    if clock is not None:
        return clock
    total = _parts(text, ordered=True)
    if total is None:
        raise DurationError(DURATION_HINT, _suggest(text))
    return total


def _clock(text: str) -> Fraction | None:
    match = _CLOCK.fullmatch(text)
    if not match:
        return None
    if match.group(4) is not None:  # m:ss
        return int(match.group(4)) * 60 + Fraction(match.group(5))
    if match.group(3) is None:  # m:ss without decimals (the first alternative)
        return int(match.group(1)) * 60 + Fraction(match.group(2))
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60 + Fraction(match.group(3))


def _parts(text: str, *, ordered: bool) -> Fraction | None:
    """`1h 2m`, `12 min`, `1 minute, 30 seconds`: the sum, or None if it does not read so.
    With `ordered`, each unit must be smaller than the one before (as written in English)."""
    total = Fraction(0)
    pos = 0
    last_order = -1
    seen: set[str] = set()
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if not match or match.end() == pos:
            return None
        unit = _UNIT_OF[match.group(2).lower()]
        order = _UNIT_ORDER[unit]
        if (ordered and order <= last_order) or unit in seen:
            return None
        seen.add(unit)
        last_order = order
        total += Fraction(match.group(1)) * _UNIT_SECONDS[unit]
        pos = match.end()
    return total if pos else None


_NUMBER_WORDS = {
    word: index
    for index, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_NUMBER_WORDS.update({"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90, "a": 1, "an": 1, "half": 0.5})


def _suggest(text: str) -> str:
    """The accepted spelling nearest to a refused duration (`twelve minutes` -> `12m`), or ''."""
    import difflib

    words = re.findall(r"\d+(?:\.\d+)?|\.\d+|[A-Za-z]+|[^\sA-Za-z\d]", text.lower())
    out: list[str] = []
    pending: float | None = None  # number words add up: "twenty five"
    for word in words:
        if word in _NUMBER_WORDS and not (word in ("a", "an") and pending is not None):
            pending = (pending or 0) + _NUMBER_WORDS[word]
            continue
        if pending is not None:
            out.append(f"{pending:g}")
            pending = None
        if word.isalpha() and word not in _UNIT_OF and word != "and":
            close = difflib.get_close_matches(word, list(_UNIT_OF), n=1, cutoff=0.6)
            if not close:
                return ""
            word = close[0]
        out.append(word)
    if pending is not None:
        out.append(f"{pending:g}")
    fixed = " ".join(out).replace(" .", ".")
    if re.fullmatch(_NUMBER, fixed):
        return ""  # a lone number in words ('ten'): the message's examples already show the way
    if ":" in fixed:
        seconds: Fraction | None = _clock(fixed.replace(" ", ""))
    else:
        seconds = _parts(fixed, ordered=False)
    if seconds is None or seconds <= 0:
        return ""
    return compact_duration(seconds)


def compact_duration(seconds: Fraction) -> str:
    """Seconds in the script's shortest spelling: `12m`, `1m30s`, `500ms`, `1.5s`, `1h2m`."""
    hours, rest = divmod(seconds, 3600)
    minutes, rest = divmod(rest, 60)
    parts = [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if minutes else []
    if rest:
        if rest < 1 and (rest * 1000).denominator == 1:
            parts.append(f"{rest * 1000}ms")
        else:
            parts.append(f"{float(rest):g}s")
    return "".join(parts) or "0s"


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
