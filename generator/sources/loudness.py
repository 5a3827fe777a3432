"""Momentary loudness (ITU-R BS.1770, 400 ms) of a whole clip, for levelling foreground sounds.

A bell is heard by how loud it sounds, not by its highest sample: a chime's sharp
strike and a gong's slow bloom with the same peak differ by many LU on a meter. So
built-in and file bells are levelled by their loudest 400 ms (the *maximum momentary
loudness*), the measure a producer reads when balancing a bell under a voice. The
K-weighting is the standard's (pyloudnorm's design, as the track's own meter uses), and
blocks advance by 100 ms. The finished track's meter lives in `generator.output`; this
one only measures short clips held whole in memory.
"""

from __future__ import annotations

import math

import numpy as np

from generator.core.audio import SAMPLE_RATE


def k_weighting(rate: int = SAMPLE_RATE) -> np.ndarray:
    """The two K-weighting stages as second-order sections, from pyloudnorm's own design."""
    from pyloudnorm import IIRfilter

    shelf = IIRfilter(4.0, 1 / math.sqrt(2), 1500.0, rate, "high_shelf")
    highpass = IIRfilter(0.0, 0.5, 38.0, rate, "high_pass")
    return np.vstack([np.concatenate([f.b / f.a[0], f.a / f.a[0]]) for f in (shelf, highpass)])


CHUNK_HOPS = 32
"""100 ms hops filtered at a time: a bowl strike is half a minute, and filtered whole in
float64 (with its padding and the filter's copy) it held about 66 MB at once."""


def momentary(samples: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Momentary loudness in LUFS of every 400 ms block (100 ms apart) of a clip.

    Mono clips count as the same signal in both ears (as the mixer plays them). The
    clip is followed by 400 ms of silence, so a clip shorter than a block is measured too.
    It is filtered CHUNK_HOPS hops at a time, the filter's state carried across, and each
    hop summed on its own: the same figures, to the bit, as filtering it whole.
    """
    from scipy.signal import sosfilt

    sos = k_weighting(rate)
    hop = rate // 10
    total = samples.shape[0] + 2 * rate // 5
    channels = 2 if samples.ndim == 1 else samples.shape[1]
    state = np.zeros((sos.shape[0], 2, channels))
    hops: list[np.ndarray] = []
    for start in range(0, (total // hop) * hop, CHUNK_HOPS * hop):
        stop = min(start + CHUNK_HOPS * hop, (total // hop) * hop)
        x = np.zeros((stop - start, channels))
        part = np.asarray(samples[start:stop], dtype=np.float64)
        x[: part.shape[0]] = part[:, None] if part.ndim == 1 else part
        filtered, state = sosfilt(sos, x, axis=0, zi=state)
        power = np.square(filtered).sum(axis=1)
        hops.append(power.reshape(-1, hop).sum(axis=1))
    sums = np.concatenate(hops) if hops else np.zeros(0)
    blocks = (sums[:-3] + sums[1:-2] + sums[2:-1] + sums[3:]) / (4 * hop)
    return -0.691 + 10.0 * np.log10(np.maximum(blocks, 1e-20))


def max_momentary(samples: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """The loudest 400 ms of a clip, in LUFS."""
    return float(momentary(samples, rate).max())
