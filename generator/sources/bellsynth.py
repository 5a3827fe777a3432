"""Struck bodies re-synthesized as a recording in a room would hear them.

A bowl, chime or gong rings at a few *modes*: frequencies that are not whole multiples
of the lowest one, each decaying exponentially at its own rate (high modes die first, so
the sound darkens as it fades; a bowl's fundamental rings for half a minute). A real
bowl or gong is never perfectly round, so every mode is a pair of very close
frequencies that beat slowly, the shimmer of a singing bowl. Here the pair's frequencies
also wander (by up to 15 % of their spacing) along slow random curves, so the beating
speeds up and slows down as it does on a real bowl instead of ticking like a metronome.

Stereo is what a spaced pair of microphones hears: each mode reaches the two ears with
a different phase (the body's nodes lie differently towards each), so the beating swells
in one ear while it dips in the other, and each ear has its own early reflections and a
short diffuse tail from the room (:func:`_room`). Left and right are then related but far
from identical (a correlation of about 0.2 to 0.7, where a mono bell measures 1.0).

The mallet is soft: every mode starts along a raised-cosine ramp of `attack` seconds (a
felt beater on a bowl touches it for about 10 ms), with a short band-passed noise burst
for the contact itself, well under the ringing. Upper gong modes *bloom* a moment after
the strike (`swell`), the way energy flows upwards in a struck gong.

No two strikes are alike: the strike's index seeds small changes in each mode's strength,
decay and beating rate, in the pair's balance and phases, in the tiny pitch differences a
player's touch makes and in the wandering, so a bell struck three times sounds like a bell
struck three times, not one recording pasted thrice. The same index always gives the same
samples, so renders are reproducible. The room is the room: it does not change between
strikes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from generator.core.audio import SAMPLE_RATE

ROOM_SECONDS = 1.1
"""Reverberation time (to -60 dB) of the small, softly furnished room the bells ring in."""

ROOM_LEVEL = 0.08
"""The diffuse tail's energy against the direct sound's (about -11 dB): present, never washy."""

REFLECTION = 0.12
"""Strength of the first early reflection (the next five fall off by 0.8 each): the
direct sound stays on top at every frequency, so the ears stay positively related."""

_LN1000 = float(np.log(1000.0))


@dataclass(frozen=True)
class Mode:
    """One mode of the struck body: frequency ratio, amplitude, decay time to -60 dB (s),
    beating rate of its split pair (Hz, 0 = a single frequency), bloom time (s)."""

    ratio: float
    amplitude: float
    t60: float
    beat: float
    swell: float = 0.0


@dataclass(frozen=True)
class BellDesign:
    """A built-in bell: its lowest frequency, its modes, its mallet and how long it holds
    the timeline (it rings on under the following steps)."""

    fundamental: float
    modes: tuple[Mode, ...]
    attack: float  # seconds of raised-cosine onset (the mallet's softness)
    strike: float  # level of the mallet's noise burst, relative to the modes' peak
    strike_band: tuple[float, float]  # Hz, the burst's band
    strike_decay: float  # seconds, time constant of the burst
    hold: float  # seconds the step holds the timeline
    seed: int

    @property
    def seconds(self) -> float:
        """How long the bell rings: until its last mode is 60 dB under the strongest
        mode's start, plus the room's tail."""
        top = max(mode.amplitude for mode in self.modes)
        ends = [
            mode.swell + mode.t60 * (1.0 + np.log10(mode.amplitude / top) / 3.0) for mode in self.modes
        ]
        return float(max(ends)) + 0.5 * ROOM_SECONDS


def _raised(x: np.ndarray) -> np.ndarray:
    """0 -> 1 along a raised cosine for x in 0..1 (clipped outside)."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


def _wander_curve(rng: np.random.Generator, n: int, rate: int, every: float = 1.3) -> tuple[np.ndarray, np.ndarray]:
    """The knots of a slow random curve in -1..1 over `n` samples (`every` seconds apart,
    joined linearly): its positions and values. :func:`_wander` integrates it piece by piece."""
    knots = int(n / (every * rate)) + 3
    return np.arange(knots) * every * rate, rng.uniform(-1.0, 1.0, knots)


