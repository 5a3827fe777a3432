"""Walks the timeline block by block and sums what sounds in each block.

Memory stays flat: only the placements sounding in the current block are held (speech
is read from the cache as it starts and dropped when it ends), and the background bed
renders each window on demand.

Any window ``[start, end)`` of the track can be rendered on its own and sounds exactly
like that stretch of the whole track: sources are random-access, placements that began
before the window are picked up part-way, and the bed's ducking envelope is brought to
the state it has there (see :meth:`Bed.seek`). That is what a section preview and the
measuring pass's sampled windows are built on. A window that does not start or end with
the track can fade the bed in and out at its edges, so a preview does not start or stop
abruptly; the voice is never faded.

Voice and bells are also sent to the room (generator.mix.room): each such placement gets a
second, non-ducking placement with its reverb, which rings on past the sound's end.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from typing import Callable, Iterator

import numpy as np

from generator.core.audio import BLOCK_SAMPLES, VOICE_RMS_DB, db_to_gain, raised_cosine
from generator.mix.room import RoomSend, reverb, with_room
from generator.sources import ClipSource
from generator.kinds.steps import STEP_KINDS
from generator.plan.timeline import Placement, Timeline
from generator.voice.bank import SpeechBank
from generator.mix.bed import Bed

BED_GAIN = db_to_gain(VOICE_RMS_DB + 3.0)
"""Layers are unit-amplitude sources (a unit sine has an RMS of -3 dBFS): this puts a
layer's RMS at its `volume` relative to the voice's RMS."""


SOUNDS_KEPT_BYTES = 8 * 1024 * 1024
"""Made sounds (breathing tones) kept per mixer beyond those playing, in bytes: a pacer
repeats a few phase lengths, so the latest few serve it; a session of many patterns
kept them all (20 MB for the breathing session)."""

WET_KEPT = 2
"""Room answers kept per mixer beyond those playing: a sentence that spans two windows of
the measuring pass is convolved once; more would only hold memory (2 MB each)."""


class Mixer:
    """Renders a timeline as consecutive stereo float32 blocks of at most `block` samples."""

    def __init__(self, timeline: Timeline, speech: SpeechBank, *, block: int = BLOCK_SAMPLES, bed_db: float | None = 0.0):
        self.timeline = timeline
        self.speech = speech
        self.block = block
        self.bed_db = bed_db
        # The background's level against the rest: 0 dB as made, lower for a listener's
        # softer mix, None for voice only (generator.output.variants); nothing else changes.
        self._bed_gain = BED_GAIN * db_to_gain(bed_db) if bed_db else BED_GAIN
        self.base_dir = timeline.session.path.parent
        self._sounds = _Kept(SOUNDS_KEPT_BYTES)
        self._wet: OrderedDict[RoomSend, np.ndarray] = OrderedDict()
        self._bed = None
        self.placements = with_room(timeline)  # the timeline's sounds and the room's answers to them
        self._starts = [p.start for p in self.placements]
        # Placements are sorted by start; the longest one bounds how far back a window
        # must look for sounds that began before it and still ring into it.
        self._longest = max((p.length for p in self.placements), default=0)

    def sibling(self) -> Mixer:
        """A mixer of the same timeline for another thread (see Bed.sibling)."""
        twin = Mixer(self.timeline, self.speech, block=self.block, bed_db=self.bed_db)
        twin._bed = self.bed.sibling()
        twin._sounds = self._sounds  # read-only clips and decoded files, shared like the bed's
        return twin

    @property
    def bed(self):
        """The background bed, made once per mixer (its sources keep their caches)."""
        if self._bed is None:

            self._bed = Bed(self.timeline, self.base_dir)
        return self._bed

    def blocks(self, start: int = 0, end: int | None = None, *, edge_fade: int = 0) -> Iterator[np.ndarray]:
        """The mix of samples ``start .. end`` (default: the whole track), block by block.

        `edge_fade` samples of raised-cosine fade are put on the bed at each edge of the
        window that is not an edge of the track.
        """
        total = self.timeline.length
        end = total if end is None else min(end, total)
        start = max(0, min(start, end))
        bed = self.bed
        bed.seek(start)
        placements = self.placements
        upcoming = bisect.bisect_left(self._starts, start - self._longest)
        active: list[tuple[Placement, ClipSource]] = []
        fade_in = edge_fade if start > 0 else 0
        fade_out = edge_fade if end < total else 0
        for block_start in range(start, end, self.block):
            count = min(self.block, end - block_start)
            block_end = block_start + count
            while upcoming < len(placements) and placements[upcoming].start < block_end:
                placement = placements[upcoming]
                upcoming += 1
                if placement.end > block_start and placement.length > 0:
                    active.append((placement, self._source(placement)))
            voice = np.zeros(count, dtype=bool)
            foreground: list[tuple[int, np.ndarray]] = []
            still: list[tuple[Placement, ClipSource]] = []
            for placement, source in active:
                if placement.end <= block_start:
                    continue
                still.append((placement, source))
                lo = max(placement.start, block_start)
                hi = min(placement.end, block_end)
                if hi <= lo:
                    continue
                foreground.append((lo - block_start, source.render(lo - placement.start, hi - lo)))
                if placement.voice:
                    voice[lo - block_start : hi - block_start] = True
            active = still
            if self.bed_db is None:
                out = np.zeros((count, 2), dtype=np.float32)
            else:
                out = bed.render(block_start, count, voice, gain=self._bed_gain)
            if fade_in or fade_out:
                out *= _edges(block_start, count, start, end, fade_in, fade_out)[:, None]
            for offset, samples in foreground:
                out[offset : offset + samples.shape[0]] += samples
            yield out

    def placed(self, placement: Placement) -> ClipSource:
        """A placement's sound as the mix hears it (the speech meter's stem is built from these)."""
        return self._source(placement)

    def _source(self, placement: Placement) -> ClipSource:
        """The placement's samples (made by the kind of step that placed it), at its gain,
        cut to its planned length."""
        sound = placement.sound
        samples = self._reverb(sound) if isinstance(sound, RoomSend) else STEP_KINDS.sound_maker(sound)(sound, self)
        if not isinstance(samples, np.ndarray):  # a source read from disk a block at a time (a play)
            return samples.placed(placement.gain_db, placement.length)
        gain = db_to_gain(placement.gain_db)
        return ClipSource(samples[: placement.length] * gain if gain != 1.0 else samples[: placement.length])

    def _reverb(self, send: RoomSend) -> np.ndarray:
        """The room's answer to a sound, kept for the few most recent: a sound that spans
        several windows of the measuring pass is convolved once, not once per window."""
        if send in self._wet:
            self._wet.move_to_end(send)
            return self._wet[send]
        dry = STEP_KINDS.sound_maker(send.sound)(send.sound, self)[: send.length]
        wet = reverb(dry, self.timeline.session.room)
        self._wet[send] = wet
        while len(self._wet) > WET_KEPT:
            self._wet.popitem(last=False)
        return wet

    def make_ahead(self, progress: Callable[[str, int, int], None] | None = None) -> None:
        """Make now the sounds that are costly to make (generator.kinds.steps.StepKind.made_ahead),
        so their moment of memory does not land on top of the passes' own; `progress`
        hears ('sounds', done, total)."""
        ahead = [p.sound for p in self.timeline.placements if STEP_KINDS.made_ahead(p.sound)]
        for done, sound in enumerate(ahead, 1):
            STEP_KINDS.sound_maker(sound)(sound, self)
            if progress:
                progress("sounds", done, len(ahead))

    def cached(self, key: object, make: Callable[[], np.ndarray]) -> np.ndarray:
        """A sound made once per mixer and kept while recent (a breathing tone, a decoded file)."""
        return self._sounds.get(key, make)


class _Kept:
    """Made sounds by key, the least recently used arrays let go beyond `budget` bytes
    (anything else, such as a file on disk, is small and always kept). Shared by a mixer
    and its siblings, so it takes a lock."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._items: OrderedDict[object, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object, make: Callable[[], object]):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        made = make()  # outside the lock: another thread may make the same sound meanwhile
        with self._lock:
            self._items[key] = made
            self._items.move_to_end(key)
            self._let_go()
        return made

    def _let_go(self) -> None:
        arrays = [key for key, value in self._items.items() if isinstance(value, np.ndarray)]
        held = sum(self._items[key].nbytes for key in arrays)  # type: ignore[attr-defined]
        for key in arrays[:-1]:  # the newest stays whatever its size
            if held <= self.budget:
                break
            held -= self._items.pop(key).nbytes  # type: ignore[attr-defined]


def _edges(block_start: int, count: int, start: int, end: int, fade_in: int, fade_out: int) -> np.ndarray:
    """Raised-cosine gain for the bed near a window's edges (1 elsewhere)."""
    positions = np.arange(block_start, block_start + count, dtype=np.float64)
    gain = np.ones(count, dtype=np.float32)
    if fade_in and block_start < start + fade_in:
        gain *= raised_cosine((positions - start + 0.5) / fade_in).astype(np.float32)
    if fade_out and block_start + count > end - fade_out:
        gain *= raised_cosine((end - positions - 0.5) / fade_out).astype(np.float32)
    return gain
