"""Steady and gliding tones: a sine drone, binaural beats and isochronic pulses.

Every tone is computed from a closed-form phase (the integral of its frequency), so the
sample at position ``n`` depends on ``n`` alone. Any window renders exactly and on its
own: no running oscillator state, no drift over an hour, and no click where one block
ends and the next begins. A glide moves linearly from its start to its end value over
``span`` samples and then holds the end value; the phase stays continuous throughout
(the frequency is continuous, so the waveform has no corner at the glide's end). Before
position 0 the start value holds, so a layer that fades in ahead of its section (a
crossfade centred on the boundary) sounds continuous too.

All sources here have unit peak amplitude; the bed applies each layer's volume. A drone
(`tone`, `binaural`) also breathes a little: its level wanders within DRONE_DRIFT_DB over
tens of seconds along a slow random curve (:class:`~generator.sources.drift.Drift`),
seeded by its frequencies and read at the absolute position, so it too renders exactly
in any window and the same drone on both sides of a section boundary is the same sound.
Isochronic pulses keep a steady level: their rhythm is the point.
"""

from __future__ import annotations

import zlib

import numpy as np

from generator.core.audio import SAMPLE_RATE
from generator.sources.drift import Drift
from generator.core.units import Glide

DRONE_DRIFT_DB = 0.75
"""The most a drone's level wanders from its `volume`, either way: felt, not noticed."""

DRONE_DRIFT_SPACING = 25 * SAMPLE_RATE
"""Samples between the knots of a drone's level curve."""


def glide_phase(glide: Glide, span: int, positions: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Phase in cycles (fractional part only) of a linear glide at integer `positions`.

    phase(n) = f0 n / rate + (f1 - f0) n^2 / (2 span rate)   for 0 <= n <= span,
    then it continues at f1; before 0 it runs backwards at f0.
    """
    n = positions.astype(np.float64)
    f0, f1 = float(glide.start), float(glide.end)
    span = max(int(span), 1)
    if f0 == f1:
        phase = f0 * n / rate
    else:
        inside = np.clip(n, 0.0, float(span))
        phase = f0 * inside / rate + (f1 - f0) * inside * inside / (2.0 * span * rate)
        phase += np.where(n > span, f1 * (n - span) / rate, 0.0)
        phase += np.where(n < 0, f0 * n / rate, 0.0)
    return phase - np.floor(phase)


def _positions(start: int, count: int) -> np.ndarray:
    return np.arange(start, start + count, dtype=np.int64)


def _sine(phase: np.ndarray) -> np.ndarray:
    """sin(2 pi phase) for phases already reduced to 0..1, in float32.

    The phase is exact in float64 (it decides the pitch over an hour); the sine of a
    reduced phase only needs float32's 24 bits, and float32 sines run twice as fast.
    """
    x = phase.astype(np.float32)
    x *= np.float32(2.0 * np.pi)
    return np.sin(x, out=x)


def _stereo(mono: np.ndarray) -> np.ndarray:
    return np.repeat(mono.astype(np.float32)[:, None], 2, axis=1)


def _drift(*glides: Glide) -> Drift:
    """A drone's level curve, seeded by its frequencies (the same drone drifts the same)."""
    return Drift(zlib.crc32(repr(glides).encode()), DRONE_DRIFT_SPACING)


def _drift_gain(drift: Drift | None, start: int, count: int) -> np.ndarray | float:
    """The drone's gain over a window (1 without drift)."""
    if drift is None:
        return 1.0
    curve = drift.at(np.arange(start, start + count, dtype=np.float64))
    return (10.0 ** (DRONE_DRIFT_DB * curve / 20.0)).astype(np.float32)


class ToneSource:
    """A sine drone (the same in both ears) at a steady or gliding frequency."""

    def __init__(self, frequency: Glide, span: int, rate: int = SAMPLE_RATE, *, drift: bool = True):
        self.frequency = frequency
        self.span = span
        self.rate = rate
        self.drift = _drift(frequency) if drift else None

    def render(self, start: int, count: int) -> np.ndarray:
        phase = glide_phase(self.frequency, self.span, _positions(start, count), self.rate)
        return _stereo(_sine(phase) * _drift_gain(self.drift, start, count))


class BinauralSource:
    """Left ear at carrier - beat/2, right ear at carrier + beat/2.

    Both edges glide linearly when carrier or beat glide, so each ear is itself an exact
    linear glide and the beat between them follows the written beat glide exactly.
    """

    def __init__(self, carrier: Glide, beat: Glide, span: int, rate: int = SAMPLE_RATE, *, drift: bool = True):
        self.left = Glide(carrier.start - beat.start / 2.0, carrier.end - beat.end / 2.0)
        self.right = Glide(carrier.start + beat.start / 2.0, carrier.end + beat.end / 2.0)
        self.span = span
        self.rate = rate
        self.drift = _drift(carrier, beat) if drift else None

    def render(self, start: int, count: int) -> np.ndarray:
        n = _positions(start, count)
        out = np.empty((count, 2), dtype=np.float32)
        out[:, 0] = _sine(glide_phase(self.left, self.span, n, self.rate))
        out[:, 1] = _sine(glide_phase(self.right, self.span, n, self.rate))
        if self.drift is not None:
            out *= _drift_gain(self.drift, start, count)[:, None]
        return out


# The shape of one isochronic pulse, as fractions of its period: a raised-cosine rise,
# a short hold, a raised-cosine fall, then silence for the second half. The rise and fall
# take 15% of the period each (15 ms at 10 Hz), soft enough never to click yet still a
# clearly separate pulse rather than a wobble.
_RISE = 0.15
_HOLD_END = 0.35
_FALL_END = 0.50


def pulse_gate(phase: np.ndarray) -> np.ndarray:
    """The gain (0..1) of an isochronic pulse at phase 0..1 within its period."""
    gate = np.zeros_like(phase)
    rising = phase < _RISE
    gate[rising] = 0.5 - 0.5 * np.cos(np.pi * phase[rising] / _RISE)
    gate[(phase >= _RISE) & (phase < _HOLD_END)] = 1.0
    falling = (phase >= _HOLD_END) & (phase < _FALL_END)
    gate[falling] = 0.5 + 0.5 * np.cos(np.pi * (phase[falling] - _HOLD_END) / (_FALL_END - _HOLD_END))
    return gate


class IsochronicSource:
    """A carrier tone switched on and off `pulse` times a second with raised-cosine edges."""

    def __init__(self, carrier: Glide, pulse: Glide, span: int, rate: int = SAMPLE_RATE):
        self.carrier = carrier
        self.pulse = pulse
        self.span = span
        self.rate = rate

    def render(self, start: int, count: int) -> np.ndarray:
        n = _positions(start, count)
        tone = _sine(glide_phase(self.carrier, self.span, n, self.rate))
        gate = pulse_gate(glide_phase(self.pulse, self.span, n, self.rate))
        return _stereo(tone * gate.astype(np.float32))
