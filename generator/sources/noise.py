"""Coloured noise (white, pink, brown) that renders any window on demand.

Sound design: the noise is an overlap-add of segments. Segment ``k`` covers samples
``k*HOP .. k*HOP + 2*HOP``; it is Gaussian noise shaped in the frequency domain to the
colour's exact slope, scaled to a fixed RMS, and weighted by a sine window (see below for
where its samples come from). Neighbouring sine windows are power complementary
(sin^2 + cos^2 = 1), and neighbouring segments are uncorrelated, so the sum has the
same power and the same spectrum everywhere: no seams, no pumping. A window of output
needs only the two or three segments under it, so memory does not depend on where in
the track it lies, and the same seed always gives the same noise.

Shaping a fresh segment (131,000 normal draws and an inverse FFT) for every 0.74 s of
an hour-long bed was most of a render's work, so the segments are drawn from a pool:
POOL_SIZE segments are shaped once, each the length of one period of the inverse FFT,
and segment ``k`` is pool member ``h(k) mod POOL_SIZE`` rotated by ``h(k)`` samples (a
rotation of a periodic segment is another realisation of the same spectrum), with its
channels possibly swapped and its sign possibly flipped, all from a hash ``h`` of
``(seed, colour, k)``. Over 16 members, 65,536 rotations and 4 flips no stretch of noise
ever recurs where an ear could notice, and a segment costs one windowed copy.

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

POOL_SIZE = 16
"""Shaped segments per source, from which every segment is made (8 MB)."""

_MASK = (1 << 64) - 1


def _mix(value: int) -> int:
    """SplitMix64's finaliser: a well-spread 64-bit hash of a 64-bit word."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


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
        self._pool: dict[int, np.ndarray] = {}
        self._cache: dict[int, np.ndarray] = {}

    def _member(self, number: int) -> np.ndarray:
        """Pool member `number`: shaped and levelled, not windowed, float32 planar (2, 2*HOP)."""
        member = self._pool.get(number)
        if member is not None:
            return member
        length = 2 * HOP
        rng = np.random.default_rng([abs(self.seed), 0 if self.seed >= 0 else 1, list(COLOURS).index(self.color), number])
        bins = length // 2 + 1
        spectrum = np.empty((2, bins), dtype=np.complex64)
        spectrum.real = rng.standard_normal((2, bins), dtype=np.float32)
        spectrum.imag = rng.standard_normal((2, bins), dtype=np.float32)
        spectrum *= _shape(COLOURS[self.color], length, self.rate)
        wave = scipy.fft.irfft(spectrum, n=length, axis=-1).astype(np.float32, copy=False)
        wave *= (NOISE_RMS / np.sqrt(np.einsum("ij,ij->i", wave, wave) / length)).astype(np.float32)[:, None]
        self._pool[number] = wave
        return wave

    def _segment(self, index: int) -> np.ndarray:
        """Segment `index`: a rotated, flipped pool member, windowed: float32 planar (2, 2*HOP)."""
        cached = self._cache.get(index)
        if cached is not None:
            return cached
        length = 2 * HOP
        # Seed sequences want non-negative words: fold negative indices onto odd numbers.
        word = 2 * index if index >= 0 else -2 * index - 1
        h = _mix(_mix(_mix(self.seed & _MASK) ^ list(COLOURS).index(self.color)) ^ word)
        member = self._member(h % POOL_SIZE)
        shift = (h >> 8) % length
        swap = (h >> 40) & 1
        window = _window(length) if (h >> 41) & 1 == 0 else -_window(length)
        segment = np.empty((2, length), dtype=np.float32)
        for channel in (0, 1):
            base = member[channel ^ swap]
            np.multiply(base[shift:], window[: length - shift], out=segment[channel, : length - shift])
            np.multiply(base[:shift], window[length - shift :], out=segment[channel, length - shift :])
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
                out[lo - start : hi - start] += self._segment(index)[:, lo - seg_start : hi - seg_start].T
        return out
