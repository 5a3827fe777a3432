"""Slow random wander for beds: a smooth curve in -1..1 that any window can evaluate alone.

A bed that stands perfectly still for twenty minutes sounds like a machine; real surf,
wind or a held note always moves a little. A :class:`Drift` is that movement: random
values at knots a fixed number of samples apart, joined by a smooth cubic (Catmull-Rom,
so level and slope are continuous; no corner is ever heard), and two such curves with
knot spacings in the golden ratio added, so the wander never settles into a period.

The value at a knot is a hash of ``(seed, curve, knot)``, not a draw from a running
generator: the curve at position ``n`` depends on ``n`` alone, so any window of a bed
renders exactly as the same stretch of a whole render, in any order, at no cost that
grows with the position (evaluating it is a few multiplications per sample).
"""

from __future__ import annotations

import numpy as np

_MASK = (1 << 64) - 1
_GOLDEN = 1.618034


def mix64(value: int) -> int:
    """SplitMix64's finaliser: a well-spread 64-bit hash of a 64-bit word."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def _knot(seed: int, curve: int, index: int) -> float:
    """The curve's value at knot `index`, uniform in -1..1, from a hash (random access)."""
    word = 2 * index if index >= 0 else -2 * index - 1
    h = mix64(mix64(mix64(seed & _MASK) ^ curve) ^ word)
    return (h >> 11) / float(1 << 53) * 2.0 - 1.0


def _curve(seed: int, curve: int, spacing: float, positions: np.ndarray) -> np.ndarray:
    """One Catmull-Rom curve through hashed knots `spacing` samples apart."""
    x = positions / spacing
    first = int(np.floor(x.min())) - 1
    last = int(np.floor(x.max())) + 2
    knots = np.array([_knot(seed, curve, k) for k in range(first, last + 1)])
    cell = np.floor(x).astype(np.int64) - first
    t = x - np.floor(x)
    p0, p1, p2, p3 = knots[cell - 1], knots[cell], knots[cell + 1], knots[cell + 2]
    return 0.5 * (
        2.0 * p1 + (p2 - p0) * t + (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3) * t * t + (3.0 * p1 - p0 - 3.0 * p2 + p3) * t**3
    )


class Drift:
    """A slow wander in about -1..1 around 0 over positions in samples (float64)."""

    def __init__(self, seed: int, spacing: int):
        self.seed = int(seed)
        self.spacing = float(spacing)

    def at(self, positions: np.ndarray | int) -> np.ndarray:
        """The curve at integer sample `positions` (any order, any range)."""
        n = np.atleast_1d(np.asarray(positions, dtype=np.float64))
        if n.size == 0:
            return n
        wander = 0.6 * _curve(self.seed, 1, self.spacing, n) + 0.4 * _curve(self.seed, 2, self.spacing * _GOLDEN, n)
        return np.clip(wander, -1.0, 1.0)
