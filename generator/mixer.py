"""Walks the timeline block by block and sums what sounds in each block.

Memory stays flat: only the placements sounding in the current block are held (speech
is read from the cache as it starts and dropped when it ends), and the background bed
renders each window on demand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from generator import model
from generator.audio import BLOCK_SAMPLES, db_to_gain
from generator.sources import ClipSource
from generator.timeline import BreathCue, Placement, Timeline
from generator.tts import SpeechBank
from generator.tts.base import VOICE_RMS_DB

BED_GAIN = db_to_gain(VOICE_RMS_DB + 3.0)
"""Layers are unit-amplitude sources (a unit sine has an RMS of -3 dBFS): this puts a
layer's RMS at its `volume` relative to the voice's RMS."""


class Mixer:
    """Renders a timeline as consecutive stereo float32 blocks of at most `block` samples."""

    def __init__(self, timeline: Timeline, speech: SpeechBank, *, block: int = BLOCK_SAMPLES):
        self.timeline = timeline
        self.speech = speech
        self.block = block
        self.base_dir = timeline.session.path.parent
        self._sounds: dict[object, np.ndarray] = {}

    def blocks(self) -> Iterator[np.ndarray]:
        from generator.bed import Bed

        bed = Bed(self.timeline, self.base_dir)
        placements = self.timeline.placements
        upcoming = 0
        active: list[tuple[Placement, ClipSource]] = []
        total = self.timeline.length
        for start in range(0, total, self.block):
            count = min(self.block, total - start)
            end = start + count
            while upcoming < len(placements) and placements[upcoming].start < end:
                placement = placements[upcoming]
                active.append((placement, self._source(placement)))
                upcoming += 1
            out = np.zeros((count, 2), dtype=np.float32)
            voice = np.zeros(count, dtype=bool)
            still: list[tuple[Placement, ClipSource]] = []
            for placement, source in active:
                if placement.end <= start:
                    continue
                still.append((placement, source))
                lo = max(placement.start, start)
                hi = min(placement.end, end)
                if hi <= lo:
                    continue
                out[lo - start : hi - start] += source.render(lo - placement.start, hi - lo)
                if placement.voice:
                    voice[lo - start : hi - start] = True
            active = still
            out += bed.render(start, count, voice) * BED_GAIN
            yield out

    def _source(self, placement: Placement) -> ClipSource:
        """The placement's samples, at its gain, cut to its planned length."""
        sound = placement.sound
        if isinstance(sound, model.Utterance):
            samples = self.speech.samples(sound)
        elif isinstance(sound, model.Bell):
            samples = self._cached(("bell", sound.sound, sound.path), lambda: _bell(sound, self.base_dir))
        elif isinstance(sound, model.Play):
            samples = _play(sound)
        elif isinstance(sound, BreathCue):
            samples = self._cached(("breath", sound.kind, sound.samples), lambda: _breath(sound))
        else:  # pragma: no cover - the planner only places the kinds above
            raise TypeError(f"cannot mix {type(sound).__name__}")
        gain = db_to_gain(placement.gain_db)
        return ClipSource(samples[: placement.length] * gain if gain != 1.0 else samples[: placement.length])

    def _cached(self, key: object, make) -> np.ndarray:
        if key not in self._sounds:
            self._sounds[key] = make()
        return self._sounds[key]


def _bell(bell: model.Bell, base_dir: Path) -> np.ndarray:
    from generator.sources.bells import bell_clip

    return bell_clip(bell, base_dir)


def _breath(cue: BreathCue) -> np.ndarray:
    from generator.sources.breath import breath_tone

    return breath_tone(cue.kind, cue.samples)


def _play(play: model.Play) -> np.ndarray:
    """A foreground file with its duration and fades applied (fades are raised-cosine)."""
    from generator.audio import to_samples
    from generator.sources.files import load_sound

    samples = load_sound(play.path)
    if play.duration is not None:
        samples = samples[: to_samples(play.duration)]
    samples = samples.copy()
    for seconds, at_start in ((play.fade_in, True), (play.fade_out, False)):
        n = min(to_samples(seconds), samples.shape[0])
        if n > 1:
            ramp = (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, n))).astype(np.float32)[:, None]
            if at_start:
                samples[:n] *= ramp
            else:
                samples[-n:] *= ramp[::-1]
    return samples
