"""Pure planning: a session and the lengths of its sounds become a placed timeline.

Everything here is integer sample arithmetic, so a pause written as 10 s is exactly
441,000 samples wherever it falls, and `pause: fill` makes the total exactly `length`.
Nothing here renders audio: the mixer turns the placements into sound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol, Union

from generator import model
from generator.audio import SAMPLE_RATE, to_samples, to_seconds
from generator.errors import ScriptError, ScriptErrors
from generator.units import format_duration


class SoundLengths(Protocol):
    """What the planner needs to know about sounds before it can place them (in samples)."""

    def speech(self, utterance: model.Utterance) -> int: ...

    def bell(self, bell: model.Bell) -> int: ...

    def file(self, play: model.Play) -> int: ...


@dataclass(frozen=True)
class BreathCue:
    """The pacer's tone for one breathing phase, exactly as long as the phase."""

    kind: str
    samples: int
    cycle: int


Sound = Union[model.Utterance, model.Bell, model.Play, BreathCue]


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
    drafts = [_draft_section(section, session, lengths, rate, errors) for section in session.sections]

    fixed = sum(item[2] for d in drafts for item in d.items if item[0] == "entry")
    fills = sum(1 for d in drafts for item in d.items if item[0] == "fill")
    fill_lengths = _share_fill(session, fixed, fills, rate, errors)
    if not errors:
        fill_lengths = _settle_breath_fills(drafts, fill_lengths, lengths, rate, errors)
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

    placements.sort(key=lambda p: p.start)
    return Timeline(session.title, cursor, tuple(sections), tuple(placements), session, rate)


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


def _settle_breath_fills(
    drafts: list[_Draft], shares: list[int], lengths: SoundLengths, rate: int, errors: list[ScriptError]
) -> list[int]:
    """Turn each `breathe: {duration: fill}` into as many whole cycles as fit in its share.

    A breathing fill counts like a `pause: fill` when the spare time is shared. What its
    whole cycles leave over (less than one cycle) goes to the `pause: fill`s, shared
    equally, so the breathing ends on a full breath and the track still lasts exactly
    `length`; without a `pause: fill` it stays as a short silence after the breathing.
    Returns the lengths of the plain fills left in the drafts, in order.
    """
    from dataclasses import replace

    from generator.patterns import MAX_CYCLES, cycle_seconds

    slots = [(draft, i) for draft in drafts for i, item in enumerate(draft.items) if item[0] == "fill"]
    if not any(len(draft.items[i]) > 1 for draft, i in slots):
        return shares
    plain = [k for k, (draft, i) in enumerate(slots) if len(draft.items[i]) == 1]
    expanded: dict[int, list] = {}
    leftover = 0
    for k, (draft, i) in enumerate(slots):
        step = draft.items[i][1] if len(draft.items[i]) > 1 else None
        if step is None:
            continue
        cycle = cycle_seconds(step.cycles[0])
        count = int(Fraction(shares[k], rate) // cycle)
        if not 1 <= count <= MAX_CYCLES:
            errors.append(ScriptError(
                f"duration: fill gets {format_duration(shares[k] / rate)} here, "
                + ("less than one breathing cycle" if count < 1 else f"{count} breathing cycles; at most {MAX_CYCLES}"),
                step.position,
            ))
            continue
        temp = _Draft(draft.title, draft.background)
        _draft_breathe(replace(step, cycles=(step.cycles[0],) * count, fill=False), lengths, rate, temp, errors)
        rest = shares[k] - sum(item[2] for item in temp.items)
        if plain:
            leftover += rest
            rest = 0
        expanded[k] = temp.items + ([("entry", "pause", rest, None, None, [])] if rest > 0 else [])
    base, extra = divmod(leftover, len(plain)) if plain else (0, 0)
    out = [shares[k] + base + (1 if n < extra else 0) for n, k in enumerate(plain)]
    for k in sorted(expanded, reverse=True):  # from the end, so earlier indexes stay valid
        draft, i = slots[k]
        draft.items[i : i + 1] = expanded[k]
    return out


def _draft_section(
    section: model.Section, session: model.Session, lengths: SoundLengths, rate: int, errors: list[ScriptError]
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
            _draft_bell(step, lengths, rate, draft)
        elif isinstance(step, model.Play):
            length = lengths.file(step)
            draft.items.append(("entry", "play", length, None, None, [(0, length, step, step.volume, False)]))
        elif isinstance(step, model.Breathe) and step.fill:
            draft.items.append(("fill", step))
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


def _draft_bell(step: model.Bell, lengths: SoundLengths, rate: int, draft: _Draft) -> None:
    ring = lengths.bell(step)
    every = to_samples(step.every, rate) if step.every is not None else ring
    for strike in range(step.strikes):
        last = strike == step.strikes - 1
        length = ring if last else every
        draft.items.append(("entry", "bell", length, None, None, [(0, ring, step, step.volume, False)]))


BREATH_TONE_DB = -14.0
"""The pacer's tone through an inhale or exhale, relative to the voice: its RMS sits a few
dB under the voice's RMS and its peaks far under the voice's, so a spoken cue stays on top."""

HOLD_TONE_DB = -20.0
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
                gain = BREATH_TONE_DB if kind in ("inhale", "exhale") else HOLD_TONE_DB
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
