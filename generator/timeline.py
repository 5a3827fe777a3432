"""Pure planning: a session and the lengths of its sounds become a placed timeline.

Everything here is integer sample arithmetic, so a pause written as 10 s is exactly
441,000 samples wherever it falls, and `pause: fill` makes the total exactly `length`.
Nothing here renders audio: the mixer turns the placements into sound.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import NamedTuple, Protocol, Union

from generator import model
from generator.audio import SAMPLE_RATE, to_samples, to_seconds
from generator.errors import ScriptError, ScriptErrors
from generator.units import format_duration


class BellLength(NamedTuple):
    """A bell's two lengths in samples: it sounds for `ring`, its step lasts `hold`."""

    ring: int
    hold: int


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
    """One strike of a bell; `index` counts the session's strikes of that bell from 0, so
    each strike can sound a little different (and the same in every render)."""

    bell: model.Bell
    index: int


Sound = Union[model.Utterance, BellStrike, model.Play, BreathCue]

LEAD_IN = Fraction(2)
"""Seconds of bed (or room) before the first sound when a track would open on a bell or
a played file: a strike at 0.000 s startles; a moment of quiet first lets the listener
arrive. The lead-in is a `pause` entry at the start of the first section. A track that
opens with words or the breathing pacer starts on them as written (speech begins on its
own soft consonant and the pacer swells in)."""

LEAD_IN_KINDS = ("bell", "play")
"""The entry kinds a track never opens on."""


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
    sound: Sound
    gain_db: float = 0.0
    voice: bool = False

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class SectionPlan:
    """A section (one chapter of the track) with its entries and the background it uses."""

    title: str
    start: int
    end: int
    entries: tuple[Entry, ...]
    background: model.Background

    def to_json(self, rate: int = SAMPLE_RATE) -> dict:
        return {
            "title": self.title,
            "start": to_seconds(self.start, rate),
            "end": to_seconds(self.end, rate),
            "steps": [e.to_json(rate) for e in self.entries],
        }


@dataclass(frozen=True)
class Timeline:
    """The whole track: sections, foreground placements, total length in samples."""

    title: str
    length: int
    sections: tuple[SectionPlan, ...]
    placements: tuple[Placement, ...]
    session: model.Session
    rate: int = SAMPLE_RATE
    notes: tuple[str, ...] = field(default=())

    @property
    def seconds(self) -> float:
        return self.length / self.rate

    def entries(self) -> list[Entry]:
        return [e for s in self.sections for e in s.entries]

    def to_json(self) -> dict:
        """The contract's timeline JSON (times in seconds from the start of the track)."""
        return {
            "title": self.title,
            "duration": to_seconds(self.length, self.rate),
            "sections": [s.to_json(self.rate) for s in self.sections],
        }

    def only_section(self, title: str) -> "Timeline":
        """The timeline of one section alone, moved to start at zero (for previews)."""
        for section in self.sections:
            if section.title == title:
                break
        else:
            raise KeyError(title)
        shift = section.start
        entries = tuple(
            Entry(e.kind, e.start - shift, e.end - shift, e.text, e.cycle) for e in section.entries
        )
        moved = SectionPlan(section.title, 0, section.end - shift, entries, section.background)
        placements = tuple(
            Placement(p.start - shift, p.length, p.sound, p.gain_db, p.voice)
            for p in self.placements
            if section.start <= p.start < section.end
        )
        return Timeline(self.title, moved.end, (moved,), placements, self.session, self.rate, self.notes)


# --- planning ---------------------------------------------------------------------------


@dataclass
class _Draft:
    """Entries and placements of one section while fills are still unknown."""

    title: str
    background: model.Background
    items: list = field(default_factory=list)  # ("entry", kind, length, text, cycle, [placements rel]) | ("fill",)


