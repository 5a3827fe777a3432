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

Slopes are 0, -3 and -6 dB per octave (power ~ 1/f^0, 1/f, 1/f^2). Below 20 Hz pink noise
rolls off, because sub-audio rumble would only waste headroom and move the speaker cone.
Brown noise is high-passed at BROWN_LOW_CUT (40 Hz, sixth order, 36 dB an octave): a 1/f^2 spectrum
carries half its power in the octave just above its lowest frequency, so without the cut
its strongest energy sat at 18 to 22 Hz, felt rather than heard, costing headroom that
the audible surf-like rumble above 40 Hz should have. Left and right are independent,
so the noise sounds wide, not centred.

Movement: a noise that is exactly the same for twenty minutes sounds like a machine.
Each segment carries its own level and tone colour, read from two slow random curves
(:class:`~generator.sources.drift.Drift`, knots tens of seconds apart) at the segment's
centre: the level wanders within LEVEL_DRIFT_DB, and the colour leans darker or brighter
by up to TILT_DRIFT dB per octave (pivoting near 1 kHz). Because neighbouring segments
overlap with power-complementary windows, these per-segment settings glide smoothly from
one segment to the next, at no cost per sample. Each pool member is shaped twice, a
little darker and a little brighter than the colour from the same random spectrum, and
a segment is the mix of the two that its tilt asks for, scaled back to its level: the
mix of two filters of one noise is the noise through the mixed filter, so the colour
moves without any filter state, and a window still renders exactly as the same stretch
of a whole render. The wander is centred on the colour, so the long-term slope is the
colour's own.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.fft

from generator.core.audio import SAMPLE_RATE, db_to_gain
from generator.sources.drift import Drift, mix64

HOP = 32_768
"""Half a segment (about 0.74 s at 44.1 kHz)."""

NOISE_RMS = 0.5**0.5
"""The RMS of every colour: that of a unit sine (-3 dBFS), so a layer's `volume` means the
same loudness-on-the-meter for noise as for a tone (the mixer places a unit sine's RMS at
`volume` relative to the voice). Peaks reach about 4x this; the layer gain brings them down."""

COLOURS = {"white": 0.0, "pink": 1.0, "brown": 2.0}
"""The exponent of 1/f in each colour's power spectrum."""

LOW_CUT = 20.0
"""Hz under which pink noise rolls off (second order)."""

BROWN_LOW_CUT = 40.0
"""Hz: brown noise's sixth-order high-pass (sub-bass below it only costs headroom)."""

POOL_SIZE = 16
"""Shaped segments per source, from which every segment is made (16 MB: each is kept in
a darker and a brighter shade)."""

LEVEL_DRIFT_DB = 1.5
"""The most a noise bed's level wanders from its `volume`, either way."""

TILT_DRIFT = 0.6
"""dB per octave: the most the colour leans darker or brighter than its slope."""

DRIFT_SPACING = 20 * SAMPLE_RATE
"""Samples between the knots of the slow curves: the bed moves over tens of seconds."""

_PIVOT = 1000.0
"""Hz where the tilt neither raises nor lowers the level."""

_MASK = (1 << 64) - 1


@lru_cache(maxsize=8)
def _shape(exponent: float, length: int, rate: int, tilt: float = 0.0) -> np.ndarray:
    """Amplitude response of a colour over rfft bins, leaning `tilt` dB/octave about _PIVOT.

    f^(-exponent/2), rolled off below LOW_CUT (pink) or high-passed at BROWN_LOW_CUT (brown).
    """
    freqs = np.fft.rfftfreq(length, 1.0 / rate)
    mag = np.ones_like(freqs)
    if exponent >= 2.0:
        f = np.maximum(freqs, 1e-9)
        mag = (f / BROWN_LOW_CUT) ** (-exponent / 2.0) / np.sqrt(1.0 + (BROWN_LOW_CUT / f) ** 12)
    elif exponent:
        f = np.maximum(freqs, LOW_CUT)
        mag = (f / LOW_CUT) ** (-exponent / 2.0)
        below = freqs < LOW_CUT
        mag[below] *= (freqs[below] / LOW_CUT) ** 2  # a gentle second-order roll-off to DC
    if tilt:
        mag = mag * (np.maximum(freqs, 1.0) / _PIVOT) ** (tilt / (20.0 * np.log10(2.0)))
    mag[0] = 0.0
    return mag.astype(np.float32)


