"""Where the loudness-measuring pass listens, and the loudness it hears there.

The renderer needs the track's integrated loudness (BS.1770) before it can write a
single sample, and mixing a whole session just to measure it would double the work.
BS.1770's integrated loudness is a gated mean over 400 ms blocks (hopped every 100 ms),
so it does not need every block rendered, only every *kind* of block in its right
proportion. A meditation track is mostly long stretches of a steady bed (tones, noise,
a looped recording) between short busy moments. So the measuring plan:

- renders exactly every block near something that changes the sound: speech and every
  other foreground sound (with the ducking's attack and release around them), the
  session's fades, and each section boundary with its crossfade;
- in each steady stretch between them, renders a window of QUIET_WINDOW seconds every
  QUIET_EVERY seconds, and lets each block measured there stand for its share of the
  stretch (a weight);
- renders short tracks (under FULL_BELOW seconds) whole, where the result is exactly
  the plain meter's.

Each span is rendered with PREROLL of extra audio in front, so the K-weighting filters
and the limiter have settled by its first block, and the mixer's windows sound exactly
as the same stretch of the whole track (see generator.mix.mixer). Weighted, the gated mean
lands within a few hundredths of a LU of measuring everything (the benchmark checks the
written file), at a fraction of the cost.

The same pass keeps a coarse profile of each span (its peaks and its power, a few
milliseconds at a time), from which `limited` predicts how loud the span will be after
any gain and the true-peak limiter, without rendering it again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np

from generator.core.audio import to_samples
from generator.sources.metering import gated, gating_blocks
from generator.plan.timeline import Timeline
from generator.sources.metering import LoudnessMeter, channel_peaks, estimated_true_peaks

QUIET_WINDOW = 2.0
"""Seconds rendered per sample window in a steady stretch."""

QUIET_EVERY = 90.0
"""Seconds of steady bed each sample window stands for."""

FULL_BELOW = 240.0
"""Tracks shorter than this (seconds) are measured whole."""

PREROLL_HOPS = 5
"""Hops (100 ms) rendered and discarded before each span: the filters' and limiter's settling time."""

MARGIN = 0.5
"""Seconds of extra exact rendering around every busy moment."""

PIECE = 5.0
"""Seconds: exactly measured stretches are cut into pieces of at most this, so the
limiter passes can re-render only the pieces whose peaks the limiter can reach."""

PROFILE_CHUNKS = 30
"""Chunks per 100 ms hop in a span's profile (3.3 ms at 44.1 kHz): finer than the
limiter's look-ahead and release act, and small to keep (2.4 KB per second measured)."""



@dataclass(frozen=True)
class Span:
    """Gating blocks ``first .. last`` (block j starts at hop j), each standing for `weight` blocks."""

    first: int
    last: int
    weight: float = 1.0


def hop_edge(index: int, rate: int) -> int:
    """Sample where 100 ms hop `index` starts (the same integer grid as LoudnessMeter)."""
    return index * rate // 10


def whole_hops(length: int, rate: int) -> int:
    """Whole 100 ms hops in `length` samples."""
    hops = (length * 10) // rate
    while hop_edge(hops, rate) > length:
        hops -= 1
    return hops


def block_count(length: int, rate: int) -> int:
    """Whole 400 ms gating blocks in `length` samples."""
    return max(0, whole_hops(length, rate) - 3)


def plan(timeline: Timeline) -> list[Span]:
    """The spans the measuring pass renders, in order, covering the track's blocks."""
    rate = timeline.rate
    blocks = block_count(timeline.length, rate)
    if blocks == 0:
        return []
    if timeline.length < FULL_BELOW * rate:
        return _pieces(0, blocks)
    busy = _merge(_busy_blocks(timeline, blocks), gap=int(QUIET_EVERY * 10))
    spans: list[Span] = []
    cursor = 0
    for first, last in busy + [(blocks, blocks)]:
        if first > cursor:
            spans.extend(_sampled(cursor, first))
        if last > first:
            spans.extend(_pieces(first, last))
        cursor = max(cursor, last)
    return spans


def _pieces(first: int, last: int) -> list[Span]:
    """Blocks ``first .. last`` measured exactly, in pieces of at most PIECE seconds."""
    size = int(PIECE * 10)
    return [Span(a, min(a + size, last)) for a in range(first, last, size)]


