"""The breathing pacer's tone: a soft sound that rises through an inhale and falls through an exhale.

The pitch follows the breath (up while the lungs fill, down while they empty), so a
listener can follow the pacer with closed eyes and without words. The timbre is meant
to be felt more than heard: a sine between 220 and 330 Hz (A3 to E4, a fifth) with a
touch of the octave below for warmth and a breath of soft, band-passed noise (like air
through the nose) under it; no upper harmonics, which are what make a tone sound
electronic. The pitch moves along a raised-cosine curve (slow at both ends) and the level
swells in and out with raised-cosine envelopes, so the tone never starts or stops
abruptly and phase boundaries stay exact.

Through a hold the tone stays steady at the pitch the breath reached (high after an
inhale, low after an exhale) rather than falling silent: with closed eyes, silence is
easily mistaken for the end of the exercise. Every phase is its own swell that starts
and ends at (nearly) zero, so back-to-back phases meet without a click whatever the
waveforms' phases are, and the brief dip at each boundary marks the change of phase.

Level: at full swell the tone's RMS equals the voice's (VOICE_RMS_DB); the planner then
places it BREATH_TONE_DB (10 dB) under the voice, a hold HOLD_TONE_DB (16 dB) under, and
the step's `volume` moves both.
"""

from __future__ import annotations

import numpy as np

from generator.core.audio import SAMPLE_RATE, VOICE_RMS_DB, db_to_gain

LOW_HZ = 220.0
HIGH_HZ = 330.0
SUB_OCTAVE = 0.2
"""Amplitude of the octave below, against the tone's (about -14 dB): warmth, not a second note."""

AIR = 0.08
"""RMS of the breath noise against the tone's amplitude (about -22 dB under it)."""

AIR_BAND = (350.0, 2200.0)
"""Hz: the breath noise's band (second-order band-pass), soft and without hiss."""
_PITCH = {"inhale": (LOW_HZ, HIGH_HZ), "exhale": (HIGH_HZ, LOW_HZ), "hold": (HIGH_HZ, HIGH_HZ), "rest": (LOW_HZ, LOW_HZ)}


def _phase(f0: float, f1: float, samples: int, rate: int) -> np.ndarray:
    """Cycles of a raised-cosine glide f0 -> f1 over `samples` (closed-form integral)."""
    n = np.arange(samples, dtype=np.float64)
    length = max(samples, 1)
    # f(n) = f0 + (f1 - f0) (1 - cos(pi n / L)) / 2, integrated over n.
    return (f0 * n + (f1 - f0) * 0.5 * (n - length / np.pi * np.sin(np.pi * n / length))) / rate


def _envelope(samples: int, rate: int) -> np.ndarray:
    """Raised-cosine swell in and out: up to 0.8 s in and 1.2 s out, at most 30% and 40% of the phase."""
    rise = max(1, min(int(0.8 * rate), int(0.3 * samples)))
    fall = max(1, min(int(1.2 * rate), int(0.4 * samples)))
    env = np.ones(samples)
    env[:rise] = 0.5 - 0.5 * np.cos(np.pi * (np.arange(rise) + 0.5) / rise)
    env[samples - fall :] = np.minimum(
        env[samples - fall :], 0.5 + 0.5 * np.cos(np.pi * (np.arange(fall) + 0.5) / fall)
    )
    return env


def _air(kind: str, samples: int, rate: int) -> np.ndarray:
    """Soft band-passed noise of unit RMS, (samples, 2), different in each ear; seeded by
    the phase kind and length, so the same phase always sounds the same."""
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng([list(_PITCH).index(kind), samples])
    sos = butter(2, AIR_BAND, btype="bandpass", fs=rate, output="sos")
    noise = sosfilt(sos, rng.standard_normal((samples, 2)), axis=0)
    return noise / max(float(np.sqrt(np.mean(noise**2))), 1e-12)


def breath_tone(kind: str, samples: int, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The pacer's tone for one phase (`inhale`, `exhale`, `hold`, `rest`): float32 (samples, 2).

    At full swell its RMS is the voice's (VOICE_RMS_DB); the planner sets it under the voice.
    """
    if kind not in _PITCH:
        raise ValueError(f"breath phase must be one of {', '.join(_PITCH)}, got {kind!r}")
    if samples <= 0:
        return np.zeros((0, 2), dtype=np.float32)
    f0, f1 = _PITCH[kind]
    phase = 2.0 * np.pi * _phase(f0, f1, samples, rate)
    tone = np.sin(phase) + SUB_OCTAVE * np.sin(0.5 * phase)
    wave = tone[:, None] + AIR * _air(kind, samples, rate)
    full = np.sqrt((1.0 + SUB_OCTAVE**2) / 2.0 + AIR**2)  # RMS at full swell
    wave *= (_envelope(samples, rate) * db_to_gain(VOICE_RMS_DB) / full)[:, None]
    return wave.astype(np.float32)
