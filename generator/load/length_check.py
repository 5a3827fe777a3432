"""The up-front length check: a script whose shortest possible track passes the limit is
refused before anything is synthesized.

It asks each step kind for its lower bound (`StepKind.least_seconds`), so it lives above
the kinds' table; the limits themselves are constants in generator.script.limits.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Callable

from generator.core import model
from generator.core.units import format_duration
from generator.kinds.steps import STEP_KINDS
from generator.script import limits


def least_seconds(session: model.Session, probed: Callable[[Path], Fraction]) -> tuple[Fraction, Fraction]:
    """Lower bounds on how long the session lasts: (speech, everything else), in seconds.

    Speech is bounded by a pace no voice reaches (see generator.kinds.steps.say); pauses, gaps,
    strikes, breathing and played files by their written or probed lengths.
    """
    speech = fixed = Fraction(0)
    for section in session.sections:
        for step in section.steps:
            kind = STEP_KINDS.of(step)
            if kind.least_seconds is not None:
                spoken, other = kind.least_seconds(step, probed)
                speech += spoken
                fixed += other
    return speech, fixed


def check_length(session: model.Session, probed: Callable[[Path], Fraction], read, root) -> None:
    """Refuse, before any work, a script whose lower-bound length passes the limit
    (reported at the script's top through its NodeReader `read`)."""
    speech, fixed = least_seconds(session, probed)
    limit = limits.max_total_seconds()
    if speech + fixed > limit:
        read.error(
            root,
            f"the script lasts at least {format_duration(float(speech + fixed))} ({format_duration(float(fixed))} "
            f"of pauses, bells and breathing, at least {format_duration(float(speech))} of speech); "
            f"a track may last at most {limits.written_limit(limit)} (set {limits.MAX_LENGTH_ENV} to change it)",
        )
