"""The speech engine protocol and the shaping every engine's output goes through."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from generator.core.audio import SAMPLE_RATE, VOICE_RMS_DB, Clip, db_to_gain, resample, to_mono, trim_silence
from generator.core.model import Voice


VOICE_PEAK_DB = -1.0
"""No utterance peaks above this before the final loudness stage."""


class VoiceNameError(ValueError):
    """A voice name an engine does not know; the message says what it takes instead."""


class Engine(Protocol):
    """A text-to-speech engine. Engines are created once per run and reused."""

    name: str
    offline: bool

    def voice_id(self, voice: Voice) -> str:
        """A string that changes whenever the same text would sound different (cache key)."""
        ...

    def synthesize(self, text: str, voice: Voice) -> Clip:
        """Raw speech for `text` at the engine's own rate (shaping happens afterwards)."""
        ...


TRIM_THRESHOLD_DB = -55.0
"""Silence is what stays this far under the clip's peak. Word endings (a final 't' or 's',
the decay of a vowel) fall to about -50 dB before the voice stops: -45 dB cut them."""

TRIM_KEEP_MS = 40.0
"""Kept beyond the first and last sound, faded out with a raised cosine over the same span."""


def shape_raw(clip: Clip) -> np.ndarray:
    """Engine output to mono at 44.1 kHz with the silence around it trimmed (not yet levelled)."""
    samples = to_mono(np.asarray(clip.samples, dtype=np.float32))
    samples = resample(samples, clip.rate, SAMPLE_RATE)
    return trim_silence(samples, SAMPLE_RATE, threshold_db=TRIM_THRESHOLD_DB, keep_ms=TRIM_KEEP_MS)


def level(samples: np.ndarray) -> np.ndarray:
    """Scale speech so its voiced RMS sits at VOICE_RMS_DB, without peaking over VOICE_PEAK_DB."""
    if samples.size == 0:
        return samples.astype(np.float32)
    window = 2205  # 50 ms
    count = max(1, samples.size // window)
    frames = samples[: count * window].reshape(count, -1) if samples.size >= window else samples[None, :]
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    voiced = rms[rms > rms.max() * db_to_gain(-30)]
    if voiced.size == 0 or voiced.max() <= 0:
        return samples.astype(np.float32)
    current = float(np.sqrt(np.mean(voiced**2)))
    gain = db_to_gain(VOICE_RMS_DB) / current
    peak = float(np.max(np.abs(samples))) * gain
    if peak > db_to_gain(VOICE_PEAK_DB):
        gain *= db_to_gain(VOICE_PEAK_DB) / peak
    return (samples * gain).astype(np.float32)
