"""`include`: the `steps:` of another YAML file, relative to the script (expanded by the loader)."""

from __future__ import annotations

from yaml.nodes import Node

from generator.core import model
from generator.kinds.steps._kind import LoadContext, StepKind


def parse(ctx: LoadContext, node: Node, voice: model.Voice, key: Node) -> list[model.Step]:
    return ctx.include(node, voice, KIND.name)


KIND = StepKind("include", parse)
