"""Small typed audio values and helpers shared by every stage.

Audio travels as float32 numpy arrays in [-1, 1]: shape ``(n,)`` for mono clips and
``(n, 2)`` for stereo blocks. Time is always an integer number of samples at
:data:`SAMPLE_RATE`; seconds appear only at the edges (parsing and reporting).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

SAMPLE_RATE = 44_100
"""The rate everything is mixed and written at."""

BLOCK_SAMPLES = 32_768
"""How many samples the mixer renders at a time (about 0.74 s): memory stays flat."""

VOICE_RMS_DB = -20.0
"""Every utterance is levelled to this RMS (over its voiced frames): the voice's 0 dB,
which bells, the breathing tone and the bed are set against."""


@dataclass(frozen=True)
class Clip:
    """A finished piece of mono audio at a known rate (speech, a bell, a cue)."""

    samples: np.ndarray
    rate: int = SAMPLE_RATE

    def __len__(self) -> int:
        return int(self.samples.shape[0])

    @property
    def seconds(self) -> float:
        return len(self) / self.rate


def to_samples(seconds: Fraction | float | int, rate: int = SAMPLE_RATE) -> int:
    """Seconds to the nearest whole sample, exactly for Fractions (no float drift)."""
    if isinstance(seconds, Fraction):
        return round(seconds * rate)
    return round(Fraction(seconds).limit_denominator(10**9) * rate)


def to_seconds(samples: int, rate: int = SAMPLE_RATE) -> float:
    """Samples to seconds, rounded to the microsecond for stable JSON."""
    return round(samples / rate, 6)


def db_to_gain(db: float) -> float:
    """Decibels to a linear amplitude factor."""
    return float(10.0 ** (db / 20.0))


def raised_cosine(position: np.ndarray) -> np.ndarray:
    """A smooth rise from 0 to 1 as `position` goes from 0 to 1 (clipped outside): half a
    cosine, with no corner at either end. Every fade, ramp and edge in the program uses it,
    so a fade written in one place sounds like a fade written in another."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(position, 0.0, 1.0))


def resample(samples: np.ndarray, from_rate: int, to_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Resample with a proper band-limited resampler (libsoxr, 'very high quality')."""
    if from_rate == to_rate:
        return samples.astype(np.float32, copy=False)
    import soxr

    return soxr.resample(samples.astype(np.float32, copy=False), from_rate, to_rate, quality="VHQ").astype(
        np.float32, copy=False
    )


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Average channels of a ``(n, c)`` array to ``(n,)``; mono passes through."""
    if samples.ndim == 1:
        return samples
    return samples.mean(axis=1).astype(np.float32)


def trim_silence(samples: np.ndarray, rate: int, threshold_db: float = -45.0, keep_ms: float = 15.0) -> np.ndarray:
    """Cut leading and trailing silence so a written pause is the real gap between words.

    The threshold is relative to the clip's own peak, measured over 5 ms windows, and a
    few milliseconds are kept at each edge (with a raised-cosine fade over them) so no
    consonant is clipped.
    """
    if samples.size == 0:
        return samples
    peak = float(np.max(np.abs(samples)))
    if peak <= 0:
        return samples[:0]
    window = max(1, int(rate * 0.005))
    count = samples.shape[0] // window
    if count == 0:
        return samples
    frames = np.abs(samples[: count * window]).reshape(count, window).max(axis=1)
    loud = np.nonzero(frames > peak * db_to_gain(threshold_db))[0]
    if loud.size == 0:
        return samples[:0]
    keep = int(rate * keep_ms / 1000)
    start = max(0, int(loud[0]) * window - keep)
    end = min(samples.shape[0], (int(loud[-1]) + 1) * window + keep)
    out = samples[start:end].astype(np.float32, copy=True)
    fade = min(keep, out.shape[0] // 2)
    if fade > 1:
        ramp = raised_cosine(np.linspace(0.0, 1.0, fade)).astype(np.float32)
        out[:fade] *= ramp
        out[-fade:] *= ramp[::-1]
    return out
