"""The bounds every script is held to, and the up-front length check.

Each bound protects memory or time from a small input that asks for too much (docs/
safety.md lists them with what they protect). The length check runs as its own pass over
the finished model: every step kind gives a lower bound on its length
(:attr:`generator.kinds.steps.StepKind.least_seconds`), so a script that must last longer than
the limit is refused before anything is synthesized.
"""

from __future__ import annotations

import os
from fractions import Fraction

from generator.core.errors import InputError
from generator.core.units import parse_duration

MAX_TOTAL_SECONDS = 12 * 3600
"""The default longest track: scripts lasting more are refused before any work.
`MEDITATE_MAX_LENGTH` (a duration such as `20h`) sets another limit; see max_total_seconds()."""

MAX_LENGTH_ENV = "MEDITATE_MAX_LENGTH"

MAX_EVENTS = 200_000
"""The most timeline entries (utterances, gaps, pauses, bell strikes, breathing phases) a
script may expand to through repeats and includes: a bound on memory, not on art."""

MAX_NESTING = 30
"""Repeats inside repeats deeper than this are a mistake (and would exhaust the stack)."""

MAX_INCLUDE_DEPTH = 20
"""Includes inside includes deeper than this are a mistake."""

MAX_NAME_CHARS = 300
"""Titles, artist, album and section titles: they become tags, chapter names and file names."""

MAX_DESCRIPTION_CHARS = 4000
"""The description becomes a tag comment and a feed description (podcast apps cut at 4000)."""

MAX_COVER_BYTES = 16_000_000
"""A cover is embedded in every track (and copied by players): a few hundred kB is usual."""


def max_total_seconds() -> Fraction:
    """The longest track allowed: MEDITATE_MAX_LENGTH if set (e.g. `20h`), else 12 h."""
    raw = os.environ.get(MAX_LENGTH_ENV, "").strip()
    if not raw:
        return Fraction(MAX_TOTAL_SECONDS)
    try:
        value = parse_duration(raw)
    except ValueError:
        value = Fraction(0)
    if not 0 < value <= 1000 * 3600:
        raise InputError(f"{MAX_LENGTH_ENV} must be a duration like '12h' or '90m' (at most 1000h), got '{raw}'")
    return value


def written_limit(seconds: Fraction) -> str:
    """A limit as a user would write it: `12h`, `90m`, `45s`."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{float(seconds):g}s"
