"""`ambience: NAME`: a shipped soundscape (rain, stream, ocean, wind, night, fire, pad)."""

from __future__ import annotations

from yaml.nodes import Node

from generator.core import model
from generator.sources.assets import ambience_names, unknown_sound
from generator.kinds.layers._kind import BedContext, LayerKind, LayerLoadContext, Line, Span
from generator.sources.ambience import AmbienceSource, loop_for


def parse(ctx: LayerLoadContext, node: Node) -> model.Ambience | None:
    name = ctx.read.text(node, "ambience")
    if name is not None and name not in ambience_names():
        ctx.read.error(node, unknown_sound(name))
        return None
    return None if name is None else model.Ambience(name)


def make(spec: model.Ambience, bed: BedContext, span: int, occurrence: int):
    """One decoded loop per sound for the whole bed (and its measuring twin); each layer
    plays it from an offset of its own, so two layers of one sound are not in phase."""

    loop = bed.shared(("ambience", spec.name), lambda: loop_for(spec.name), across_threads=True)
    return AmbienceSource(spec.name, f"{bed.seed}/{occurrence}", loop)


def describe(spec: model.Ambience, span: Span, line: Line):
    return f"ambience {spec.name}", None


KIND = LayerKind("ambience", model.Ambience, parse, make, describe, "Ambience", "#8fb3c4")
