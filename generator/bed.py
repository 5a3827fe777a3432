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

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from generator import model
from generator.audio import db_to_gain, to_samples
from generator.sources import Source
from generator.sources.ambience import AmbienceSource, loop_for
from generator.sources.files import FileLoopSource
from generator.sources.noise import NoiseSource
from generator.sources.tones import BinauralSource, IsochronicSource, ToneSource
from generator.timeline import Timeline

MIN_CROSSFADE = 0.05
"""Seconds: even `crossfade: 0s` switches over this gently, so a boundary never clicks."""


@dataclass(frozen=True)
class _Stretch:
    """Consecutive samples where one background's layers sound."""

    start: int
    end: int
    background: model.Background
    session: bool


@dataclass
class _Track:
    """One layer sounding over one stretch, with its fades at both edges."""

    source: Source
    gain: float
    origin: int  # sample of the track where the source's own position 0 falls
    start: int  # the boundary where it takes over
    end: int
    fade_in: int = 0  # half-width of the crossfade around `start`
    fade_out: int = 0
    coherent_in: bool = False  # the same sound carries on across the boundary
    coherent_out: bool = False

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
            env *= 0.5 - 0.5 * np.cos(np.pi * u) if self.coherent_in else np.sin(0.5 * np.pi * u)
        if self.fade_out and positions[-1] >= self.end - self.fade_out:
            u = np.clip((positions - (self.end - self.fade_out) + 0.5) / (2 * self.fade_out), 0.0, 1.0)
            env *= 0.5 + 0.5 * np.cos(np.pi * u) if self.coherent_out else np.cos(0.5 * np.pi * u)
        return env


def steady(source: model.LayerSource) -> bool:
    """A layer that sounds the same wherever it is rendered from (nothing glides)."""
    if isinstance(source, model.Tone):
        return source.frequency.constant
    if isinstance(source, model.Binaural):
        return source.carrier.constant and source.beat.constant
    if isinstance(source, model.Isochronic):
        return source.carrier.constant and source.pulse.constant
    return True


def _keys(background: model.Background) -> list[tuple[model.LayerSource, int]]:
    """Each layer's identity: its source and how many equal sources come before it."""
    seen: dict[model.LayerSource, int] = {}
    keys = []
    for layer in background.layers:
        count = seen.get(layer.source, 0)
        seen[layer.source] = count + 1
        keys.append((layer.source, count))
    return keys


class Bed:
    """Everything under the voice, rendered block by block for the mixer."""

    def __init__(
        self, timeline: Timeline, base_dir: Path, seed: int = 0, *, files: Mapping[tuple, Source] | None = None
    ) -> None:
        self.timeline = timeline
        self.base_dir = Path(base_dir)
        self.seed = seed
        self.length = timeline.length
        rate = timeline.rate
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
        self._speech = np.array(speech, dtype=np.int64).reshape(-1, 2)
        self._sources: dict[tuple, Source] = dict(files or {})
        self.tracks = self._plan(self._stretches())

    def sibling(self) -> Bed:
        """A bed for the same timeline, to render from another thread: it shares the
        decoded background files (read-only, and costly to decode twice) and keeps its
        own noise caches and ducking state."""
        files = {key: source for key, source in self._sources.items() if key[0] == "file"}
        return Bed(self.timeline, self.base_dir, self.seed, files=files)

    # --- planning -----------------------------------------------------------------------

    def _stretches(self) -> list[_Stretch]:
        session = self.timeline.session.background
        out: list[_Stretch] = []
        for section in self.timeline.sections:
            if section.end <= section.start:
                continue
            is_session = section.background is session or section.background == session
            background = session if is_session else section.background
            if out and out[-1].background is background and out[-1].end == section.start:
                out[-1] = _Stretch(out[-1].start, section.end, background, is_session)
            else:
                out.append(_Stretch(section.start, section.end, background, is_session))
        return out

    def _plan(self, stretches: list[_Stretch]) -> list[_Track]:
        rate = self.timeline.rate
        halves = []  # half crossfade at each boundary between stretch i-1 and i
        for before, after in zip(stretches, stretches[1:]):
            wanted = max(to_samples(after.background.crossfade, rate), to_samples(MIN_CROSSFADE, rate))
            halves.append(min(wanted // 2, (before.end - before.start) // 2, (after.end - after.start) // 2))
        tracks: list[_Track] = []
        previous: dict[tuple, _Track] = {}
        for index, stretch in enumerate(stretches):
            current: dict[tuple, _Track] = {}
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

    def _track(self, layer: model.Layer, key: tuple, stretch: _Stretch) -> _Track:
        span = (self.length if stretch.session else stretch.end - stretch.start) or 1
        # Steady layers keep the track's own clock (origin 0), so the same layer on both
        # sides of a boundary is the very same sound; glides start with their stretch.
        carries_on = steady(layer.source)
        origin = 0 if carries_on or stretch.session else stretch.start
        source = self._source(layer.source, span, key)
        return _Track(source, db_to_gain(layer.volume), origin, stretch.start, stretch.end)

    def _source(self, spec: model.LayerSource, span: int, key: tuple) -> Source:
        rate = self.timeline.rate
        if isinstance(spec, model.Tone):
            return ToneSource(spec.frequency, span, rate)
        if isinstance(spec, model.Binaural):
            return BinauralSource(spec.carrier, spec.beat, span, rate)
        if isinstance(spec, model.Isochronic):
            return IsochronicSource(spec.carrier, spec.pulse, span, rate)
        if isinstance(spec, model.Noise):
            # Same colour and occurrence -> same seed, so it carries on across boundaries.
            seed = zlib.crc32(f"{self.seed}/{spec.color}/{key[1]}".encode())
            return self._shared(("noise", seed), lambda: NoiseSource(spec.color, seed, rate))
        if isinstance(spec, model.FileLoop):
            path = spec.path if spec.path.is_absolute() else self.base_dir / spec.path
            resolved = path.resolve()
            return self._shared(("file", resolved), lambda: FileLoopSource(resolved))
        if isinstance(spec, model.Ambience):
            loop = self._shared(("file", "ambience", spec.name), lambda: loop_for(spec.name))
            return AmbienceSource(spec.name, f"{self.seed}/{key[1]}", loop)
        raise TypeError(f"unknown background layer {spec!r}")

    def _shared(self, key: tuple, make: Callable[[], Source]) -> Source:
        """One source object per noise seed or file, so its cache and decoded file are shared."""
        if key not in self._sources:
            self._sources[key] = make()
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
        positions = np.arange(start, start + count, dtype=np.float64)
        gain = np.ones(count)
        if fading_in:
            gain *= 0.5 - 0.5 * np.cos(np.pi * np.clip((positions + 0.5) / self._fade_in, 0.0, 1.0))
        if fading_out:
            gain *= 0.5 - 0.5 * np.cos(np.pi * np.clip((self.length - positions - 0.5) / self._fade_out, 0.0, 1.0))
        return gain

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