def plan(session: model.Session, lengths: SoundLengths, rate: int = SAMPLE_RATE) -> Timeline:
    """Place every step of `session` on one timeline; raise ScriptErrors for what cannot fit."""
    errors: list[ScriptError] = []
    struck: dict[tuple, int] = {}
    drafts = [_draft_section(section, session, lengths, rate, errors, struck) for section in session.sections]
    _lead_in(drafts, rate)
    _ring_out(drafts)

    fixed = sum(item[2] for d in drafts for item in d.items if item[0] == "entry")
    fills = sum(1 for d in drafts for item in d.items if item[0] == "fill")
    fill_lengths = _share_fill(session, fixed, fills, rate, errors)
    if errors:
        raise ScriptErrors(errors)

    sections: list[SectionPlan] = []
    placements: list[Placement] = []
    cursor = 0
    fill_index = 0
    for draft in drafts:
        start = cursor
        entries: list[Entry] = []
        for item in draft.items:
            if item[0] == "fill":
                length = fill_lengths[fill_index]
                fill_index += 1
                if length > 0:
                    entries.append(Entry("pause", cursor, cursor + length))
                cursor += length
                continue
            _, kind, length, text, cycle, sounds = item
            entries.append(Entry(kind, cursor, cursor + length, text, cycle))
            for offset, sound_length, sound, gain, voice in sounds:
                placements.append(Placement(cursor + offset, sound_length, sound, gain, voice))
            cursor += length
        sections.append(SectionPlan(draft.title, start, cursor, tuple(entries), draft.background))

    placements = [
        replace(p, length=cursor - p.start) if isinstance(p.sound, BellStrike) and p.end > cursor else p
        for p in placements
    ]
    placements.sort(key=lambda p: p.start)
    return Timeline(session.title, cursor, tuple(sections), tuple(placements), session, rate)


def _lead_in(drafts: list[_Draft], rate: int) -> None:
    """A LEAD_IN pause in front of the first sound when the track would open on a strike."""
    for draft in drafts:
        for item in draft.items:
            if item[0] == "fill" or item[2] > 0:
                if item[0] == "entry" and item[1] in LEAD_IN_KINDS:
                    draft.items.insert(0, ("entry", "pause", to_samples(LEAD_IN, rate), None, None, []))
                return


def _ring_out(drafts: list[_Draft]) -> None:
    """A bell that ends the track lasts its whole ring, so the track does not cut it off."""
    for draft in reversed(drafts):
        if draft.items:
            last = draft.items[-1]
            if last[0] == "entry" and last[1] == "bell":
                ring = max(sound[1] for sound in last[5])
                draft.items[-1] = (*last[:2], max(last[2], ring), *last[3:])
            return


def _share_fill(session: model.Session, fixed: int, fills: int, rate: int, errors: list[ScriptError]) -> list[int]:
    """Split what is left of `length` equally over the fills, to the exact sample."""
    if session.length is None:
        return [0] * fills
    target = to_samples(session.length, rate)
    spare = target - fixed
    if spare < 0:
        errors.append(
            ScriptError(
                f"length {format_duration(float(session.length))} is shorter than the fixed content "
                f"({format_duration(fixed / rate)}) by {format_duration(-spare / rate)}",
                session.length_position,
            )
        )
        return [0] * fills
    if fills == 0:
        return []
    base, extra = divmod(spare, fills)
    return [base + (1 if i < extra else 0) for i in range(fills)]


def _draft_section(
    section: model.Section,
    session: model.Session,
    lengths: SoundLengths,
    rate: int,
    errors: list[ScriptError],
    struck: dict[tuple, int],
) -> _Draft:
    draft = _Draft(section.title, section.background or session.background)
    for step in section.steps:
        if isinstance(step, model.Say):
            _draft_say(step, lengths, rate, draft)
        elif isinstance(step, model.Pause):
            if step.fill:
                draft.items.append(("fill",))
            else:
                draft.items.append(("entry", "pause", to_samples(step.seconds, rate), None, None, []))
        elif isinstance(step, model.Bell):
            _draft_bell(step, lengths, rate, draft, struck)
        elif isinstance(step, model.Play):
            length = lengths.file(step)
            draft.items.append(("entry", "play", length, None, None, [(0, length, step, step.volume, False)]))
        elif isinstance(step, model.Breathe):
            _draft_breathe(step, lengths, rate, draft, errors)
    return draft


