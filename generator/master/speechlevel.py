"""The voice's own loudness, and the one gain that puts it at the target.

Normalising the whole mix counts the background too: under a bed 9 LU below the voice
the gated measure of the mix reads louder than the speech alone, the track is turned
down... or, with a bed that holds the pauses above the relative gate, up, and the
limiter then takes the excess off the voice. Podcast practice for speech (AES TD1008)
anchors on the dialogue instead, so the renderer does:

- :func:`speech_loudness` measures the speech stem, what the voice engines and takes put
  in at their placed gains (the bed and bells left out, the room's answer counted by its
  energy), with the BS.1770
  meter: K-weighted 400 ms blocks on the track's own hop grid, the -70 LUFS absolute gate
  and the relative gate, over the speech only. The pauses between sentences are silent
  in the stem, so the absolute gate leaves them out, as a dialogue meter would.
- :func:`anchored_gain` takes that gain (target minus the speech's loudness) and holds
  it where the true-peak limiter would take more than VOICE_LIMIT_DB off the voice: the
  measuring pass's profile of the mix gives each few milliseconds' peak, and the loudest
  peak heard while the voice speaks bounds the gain. The speech is then reported below
  its target rather than squeezed.

A track with no speech (a bells-only sit) is normalised on the whole mix as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from generator.core.audio import BLOCK_SAMPLES, db_to_gain
from generator.sources.metering import LoudnessMeter
from generator.plan.timeline import Placement, Timeline
from generator.master.measuring import PROFILE_CHUNKS, hop_edge
from generator.sources.metering import gated

VOICE_LIMIT_DB = 1.0
"""The most the true-peak limiter may take off the voice (dB)."""

RUN_GAP = 0.5
"""Seconds: voice placements closer than this are metered as one run (a gap longer
than a gating block is silence in the stem whichever way it is cut)."""


@dataclass(frozen=True)
class Levels:
    """What the loudness stage decided, and what the finished track will measure."""

    gain_db: float
    """The one gain applied to the mix."""
    mix_lufs: float
    """Integrated loudness of the whole mix before the gain."""
    speech_lufs: float
    """Integrated loudness of the speech stem after the gain (-inf: no speech)."""
    track_lufs: float
    """Integrated loudness of the whole track after the gain and the limiter (predicted)."""
    anchor: str
    """'speech' (normalised on the voice) or 'mix' (no speech: on everything)."""
    held_db: float = 0.0
    """dB the gain was held under the speech target so the limiter spares the voice."""

    def to_json(self) -> dict:
        return {
            "anchor": self.anchor,
            "speech_lufs": _rounded(self.speech_lufs),
            "track_lufs": _rounded(self.track_lufs),
            "gain_db": _rounded(self.gain_db),
            "speech_below_target_db": _rounded(self.held_db),
        }


def _rounded(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None


def voice_placements(timeline: Timeline) -> list[Placement]:
    """The placements that are speech (what ducks the bed), in time order."""
    return [p for p in timeline.placements if p.voice and p.length > 0]


def speech_runs(timeline: Timeline) -> list[tuple[int, int, list[Placement]]]:
    """Voice placements grouped in runs (start, end, placements), joined across short gaps."""
    gap = int(RUN_GAP * timeline.rate)
    runs: list[tuple[int, int, list[Placement]]] = []
    for p in voice_placements(timeline):
        if runs and p.start <= runs[-1][1] + gap:
            start, end, members = runs[-1]
            runs[-1] = (start, max(end, p.end), members + [p])
        else:
            runs.append((p.start, p.end, [p]))
    return runs


METER_CHUNK = 8 * BLOCK_SAMPLES
"""Samples of the speech stem metered at once (about 6 s): memory stays flat however long a sentence."""


def speech_loudness(timeline: Timeline, mixer, channels: int) -> float:
    """BS.1770 integrated loudness (LUFS) of the speech stem as the mixer places it, in
    `channels` (2, or 1 for a mono track); -inf when nothing is spoken.

    The dry voice is mono, the same in both channels, so it is metered once (a stereo
    meter reads it 3.01 dB louder). The room's answer to it is counted by its energy
    (ROOM_SHARE), not convolved again: speech and its reverb are uncorrelated, and
    convolving every sentence a second time cost more than the rest of the meter.
    """
    rate = timeline.rate
    powers: list[np.ndarray] = []
    for start, end, members in speech_runs(timeline):
        first = (start * 10) // rate  # the hop the run starts in: the track's own grid
        lo = first * rate // 10
        last = -(-(end * 10) // rate) + 4  # whole blocks past the end, silent in the stem
        hi = min(last * rate // 10, timeline.length)
        meter = LoudnessMeter(rate, 1)
        for at in range(lo, hi, METER_CHUNK):  # in chunks: a run may be a long sentence
            end_at = min(at + METER_CHUNK, hi)
            stem = np.zeros(end_at - at, dtype=np.float32)
            for p in members:
                a, b = max(p.start, at), min(p.end, end_at)
                if a < b:
                    stem[a - at : b - at] += mixer.placed(p).render(a - p.start, b - a)[:, 0]
            meter.add(stem)
        powers.append(meter.block_powers())
    if not powers:
        return float("-inf")

    both = 10 * math.log10(2) if channels == 2 else 0.0
    return gated(np.concatenate(powers)) + both + room_share(timeline)


def room_share(timeline: Timeline) -> float:
    """dB the room adds to the voice's loudness: its answer has the dry sound's energy
    (the impulse responses have unit energy per channel) at the room's mix."""
    room = timeline.session.room
    return 0.0 if room is None else 10 * math.log10(1 + db_to_gain(room.mix) ** 2)


