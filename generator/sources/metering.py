"""Loudness by ITU-R BS.1770-4, measured while streaming, and a true-peak limiter.

The renderer mixes a session twice: the first pass only feeds :class:`LoudnessMeter`,
the second multiplies by one gain (target minus measured, so the dynamics stay as
written) and passes through :class:`TruePeakLimiter`, which only touches the rare peaks
that the gain pushes above the ceiling. Neither ever holds more than a block of audio.

The meter uses pyloudnorm's K-weighting coefficients (the reference the tests compare
against) but keeps the filter state between blocks and gates 400 ms blocks built from
100 ms hops, so it gives the same answer on a 30-minute track without the track in memory.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage, signal

from generator.sources.loudness import k_weighting as _k_weighting

ABSOLUTE_GATE = -70.0
"""LUFS below which a block counts as silence (BS.1770-4)."""

RELATIVE_GATE = -10.0
"""LU below the ungated loudness at which a block is left out (BS.1770-4)."""

CHANNEL_WEIGHTS = (1.0, 1.0, 1.0, 1.41, 1.41)
"""BS.1770 channel weights in the order L, R, C, Ls, Rs (stereo and mono use 1.0)."""


def gating_blocks(hops: np.ndarray, rate: int) -> np.ndarray:
    """Mean power of every whole 400 ms gating block from the power sums of consecutive
    100 ms hops (the first starting at sample 0 of the hop grid)."""
    if hops.size < 4:
        return np.zeros(0)
    sums = hops[:-3] + hops[1:-2] + hops[2:-1] + hops[3:]
    edges = np.arange(hops.size + 1, dtype=np.int64) * rate // 10  # as LoudnessMeter._hop_edge, vectorised
    return sums / (edges[4:] - edges[:-4])


class LoudnessMeter:
    """Integrated (gated) loudness of a stream of blocks, in LUFS."""

    def __init__(self, rate: int, channels: int) -> None:
        if not 1 <= channels <= len(CHANNEL_WEIGHTS):
            raise ValueError(f"BS.1770 defines weights for 1 to 5 channels, got {channels}")
        self.rate = rate
        self.channels = channels
        self._sos = _k_weighting(rate)
        self._zi = np.zeros((self._sos.shape[0], 2, channels))
        self._weights = np.array(CHANNEL_WEIGHTS[:channels])
        self._hops: list[float] = []  # weighted sum of squares of each whole 100 ms hop
        self._partial = 0.0  # the same for the hop under way
        self._samples = 0

    def _hop_edge(self, index: int) -> int:
        """Sample where hop `index` starts: exact integers, so hops never drift."""
        return index * self.rate // 10

    def add(self, block: np.ndarray) -> np.ndarray:
        """Measure one more block, shape (n, channels) (or (n,) for mono).

        Returns the block's K-weighted, channel-weighted power sample by sample (what
        the gating blocks sum), for callers that keep a finer profile than 100 ms hops.
        """
        block = np.asarray(block, dtype=np.float64)
        if block.ndim == 1:
            block = block[:, None]
        if block.shape[1] != self.channels:
            raise ValueError(f"expected {self.channels} channels, got {block.shape[1]}")
        if block.shape[0] == 0:
            return np.zeros(0)
        filtered, self._zi = signal.sosfilt(self._sos, block, axis=0, zi=self._zi)
        power = np.square(filtered) @ self._weights
        start = self._samples
        end = start + power.shape[0]
        cursor = start
        while cursor < end:
            edge = self._hop_edge(len(self._hops) + 1)
            stop = min(edge, end)
            self._partial += float(np.sum(power[cursor - start : stop - start]))
            cursor = stop
            if stop == edge:
                self._hops.append(self._partial)
                self._partial = 0.0
        self._samples = end
        return power

    def block_powers(self) -> np.ndarray:
        """Mean weighted power of every whole 400 ms gating block (75 % overlap)."""
        return gating_blocks(np.asarray(self._hops), self.rate)

    def integrated(self) -> float:
        """Gated integrated loudness in LUFS; -inf when nothing is above the absolute gate."""
        return gated(self.block_powers())


def gated(powers: np.ndarray, weights: np.ndarray | None = None) -> float:
    """BS.1770-4 gated integrated loudness of (weighted) block powers: blocks under the
    absolute gate, then under the relative gate, are left out; -inf when none is left.
    Equal weights (None) is the plain meter; the measuring pass weights sampled windows."""

    def mean(selected: np.ndarray) -> float:
        return float(np.mean(powers[selected])) if weights is None else float(np.average(powers[selected], weights=weights[selected]))

    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10.0 * np.log10(powers)
    above = loudness > ABSOLUTE_GATE
    if not above.any():
        return float("-inf")
    relative = -0.691 + 10.0 * math.log10(mean(above)) + RELATIVE_GATE
    return -0.691 + 10.0 * math.log10(mean(above & (loudness > relative)))


# --- true peak ----------------------------------------------------------------------------

OVERSAMPLE = 4
"""BS.1770-4 Annex 2 measures true peak at four times the rate (below 96 kHz)."""

_TAPS_PER_PHASE = 32  # the Annex's example has 12 per phase; longer reads peaks near Nyquist as a DAC would


def _interpolator() -> np.ndarray:
    """A 4x interpolating low-pass whose phase 0 passes the original samples unchanged."""
    taps = OVERSAMPLE * _TAPS_PER_PHASE + 1
    return signal.firwin(taps, 1.0 / OVERSAMPLE, window=("kaiser", 10.0)) * OVERSAMPLE


def true_peak_db(samples: np.ndarray, rate: int = 44_100) -> float:
    """True peak in dBTP: the largest magnitude of the 4x oversampled signal (-inf for silence)."""
    x = np.asarray(samples, dtype=np.float64)
    if x.size == 0:
        return float("-inf")
    factor = OVERSAMPLE if rate < 96_000 else 1
    up = signal.resample_poly(x, factor, 1, axis=0) if factor > 1 else x
    peak = max(float(np.max(np.abs(up))), float(np.max(np.abs(x))))
    return 20.0 * math.log10(peak) if peak > 0 else float("-inf")


def channel_peaks(block: np.ndarray) -> np.ndarray:
    """The largest magnitude across channels, sample by sample, of a (n, channels) block
    (a max over the short channel axis is several times slower in numpy)."""
    magnitude = np.abs(block[:, 0])
    for channel in range(1, block.shape[1]):
        np.maximum(magnitude, np.abs(block[:, channel]), out=magnitude)
    return magnitude


def estimated_true_peaks(block: np.ndarray, sample_peaks: np.ndarray) -> np.ndarray:
    """`sample_peaks` (channel_peaks of the block) with the peak between each sample and
    the next estimated by cubic interpolation at the midpoint: most of what the true-peak
    detector finds, at a small part of its cost. The measuring pass's limiter model uses
    it, since a voice with its air shelf has intersample peaks a sample peak misses."""
    magnitude = sample_peaks.copy()
    if block.shape[0] < 4:
        return magnitude
    for channel in range(block.shape[1]):
        x = block[:, channel]
        middle = np.abs(9.0 * (x[1:-2] + x[2:-1]) - (x[:-3] + x[3:])) / 16.0
        np.maximum(magnitude[1:-2], middle, out=magnitude[1:-2])
    return magnitude


class InterSamplePeaks:
    """A streaming true-peak detector: for each incoming sample, the largest magnitude
    across channels of the sample `delay` samples earlier and of the three values the 4x
    interpolator puts after it.

    Phase 0 of the interpolator is the original sample, so only the three in-between
    phases are filtered: plain convolutions, several times faster than upfirdn.
    """

    def __init__(self, channels: int) -> None:
        self.channels = channels
        taps = _interpolator()
        self._phases = [taps[p::OVERSAMPLE] for p in range(1, OVERSAMPLE)]
        self._reversed = [phase[::-1].copy() for phase in self._phases]  # convolving is correlating with these
        self._envelope = np.max(np.abs(np.stack(self._phases)), axis=0)
        self.overshoot = max(float(np.sum(np.abs(phase))) for phase in self._phases)
        """The most any interpolated value can exceed the largest sample near it (about 2.3x)."""
        self.delay = _TAPS_PER_PHASE // 2
        self._history = np.zeros((_TAPS_PER_PHASE, channels))

    def __call__(self, x: np.ndarray, skip_below: float | None = None) -> np.ndarray:
        """Peaks for the block `x` (n, channels).

        With `skip_below`, the interpolated values are worked out only where they could
        reach that level; elsewhere the sample peaks stand (the caller ignores anything
        below it). Each interpolated value is bounded by the same filter with its taps'
        magnitudes (the largest across phases) run over the samples' magnitudes: one
        convolution instead of six, and in practice only a few per cent of the samples
        (around loud peaks) are left to filter exactly.
        """
        n = x.shape[0]
        joined = np.concatenate([self._history, x])
        self._history = joined[-_TAPS_PER_PHASE:]
        start = _TAPS_PER_PHASE - self.delay
        magnitude = channel_peaks(joined)
        peak = magnitude[start : start + n].copy()
        if skip_below is None:
            self._exact(joined, peak, 0, n)
            return peak
        if float(magnitude.max()) * self.overshoot <= skip_below:
            return peak  # no interpolated value can reach the level anywhere in the block
        bound = np.convolve(magnitude, self._envelope, mode="valid")[-n:]
        for lo, hi in _runs(np.flatnonzero(bound > skip_below)):
            self._exact(joined, peak, lo, hi)
        return peak

    def _exact(self, joined: np.ndarray, peak: np.ndarray, lo: int, hi: int) -> None:
        """Raise `peak[lo:hi]` to the interpolated values there (output j uses joined[j+1 .. j+taps])."""
        for reversed_phase in self._reversed:
            for channel in range(self.channels):
                between = np.correlate(joined[lo + 1 : hi + _TAPS_PER_PHASE, channel], reversed_phase, mode="valid")
                np.maximum(peak[lo:hi], np.abs(between), out=peak[lo:hi])


def _runs(indices: np.ndarray, gap: int = 1024) -> list[tuple[int, int]]:
    """Sorted indices as (start, end) runs, joining runs less than `gap` apart (fewer, longer filter calls)."""
    if indices.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(indices) > gap)
    starts = np.concatenate(([indices[0]], indices[breaks + 1]))
    ends = np.concatenate((indices[breaks], [indices[-1]])) + 1
    return list(zip(starts.tolist(), ends.tolist()))


def _released_log(held: np.ndarray, decay: float, previous: float = -math.inf) -> np.ndarray:
    """log r, where r[n] = max(held[n], r[n-1] * exp(-decay)) and log r[-1] = `previous`:
    a reduction held, then falling off exponentially, as a running max in log space."""
    with np.errstate(divide="ignore"):
        logs = np.log(held)
    steps = decay * np.arange(1, held.size + 1)
    out_log = np.maximum.accumulate(np.maximum(logs + steps, previous)) - steps
    out_log[out_log < -50.0] = -math.inf  # below 1e-22 the gain is 1.0 in float64 anyway
    return out_log


class TruePeakLimiter:
    """A look-ahead limiter holding the true peak at or below `ceiling_db`.

    The detector looks at the 4x oversampled signal, so peaks between samples (which a
    DAC or an MP3 decoder will produce) count. The gain it needs is spread backwards over
    the look-ahead with a sliding minimum, smoothed with a triangular window (so it never
    steps: no clicks) and released slowly. Where nothing exceeds the ceiling the gain is
    exactly 1, so quiet material passes bit for bit. The audio comes out delayed by the
    look-ahead; `flush` returns the rest, so the total length is unchanged.

    The detector aims `margin_db` below the ceiling because meters disagree by a few
    hundredths of a dB on peaks near Nyquist, depending on their interpolation filter.
    """

    def __init__(
        self,
        rate: int,
        channels: int,
        ceiling_db: float = -1.0,
        *,
        lookahead_ms: float = 5.0,
        release_ms: float = 200.0,
        margin_db: float = 0.1,
    ) -> None:
        self.rate = rate
        self.channels = channels
        self.ceiling = 10.0 ** ((ceiling_db - margin_db) / 20.0)
        self._detector = InterSamplePeaks(channels)
        self._span = max(2, round(rate * lookahead_ms / 1000.0))
        first = self._span // 2 + 1
        self._window = np.convolve(np.ones(first), np.ones(self._span + 2 - first))
        self._window /= self._window.sum()
        self._release = 1.0 / (rate * release_ms / 1000.0)  # per-sample decay of log gain reduction
        self._detector_delay = self._detector.delay
        self.latency = self._detector_delay + self._span
        # Streams in "detector time" j, where x'[j] = x[j - detector_delay]:
        self._last_peak = 0.0  # detector value at j - 1
        self._need_tail = np.zeros(self._span)  # last `span` required gain reductions, for the sliding minimum
        self._log_reduction = -math.inf  # released log gain reduction at the last j
        self._reduction = np.zeros(0)  # released reductions not yet used by the smoother
        self._pending = np.zeros((self._detector_delay, channels))  # x' samples not yet output
        self._emitted = 0  # x' positions emitted, the alignment zeros included
        self._in = 0
        self._out = 0

    def _detect(self, x: np.ndarray) -> np.ndarray:
        """Largest oversampled magnitude across channels for each incoming sample (x' time)."""
        return self._detector(x, skip_below=self.ceiling)

    def _required(self, peak: np.ndarray) -> np.ndarray:
        """Gain reduction (1 - gain) each x' sample needs: it must cover the interpolated values on both sides."""
        around = np.maximum(peak, np.concatenate([[self._last_peak], peak[:-1]]))
        self._last_peak = float(peak[-1])
        return self._over(around)

    def _over(self, around: np.ndarray) -> np.ndarray:
        """Gain reduction that brings each magnitude down to the ceiling (0 where it is under)."""
        reduction = np.zeros_like(around)
        over = around > self.ceiling
        reduction[over] = 1.0 - self.ceiling / around[over]
        return reduction

    def _released(self, need: np.ndarray) -> np.ndarray:
        """Hold each reduction over the look-ahead, then let it fall off exponentially (vectorised)."""
        joined = np.concatenate([self._need_tail, need])
        self._need_tail = joined[-self._span :]
        if not joined.any() and self._log_reduction == -math.inf:
            return np.zeros(need.size)  # nothing to limit: unity gain, and no work
        held = ndimage.maximum_filter1d(joined, self._span + 1, origin=self._span // 2)[self._span :]
        out_log = _released_log(held, self._release, self._log_reduction)
        self._log_reduction = float(out_log[-1])
        return np.exp(out_log)

    def coarse_reduction(self, peaks: np.ndarray, chunk: float) -> np.ndarray:
        """The gain reduction (1 - gain) this limiter would apply, chunk by chunk, where
        `peaks` are the largest magnitudes of consecutive chunks of `chunk` samples (a
        few milliseconds each).

        A model for predicting loudness without running the limiter: each chunk's
        loudest peak counts for the whole chunk and its neighbours (the look-ahead and
        smoothing spread a reduction over about one chunk either side), then it releases
        as the limiter does. So it takes away a little more than the limiter would.
        """
        peaks = np.asarray(peaks, dtype=np.float64)
        if peaks.size == 0 or float(peaks.max()) <= self.ceiling:
            return np.zeros(peaks.size)
        around = peaks.copy()
        np.maximum(around[1:], peaks[:-1], out=around[1:])
        np.maximum(around[:-1], peaks[1:], out=around[:-1])
        return np.exp(_released_log(self._over(around), self._release * chunk))

    def process(self, block: np.ndarray) -> np.ndarray:
        """Limit one block; returns the samples that have cleared the look-ahead (fewer at first)."""
        x = np.asarray(block, dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None]
        if x.shape[1] != self.channels:
            raise ValueError(f"expected {self.channels} channels, got {x.shape[1]}")
        self._in += x.shape[0]
        return self._run(x, self._in)

    def flush(self) -> np.ndarray:
        """The samples still held in the look-ahead."""
        return self._run(np.zeros((self.latency, self.channels)), self._in)

    def _run(self, x: np.ndarray, real: int) -> np.ndarray:
        if x.shape[0] == 0:
            return np.zeros((0, self.channels), dtype=np.float32)
        reduction = self._released(self._required(self._detect(x)))
        self._reduction = np.concatenate([self._reduction, reduction])
        self._pending = np.concatenate([self._pending, x])
        ready = self._reduction.size - self._span
        if ready <= 0:
            return np.zeros((0, self.channels), dtype=np.float32)
        used = self._reduction[: ready + self._span]
        if used.any():
            smooth = np.convolve(used, self._window[::-1], mode="valid")[:ready]
            out = self._pending[:ready] * (1.0 - smooth)[:, None]
        else:
            out = self._pending[:ready].copy()
        self._reduction = self._reduction[ready:]
        self._pending = self._pending[ready:]
        # The first `detector_delay` x' samples are the zeros that aligned x with the detector.
        skip = max(0, self._detector_delay - self._emitted)
        out = out[skip:]
        self._emitted += ready
        keep = max(0, min(out.shape[0], real - self._out))
        self._out += keep
        return out[:keep].astype(np.float32)
