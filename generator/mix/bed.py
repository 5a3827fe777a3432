"""The background bed: every layer of every section, crossfaded, faded and ducked.

The bed turns the timeline's sections into *tracks*: one per layer per stretch of the
track where that layer set sounds. Sections that use the session's background form one
stretch together (their layers run on without restarting); a section with its own
background is a stretch of its own. Where the layer set changes, the outgoing tracks
fade out and the incoming fade in across the incoming section's `crossfade`, centred on
the boundary.

The fade law depends on what meets at the boundary. Two unrelated sounds cross with an
equal-power law (sin/cos), which keeps the loudness even. A steady layer that appears on
both sides (the same tone, noise colour or file) is rendered identically on both sides
(same time origin, same seed), so it crosses with complementary gains instead: the sound
simply carries on, moving smoothly to its new volume, never dipping or doubling.

Sources are random-access, so any window renders on its own; only the ducking envelope
carries state from one `render` call to the next (the mixer walks forward block by
block). A gliding layer glides over its stretch: its section, or the whole track for
session layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from generator.core import model
from generator.core.audio import db_to_gain, raised_cosine, to_samples
from generator.kinds.layers import LAYER_KINDS
from generator.sources import Source
from generator.plan.timeline import Timeline

MIN_CROSSFADE = 0.05
"""Seconds: even `crossfade: 0s` switches over this gently, so a boundary never clicks."""


@dataclass(frozen=True)
class Stretch:
    """Consecutive samples where one background's layers sound."""

    start: int
    end: int
    background: model.Background
    session: bool


@dataclass
class LayerTrack:
    """One layer sounding over one stretch, with its fades at both edges.

    Its sound is made on first use, so the plan picture can read the tracks (where each
    layer sounds and how it crosses at boundaries) without decoding any file."""

    layer: model.Layer
    stretch: Stretch
    make: Callable[[], Source]
    gain: float
    origin: int  # sample of the track where the source's own position 0 falls
    start: int  # the boundary where it takes over
    end: int
    fade_in: int = 0  # half-width of the crossfade around `start`
    fade_out: int = 0
    coherent_in: bool = False  # the same sound carries on across the boundary
    coherent_out: bool = False

    _source: Source | None = None

    @property
    def source(self) -> Source:
        if self._source is None:
            self._source = self.make()
        return self._source

    @property
    def first(self) -> int:
        return self.start - self.fade_in

    @property
    def last(self) -> int:
        return self.end + self.fade_out

    def envelope(self, positions: np.ndarray) -> np.ndarray:
        env = np.ones(positions.shape[0])
        if self.fade_in and positions[0] < self.start + self.fade_in:
            u = np.clip((positions - self.first + 0.5) / (2 * self.fade_in), 0.0, 1.0)
            env *= raised_cosine(u) if self.coherent_in else np.sin(0.5 * np.pi * u)
        if self.fade_out and positions[-1] >= self.end - self.fade_out:
            u = np.clip((positions - (self.end - self.fade_out) + 0.5) / (2 * self.fade_out), 0.0, 1.0)
            env *= 0.5 + 0.5 * np.cos(np.pi * u) if self.coherent_out else np.cos(0.5 * np.pi * u)
        return env


def steady(source: model.LayerSource) -> bool:
    """A layer that sounds the same wherever it is rendered from (nothing glides)."""
    return LAYER_KINDS.of(source).steady(source)


def _keys(background: model.Background) -> list[tuple[model.LayerSource, int]]:
    """Each layer's identity: its source and how many equal sources come before it."""
    seen: dict[model.LayerSource, int] = {}
    keys = []
    for layer in background.layers:
        count = seen.get(layer.source, 0)
        seen[layer.source] = count + 1
        keys.append((layer.source, count))
    return keys


