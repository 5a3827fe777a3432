"""What the local and the cluster batch share about one row: the job that crosses to a
worker, and the first error of a failed row as the summary table shows it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from generator.core.errors import ScriptError
from generator.pipeline.rendering import RenderOptions


@dataclass(frozen=True)
class RowJob:
    """A validated row that needs rendering (picklable: it crosses to a worker)."""

    index: int
    script: str
    variables: dict[str, str]
    output: str
    options: RenderOptions
    key: str


def first_error(errors: Iterable[ScriptError]) -> str:
    """The first error, short enough for the summary table (the full lines go to stderr)."""
    first = next(iter(errors), None)
    if first is None:
        return "failed"
    pos = first.position
    where = f"{Path(pos.path).name}:{pos.line}:{pos.column}: " if pos and pos.line else ""
    return where + first.message
