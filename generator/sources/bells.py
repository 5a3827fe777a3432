"""Bells: built-in struck sounds synthesized from inharmonic partials, or a sound file.

A struck bowl, chime, gong or block rings at a few partials that are not whole multiples
of the lowest one; each decays exponentially at its own rate (high partials die first,
so the sound darkens as it fades), and each is split into two very close frequencies,
because a real bowl or gong is never perfectly round: the pair beats slowly, which is
the shimmer that makes a singing bowl sound like one. The two halves of each pair lean
to opposite sides, so the beating also moves gently between the ears. The strike is a
short, soft noise burst (the mallet), and the onset is a raised-cosine ramp of a few
milliseconds, so even the hardest strike starts without a click.

Synthesis runs at first use (well under a second), is deterministic (fixed phases from a
seed per bell), and is cached. Every clip is trimmed where it has decayed to -60 dB of its
peak, with a short fade, and normalised to a peak of -3 dBFS; the mixer applies the step's
`volume`. A file bell is normalised to the same peak, so `bell: my-bell.wav` sits where a
built-in would.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.signal import butter, sosfilt

from generator import model
from generator.audio import SAMPLE_RATE, db_to_gain
from generator.sources.files import load_sound

PEAK_DB = -3.0
TRIM_DB = -60.0


@dataclass(frozen=True)
class Partial:
    """One mode of the struck body: frequency ratio, amplitude, decay time to -60 dB, beat."""

    ratio: float
    amplitude: float
    t60: float
    beat: float
    swell: float = 0.0  # seconds for the mode to build up (a gong's bloom); 0 = at the strike


@dataclass(frozen=True)
class BellDesign:
    """A built-in bell: its lowest frequency, its partials and its strike."""

    fundamental: float
    partials: tuple[Partial, ...]
    attack: float  # seconds of raised-cosine onset
    strike: float  # level of the mallet's noise burst, relative to the partials' peak
    strike_band: tuple[float, float]  # Hz, the burst's band
    strike_decay: float  # seconds, time constant of the burst
    seed: int


BUILTIN_BELLS: dict[str, BellDesign] = {
    # A Tibetan-style singing bowl around G3; ratios measured on real bowls are close to
    # 1 : 2.7 : 5.0 : 7.9 : 11.3. Slow beating (about 1-4 Hz) is the bowl's "wah-wah".
    "bowl": BellDesign(
        196.0,
        (
            Partial(1.000, 1.00, 8.0, 1.3),
            Partial(2.710, 0.55, 6.0, 2.1),
            Partial(5.030, 0.28, 4.0, 3.0),
            Partial(7.920, 0.12, 2.5, 3.7),
            Partial(11.31, 0.05, 1.6, 4.4),
        ),
        attack=0.004,
        strike=0.12,
        strike_band=(300.0, 2500.0),
        strike_decay=0.012,
        seed=1,
    ),
    # A metal chime (a free tube) around C6: ratios of a free-free bar, bright and clear.
    "chime": BellDesign(
        1046.5,
        (
            Partial(1.000, 1.00, 4.5, 0.6),
            Partial(2.756, 0.50, 2.6, 1.1),
            Partial(5.404, 0.22, 1.3, 1.7),
            Partial(8.933, 0.08, 0.7, 2.3),
        ),
        attack=0.0015,
        strike=0.10,
        strike_band=(2000.0, 9000.0),
        strike_decay=0.004,
        seed=2,
    ),
    # A gong around 98 Hz: a dense cluster of inharmonic modes; the upper ones bloom a
    # moment after the strike, which gives the gong its swelling shimmer.
    "gong": BellDesign(
        98.0,
        (
            Partial(1.000, 1.00, 10.0, 0.8),
            Partial(1.520, 0.70, 9.0, 1.2),
            Partial(2.030, 0.55, 8.0, 1.6),
            Partial(2.610, 0.45, 7.0, 2.0, swell=0.25),
            Partial(3.270, 0.38, 6.0, 2.4, swell=0.45),
            Partial(3.830, 0.30, 5.0, 2.9, swell=0.6),
            Partial(4.600, 0.22, 4.0, 3.3, swell=0.8),
            Partial(5.510, 0.15, 3.0, 3.8, swell=0.9),
        ),
        attack=0.008,
        strike=0.20,
        strike_band=(80.0, 1200.0),
        strike_decay=0.03,
        seed=3,
    ),
    # A wooden block: two short, strongly damped modes and a crisp knock.
    "woodblock": BellDesign(
        820.0,
        (
            Partial(1.000, 1.00, 0.22, 0.0),
            Partial(2.240, 0.35, 0.10, 0.0),
            Partial(3.910, 0.12, 0.06, 0.0),
        ),
        attack=0.0006,
        strike=0.35,
        strike_band=(1200.0, 5000.0),
        strike_decay=0.003,
        seed=4,
    ),
}


def _raised(x: np.ndarray) -> np.ndarray:
    """0 -> 1 along a raised cosine for x in 0..1 (clipped outside)."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


