"""Is a recording a usable take for its text? Unreadable, empty, silent, all noise, too long.

Speech is told from a steady background by level alone: the background of a room is
nearly constant from one 20 ms frame to the next, while speech rises 20 dB and more above
it on every vowel. So the quietest tenth of a recording's frames is its noise floor, and
a take is speech when a few of its frames stand clearly above that floor. This needs no
model and holds for any language and any voice.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from generator.core.audio import SAMPLE_RATE, to_mono
from generator.core.errors import InputError, display_path
from generator.core.units import format_duration
from generator.sources.files import load_sound

FRAME_SECONDS = 0.02
SPEECH_ABOVE_FLOOR_DB = 12.0
"""A frame this far above the noise floor is speech (a vowel stands 20-40 dB above a quiet room)."""

MIN_SPEECH_SECONDS = 0.1
"""Less speech than this above the floor is a click or a knock, not a spoken line."""

SILENT_DBFS = -90.0
"""A recording whose loudest sample stays below this holds nothing (a muted microphone)."""

SLOWEST_CHARS_PER_SECOND = 6.0
"""Slower than any calm narrator (about 13 characters a second): what a text could need."""

TOO_LONG_FACTOR = 10
"""A take more than this many times longer than its text could need is the wrong file."""


def longest_plausible(text: str) -> float:
    """Seconds beyond which a take of `text` is far too long (a second of lead-in allowed)."""
    return TOO_LONG_FACTOR * (1.0 + len(text) / SLOWEST_CHARS_PER_SECOND)


def take_problem(path: Path, text: str) -> str | None:
    """What is wrong with `path` as the take for `text`, or None when it is usable."""
    try:
        stat = path.stat()
    except OSError as exc:
        return f"take {display_path(path)} cannot be read ({exc.strerror or exc})"
    return _problem(str(path), stat.st_size, stat.st_mtime_ns, text)


@lru_cache(maxsize=1024)
def _problem(name: str, size: int, mtime_ns: int, text: str) -> str | None:
    path = Path(name)
    shown = display_path(path)
    if size == 0:
        return f"take {shown} is empty (0 bytes); record it again"
    samples = decode(path)
    if samples is None:
        return f"take {shown} is not an audio file this tool can read (WAV, FLAC, OGG or MP3; other formats need ffmpeg)"
    seconds = samples.shape[0] / SAMPLE_RATE
    if samples.shape[0] == 0:
        return f"take {shown} holds no sound; record it again"
    if seconds > longest_plausible(text):
        return (
            f"take {shown} lasts {format_duration(seconds)}, far longer than \"{_short(text)}\" could need "
            f"(at most {format_duration(longest_plausible(text))}); is it the right recording?"
        )
    if float(np.max(np.abs(samples))) < 10 ** (SILENT_DBFS / 20):
        return f"take {shown} is silent (was the microphone muted?); record it again"
    if speech_seconds(samples) < MIN_SPEECH_SECONDS:
        return f"take {shown} holds only background noise: no speech stands above its noise floor; record it again"
    return None


def decode(path: Path) -> np.ndarray | None:
    """The recording as mono float32 at the mixing rate, or None when it cannot be read."""

    try:
        return to_mono(load_sound(path))
    except InputError:
        return None


def frame_levels(samples: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """RMS level of each 20 ms frame, in dB (float64)."""
    window = max(1, int(rate * FRAME_SECONDS))
    count = samples.shape[0] // window
    if count == 0:
        power = float(np.mean(samples.astype(np.float64) ** 2)) if samples.size else 0.0
        return np.full(1, 10 * np.log10(power + 1e-20))
    frames = samples[: count * window].astype(np.float64).reshape(count, window)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-20)


def noise_floor_db(levels: np.ndarray) -> float:
    """The level of the quietest tenth of the frames: the room, between words."""
    return float(np.percentile(levels, 10))


def speech_seconds(samples: np.ndarray) -> float:
    """How long the recording stands clearly above its own noise floor."""
    levels = frame_levels(samples)
    loud = levels > noise_floor_db(levels) + SPEECH_ABOVE_FLOOR_DB
    return float(np.count_nonzero(loud)) * FRAME_SECONDS


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