def speech_mask(timeline: Timeline, positions: np.ndarray) -> np.ndarray:
    """Which sample `positions` fall while the voice speaks."""
    placed = voice_placements(timeline)
    if not placed:
        return np.zeros(positions.shape, dtype=bool)
    starts = np.array([p.start for p in placed])
    ends = np.maximum.accumulate(np.array([p.end for p in placed]))
    index = np.searchsorted(starts, positions, side="right") - 1
    return (index >= 0) & (positions < ends[np.maximum(index, 0)])


def speech_peak(timeline: Timeline, heard: Iterable, rate: int) -> float:
    """The loudest (estimated true) peak of the raw mix while the voice speaks, linear,
    from the measuring pass's profiles (generator.master.measuring.Profile)."""

    peak = 0.0
    for h in heard:
        profile = h.profile
        if profile is None or profile.peaks.size == 0:
            continue
        lead = h.span.first - profile.offset
        chunks = np.arange(profile.peaks.size)
        positions = hop_edge(lead, rate) + chunks * rate // (10 * PROFILE_CHUNKS)
        inside = speech_mask(timeline, positions)
        if inside.any():
            peak = max(peak, float(profile.peaks[inside].max()))
    return peak


def anchored_gain(speech_lufs: float, target: float, peak: float, ceiling: float) -> tuple[float, float]:
    """The gain (dB) that brings speech measured at `speech_lufs` to `target`, and how many
    dB it was held under that so the limiter (aiming at `ceiling`, linear) takes at most
    VOICE_LIMIT_DB off the loudest peak heard while the voice speaks (`peak`, linear)."""
    wanted = target - speech_lufs
    if peak <= 0:
        return wanted, 0.0
    allowed = 20 * math.log10(ceiling / peak) + VOICE_LIMIT_DB
    return (wanted, 0.0) if wanted <= allowed else (allowed, wanted - allowed)


def limiter_ceiling(ceiling_db: float, margin_db: float = 0.1) -> float:
    """The linear level the true-peak limiter aims at (TruePeakLimiter's default margin)."""
    return db_to_gain(ceiling_db - margin_db)



def summary(levels: Levels | None) -> str:
    """render's line about loudness: the voice's level and the whole track's."""
    if levels is None:
        return "loudness: not measured"

    def lufs(value: float) -> str:
        return f"{value:.1f} LUFS" if math.isfinite(value) else "silent"

    if levels.anchor == "mix":
        return f"loudness: no speech; the track {lufs(levels.track_lufs)} integrated"
    held = f" ({levels.held_db:.1f} dB under the target, so the limiter spares the voice)" if levels.held_db > 0.05 else ""
    return f"loudness: speech {lufs(levels.speech_lufs)}{held}; the whole track {lufs(levels.track_lufs)} integrated"
