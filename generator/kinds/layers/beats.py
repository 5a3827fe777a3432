"""`binaural: {carrier, beat}` and `isochronic: {carrier, pulse}`: the two beat layers.

Binaural beats are a carrier a little apart in each ear (left carrier - beat/2, right
carrier + beat/2); isochronic beats are one carrier gated on and off `pulse` times a
second. Both take glides; the beat or pulse is at most 40 Hz, and a binaural beat less
than twice the carrier (both ears' tones stay audible).
"""

from __future__ import annotations

from yaml.nodes import Node

from generator.core import model
from generator.kinds.layers._kind import BedContext, LayerKind, LayerLoadContext, Line, Span, audible
from generator.core.units import parse_glide
from generator.sources.tones import BinauralSource
from generator.sources.tones import IsochronicSource


def _parse(kind: str, second: str, ctx: LayerLoadContext, node: Node):
    r = ctx.read
    entries = r.mapping(node, kind, ("carrier", second), required=("carrier", second))
    if entries is None or "carrier" not in entries or second not in entries:
        return None
    carrier = r.convert(entries["carrier"][1], f"{kind} carrier", parse_glide)
    rate = r.convert(entries[second][1], f"{kind} {second}", parse_glide)
    if carrier is None or rate is None:
        return None
    carrier = audible(r, carrier, entries["carrier"][1], f"{kind} carrier")
    if max(rate.start, rate.end) > 40:
        r.error(entries[second][1], f"{kind} {second} must be at most 40 Hz, got {rate}")
    if kind == "binaural":
        if max(rate.start, rate.end) / 2 >= min(carrier.start, carrier.end):
            r.error(entries[second][1], "binaural beat must be less than twice the carrier")
        return model.Binaural(carrier, rate)
    return model.Isochronic(carrier, rate)


def parse_binaural(ctx: LayerLoadContext, node: Node) -> model.Binaural | None:
    return _parse("binaural", "beat", ctx, node)


def parse_isochronic(ctx: LayerLoadContext, node: Node) -> model.Isochronic | None:
    return _parse("isochronic", "pulse", ctx, node)


def make_binaural(spec: model.Binaural, bed: BedContext, span: int, occurrence: int):

    return BinauralSource(spec.carrier, spec.beat, span, bed.rate)


def make_isochronic(spec: model.Isochronic, bed: BedContext, span: int, occurrence: int):

    return IsochronicSource(spec.carrier, spec.pulse, span, bed.rate)


def describe_binaural(spec: model.Binaural, span: Span, line: Line):
    return f"binaural {span(spec.carrier)} Hz beat {span(spec.beat)} Hz", line(spec.beat) or line(spec.carrier)


def describe_isochronic(spec: model.Isochronic, span: Span, line: Line):
    return f"isochronic {span(spec.carrier)} Hz pulse {span(spec.pulse)} Hz", line(spec.pulse) or line(spec.carrier)


BINAURAL = LayerKind(
    "binaural", model.Binaural, parse_binaural, make_binaural, describe_binaural, "Binaural", "#7b9cc4",
    steady=lambda spec: spec.carrier.constant and spec.beat.constant,
)
ISOCHRONIC = LayerKind(
    "isochronic", model.Isochronic, parse_isochronic, make_isochronic, describe_isochronic, "Isochronic", "#8fb0a0",
    steady=lambda spec: spec.carrier.constant and spec.pulse.constant,
)
