"""What `meditate batch` prints as rows finish: a line per rendered or failed row, and
on a cluster a progress bar over the roster's rows (a cluster batch may run for hours)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from generator.core.units import format_duration


@contextmanager
def row_reports(roster: Path, total: int, *, bar: bool) -> Iterator[Callable[[Any], None]]:
    """The `on_row` callback for render_batch; with `bar`, it also advances a progress
    bar on standard error (drawn only on a terminal; each line is printed over it)."""
    progress = click.progressbar(length=total, label="rows", file=sys.stderr) if bar else None
    if progress is not None and progress.is_hidden:
        progress = None  # not a terminal: the row lines say it all (click would print the label alone)
    above = "\r\x1b[K" if progress is not None else ""

    def finished(row: Any) -> None:
        if row.status == "failed":
            for line in row.details or [row.message]:
                click.echo(f"{above}{roster}:{row.row.line}: {row.output.name} failed: {line}", err=True)
        elif row.status == "rendered":
            click.echo(f"{above}rendered {row.output} ({format_duration(row.seconds or 0.0)})", err=True)
        if progress is not None:
            progress.update(1)

    if progress is None:
        yield finished
        return
    with progress:
        yield finished
