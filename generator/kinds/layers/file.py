"""`file: PATH`: a recording under the session, looped seamlessly."""

from __future__ import annotations

from yaml.nodes import Node

from generator.core import model
from generator.kinds.layers._kind import BedContext, LayerKind, LayerLoadContext, Line, Span
from generator.sources.files import FileLoopSource


def parse(ctx: LayerLoadContext, node: Node) -> model.FileLoop | None:
    path = ctx.audio_file(node, "layer")
    return None if path is None else model.FileLoop(path)


def make(spec: model.FileLoop, bed: BedContext, span: int, occurrence: int):
    """One decoded loop per file for the whole bed (and its measuring twin)."""

    path = spec.path if spec.path.is_absolute() else bed.base_dir / spec.path
    resolved = path.resolve()
    return bed.shared(("file", resolved), lambda: FileLoopSource(resolved), across_threads=True)


def describe(spec: model.FileLoop, span: Span, line: Line):
    return f"file {spec.path.name}", None


KIND = LayerKind("file", model.FileLoop, parse, make, describe, "Sound file", "#9db7a4")
