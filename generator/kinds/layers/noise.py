"""`noise: white | pink | brown`: a seeded noise colour."""

from __future__ import annotations

import zlib

from yaml.nodes import Node

from generator.core import model
from generator.kinds.layers._kind import BedContext, LayerKind, LayerLoadContext, Line, Span
from generator.core.suggest import did_you_mean
from generator.sources.noise import NoiseSource

COLORS = ("white", "pink", "brown")


def parse(ctx: LayerLoadContext, node: Node) -> model.Noise | None:
    color = ctx.read.text(node, "noise")
    if color is not None and color not in COLORS:
        ctx.read.error(node, f"unknown noise '{color}'{did_you_mean(color, COLORS)}; choose white, pink or brown")
        return None
    return None if color is None else model.Noise(color)


def make(spec: model.Noise, bed: BedContext, span: int, occurrence: int):
    """Same colour and occurrence -> same seed, so it carries on across boundaries."""

    seed = zlib.crc32(f"{bed.seed}/{spec.color}/{occurrence}".encode())
    return bed.shared(("noise", seed), lambda: NoiseSource(spec.color, seed, bed.rate))


def describe(spec: model.Noise, span: Span, line: Line):
    return f"{spec.color} noise", None


KIND = LayerKind("noise", model.Noise, parse, make, describe, "Noise", "#b8ab98")