def _draft_say(step: model.Say, lengths: SoundLengths, rate: int, draft: _Draft) -> None:
    for part in step.parts:
        if isinstance(part, model.Gap):
            draft.items.append(("entry", "pause", to_samples(part.seconds, rate), None, None, []))
        else:
            length = lengths.speech(part)
            draft.items.append(("entry", "say", length, part.text, None, [(0, length, part, 0.0, True)]))


def _draft_bell(step: model.Bell, lengths: SoundLengths, rate: int, draft: _Draft, struck: dict[tuple, int]) -> None:
    """Each strike holds the timeline for the bell's hold (or `every`) and rings on
    under what follows; `struck` counts the session's strikes of each bell so far."""
    ring, hold = lengths.bell(step)
    every = to_samples(step.every, rate) if step.every is not None else hold
    key = (step.sound, step.path)
    for strike in range(step.strikes):
        last = strike == step.strikes - 1
        length = hold if last else every
        index = struck.get(key, 0)
        struck[key] = index + 1
        sound = BellStrike(step, index)
        draft.items.append(("entry", "bell", length, None, None, [(0, ring, sound, step.volume, False)]))


BREATH_TONE_DB = -10.0
"""The pacer's tone through an inhale or exhale, relative to the voice: at full swell its
RMS sits 10 dB under the voice's RMS (its loudest moments 10 to 13 LU under the voice's
loudest speech), a guide felt under the words, never competing with them. A `breathe`
step's `volume` moves it from here."""

HOLD_TONE_DB = -16.0
"""Through a hold the tone stays at the pitch the breath reached, 6 dB softer still: a
listener with closed eyes hears that the breath is held, not that the pacer stopped."""


def _draft_breathe(
    step: model.Breathe, lengths: SoundLengths, rate: int, draft: _Draft, errors: list[ScriptError]
) -> None:
    """Phases placed back to back on exact sample boundaries (no drift over many cycles).

    Each phase gets its voice cue (starting on the phase's first sample) and its tone
    (exactly as long as the phase). A voice cue that does not fit its phase is one error
    per cue word, naming the cue's length and the shortest phase it was given.
    """
    # Phase boundaries are computed from the running exact sum of seconds, so rounding
    # never accumulates: boundary k is round(sum of the first k phases * rate).
    elapsed = Fraction(0)
    cue_voice = step.cues in ("voice", "both")
    cue_tone = step.cues in ("tone", "both")
    too_long: dict[str, tuple[int, str, int, int]] = {}  # cue text -> (cue length, kind, shortest phase, count)
    for number, cycle in enumerate(step.cycles, start=1):
        for phase in cycle:
            start = to_samples(elapsed, rate)
            elapsed += phase.seconds
            length = to_samples(elapsed, rate) - start
            if length <= 0:
                continue
            kind = "hold" if phase.kind == "rest" else phase.kind
            sounds: list = []
            if cue_voice:
                cue = model.Utterance(step.word(phase.kind), step.voice)
                cue_length = lengths.speech(cue)
                if cue_length > length:
                    _, _, shortest, count = too_long.get(cue.text, (0, kind, length, 0))
                    too_long[cue.text] = (cue_length, kind, min(shortest, length), count + 1)
                sounds.append((0, min(cue_length, length), cue, 0.0, True))
            if cue_tone:
                gain = (BREATH_TONE_DB if kind in ("inhale", "exhale") else HOLD_TONE_DB) + step.volume
                sounds.append((0, length, BreathCue(phase.kind, length, number), gain, False))
            spoken = step.word(phase.kind) if cue_voice else None  # in the plan and the captions
            draft.items.append(("entry", kind, length, spoken, number, sounds))
    for text, (cue_length, kind, shortest, count) in too_long.items():
        more = f" ({count} phases are too short for it)" if count > 1 else ""
        errors.append(
            ScriptError(
                f"the voice cue '{text}' lasts {_seconds(cue_length, rate)}s, longer than its {kind} phase of "
                f"{_seconds(shortest, rate)}s{more}; lengthen the phase or choose a shorter word",
                step.position,
            )
        )


def _seconds(samples: int, rate: int) -> str:
    """Seconds for a message, to the hundredth, without trailing zeros (4s, 4.5s, 4.33s)."""
    return f"{samples / rate:.2f}".rstrip("0").rstrip(".")
