"""The timeline of a loaded session, with the refusals only real lengths can make, and
the one section a preview renders."""

from __future__ import annotations

from generator.core import model
from generator.core.audio import to_samples
from generator.core.errors import Position, ScriptError, ScriptErrors, display_path
from generator.core.units import format_duration
from generator.kinds.steps import utterances as spoken
from generator.master.mastering import Progress
from generator.plan.lengths import BankLengths, EstimatedLengths
from generator.plan.sectionpick import pick_section
from generator.plan.timeline import Timeline, plan
from generator.script.limits import MAX_LENGTH_ENV, max_total_seconds
from generator.voice.bank import SpeechBank


def plan_timeline(
    session: model.Session,
    speech: SpeechBank,
    *,
    estimate: bool = False,
    progress: Progress | None = None,
) -> Timeline:
    """The session's timeline; speech is synthesized (and cached) unless `estimate`."""
    base = session.path.parent
    if estimate:
        return _within_limit(plan(session, EstimatedLengths(speech, base)))
    utterances = spoken(session)
    speech.prepare(utterances, (lambda d, t: progress("speech", d, t)) if progress else None)
    return _within_limit(plan(session, BankLengths(speech, base)))


def _within_limit(timeline: Timeline) -> Timeline:
    """The planned track, refused before rendering when it is empty or longer than the limit.

    The loader already refuses what its lower bounds can see (pauses, breathing, a
    fastest-possible pace of speech); this catches what only the real lengths show."""
    limit = max_total_seconds()
    if timeline.length > to_samples(limit, timeline.rate):
        raise ScriptErrors([ScriptError(
            f"the planned track lasts {format_duration(timeline.seconds)}; a track may last at most "
            f"{format_duration(float(limit))} (set {MAX_LENGTH_ENV} to change it)",
            Position(display_path(timeline.session.path)),
        )])
    if timeline.length == 0:
        raise ScriptErrors([ScriptError(
            "the track would last 0s: every step is empty", Position(display_path(timeline.session.path))
        )])
    return timeline


def section_title(session: model.Session, wanted: str) -> str:
    """The title of the section `wanted` names (a title in any case, or a number from 1);
    InputError listing the sections otherwise."""
    return pick_section([s.title for s in session.sections], wanted)


def select_section(timeline: Timeline, wanted: str) -> Timeline:
    """One section of the timeline alone (for previews), by title (case ignored) or
    number from 1 (see :mod:`generator.plan.sectionpick`)."""
    return timeline.only_section(pick_section([s.title for s in timeline.sections], wanted))