@lru_cache(maxsize=16)
def _window(length: int) -> np.ndarray:
    return np.sin(np.pi * (np.arange(length) + 0.5) / length).astype(np.float32)


class NoiseSource:
    """Reproducible coloured noise; ``render`` is random-access and stereo-decorrelated.

    `drift` turns the slow wander of level and colour on (the default) or off.
    """

    def __init__(self, color: str, seed: int = 0, rate: int = SAMPLE_RATE, *, drift: bool = True):
        if color not in COLOURS:
            raise ValueError(f"noise colour must be one of {', '.join(COLOURS)}, got {color!r}")
        self.color = color
        self.seed = int(seed)
        self.rate = rate
        self.drift = drift
        self._level = Drift(mix64(self.seed & _MASK) ^ 0x1E7E1, DRIFT_SPACING)
        self._tilt = Drift(mix64(self.seed & _MASK) ^ 0x711F, DRIFT_SPACING * 1.37)
        self._pool: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._cache: dict[int, np.ndarray] = {}

    def _member(self, number: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pool member `number`, shaped and levelled, not windowed: its darker shade and
        the brighter minus the darker (float32 planar (2, 2*HOP)), and per channel the
        shades' correlation (both have power NOISE_RMS^2, so a mix's power is exact)."""
        member = self._pool.get(number)
        if member is not None:
            return member
        length = 2 * HOP
        rng = np.random.default_rng([abs(self.seed), 0 if self.seed >= 0 else 1, list(COLOURS).index(self.color), number])
        bins = length // 2 + 1
        spectrum = np.empty((2, bins), dtype=np.complex64)
        spectrum.real = rng.standard_normal((2, bins), dtype=np.float32)
        spectrum.imag = rng.standard_normal((2, bins), dtype=np.float32)
        shades = []
        for tilt in ((-TILT_DRIFT, TILT_DRIFT) if self.drift else (0.0,)):
            wave = scipy.fft.irfft(spectrum * _shape(COLOURS[self.color], length, self.rate, tilt), n=length, axis=-1)
            wave = wave.astype(np.float32, copy=False)
            wave *= (NOISE_RMS / np.sqrt(np.einsum("ij,ij->i", wave, wave) / length)).astype(np.float32)[:, None]
            shades.append(wave)
        dark = shades[0]
        bright = shades[-1]
        correlation = np.einsum("ij,ij->i", dark.astype(np.float64), bright) / length / NOISE_RMS**2
        member = (dark, bright - dark, correlation)
        self._pool[number] = member
        return member

    def settings(self, index: int) -> tuple[float, float]:
        """Segment `index`'s level gain and brightness (0 = darker shade, 1 = brighter)."""
        if not self.drift:
            return 1.0, 0.0
        centre = index * HOP + HOP
        level = db_to_gain(LEVEL_DRIFT_DB * float(self._level.at(centre)[0]))
        return level, 0.5 + 0.5 * float(self._tilt.at(centre)[0])

    def _segment(self, index: int) -> np.ndarray:
        """Segment `index`: a rotated, flipped pool member, windowed: float32 planar (2, 2*HOP)."""
        cached = self._cache.get(index)
        if cached is not None:
            return cached
        length = 2 * HOP
        # Seed sequences want non-negative words: fold negative indices onto odd numbers.
        word = 2 * index if index >= 0 else -2 * index - 1
        h = mix64(mix64(mix64(self.seed & _MASK) ^ list(COLOURS).index(self.color)) ^ word)
        dark, diff, correlation = self._member(h % POOL_SIZE)
        shift = (h >> 8) % length
        swap = (h >> 40) & 1
        level, bright = self.settings(index)
        window = _window(length) if (h >> 41) & 1 == 0 else -_window(length)
        segment = np.empty((2, length), dtype=np.float32)
        for channel in (0, 1):
            source = channel ^ swap
            # Power of (1-b) dark + b bright, both of power NOISE_RMS^2 and correlation c.
            power = (1 - bright) ** 2 + bright**2 + 2 * bright * (1 - bright) * correlation[source]
            scale = np.float32(level / np.sqrt(power))
            base = dark[source] + np.float32(bright) * diff[source] if bright else dark[source]
            np.multiply(base[shift:], window[: length - shift], out=segment[channel, : length - shift])
            np.multiply(base[:shift], window[length - shift :], out=segment[channel, length - shift :])
            if scale != 1:
                segment[channel] *= scale
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
