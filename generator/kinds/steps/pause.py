"""`pause`: silence in the voice while the background goes on; `fill` takes a share of `length`."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Callable

from yaml.nodes import Node, ScalarNode

from generator.script import limits
from generator.core import model
from generator.core.audio import to_samples
from generator.core.errors import ScriptError
from generator.kinds.placing import SILENCE, Draft, SoundLengths
from generator.kinds.steps._kind import EntryStyle, LoadContext, StepKind
from generator.script.yamlnodes import shorten
from generator.core.units import parse_duration

def parse(ctx: LoadContext, node: Node, voice: model.Voice, key: Node) -> model.Pause | None:

    r = ctx.read
    if isinstance(node, ScalarNode) and node.value == "fill":
        if not r.visit(node):
            return None
        ctx.note_fill(node)
        return model.Pause(None, r.pos(key))
    seconds = r.convert(node, "pause", parse_duration)
    if seconds is None:
        return None
    limit = limits.max_total_seconds()
    if seconds > limit:
        r.error(node, f"pause must be at most {limits.written_limit(limit)}, got '{shorten(str(node.value))}'")
        return None
    return model.Pause(seconds, r.pos(key))


def least_seconds(step: model.Pause, probed: Callable[[Path], Fraction]) -> tuple[Fraction, Fraction]:
    return Fraction(0), step.seconds or Fraction(0)


def draft(step: model.Pause, lengths: SoundLengths, rate: int, draft: Draft, errors: list[ScriptError]) -> None:
    if step.fill:
        draft.fill(KIND.name)
    else:
        draft.entry(SILENCE, to_samples(step.seconds, rate))


KIND = StepKind(
    "pause",
    parse,
    model.Pause,
    draft,
    least_seconds=least_seconds,
    entries=(EntryStyle("pause", "pause", "#e6e1d8", "Voice", "line"),),
)
