"""The step kinds: one table, one entry and one module per kind.

A step kind's entry (:class:`StepKind`) carries everything the program asks about that
kind: how it is parsed and validated from YAML (with every error at its place), how many
plan entries it becomes, a lower bound on its length (for the up-front length check),
how the planner drafts its entries and sounds, what it has synthesized, how the mixer
makes its sounds, and how `plan --html` labels and colours its entries. The loader,
planner, mixer, picture and command line iterate this table; none of them names a kind.

Adding a step kind: write `generator/steps/NAME.py` with its parser, drafter and sound
makers and a `KIND = StepKind("NAME", ...)`, add its model class to
:mod:`generator.core.model`, and list the module below.
"""

from __future__ import annotations

from generator.core import model
from generator.kinds.steps import bell, breathe, include, pause, play, repeat, say
from generator.kinds.steps._kind import EntryStyle, LoadContext, SoundContext, StepKind, StepTable

STEP_KINDS = StepTable(module.KIND for module in (say, pause, bell, breathe, play, repeat, include))
"""Every step kind by name, in the order the docs list them."""

__all__ = ["STEP_KINDS", "EntryStyle", "LoadContext", "SoundContext", "StepKind", "utterances"]


def utterances(session: model.Session) -> list[model.Utterance]:
    """Every distinct utterance the session speaks, in order of first appearance."""
    seen: dict[model.Utterance, None] = {}
    for section in session.sections:
        for step in section.steps:
            for utterance in STEP_KINDS.of(step).utterances(step):
                seen.setdefault(utterance, None)
    return list(seen)
