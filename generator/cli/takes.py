"""The `takes` and `record` commands: narrating a script in one's own voice.

They register themselves on the `meditate` group of :mod:`generator.cli` (which imports
this module), and are as thin as the other commands: the work is in :mod:`generator.takes`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import click

from generator.cli._options import parse_sets, reports_errors


def takes_options(command: Callable) -> Callable:
    """The options `takes` and `record` share."""
    command = click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Set a script variable (repeatable).")(command)
    return click.option("--folder", type=click.Path(path_type=Path), help="Folder of recordings (default: the script's takes folder).")(command)


@click.command()
@click.argument("script", type=click.Path(path_type=Path))
@takes_options
@click.option("--roster", type=click.Path(path_type=Path), help="CSV of clients: lines with their names get their own rows.")
@reports_errors
def takes(script, folder, sets, roster):
    """Write or update the recording sheet DIR/takes.csv (file,text; one row per line,
    existing rows kept as they are) for narrating SCRIPT yourself; print what is missing.

    \b
    Example:
      meditate takes evening.yaml --folder takes --roster clients.csv
    """
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.takes.lines import update_sheet

    click.echo("\n".join(update_sheet(script, folder, parse_sets(sets), roster).report()))


@click.command()
@click.argument("script", type=click.Path(path_type=Path))
@takes_options
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@reports_errors
def record(script, folder, sets, port):
    """Record SCRIPT's lines in your own voice on a local page (http://127.0.0.1:PORT/):
    each line with record, play back and re-take, saved as the sheet names it. Ctrl-C stops.

    \b
    Example:
      meditate record evening.yaml --folder takes
    """
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.takes.lines import update_sheet
    from generator.takes.recorder import Recording, RecordingServer

    update = update_sheet(script, folder, parse_sets(sets))
    server = RecordingServer(Recording(update.title, update.sheet, update.lines), port)
    click.echo("\n".join([*update.report(), f"recording page: {server.url} (open it in Chromium or Firefox; Ctrl-C to stop)"]))
    try:
        server.thread.join()
    except KeyboardInterrupt:
        click.echo("stopped; the takes are saved")
    finally:
        server.close()