def _synthesize(design: BellDesign, rate: int = SAMPLE_RATE) -> np.ndarray:
    longest = max(p.t60 + p.swell for p in design.partials)
    n = int((longest + 0.5) * rate)
    t = np.arange(n) / rate
    rng = np.random.default_rng(design.seed)
    out = np.zeros((n, 2))
    onset = _raised(t / design.attack)
    for partial in design.partials:
        decay = np.exp(-np.log(1000.0) * t / partial.t60)  # -60 dB at t60
        swell = _raised(t / partial.swell) if partial.swell else 1.0
        envelope = partial.amplitude * decay * swell * onset
        freq = design.fundamental * partial.ratio
        # Two close modes, unequal in strength and leaning a little to either side: the
        # beating swells by about 6 dB on the left and 10 dB on the right, never cutting out.
        for offset, weight, lean in ((-partial.beat / 2, 0.7, 0.45), (partial.beat / 2, 0.3, 0.55)):
            wave = envelope * weight * np.sin(2 * np.pi * (freq + offset) * t + rng.uniform(0, 2 * np.pi))
            out[:, 0] += wave * np.cos(0.5 * np.pi * lean)
            out[:, 1] += wave * np.sin(0.5 * np.pi * lean)
    if design.strike:
        burst_n = int(design.strike_decay * 8 * rate)
        burst = rng.standard_normal((burst_n, 2))
        low, high = design.strike_band
        sos = butter(2, [low, min(high, 0.45 * rate)], btype="bandpass", fs=rate, output="sos")
        burst = sosfilt(sos, burst, axis=0)
        burst *= (np.exp(-t[:burst_n] / design.strike_decay) * onset[:burst_n])[:, None]
        burst *= design.strike * np.max(np.abs(out)) / max(np.max(np.abs(burst)), 1e-12)
        out[:burst_n] += burst
    return _trim(out, rate)


def _trim(samples: np.ndarray, rate: int) -> np.ndarray:
    """Cut where the sound has fallen to TRIM_DB below its peak, with a 50 ms fade to zero."""
    frame = int(0.01 * rate)
    count = samples.shape[0] // frame
    frames = np.abs(samples[: count * frame]).reshape(count, frame * 2).max(axis=1)
    loud = np.nonzero(frames > frames.max() * db_to_gain(TRIM_DB))[0]
    end = min(samples.shape[0], (int(loud[-1]) + 1) * frame)
    out = samples[:end].copy()
    fade = min(int(0.05 * rate), end // 2)
    out[end - fade :] *= (1.0 - _raised(np.arange(fade) / fade))[:, None]
    return out


def _normalise(samples: np.ndarray) -> np.ndarray:
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak > 0:
        samples = samples * (db_to_gain(PEAK_DB) / peak)
    return samples.astype(np.float32)


@lru_cache(maxsize=None)
def _builtin(name: str) -> np.ndarray:
    clip = _normalise(_synthesize(BUILTIN_BELLS[name]))
    clip.flags.writeable = False
    return clip


@lru_cache(maxsize=32)
def _from_file(path: Path) -> np.ndarray:
    clip = _normalise(load_sound(path))
    clip.flags.writeable = False
    return clip


def bell_clip(bell: model.Bell, base_dir: Path) -> np.ndarray:
    """One strike of `bell` as float32 stereo (n, 2) at 44.1 kHz, peaking at -3 dBFS.

    A built-in name gives the synthesized bell; anything else is a sound file, relative
    paths resolved against `base_dir` (the script's folder). The result is a fresh copy.
    """
    if bell.path is None and bell.sound in BUILTIN_BELLS:
        return _builtin(bell.sound).copy()
    path = Path(bell.path if bell.path is not None else bell.sound)
    if not path.is_absolute():
        path = Path(base_dir) / path
    return _from_file(path.resolve()).copy()


def bell_seconds(name: str) -> float:
    """How long the built-in bell `name` rings (until it has faded to -60 dB)."""
    return _builtin(name).shape[0] / SAMPLE_RATE
