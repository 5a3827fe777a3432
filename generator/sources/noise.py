"""Coloured noise (white, pink, brown) that renders any window on demand.

Sound design: the noise is an overlap-add of independent segments. Segment ``k`` covers
samples ``k*HOP .. k*HOP + 2*HOP``; it is drawn from a generator seeded by
``(seed, colour, k)``, shaped in the frequency domain to the colour's exact slope, scaled
to a fixed RMS, and weighted by a sine window. Neighbouring sine windows are power
complementary (sin^2 + cos^2 = 1), and the segments are independent, so the sum has the
same power and the same spectrum everywhere: no seams, no pumping. A window of output
needs only the two or three segments under it, so memory does not depend on where in
the track it lies, and the same seed always gives the same noise.

Slopes are 0, -3 and -6 dB per octave (power ~ 1/f^0, 1/f, 1/f^2). Below 20 Hz the pink and
brown spectra roll off, because sub-audio rumble would only waste headroom and move the
speaker cone. Left and right are independent, so the noise sounds wide, not centred.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.fft

from generator.audio import SAMPLE_RATE

HOP = 32_768
"""Half a segment (about 0.74 s at 44.1 kHz)."""

NOISE_RMS = 0.5**0.5
"""The RMS of every colour: that of a unit sine (-3 dBFS), so a layer's `volume` means the
same loudness-on-the-meter for noise as for a tone (the mixer places a unit sine's RMS at
`volume` relative to the voice). Peaks reach about 4x this; the layer gain brings them down."""

COLOURS = {"white": 0.0, "pink": 1.0, "brown": 2.0}
"""The exponent of 1/f in each colour's power spectrum."""

LOW_CUT = 20.0


@lru_cache(maxsize=8)
def _shape(exponent: float, length: int, rate: int) -> np.ndarray:
    """Amplitude response of a colour over rfft bins: f^(-exponent/2), rolled off below LOW_CUT."""
    freqs = np.fft.rfftfreq(length, 1.0 / rate)
    mag = np.ones_like(freqs)
    if exponent:
        f = np.maximum(freqs, LOW_CUT)
        mag = (f / LOW_CUT) ** (-exponent / 2.0)
        below = freqs < LOW_CUT
        mag[below] *= (freqs[below] / LOW_CUT) ** 2  # a gentle second-order roll-off to DC
    mag[0] = 0.0
    return mag.astype(np.float32)


@lru_cache(maxsize=16)
def _window(length: int) -> np.ndarray:
    return np.sin(np.pi * (np.arange(length) + 0.5) / length).astype(np.float32)


class NoiseSource:
    """Reproducible coloured noise; ``render`` is random-access and stereo-decorrelated."""

    def __init__(self, color: str, seed: int = 0, rate: int = SAMPLE_RATE):
        if color not in COLOURS:
            raise ValueError(f"noise colour must be one of {', '.join(COLOURS)}, got {color!r}")
        self.color = color
        self.seed = int(seed)
        self.rate = rate
        self._cache: dict[int, np.ndarray] = {}

    def _segment(self, index: int) -> np.ndarray:
        """Segment `index`, shaped, normalised and windowed: float32 (2*HOP, 2)."""
        cached = self._cache.get(index)
        if cached is not None:
            return cached
        length = 2 * HOP
        # Seed sequences want non-negative words: fold negative indices onto odd numbers.
        word = 2 * index if index >= 0 else -2 * index - 1
        rng = np.random.default_rng([abs(self.seed), 0 if self.seed >= 0 else 1, list(COLOURS).index(self.color), word])
        bins = length // 2 + 1
        spectrum = np.empty((bins, 2), dtype=np.complex64)
        spectrum.real = rng.standard_normal((bins, 2), dtype=np.float32)
        spectrum.imag = rng.standard_normal((bins, 2), dtype=np.float32)
        # The same draws, laid out channel by channel: the transform, the level and the
        # window then run over contiguous memory (several times faster than down columns).
        planar = np.ascontiguousarray(spectrum.T)
        planar *= _shape(COLOURS[self.color], length, self.rate)
        wave = scipy.fft.irfft(planar, n=length, axis=-1)
        scale = NOISE_RMS / np.sqrt(np.einsum("ij,ij->i", wave, wave) / length)
        wave *= _window(length)
        wave *= scale.astype(np.float32)[:, None]
        segment = np.ascontiguousarray(wave.T)
        if len(self._cache) >= 4:  # the mixer walks forward: keep only the latest few
            self._cache.pop(min(self._cache))
        self._cache[index] = segment
        return segment

    def render(self, start: int, count: int) -> np.ndarray:
        out = np.zeros((count, 2), dtype=np.float32)
        end = start + count
        first = start // HOP - 1
        last = (end - 1) // HOP
        for index in range(first, last + 1):
            seg_start = index * HOP
            lo, hi = max(start, seg_start), min(end, seg_start + 2 * HOP)
            if hi > lo:
                out[lo - start : hi - start] += self._segment(index)[lo - seg_start : hi - seg_start]
        return out
