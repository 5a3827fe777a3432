"""`tone: HZ`: a sine drone, which may glide (`136.1 -> 128`)."""

from __future__ import annotations

from yaml.nodes import Node

from generator.core import model
from generator.kinds.layers._kind import BedContext, LayerKind, LayerLoadContext, Line, Span, audible
from generator.core.units import parse_glide
from generator.sources.tones import ToneSource


def parse(ctx: LayerLoadContext, node: Node) -> model.Tone | None:
    freq = ctx.read.convert(node, "tone", parse_glide)
    return None if freq is None else model.Tone(audible(ctx.read, freq, node, "tone"))


def make(spec: model.Tone, bed: BedContext, span: int, occurrence: int):

    return ToneSource(spec.frequency, span, bed.rate)


def describe(spec: model.Tone, span: Span, line: Line):
    return f"tone {span(spec.frequency)} Hz", line(spec.frequency)


KIND = LayerKind(
    "tone", model.Tone, parse, make, describe, "Tone", "#c5a3b5", steady=lambda spec: spec.frequency.constant
)
