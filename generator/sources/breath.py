"""The breathing pacer's tone: a soft sound that rises through an inhale and falls through an exhale.

The pitch follows the breath (up while the lungs fill, down while they empty), so a
listener can follow the pacer with closed eyes and without words. The timbre is a sine
with a touch of second and third harmonic, warm rather than electronic, between 220 and
330 Hz (A3 to E4, a fifth). The pitch moves along a raised-cosine curve (slow at both
ends) and the level swells in and out with raised-cosine envelopes, so the tone never
starts or stops abruptly and phase boundaries stay exact.

Through a hold the tone stays steady at the pitch the breath reached (high after an
inhale, low after an exhale) rather than falling silent: with closed eyes, silence is
easily mistaken for the end of the exercise. The planner plays it softer than the
moving phases. Every phase is its own swell that starts and ends at (nearly) zero, so
back-to-back phases meet without a click whatever the waveforms' phases are, and the
brief dip at each boundary marks the change of phase.
"""

from __future__ import annotations

import numpy as np

from generator.audio import SAMPLE_RATE, db_to_gain

LOW_HZ = 220.0
HIGH_HZ = 330.0
PEAK_DB = -6.0
_HARMONICS = ((1, 1.0), (2, 0.18), (3, 0.05))
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


def breath_tone(kind: str, samples: int, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The pacer's tone for one phase (`inhale`, `exhale`, `hold`, `rest`): float32 (samples, 2).

    Peaks at about -6 dBFS; the planner places it 14 dB under the voice.
    """
    if kind not in _PITCH:
        raise ValueError(f"breath phase must be one of {', '.join(_PITCH)}, got {kind!r}")
    if samples <= 0:
        return np.zeros((0, 2), dtype=np.float32)
    f0, f1 = _PITCH[kind]
    phase = 2.0 * np.pi * _phase(f0, f1, samples, rate)
    wave = sum(weight * np.sin(number * phase) for number, weight in _HARMONICS)
    wave = wave * _envelope(samples, rate)
    peak = float(np.max(np.abs(wave)))
    if peak > 0:
        wave *= db_to_gain(PEAK_DB) / peak
    return np.repeat(wave.astype(np.float32)[:, None], 2, axis=1)