def _busy_blocks(timeline: Timeline, blocks: int) -> list[tuple[int, int]]:
    """Block ranges that must be measured exactly."""
    rate = timeline.rate
    background = timeline.session.background
    margin = to_samples(MARGIN, rate)
    around = to_samples(background.duck_attack, rate) + to_samples(background.duck_release, rate) + margin
    intervals = [(p.start - around, p.end + around) for p in timeline.placements if p.length > 0]
    intervals.append((0, to_samples(background.fade_in, rate) + margin))
    intervals.append((timeline.length - to_samples(background.fade_out, rate) - margin, timeline.length))
    for section in timeline.sections[1:]:
        half = max(to_samples(section.background.crossfade, rate), to_samples(background.crossfade, rate)) // 2
        intervals.append((section.start - half - margin, section.start + half + margin))
    out = []
    for start, end in intervals:
        first = max(0, (start * 10) // rate - 4)
        last = min(blocks, (end * 10) // rate + 1)
        if last > first:
            out.append((first, last))
    return out


def _merge(ranges: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    """Sorted, merged ranges; quiet gaps shorter than `gap` blocks are measured exactly too."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + gap:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _sampled(first: int, last: int) -> list[Span]:
    """Sample windows over the steady blocks ``first .. last``, weighted to stand for all of them."""
    size = last - first
    window = int(QUIET_WINDOW * 10)
    parts = max(1, round(size / (QUIET_EVERY * 10)))
    spans = []
    for part in range(parts):
        a = first + part * size // parts
        b = first + (part + 1) * size // parts
        if b - a <= window:
            spans.append(Span(a, b))
            continue
        middle = (a + b - window) // 2
        spans.append(Span(middle, middle + window, (b - a) / window))
    return spans


@dataclass(frozen=True)
class Profile:
    """A span's raw mix chunk by chunk (PROFILE_CHUNKS per hop, from the first hop rendered):
    the largest magnitude and the sum of K-weighted power of each chunk.

    The magnitudes include a cubic estimate of the peak between each pair of samples
    (loudness.estimated_true_peaks), not the oversampled detector, which would cost as
    much as the mixing. Plain sample peaks were enough for the dry voice; with the voice
    chain's air shelf they left the predicted loudness 0.06 LU high at 8 dB into the
    limiter, the midpoint estimate 0.03 (tests/test_measuring.py holds 0.05); the write
    pass's limiter still uses true peaks."""

    peaks: np.ndarray
    powers: np.ndarray
    offset: int
    """Index of the span's first block among the blocks the profile covers (the preroll's)."""


@dataclass(frozen=True)
class Heard:
    """What one span sounded like: its blocks' mean K-weighted powers, its sample peak
    (linear) and, when asked for, its profile."""

    span: Span
    powers: np.ndarray
    peak: float
    profile: Profile | None = None


def listen(
    spans: Iterable[Span],
    rate: int,
    channels: int,
    length: int,
    render: Callable[[int, int], Iterator[np.ndarray]],
    process: Callable[[], Callable[[np.ndarray], np.ndarray] | None] = lambda: None,
    *,
    profile: bool = False,
) -> list[Heard]:
    """Render and meter each span. `render(start, end)` yields the mix of those samples;
    `process()` makes a fresh per-span stage (the gain and limiter, with a `flush`) or None.
    The peak is that of the mix before the stage. With `profile`, each span's profile of
    the mix (before the stage) is kept too."""

    heard = []
    for span in spans:
        lead = max(0, span.first - PREROLL_HOPS)
        start = hop_edge(lead, rate)
        end = hop_edge(span.last + 3, rate)
        end = length if end >= hop_edge((length * 10) // rate, rate) else end
        meter = LoudnessMeter(rate, channels)
        stage = process()
        powers: list[np.ndarray] = []
        peaks: list[np.ndarray] = []
        peak = 0.0
        for block in render(start, end):
            if not block.size:
                continue
            magnitude = channel_peaks(block)
            peak = max(peak, float(magnitude.max()))
            power = meter.add(stage(block) if stage else block)
            if profile:
                powers.append(power)
                peaks.append(estimated_true_peaks(block, magnitude))
        if stage is not None:
            meter.add(stage.flush())  # type: ignore[attr-defined]
        kept = _profile(_joined(powers), _joined(peaks), rate, span.first - lead) if profile else None
        heard.append(Heard(span, meter.block_powers()[span.first - lead : span.last - lead], peak, kept))
    return heard


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


def _profile(power: np.ndarray, peaks: np.ndarray, rate: int, offset: int) -> Profile:
    """Per-sample power and peaks of a span, summed and maxed chunk by chunk over its whole hops."""
    hops = whole_hops(power.size, rate)
    first = hop_edge(np.arange(hops), rate)[:, None]
    sizes = hop_edge(np.arange(1, hops + 1), rate)[:, None] - first
    edges = (first + np.arange(PROFILE_CHUNKS) * sizes // PROFILE_CHUNKS).ravel()
    whole = hop_edge(hops, rate)
    if edges.size == 0:
        return Profile(np.zeros(0, np.float32), np.zeros(0, np.float32), offset)
    return Profile(
        np.maximum.reduceat(peaks[:whole], edges).astype(np.float32),
        np.add.reduceat(power[:whole], edges).astype(np.float32),
        offset,
    )


def limited(heard: Heard, gain: float, reduction: Callable[[np.ndarray, float], np.ndarray], rate: int) -> Heard:
    """The span heard `gain` (linear) louder through a limiter, predicted from its profile.

    `reduction(peaks, chunk)` is the limiter's gain reduction for chunks of `chunk`
    samples with those peaks (TruePeakLimiter.coarse_reduction). Where it is zero the
    span is simply `scaled`; elsewhere each chunk's power is taken down by its gain.
    """
    if heard.profile is None:
        raise ValueError("this span was heard without a profile")
    profile = heard.profile
    cut = reduction(profile.peaks.astype(np.float64) * gain, rate / 10 / PROFILE_CHUNKS)
    if not cut.any():
        return scaled(heard, gain)
    chunks = profile.powers.astype(np.float64) * (gain * gain) * np.square(1.0 - cut)
    blocks = gating_blocks(chunks.reshape(-1, PROFILE_CHUNKS).sum(axis=1), rate)
    first = profile.offset
    return Heard(heard.span, blocks[first : first + heard.powers.size], heard.peak * gain, profile)


def loudness(heard: Iterable[Heard]) -> tuple[float, float]:
    """Integrated loudness (LUFS) and sample peak (dBFS) of what was heard."""
    heard = list(heard)
    if not heard:
        return float("-inf"), float("-inf")
    powers = np.concatenate([h.powers for h in heard])
    weights = np.concatenate([np.full(h.powers.size, h.span.weight) for h in heard])
    peak = max(h.peak for h in heard)
    return gated(powers, weights), (20 * math.log10(peak) if peak > 0 else float("-inf"))


def scaled(heard: Heard, gain: float) -> Heard:
    """The same span heard `gain` (linear) louder: what an untouched span sounds like after the gain."""
    return Heard(heard.span, heard.powers * (gain * gain), heard.peak * gain, heard.profile)


