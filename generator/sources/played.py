"""A `play` step's file as a source read from disk, with its fades and gain per block.

A `play` file was decoded whole into memory and copied three times on the way to the
mix (decoded, cut and faded, scaled), once per measuring thread: a 10-minute recording
took the process to 1.1 GB. Here it is decoded once to a DiskClip, and each block the
mixer asks for is read, faded and scaled on its own, so memory stays at one block.
"""

from __future__ import annotations

import math

import numpy as np

from generator.core import model
from generator.core.audio import db_to_gain, to_samples
from generator.sources.files import DiskClip, read_window


class PlayedSource:
    """The samples of a `play` step: its duration, raised-cosine fades and gain applied."""

    def __init__(self, play: model.Play, clip: DiskClip, gain_db: float = 0.0, length: int | None = None):
        self.play = play
        self.clip = clip
        frames = self.clip.frames
        if play.duration is not None:
            frames = min(frames, to_samples(play.duration))
        self.frames = frames if length is None else min(frames, length)
        self.gain = db_to_gain(gain_db)
        self.fade_in = min(to_samples(play.fade_in), frames)
        self.fade_out = min(to_samples(play.fade_out), frames)
        self.cut = frames  # the fades are placed on the file as cut by `duration`

    def placed(self, gain_db: float, length: int) -> PlayedSource:
        """This play at a placement's gain, cut to its planned length (the clip is shared)."""
        return PlayedSource(self.play, self.clip, gain_db, length)

    def __len__(self) -> int:
        return self.frames

    def render(self, start: int, count: int) -> np.ndarray:
        return read_window(self.clip, self.frames, start, count, self._shaped)

    def _shaped(self, lo: int, samples: np.ndarray) -> np.ndarray:
        samples *= self._envelope(lo, samples.shape[0])[:, None]
        return samples

    def _envelope(self, lo: int, count: int) -> np.ndarray:
        """Gain times the fades for samples ``lo .. lo+count`` (as mixer._play shaped them)."""
        index = np.arange(lo, lo + count, dtype=np.float64)
        envelope = np.full(count, self.gain, dtype=np.float64)
        n = self.fade_in
        if n > 1 and lo < n:
            head = index < n
            envelope[head] *= 0.5 - 0.5 * np.cos(math.pi * index[head] / (n - 1))
        n = self.fade_out
        if n > 1 and lo + count > self.cut - n:
            tail = index >= self.cut - n
            envelope[tail] *= 0.5 - 0.5 * np.cos(math.pi * (self.cut - 1 - index[tail]) / (n - 1))
        return envelope.astype(np.float32)
