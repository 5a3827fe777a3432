"""Pure planning: a session and the lengths of its sounds become a placed timeline.

Everything here is integer sample arithmetic, so a pause written as 10 s is exactly
441,000 samples wherever it falls, and `pause: fill` makes the total exactly `length`.
Nothing here renders audio: the mixer turns the placements into sound.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import NamedTuple

from generator.core import model
from generator.core.audio import SAMPLE_RATE, to_samples, to_seconds
from generator.core.errors import ScriptError, ScriptErrors
from generator.kinds.placing import SILENCE, BellStrike, BreathCue, Draft, DraftEntry, Entry, Fill, Placement, SoundLengths
from generator.kinds.steps import STEP_KINDS
from generator.core.units import format_duration

__all__ = ["BreathCue", "Entry", "LEAD_IN", "Placement", "SectionPlan", "SoundLengths", "Timeline", "plan"]

LEAD_IN = Fraction(2)
"""Seconds of bed (or room) before the first sound when a track would open on a bell or
a played file: a strike at 0.000 s startles; a moment of quiet first lets the listener
arrive. The lead-in is a `pause` entry at the start of the first section. A track that
opens with words or the breathing pacer starts on them as written (speech begins on its
own soft consonant and the pacer swells in)."""

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


def plan(session: model.Session, lengths: SoundLengths, rate: int = SAMPLE_RATE) -> Timeline:
    """Place every step of `session` on one timeline; raise ScriptErrors for what cannot fit.

    Each step's kind drafts its own entries (:mod:`generator.kinds.steps`); this lays the
    drafts end to end and shares what `length:` leaves over among the fills.
    """
    errors: list[ScriptError] = []
    drafts = [_draft_section(section, session, lengths, rate, errors) for section in session.sections]
    _lead_in(drafts, rate)
    _ring_out(drafts)
    _number_strikes(drafts)
    fixed = sum(item.length for d in drafts for item in d.items if isinstance(item, DraftEntry))
    fills = sum(1 for d in drafts for item in d.items if not isinstance(item, DraftEntry))
    shares = _share_fill(session, fixed, fills, rate, errors)
    settled = _settle_fills(drafts, shares) if not errors else {}  # settling reports too (a fill too short for one unit)
    if errors:
        raise ScriptErrors(errors)

    sections: list[SectionPlan] = []
    placements: list[Placement] = []
    cursor = 0
    for d, draft in enumerate(drafts):
        start = cursor
        entries: list[Entry] = []
        for i, item in enumerate(draft.items):
            for laid in settled[FillAt(d, i)].entries if isinstance(item, Fill) else (item,):
                entries.append(Entry(laid.kind, cursor, cursor + laid.length, laid.text, laid.cycle))
                for sound in laid.sounds:
                    placements.append(Placement(cursor + sound.offset, sound.length, sound.sound, sound.gain_db, sound.voice))
                cursor += laid.length
        sections.append(SectionPlan(draft.title, start, cursor, tuple(entries), draft.background))

    placements = [_cut(p, cursor) for p in placements]
    placements.sort(key=lambda p: p.start)
    return Timeline(session.title, cursor, tuple(sections), tuple(placements), session, rate)


# --- bells ring on ---------------------------------------------------------------------


def _lead_in(drafts: list[Draft], rate: int) -> None:
    """A LEAD_IN pause in front of the first sound when the track would open on a strike."""
    for draft in drafts:
        for item in draft.items:
            if not isinstance(item, DraftEntry) or item.length > 0:
                if isinstance(item, DraftEntry) and item.startles:
                    draft.items.insert(0, DraftEntry(SILENCE, to_samples(LEAD_IN, rate)))
                return


def _ring_out(drafts: list[Draft]) -> None:
    """A bell that ends the track lasts its whole ring, so the track does not cut it off."""
    for draft in reversed(drafts):
        if draft.items:
            last = draft.items[-1]
            if isinstance(last, DraftEntry) and any(isinstance(s.sound, BellStrike) for s in last.sounds):
                draft.items[-1] = replace(last, length=max([last.length] + [s.length for s in last.sounds]))
            return


def _number_strikes(drafts: list[Draft]) -> None:
    """Number each bell's strikes over the session (0, 1, ...), so no two sound alike."""
    struck: dict[tuple, int] = {}
    for draft in drafts:
        for at, item in enumerate(draft.items):
            if not isinstance(item, DraftEntry) or not any(isinstance(s.sound, BellStrike) for s in item.sounds):
                continue
            sounds = []
            for sound in item.sounds:
                if isinstance(sound.sound, BellStrike):
                    key = (sound.sound.bell.sound, sound.sound.bell.path)
                    sound = replace(sound, sound=replace(sound.sound, index=struck.get(key, 0)))
                    struck[key] = sound.sound.index + 1
                sounds.append(sound)
            draft.items[at] = replace(item, sounds=tuple(sounds))


def _cut(placement: Placement, end: int) -> Placement:
    """A strike still ringing when the track ends, cut there (it fades out; see steps.bell)."""
    if not isinstance(placement.sound, BellStrike) or placement.end <= end:
        return placement
    length = end - placement.start
    return replace(placement, length=length, sound=replace(placement.sound, cut=length))


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


class FillAt(NamedTuple):
    """Where a fill stands in the drafts: its section's index and its index among the items."""

    section: int
    item: int


@dataclass(frozen=True)
class SettledFill:
    """A fill once the spare time is shared: the entries it is laid out as (none for a
    plain fill whose share is zero)."""

    entries: tuple[DraftEntry, ...]

    @property
    def length(self) -> int:
        return sum(entry.length for entry in self.entries)


def _settle_fills(drafts: list[Draft], shares: list[int]) -> dict[FillAt, SettledFill]:
    """What each fill becomes, keyed by where it stands, given its share of the spare time.

    A fill made of whole units (`breathe: {duration: fill}`) counts like a `pause: fill`
    when the spare time is shared. What its whole units leave over (less than one
    breathing cycle) goes to the plain fills, shared equally, so a breath is never cut
    off and the track still lasts exactly `length`; without a plain fill it stays as a
    short entry right after. The drafts are left as they are.
    """
    found = [
        (FillAt(d, i), item)
        for d, draft in enumerate(drafts)
        for i, item in enumerate(draft.items)
        if isinstance(item, Fill)
    ]
    slots = [(at, fill, share) for (at, fill), share in zip(found, shares, strict=True)]
    plain = [(at, fill, share) for at, fill, share in slots if fill.settle is None]
    settled: dict[FillAt, SettledFill] = {}
    leftover = 0
    for at, fill, share in slots:
        if fill.settle is None:
            continue
        entries = fill.settle(share)
        rest = share - sum(entry.length for entry in entries)
        if plain:
            leftover, rest = leftover + rest, 0
        settled[at] = SettledFill(tuple(entries) + ((DraftEntry(fill.kind, rest),) if rest > 0 else ()))
    base, extra = divmod(leftover, len(plain)) if plain else (0, 0)
    for n, (at, fill, share) in enumerate(plain):
        length = share + base + (1 if n < extra else 0)
        settled[at] = SettledFill((DraftEntry(fill.kind, length),) if length > 0 else ())
    return settled


def _draft_section(
    section: model.Section, session: model.Session, lengths: SoundLengths, rate: int, errors: list[ScriptError]
) -> Draft:
    draft = Draft(section.title, section.background or session.background)
    for step in section.steps:
        STEP_KINDS.of(step).draft(step, lengths, rate, draft, errors)
    return draft