def _wander(knots: tuple[np.ndarray, np.ndarray], start: int, stop: int, carry: float, rate: int) -> tuple[np.ndarray, float]:
    """Cycles accumulated over samples ``start .. stop`` by a frequency deviation of 1 Hz
    times the curve (its integral is smooth), continuing the running sum `carry`; and the
    sum at its end. Summed one sample after another, as one cumulative sum over the whole
    strike would be, so a strike is the same to the bit however it is cut."""
    curve = np.interp(np.arange(start, stop, dtype=np.float64), *knots)
    sums = np.cumsum(np.concatenate(([carry], curve)))[1:]
    return sums / rate, float(sums[-1]) if sums.size else carry


def _sine_cycles(cycles: np.ndarray) -> np.ndarray:
    """sin(2 pi cycles), reduced in float64 first (an exact phase), evaluated in float32."""
    x = (cycles - np.floor(cycles)).astype(np.float32)
    x *= np.float32(2.0 * np.pi)
    return np.sin(x, out=x)


MODE_CHUNK = 1 << 16
"""Samples of one mode computed at a time: a bowl's fundamental rings for half a minute,
and computed whole its float64 time, envelope and phase arrays held about 60 MB at once."""


def _envelope(amplitude: float, t60: float, ramps: tuple[float, ...], m: int, start: int, stop: int, rate: int) -> np.ndarray:
    """A mode's envelope over samples ``start .. stop`` of its `m`: exponential decay to
    -60 dB at `t60`, raised-cosine onsets over each of `ramps` seconds, and a short fade at
    its end."""
    t = np.arange(start, stop, dtype=np.float64) / rate
    envelope = amplitude * np.exp(-_LN1000 * t / t60)
    for ramp in ramps:
        if ramp:
            k = min(m, int(ramp * rate) + 1)
            if start < k:
                envelope[: k - start] *= _raised(t[: k - start] / ramp)
    tail = min(m // 4, int(0.2 * rate))
    if stop > m - tail:
        first = max(start, m - tail)
        envelope[first - start :] *= 1.0 - _raised(np.arange(first - (m - tail), stop - (m - tail)) / max(tail, 1))
    return envelope.astype(np.float32)


def _modes(design: BellDesign, rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """The ringing modes for one strike, float32 (n, 2).

    Each mode is computed only for as long as it sounds (until 60 dB under its start,
    with a short fade there, far below hearing): the upper modes of a bowl die within
    seconds, and skipping their silent remainder makes a strike several times cheaper.
    It is computed MODE_CHUNK samples at a time, with the random draws made first in
    the order they always were, so the strike is the same to the bit.
    """
    pitch = design.fundamental * (1.0 + 0.0008 * rng.standard_normal())  # a player's touch: ~1 cent
    out = np.zeros((n, 2), dtype=np.float32)
    for mode in design.modes:
        amplitude = mode.amplitude * float(np.exp(0.15 * rng.standard_normal()))
        t60 = mode.t60 * (1.0 + 0.05 * rng.standard_normal())
        swell = mode.swell * (1.0 + 0.1 * rng.standard_normal())
        m = min(n, int((swell + t60) * rate))
        freq = pitch * mode.ratio
        beat = mode.beat * (1.0 + 0.1 * rng.standard_normal())
        first = rng.uniform(0.55, 0.75)
        pairs = ((-beat / 2, first), (beat / 2, 1.0 - first)) if beat else ((0.0, 1.0),)
        for offset, weight in pairs:
            phase = rng.uniform(0.0, 1.0)
            knots = _wander_curve(rng, m, rate) if beat else None  # the pair's spacing breathes
            spread = rng.uniform(0.04, 0.14)  # cycles of phase between the ears
            lean = rng.uniform(-0.25, 0.25)  # and a little more of it in one ear
            carry = 0.0
            for start in range(0, m, MODE_CHUNK):
                stop = min(m, start + MODE_CHUNK)
                t = np.arange(start, stop, dtype=np.float64) / rate
                cycles = (freq + offset) * t + phase
                if knots is not None:
                    wander, carry = _wander(knots, start, stop, carry, rate)
                    cycles += 0.15 * beat * wander
                scaled = _envelope(amplitude, t60, (design.attack, swell), m, start, stop, rate) * np.float32(weight)
                out[start:stop, 0] += scaled * np.float32(1.0 - lean) * _sine_cycles(cycles - spread / 2)
                out[start:stop, 1] += scaled * np.float32(1.0 + lean) * _sine_cycles(cycles + spread / 2)
    return out


def _strike(design: BellDesign, rng: np.random.Generator, peak: float, rate: int) -> np.ndarray:
    """The mallet's contact: a short band-passed noise burst, different in each ear."""
    from scipy.signal import butter, sosfilt

    n = int(design.strike_decay * 8 * rate)
    t = np.arange(n) / rate
    burst = rng.standard_normal((n, 2))
    low, high = design.strike_band
    sos = butter(2, [low, min(high, 0.45 * rate)], btype="bandpass", fs=rate, output="sos")
    burst = sosfilt(sos, burst, axis=0)
    burst *= (np.exp(-t / design.strike_decay) * _raised(t / design.attack))[:, None]
    burst *= design.strike * peak / max(float(np.max(np.abs(burst))), 1e-12)
    return burst.astype(np.float32)


@lru_cache(maxsize=8)
def _room(seed: int, rate: int) -> np.ndarray:
    """Impulse responses of the room for the left and right microphone, float32 (m, 2).

    The direct sound, then six early reflections per ear at their own delays (5 to 45 ms)
    and strengths, then a diffuse exponentially decaying tail (ROOM_SECONDS to -60 dB),
    independent in each ear and darkened by the air and the furnishings.
    """
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng([seed, 7])
    m = int(ROOM_SECONDS * rate)
    t = np.arange(m) / rate
    ir = np.zeros((m, 2))
    ir[0] = 1.0
    for channel in (0, 1):
        delays = np.sort(rng.uniform(0.005, 0.045, 6))
        for number, delay in enumerate(delays):
            ir[int(delay * rate), channel] += rng.choice((-1.0, 1.0)) * REFLECTION * 0.8**number
    tail = rng.standard_normal((m, 2)) * np.exp(-_LN1000 * t / ROOM_SECONDS)[:, None]
    tail *= _raised((t - 0.02) / 0.04)[:, None]  # the diffuse field builds up after the first reflections
    tail = sosfilt(butter(1, 4500.0, fs=rate, output="sos"), tail, axis=0)
    tail *= np.sqrt(ROOM_LEVEL / np.sum(tail**2, axis=0))
    ir[:, :] = sosfilt(butter(1, 9000.0, fs=rate, output="sos"), ir, axis=0) + tail
    return ir.astype(np.float32)


def synthesize(design: BellDesign, index: int = 0, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Strike `index` of a built-in bell, float32 (n, 2), unlevelled, exactly
    `design.seconds` long whatever the index, ending in a short fade to silence."""
    from scipy.signal import oaconvolve

    n = int(design.seconds * rate)
    rng = np.random.default_rng([design.seed, index])
    dry = _modes(design, rng, n, rate)
    peak = float(np.max(np.abs(dry)))
    if design.strike:
        burst = _strike(design, rng, peak, rate)
        dry[: burst.shape[0]] += burst[:n]
    room = _room(design.seed, rate)
    wet = np.empty((n, 2), dtype=np.float32)
    for c in (0, 1):
        wet[:, c] = oaconvolve(dry[:, c], room[:, c])[:n]
    del dry
    fade = min(int(0.5 * rate), n // 4)
    wet[n - fade :] *= (1.0 - _raised(np.arange(fade) / fade))[:, None]
    return wet
