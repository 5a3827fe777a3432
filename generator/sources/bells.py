"""Bells: built-in struck sounds (see :mod:`generator.sources.bellsynth`) or a sound file,
levelled by loudness and placed to ring on under the steps that follow.

**Level.** A bell is levelled by how loud it sounds, not by its highest sample: its
loudest 400 ms (maximum momentary loudness, BS.1770) sits BELL_UNDER_VOICE_LU under the
voice's loudest speech, the place a producer gives a bell under narration (8 to 12 LU
under). The step's `volume` moves it from there. A file bell is levelled the same way,
so `bell: my-bell.wav` sits where a built-in would, however it was recorded.

**Length.** A bell rings until it is inaudible (a bowl for half a minute), but the
step holds the timeline only for its *hold*: the built-ins' musical pause after a strike
(a bowl 7 s, a chime 4 s), and for a file the time its loudness takes to fall 20 LU
under its loudest moment. The planner places the whole ring and moves on after the
hold, so the next words begin while the bowl still sings, as a teacher would speak.

**Variation.** Each strike is synthesized from its index (its number among the
session's strikes of that bell), so repeated strikes differ a little, yet every render
is the same. Each strike is levelled on its own, then made up to STRENGTH_DB harder or
softer than the first, as a player's strikes are. Synthesis takes up to 1.5 s per strike (a
bowl); the last few strikes are kept, on disk (:func:`builtin_strike`).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from generator.core import model
from generator.core.audio import SAMPLE_RATE, VOICE_RMS_DB, db_to_gain
from generator.sources.bellsynth import BellDesign, Mode, synthesize
from generator.sources.files import DiskClip, load_sound
from generator.sources.loudness import momentary

VOICE_LOUDEST_LU = 3.8
"""The voice's loudest speech (95th percentile of its momentary loudness, in LUFS) over
its RMS level in dBFS: speech levelled to VOICE_RMS_DB measures -15.6 and -14.8 LUFS with
the offline voice (the library's welcome and breathing sessions, +4.4 and +5.2) and
-17.3 with the test engine (+2.7). Between them, nearer the real voice: bells then
measure about 10.5 to 11.5 LU under the offline voice and 9 under the test engine."""

BELL_UNDER_VOICE_LU = 10.0
"""How far a bell's loudest moment sits under the voice's loudest speech by default."""

BELL_LOUDNESS = VOICE_RMS_DB + VOICE_LOUDEST_LU - BELL_UNDER_VOICE_LU
"""LUFS: every bell's maximum momentary loudness at `volume: 0dB`."""

PEAK_DB = -3.0
"""No bell peaks above this before the final loudness stage, whatever its loudness."""

STRENGTH_DB = 0.5
"""Strikes vary in strength by up to this much either way, as a player's do."""

FILE_HOLD_DROP_LU = 20.0
"""A file bell holds the timeline until its loudness has fallen this far under its loudest."""

BUILTIN_BELLS: dict[str, BellDesign] = {
    # A Tibetan-style singing bowl around G3. Ratios measured on real bowls are close to
    # 1 : 2.76 : 5.15 : 8.16 : 11.7; the fundamental rings for half a minute, the upper
    # modes far less, and each mode beats slowly (about 1-5 Hz), the bowl's "wah-wah".
    "bowl": BellDesign(
        196.0,
        (
            Mode(1.000, 1.00, 32.0, 0.9),
            Mode(2.760, 0.60, 16.0, 1.7),
            Mode(5.150, 0.30, 8.0, 2.6),
            Mode(8.160, 0.14, 4.5, 3.4),
            Mode(11.70, 0.06, 2.8, 4.1),
            Mode(15.80, 0.025, 1.6, 5.0),
        ),
        attack=0.010,
        strike=0.05,
        strike_band=(200.0, 1500.0),
        strike_decay=0.008,
        hold=7.0,
        seed=1,
    ),
    # A metal chime (a free tube) around C6: the modes of a free-free bar, bright, clear,
    # ringing for several seconds after a small hard beater.
    "chime": BellDesign(
        1046.5,
        (
            Mode(1.000, 1.00, 9.0, 0.35),
            Mode(2.756, 0.45, 4.5, 0.7),
            Mode(5.404, 0.20, 2.0, 1.1),
            Mode(8.933, 0.07, 0.9, 1.6),
        ),
        attack=0.004,
        strike=0.06,
        strike_band=(2000.0, 8000.0),
        strike_decay=0.003,
        hold=4.0,
        seed=2,
    ),
    # A gong around G2: a dense cluster of inharmonic modes; the upper ones bloom a moment
    # after the strike (a large soft beater), which gives the gong its swelling shimmer.
    "gong": BellDesign(
        98.0,
        (
            Mode(1.000, 1.00, 26.0, 0.5),
            Mode(1.520, 0.70, 20.0, 0.8),
            Mode(2.030, 0.55, 16.0, 1.1),
            Mode(2.610, 0.45, 13.0, 1.4, swell=0.3),
            Mode(3.270, 0.38, 10.0, 1.8, swell=0.5),
            Mode(3.830, 0.30, 8.0, 2.2, swell=0.7),
            Mode(4.600, 0.22, 6.0, 2.6, swell=0.9),
            Mode(5.510, 0.15, 4.5, 3.0, swell=1.0),
            Mode(6.800, 0.08, 3.0, 3.5, swell=1.1),
        ),
        attack=0.025,
        strike=0.12,
        strike_band=(60.0, 600.0),
        strike_decay=0.04,
        hold=8.0,
        seed=3,
    ),
    # A wooden block: three short, strongly damped modes and a crisp knock.
    "woodblock": BellDesign(
        820.0,
        (
            Mode(1.000, 1.00, 0.22, 0.0),
            Mode(2.240, 0.35, 0.10, 0.0),
            Mode(3.910, 0.12, 0.06, 0.0),
        ),
        attack=0.0008,
        strike=0.35,
        strike_band=(1200.0, 5000.0),
        strike_decay=0.003,
        hold=0.6,
        seed=4,
    ),
}


def _level_gain(samples: np.ndarray) -> float:
    """The gain that puts a clip's loudest 400 ms at BELL_LOUDNESS, its peak at most PEAK_DB."""
    loudest = float(momentary(samples).max())
    gain = db_to_gain(BELL_LOUDNESS - loudest) if loudest > -70.0 else 1.0
    peak = float(np.max(np.abs(samples))) * gain if samples.size else 0.0
    if peak > db_to_gain(PEAK_DB):
        gain *= db_to_gain(PEAK_DB) / peak
    return gain


def _frozen(samples: np.ndarray) -> np.ndarray:
    samples = samples.astype(np.float32, copy=False)
    samples.flags.writeable = False
    return samples


def strength_db(index: int) -> float:
    """How much harder or softer than the first strike strike `index` is (within
    STRENGTH_DB either way, from the index; the first strike is the reference)."""
    if index == 0:
        return 0.0
    return float(np.random.default_rng([index, 0x5717]).uniform(-STRENGTH_DB, STRENGTH_DB))


_SYNTHESIS = threading.Lock()
"""One strike synthesized at a time: the measuring pass's two threads often reach the same
strike together, and two syntheses of one bowl would hold twice its arrays for nothing."""

STRIKES_KEPT = 16
"""Built-in strikes kept on disk per process (a bowl's is 11 MB of disk, none of memory)."""


def builtin_strike(name: str, index: int) -> DiskClip:
    """Strike `index` of the built-in bell `name`, levelled, in a file read a block at a time.

    A bowl rings for half a minute: 11 MB as an array, held by every mixer that played it
    for both passes, and the largest arrays of a render besides. On disk, the mix holds
    one block of it; the strike is synthesized once for all the mixers of a process."""
    with _SYNTHESIS:
        return _builtin_on_disk(name, index)


@lru_cache(maxsize=STRIKES_KEPT)
def _builtin_on_disk(name: str, index: int) -> DiskClip:
    raw = synthesize(BUILTIN_BELLS[name], index)
    raw *= np.float32(_level_gain(raw) * db_to_gain(strength_db(index)))  # in place: a bowl is 11 MB
    return DiskClip.of(raw, prefix="meditate-bell-")


def _builtin(name: str, index: int) -> np.ndarray:
    """Strike `index` of a built-in bell, levelled, as one array."""
    clip = builtin_strike(name, index)
    return _frozen(clip.read(0, clip.frames))


@lru_cache(maxsize=32)
def _from_file(path: Path) -> np.ndarray:
    clip = load_sound(path)
    return _frozen(clip * np.float32(_level_gain(clip)))


def is_builtin(bell: model.Bell) -> bool:
    """Whether `bell` is synthesized (a built-in's name, no file), not read from a file."""
    return bell.path is None and bell.sound in BUILTIN_BELLS


def _path(bell: model.Bell, base_dir: Path) -> Path | None:
    """The bell's sound file, or None for a built-in."""
    if is_builtin(bell):
        return None
    path = Path(bell.path if bell.path is not None else bell.sound)
    if not path.is_absolute():
        path = Path(base_dir) / path
    return path.resolve()


def bell_clip(bell: model.Bell, base_dir: Path, index: int = 0) -> np.ndarray:
    """Strike `index` of `bell` as float32 stereo (n, 2) at 44.1 kHz, levelled by loudness.

    A built-in name gives the synthesized bell; anything else is a sound file, relative
    paths resolved against `base_dir` (the script's folder; a file sounds the same at
    every strike). The result is read-only: copy it to change it.
    """
    path = _path(bell, base_dir)
    if path is not None:
        return _from_file(path)
    return _builtin(bell.sound, index)


@lru_cache(maxsize=64)
def _file_hold(path: Path) -> int:
    blocks = momentary(_from_file(path))
    loudest = int(np.argmax(blocks))
    quiet = np.nonzero(blocks[loudest:] < blocks[loudest] - FILE_HOLD_DROP_LU)[0]
    hop = SAMPLE_RATE // 10
    length = int(_from_file(path).shape[0])
    if quiet.size == 0:
        return length
    return min(length, (loudest + int(quiet[0])) * hop + 4 * hop)  # the end of that 400 ms block


def bell_lengths(bell: model.Bell, base_dir: Path) -> tuple[int, int]:
    """(ring, hold) in samples: how long the bell sounds, and how long its step lasts."""
    path = _path(bell, base_dir)
    if path is not None:
        return int(_from_file(path).shape[0]), _file_hold(path)
    design = BUILTIN_BELLS[bell.sound]
    ring = int(design.seconds * SAMPLE_RATE)
    return ring, min(ring, round(design.hold * SAMPLE_RATE))


def bell_seconds(name: str) -> float:
    """How long the built-in bell `name` rings (until it is inaudible), without synthesizing it."""
    return int(BUILTIN_BELLS[name].seconds * SAMPLE_RATE) / SAMPLE_RATE
