"""Pure planning: a session and the lengths of its sounds become a placed timeline.

Everything here is integer sample arithmetic, so a pause written as 10 s is exactly
441,000 samples wherever it falls, and `pause: fill` makes the total exactly `length`.
Nothing here renders audio: the mixer turns the placements into sound.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator import model
from generator.audio import SAMPLE_RATE, to_samples, to_seconds
from generator.errors import ScriptError, ScriptErrors
from generator.placing import BreathCue, Draft, DraftEntry, Entry, Fill, Placement, SoundLengths
from generator.steps import STEP_KINDS
from generator.units import format_duration

__all__ = ["BreathCue", "Entry", "Placement", "SectionPlan", "SoundLengths", "Timeline", "plan"]


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

    Each step's kind drafts its own entries (:mod:`generator.steps`); this lays the
    drafts end to end and shares what `length:` leaves over among the fills.
    """
    errors: list[ScriptError] = []
    drafts = [_draft_section(section, session, lengths, rate, errors) for section in session.sections]
    fixed = sum(item.length for d in drafts for item in d.items if isinstance(item, DraftEntry))
    fills = sum(1 for d in drafts for item in d.items if not isinstance(item, DraftEntry))
    shares = _share_fill(session, fixed, fills, rate, errors)
    fill_lengths = iter(_settle_fills(drafts, shares) if not errors else shares)
    if errors:
        raise ScriptErrors(errors)

    sections: list[SectionPlan] = []
    placements: list[Placement] = []
    cursor = 0
    for draft in drafts:
        start = cursor
        entries: list[Entry] = []
        for item in draft.items:
            if not isinstance(item, DraftEntry):
                length = next(fill_lengths)
                if length > 0:
                    entries.append(Entry(item.kind, cursor, cursor + length))
                cursor += length
                continue
            entries.append(Entry(item.kind, cursor, cursor + item.length, item.text, item.cycle))
            for sound in item.sounds:
                placements.append(Placement(cursor + sound.offset, sound.length, sound.sound, sound.gain_db, sound.voice))
            cursor += item.length
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


def _settle_fills(drafts: list[Draft], shares: list[int]) -> list[int]:
    """Turn each fill made of whole units (`breathe: {duration: fill}`) into its entries.

    Such a fill counts like a `pause: fill` when the spare time is shared. What its whole
    units leave over (less than one breathing cycle) goes to the plain fills, shared
    equally, so a breath is never cut off and the track still lasts exactly `length`;
    without a plain fill it stays as a short entry right after. Returns the lengths of
    the plain fills left in the drafts, in order.
    """
    slots = [(draft, i) for draft in drafts for i, item in enumerate(draft.items) if isinstance(item, Fill)]
    if not any(draft.items[i].settle for draft, i in slots):
        return shares
    plain = [k for k, (draft, i) in enumerate(slots) if draft.items[i].settle is None]
    settled: dict[int, list] = {}
    leftover = 0
    for k, (draft, i) in enumerate(slots):
        fill = draft.items[i]
        if fill.settle is None:
            continue
        entries = fill.settle(shares[k])
        rest = shares[k] - sum(entry.length for entry in entries)
        if plain:
            leftover, rest = leftover + rest, 0
        settled[k] = entries + ([DraftEntry(fill.kind, rest)] if rest > 0 else [])
    base, extra = divmod(leftover, len(plain)) if plain else (0, 0)
    out = [shares[k] + base + (1 if n < extra else 0) for n, k in enumerate(plain)]
    for k in sorted(settled, reverse=True):  # from the end, so earlier indexes stay valid
        draft, i = slots[k]
        draft.items[i : i + 1] = settled[k]
    return out


def _draft_section(
    section: model.Section, session: model.Session, lengths: SoundLengths, rate: int, errors: list[ScriptError]
) -> Draft:
    draft = Draft(section.title, section.background or session.background)
    for step in section.steps:
        STEP_KINDS.of(step).draft(step, lengths, rate, draft, errors)
    return draft
