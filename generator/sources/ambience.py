"""Ambiences: the shipped recordings (rain, a stream, the sea ...) looped under the session.

Each file in `audio_assets/` is one period of a seamless loop (it was synthesized as a
periodic signal, see `tools/make_audio_assets.py`), so it loops end to start with no
crossfade at all: the file loop is used with a seam of zero. The decoded file is shared
(memory-mapped, like any looped file); each layer adds only its own offsets and gain.

Where a layer starts in the loop comes from its identity (the bed's seed, the sound's
name, and how many layers of the same sound came before it), so two `rain` layers are
not in phase and never sum into one louder copy, while the same layer renders the same
samples wherever it is asked for.

A long session would reveal a plain loop: the same drop, wave or owl every 90-120 s,
like clockwork. So an ambience does not simply go round: each pass through the loop
(pass `k` covers the layer's samples ``k*period .. (k+1)*period``) starts further on
in the file than the last one ended, by a jump drawn per pass, crossing over from one
to the next with equal power across JOIN_SECONDS. The jump is at most ``period -
NO_REPEAT_SECONDS``, so nothing recurs sooner than a minute after it was heard, and
recurs at intervals that change from pass to pass. A music bed (`pad`) keeps the plain
loop: crossing two places of a chord progression would sound two chords at once.

Level: every file was normalised to a fixed integrated loudness (its manifest says which),
and is brought here to PINK_LUFS, the loudness of the pink noise layer at the same
volume. So `ambience: rain` at `volume: -24dB` is as loud as `noise: pink` at -24 dB.
"""

from __future__ import annotations

import zlib

import numpy as np

from generator.sources.assets import ambience, asset_path
from generator.core.audio import SAMPLE_RATE, raised_cosine
from generator.sources import Source
from generator.sources.files import FileLoopSource

PINK_LUFS = 0.6
"""Integrated loudness (BS.1770, stereo) of the pink noise layer at full scale (RMS 0.707 in
each ear, independent ears): the level every ambience is brought to before `volume`."""


def loop_for(name: str) -> FileLoopSource:
    """The decoded loop of the shipped recording `name` (no seam: the file is one period)."""
    return FileLoopSource(asset_path(name), seam_seconds=0.0)


JOIN_SECONDS = 4.0
"""Length of the equal-power crossing from one pass of an ambience to the next."""

NO_REPEAT_SECONDS = 60.0
"""Nothing an ambience plays comes back sooner than this."""


def _hash(text: str) -> int:
    return zlib.crc32(text.encode())


class AmbienceSource:
    """A shipped recording as a layer: from an offset of its own, at the pink noise level,
    each pass through the loop from a new place (ambiences; music loops plainly)."""

    def __init__(self, name: str, identity: str, loop: Source | None = None, rate: int = SAMPLE_RATE):
        sound = ambience(name)
        self.loop = loop if loop is not None else loop_for(name)
        self.period = int(self.loop.period)
        self.key = f"{identity}/{name}"
        self.offset = _hash(self.key) % self.period
        self.gain = np.float32(10 ** ((PINK_LUFS - sound.loudness) / 20))
        self.join = int(JOIN_SECONDS * rate) // 2  # half the crossing, each side of a pass boundary
        reach = self.period - int(NO_REPEAT_SECONDS * rate) - 2 * self.join
        self.reach = reach if sound.kind == "ambience" and reach > self.period // 12 else 0

    def start_of(self, k: int) -> int:
        """Where in the file pass `k` starts: the last pass's start plus a jump (0 for a plain loop)."""
        if self.reach <= 0:
            return self.offset
        total = sum(self.period // 12 + _hash(f"{self.key}/{i}") % (self.reach - self.period // 12) for i in range(1, k + 1))
        return (self.offset + total) % self.period

    def render(self, start: int, count: int) -> np.ndarray:
        if self.reach <= 0:
            out = self.loop.render(start + self.offset, count)
        else:
            out = np.zeros((count, 2), dtype=np.float32)
            for k in range(max(0, (start - self.join) // self.period), (start + count + self.join) // self.period + 1):
                self._add_pass(out, start, count, k)
        out *= self.gain
        return out

    def _add_pass(self, out: np.ndarray, start: int, count: int, k: int) -> None:
        """Add pass `k` (with its crossings) into the window ``start .. start+count``;
        the first pass has no crossing in: it reaches back as far as it is asked."""
        first = k * self.period - self.join if k > 0 else min(start, 0) - self.join
        last = (k + 1) * self.period + self.join
        lo, hi = max(start, first), min(start + count, last)
        if hi <= lo:
            return
        position = np.arange(lo, hi, dtype=np.int64)
        samples = self.loop.render(self.start_of(k) + lo - k * self.period, hi - lo)
        rise = (position - first + 0.5) / (2 * self.join)  # 0..1 over the crossing in, 1.. after
        fall = (last - position - 0.5) / (2 * self.join)
        if rise[0] < 1 or fall[-1] < 1:  # equal power: the two passes are different stretches
            samples *= np.sqrt(raised_cosine(np.minimum(rise, fall))).astype(np.float32)[:, None]
        out[lo - start : hi - start] += samples