def held(spans: np.ndarray, hold: int) -> np.ndarray:
    """Speech spans (start, end) with every gap shorter than `hold` samples bridged.

    Between the sentences of a paragraph (a second or two) the bed stays down, and comes
    back up only in a real pause: a bed that rose 4 to 8 dB in every sentence gap and
    fell again at the next word was heard as pumping."""
    if spans.shape[0] < 2 or hold <= 0:
        return spans
    spans = spans[np.argsort(spans[:, 0], kind="stable")]
    reach = np.maximum.accumulate(spans[:, 1])
    starts_new = np.concatenate(([True], spans[1:, 0] - reach[:-1] >= hold))
    firsts = np.flatnonzero(starts_new)
    lasts = np.concatenate((firsts[1:] - 1, [spans.shape[0] - 1]))
    return np.stack([spans[firsts, 0], reach[lasts]], axis=1)


class Bed:
    """Everything under the voice, rendered block by block for the mixer."""

    def __init__(
        self, timeline: Timeline, base_dir: Path, seed: int = 0, *, files: Mapping[tuple, Source] | None = None
    ) -> None:
        self.timeline = timeline
        self.base_dir = Path(base_dir)
        self.seed = seed
        self.length = timeline.length
        self.rate = rate = timeline.rate
        session = timeline.session.background
        self._fade_in = min(to_samples(session.fade_in, rate), self.length)
        self._fade_out = min(to_samples(session.fade_out, rate), self.length)
        self._duck_gain = db_to_gain(-abs(session.duck))
        self._attack = max(1, to_samples(session.duck_attack, rate))
        self._release = max(1, to_samples(session.duck_release, rate))
        self._progress = 0.0  # 0 = bed at full level, 1 = fully ducked
        self._next = 0
        self._exact = True  # whether the envelope state at `_next` is the whole track's
        # Where speech sounds, from the plan: lets the bed start dipping `attack` ahead of
        # each utterance, so it is fully down when the first syllable begins.
        speech = [(p.start, p.end) for p in timeline.placements if p.voice and p.length > 0]
        self._speech = held(np.array(speech, dtype=np.int64).reshape(-1, 2), to_samples(session.duck_hold, rate))
        self._sources: dict[tuple, Source] = dict(files or {})
        self._across_threads: set[tuple] = set(files or {})
        self.tracks = self._plan(self.stretches())

    def sibling(self) -> Bed:
        """A bed for the same timeline, to render from another thread: it shares the
        decoded background files (read-only, and costly to decode twice) and keeps its
        own noise caches and ducking state."""
        for track in self.tracks:
            track.source  # made now, so the twin shares what is costly to make twice
        shared = {key: self._sources[key] for key in self._across_threads}
        return Bed(self.timeline, self.base_dir, self.seed, files=shared)

    # --- planning -----------------------------------------------------------------------

    def stretches(self) -> list[Stretch]:
        session = self.timeline.session.background
        out: list[Stretch] = []
        for section in self.timeline.sections:
            if section.end <= section.start:
                continue
            is_session = section.background is session or section.background == session
            background = session if is_session else section.background
            if out and out[-1].background is background and out[-1].end == section.start:
                out[-1] = Stretch(out[-1].start, section.end, background, is_session)
            else:
                out.append(Stretch(section.start, section.end, background, is_session))
        return out

    def _plan(self, stretches: list[Stretch]) -> list[LayerTrack]:
        rate = self.timeline.rate
        halves = []  # half crossfade at each boundary between stretch i-1 and i
        for before, after in zip(stretches, stretches[1:]):
            wanted = max(to_samples(after.background.crossfade, rate), to_samples(MIN_CROSSFADE, rate))
            halves.append(min(wanted // 2, (before.end - before.start) // 2, (after.end - after.start) // 2))
        tracks: list[LayerTrack] = []
        previous: dict[tuple, LayerTrack] = {}
        for index, stretch in enumerate(stretches):
            current: dict[tuple, LayerTrack] = {}
            for layer, key in zip(stretch.background.layers, _keys(stretch.background)):
                track = self._track(layer, key, stretch)
                if index > 0:
                    track.fade_in = halves[index - 1]
                    match = previous.get(key) if steady(layer.source) else None
                    if match is not None:
                        track.coherent_in = match.coherent_out = True
                if index < len(stretches) - 1:
                    track.fade_out = halves[index]
                current[key] = track
                tracks.append(track)
            previous = current
        return tracks

    def _track(self, layer: model.Layer, key: tuple, stretch: Stretch) -> LayerTrack:
        span = (self.length if stretch.session else stretch.end - stretch.start) or 1
        # Steady layers keep the track's own clock (origin 0), so the same layer on both
        # sides of a boundary is the very same sound; glides start with their stretch.
        carries_on = steady(layer.source)
        origin = 0 if carries_on or stretch.session else stretch.start
        make = lambda: self._source(layer.source, span, key)  # noqa: E731
        return LayerTrack(layer, stretch, make, db_to_gain(layer.volume), origin, stretch.start, stretch.end)

    def _source(self, spec: model.LayerSource, span: int, key: tuple) -> Source:
        """The layer's sound, made by its kind (generator.kinds.layers)."""
        return LAYER_KINDS.of(spec).make(spec, self, span, key[1])

    def shared(self, key: tuple, make: Callable[[], Source], *, across_threads: bool = False) -> Source:
        """One source object per key (a noise seed, a file), so its cache and decoded audio
        are shared by every layer that uses it; `across_threads` sources (read-only once
        made, like a decoded file) are shared with the bed's measuring twin too."""
        if key not in self._sources:
            self._sources[key] = make()
        if across_threads:
            self._across_threads.add(key)
        return self._sources[key]

    # --- rendering ----------------------------------------------------------------------

    def render(self, start: int, count: int, voice: np.ndarray | None = None, *, gain: float = 1.0) -> np.ndarray:
        """The bed for samples ``start .. start+count`` as float32 (count, 2), times `gain`.

        `voice` is True where speech sounds; the bed ducks under it. Consecutive calls
        carry the ducking envelope on; a call that does not follow the previous one
        starts it afresh (unducked), unless :meth:`seek` brought the envelope there.

        Work is only done where it changes something: a layer renders only where it
        sounds, its fade envelope only inside its fades, and the session fades and the
        ducking only where they are not exactly 1 (they multiply in float32, the layers'
        sum is float32 too: 24 bits is far below anything the 16-bit output can carry).
        """
        end = start + count
        out = np.zeros((count, 2), dtype=np.float32)
        for track in self.tracks:
            lo, hi = max(start, track.first, 0), min(end, track.last, self.length)
            if hi <= lo:
                continue  # layers render only where they sound
            samples = track.source.render(lo - track.origin, hi - lo)
            if (track.fade_in and lo < track.start + track.fade_in) or (track.fade_out and hi > track.end - track.fade_out):
                envelope = track.envelope(np.arange(lo, hi, dtype=np.int64)) * (track.gain * gain)
                samples *= envelope.astype(np.float32)[:, None]
            else:
                samples *= np.float32(track.gain * gain)
            out[lo - start : hi - start] += samples
        fades = self._fades(start, count)
        if fades is not None:
            out *= fades.astype(np.float32)[:, None]
        ducking = self._ducking(start, count, voice)
        if ducking is not None:
            out *= ducking.astype(np.float32)[:, None]
        return out

    def seek(self, position: int) -> None:
        """Bring the ducking envelope to the state it has at `position` in a render from 0.

        The envelope is a slew-limited progress: after `release` samples without speech
        it is exactly 0 whatever came before, so only the stretch since the last such
        pause (or the track's start) has to be replayed, and only the envelope, not the
        sound. A window rendered after `seek` therefore ducks exactly as the whole track does.
        """
        if position == self._next and self._exact:
            return
        safe = 0
        spans = self._speech
        if spans.size:
            first = spans[:, 0] - self._attack
            reach = np.maximum.accumulate(spans[:, 1])  # speech (with look-ahead) ends by here
            # A pause of at least `release` between the speech up to k and from k+1 on zeroes the envelope.
            quiet_from = reach[:-1] + self._release
            fits = np.flatnonzero((quiet_from <= first[1:]) & (quiet_from <= position))
            if fits.size:
                safe = int(quiet_from[fits[-1]])
            if reach[-1] + self._release <= position:
                safe = max(safe, int(reach[-1] + self._release))
        if self._exact and safe <= self._next <= position:
            safe = self._next  # the envelope is already exact there: carry it on from where it is
        else:
            self._progress = 0.0
            self._next = safe
        step = 1 << 16  # replay in pieces: the envelope arrays of a long stretch at once would be large
        for at in range(safe, position, step):
            self._ducking(at, min(step, position - at), None)
        self._next = position
        self._exact = True

    def _fades(self, start: int, count: int) -> np.ndarray | None:
        """The session's fade in and fade out (raised cosine) over the whole track; None where 1."""
        fading_in = self._fade_in and start < self._fade_in
        fading_out = self._fade_out and start + count > self.length - self._fade_out
        if not (fading_in or fading_out):
            return None
        return self.fade_gains(np.arange(start, start + count, dtype=np.float64))

    def fade_gains(self, positions: np.ndarray) -> np.ndarray:
        """The session's fades at any `positions` (samples of the track)."""
        positions = np.asarray(positions, dtype=np.float64)
        gain = np.ones(positions.shape[0])
        if self._fade_in:
            gain *= raised_cosine((positions + 0.5) / self._fade_in)
        if self._fade_out:
            gain *= raised_cosine((self.length - positions - 0.5) / self._fade_out)
        return gain

    def ducked_at(self, positions: np.ndarray) -> np.ndarray:
        """Whether the bed is down (or on its way down or up) under the voice at `positions`,
        for the plan picture: from `attack` before speech until `release` after it."""
        positions = np.asarray(positions, dtype=np.int64)
        if self._duck_gain == 1.0 or not self._speech.size:
            return np.zeros(positions.shape[0], dtype=bool)
        starts = self._speech[:, 0] - self._attack
        ends = np.maximum.accumulate(self._speech[:, 1]) + self._release
        index = np.searchsorted(starts, positions, side="right") - 1
        return (index >= 0) & (positions < ends[np.clip(index, 0, None)])

    def _ducking(self, start: int, count: int, voice: np.ndarray | None) -> np.ndarray | None:
        """Gain under the voice: a slew-limited progress, eased with smoothstep, in dB.

        Progress moves toward 1 at 1/attack per sample while the voice sounds (the mask
        given, and the plan's speech placements looked ahead by `attack`) and back toward
        0 at 1/release per sample in pauses; the eased curve has no corners at either end
        of a full move, so the bed dips and returns without a bump.
        """
        if start != self._next:
            self._progress = 0.0
            self._exact = start == 0  # a render from the track's start is exact; elsewhere it starts unducked
        self._next = start + count
        if self._duck_gain == 1.0 or count == 0:
            return None
        end = start + count
        near = self._speech[(self._speech[:, 0] - self._attack < end) & (self._speech[:, 1] > start)]
        if self._progress == 0.0 and near.size == 0 and (voice is None or not np.any(voice)):
            return None  # no speech near and the bed fully up: a gain of exactly 1
        speaking = np.zeros(count, dtype=bool) if voice is None else np.array(voice, dtype=bool)
        for first, last in near.tolist():
            speaking[max(first - self._attack, start) - start : min(last, end) - start] = True
        progress = np.empty(count)
        edges = np.concatenate(([0], np.flatnonzero(np.diff(speaking)) + 1, [count]))
        level = self._progress
        steps = np.arange(1, count + 1, dtype=np.float64)
        for a, b in zip(edges[:-1].tolist(), edges[1:].tolist()):
            run = progress[a:b]
            if speaking[a]:
                np.minimum(steps[: b - a] * (1.0 / self._attack) + level, 1.0, out=run)
            else:
                np.maximum(steps[: b - a] * (-1.0 / self._release) + level, 0.0, out=run)
            level = float(run[-1])
        self._progress = level
        gain = np.where(progress >= 1.0, self._duck_gain, 1.0)
        moving = np.flatnonzero((progress > 0.0) & (progress < 1.0))  # the power is only worked out on the slopes
        if moving.size:
            step = progress[moving]
            gain[moving] = self._duck_gain ** (step * step * (3.0 - 2.0 * step))
        return gain
