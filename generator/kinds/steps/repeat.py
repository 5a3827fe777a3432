"""`repeat`: the steps inside, N times (expanded by the loader; the planner never sees it)."""

from __future__ import annotations

from yaml.nodes import Node

from generator.core import model
from generator.kinds.steps._kind import LoadContext, StepKind

MAX_REPEAT = 1000


def parse(ctx: LoadContext, node: Node, voice: model.Voice, key: Node) -> list[model.Step]:
    r = ctx.read
    entries = r.mapping(node, "repeat", ("times", "steps"), required=("times", "steps"))
    if not entries or "times" not in entries or "steps" not in entries:
        return []
    times = r.integer(entries["times"][1], "times", 1, MAX_REPEAT)
    inner = ctx.nested_steps(entries["steps"][1], voice, key)
    if inner is None or times is None:
        return []
    if not ctx.count(ctx.weigh(inner) * (times - 1), entries["times"][1]):
        return []
    return inner * times


KIND = StepKind("repeat", parse, options=("times", "steps"))
