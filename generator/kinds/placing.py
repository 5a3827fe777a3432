"""What the planner places, and the draft each step kind writes its entries into.

Step kinds (:mod:`generator.kinds.steps`) describe themselves to the planner through a
:class:`Draft`: a run of entries (what the plan lists: `say`, `pause`, `bell`, `inhale`
...) each with the sounds it places, and `fill`s whose length is only known once the
whole session is drafted. :func:`generator.plan.timeline.plan` then lays the drafts end to end
on exact sample boundaries. Nothing here renders audio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, NamedTuple, Protocol

from generator.core import model
from generator.core.audio import SAMPLE_RATE, to_seconds


class BellLength(NamedTuple):
    """A bell's two lengths in samples: it sounds for `ring`, its step lasts `hold`."""

    ring: int
    hold: int


SILENCE = "pause"
"""The plan's entry kind for silence in the voice: written pauses, gaps between sentences,
fills and the lead-in (the timeline JSON's `pause`)."""


class SoundLengths(Protocol):
    """What the planner needs to know about sounds before it can place them (in samples)."""

    def speech(self, utterance: model.Utterance) -> int: ...

    def bell(self, bell: model.Bell) -> BellLength: ...

    def file(self, play: model.Play) -> int: ...


@dataclass(frozen=True)
class BreathCue:
    """The pacer's tone for one breathing phase, exactly as long as the phase."""

    kind: str
    samples: int
    cycle: int


@dataclass(frozen=True)
class BellStrike:
    """One strike of a bell. `index` counts the session's strikes of that bell from 0
    (numbered by the planner), so each strike can sound a little different and the same
    in every render; `cut` is set when the track ends before the ring does (the strike
    then fades out over its last second)."""

    bell: model.Bell
    index: int = 0
    cut: int | None = None


@dataclass(frozen=True)
class Entry:
    """One line of the plan: what happens from `start` to `end` (samples)."""

    kind: str
    start: int
    end: int
    text: str | None = None
    cycle: int | None = None

    @property
    def length(self) -> int:
        return self.end - self.start

    def to_json(self, rate: int = SAMPLE_RATE) -> dict:
        out: dict = {"kind": self.kind, "start": to_seconds(self.start, rate), "end": to_seconds(self.end, rate)}
        if self.text is not None:
            out["text"] = self.text
        if self.cycle is not None:
            out["cycle"] = self.cycle
        return out


@dataclass(frozen=True)
class Placement:
    """A foreground sound placed on the timeline. `voice` sounds make the background duck."""

    start: int
    length: int
    sound: object
    gain_db: float = 0.0
    voice: bool = False

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class Sound:
    """A sound an entry places, `offset` samples after the entry starts."""

    offset: int
    length: int
    sound: object
    gain_db: float = 0.0
    voice: bool = False


@dataclass(frozen=True)
class DraftEntry:
    """An entry whose place is not known yet: its kind, length and the sounds it places."""

    kind: str
    length: int
    text: str | None = None
    cycle: int | None = None
    sounds: tuple[Sound, ...] = ()
    startles: bool = False
    """A sudden sound (a strike, a played file) the track must not open on: the planner
    puts a moment of quiet before it when it would be the first thing heard."""


@dataclass(frozen=True)
class Fill:
    """A `pause: fill`: its length is a share of what `length:` leaves over."""

    kind: str
    """The kind of entry it becomes in the plan."""
    settle: Callable[[int], list[DraftEntry]] | None = None
    """For a fill made of whole units (a breathing pacer's cycles): given its share in
    samples, the entries it becomes, together at most that long. What they leave goes to
    the plain fills (or stays here as an entry of `kind` when there is none)."""


@dataclass
class Draft:
    """A section's entries and fills in order, while fills are still unknown."""

    title: str
    background: model.Background
    items: list[DraftEntry | Fill] = field(default_factory=list)

    def entry(
        self,
        kind: str,
        length: int,
        text: str | None = None,
        cycle: int | None = None,
        sounds: tuple[Sound, ...] = (),
        *,
        startles: bool = False,
    ) -> None:
        self.items.append(DraftEntry(kind, length, text, cycle, sounds, startles))

    def fill(self, kind: str, settle: Callable[[int], list[DraftEntry]] | None = None) -> None:
        self.items.append(Fill(kind, settle))
