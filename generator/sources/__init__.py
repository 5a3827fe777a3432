"""Sound sources: each renders any window of its samples on demand.

A source never holds a whole track in memory. The mixer asks for ``render(start, count)``
with `start` counted in samples from the source's own beginning, and gets a float32
array of shape ``(count, 2)`` back. Asking for the same window twice gives the same
samples (noise is seeded), so a render is reproducible and windows can be rendered in
any order.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Source(Protocol):
    """Anything the mixer can pull stereo samples from."""

    def render(self, start: int, count: int) -> np.ndarray:
        """Samples ``start .. start+count`` as float32 ``(count, 2)``."""
        ...


class ClipSource:
    """A finished mono or stereo clip as a source; silent outside its length."""

    def __init__(self, samples: np.ndarray):
        if samples.ndim == 1:
            samples = np.repeat(samples[:, None], 2, axis=1)
        self.samples = samples.astype(np.float32, copy=False)

    def __len__(self) -> int:
        return int(self.samples.shape[0])

    def render(self, start: int, count: int) -> np.ndarray:
        out = np.zeros((count, 2), dtype=np.float32)
        lo, hi = max(start, 0), min(start + count, len(self))
        if hi > lo:
            out[lo - start : hi - start] = self.samples[lo:hi]
        return out
