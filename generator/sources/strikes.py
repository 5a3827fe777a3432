"""A built-in bell's strike as a source read from disk a block at a time.

A bowl's strike is half a minute of stereo (11 MB as an array). Held whole, every strike
a session plays stayed in memory for both of the render's passes; read from its
:class:`DiskClip` a block at a time, the mix holds one block of it. The strike sounds
exactly as the array did: the same fade where the track's end cuts it short, then the
placement's gain, in the same order and precision.
"""

from __future__ import annotations

import numpy as np

from generator.core.audio import db_to_gain
from generator.sources.files import DiskClip, read_window

CUT_FADE = 44_100
"""Samples (a second) over which a strike the track's end cuts short fades out (at most half of what is left)."""


class StrikeSource:
    """Strike samples from `clip`, cut at `cut` (with a fade) when the track ends first."""

    def __init__(self, clip: DiskClip, cut: int | None = None, gain_db: float = 0.0, length: int | None = None):
        self.clip = clip
        self.cut = cut
        frames = clip.frames if cut is None else min(cut, clip.frames)
        self.frames = frames if length is None else min(frames, length)
        self.gain = db_to_gain(gain_db)
        self._fade = cut_fade(cut) if cut is not None and cut < clip.frames else None

    def placed(self, gain_db: float, length: int) -> StrikeSource:
        """This strike at a placement's gain, cut to its planned length (the clip is shared)."""
        return StrikeSource(self.clip, self.cut, gain_db, length)

    def __len__(self) -> int:
        return self.frames

    def render(self, start: int, count: int) -> np.ndarray:
        return read_window(self.clip, self.frames, start, count, self._shaped)

    def _shaped(self, lo: int, samples: np.ndarray) -> np.ndarray:
        """The fade where the track's end cuts the ring, then the gain (as the arrays had them)."""
        hi = lo + samples.shape[0]
        if self._fade is not None:
            fade, begins = self._fade, self.cut - self._fade.shape[0]  # type: ignore[operator]
            if hi > begins:
                first = max(lo, begins)
                samples[first - lo :] *= fade[first - begins : hi - begins, None]
        return samples * self.gain if self.gain != 1.0 else samples


def cut_fade(cut: int) -> np.ndarray | None:
    """The raised-cosine fade over the last samples before `cut` (None when too short to fade)."""
    fade = min(cut // 2, CUT_FADE)
    if fade <= 1:
        return None
    return (0.5 + 0.5 * np.cos(np.linspace(0, np.pi, fade))).astype(np.float32)
