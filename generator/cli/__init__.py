"""The `meditate` command: a thin Click layer over the library.

Each command parses options, calls one library function, and turns the library's
errors into `file:line:col: error: ...` lines and exit codes (0 ok, 2 bad input,
1 anything else). It, `cli_say.py` (`say`), `cli_takes.py` (the own-voice commands),
`cli_watch.py` (`watch`) and `cli_sounds.py` (`sounds`) are the only modules that import click.
"""

from __future__ import annotations

import click

from generator import __version__
from generator.cli import batch, new, publish, say, scripts, sounds, takes, voices, watch

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="meditate")
def cli() -> None:
    """Turn YAML session scripts into finished guided-meditation audio.

    \b
    Start here:
      meditate new relaxation my-session.yaml
      meditate check my-session.yaml
      meditate render my-session.yaml
    """



for _command in (
    scripts.render, scripts.check, scripts.plan, watch.watch, voices.voices, say.say, sounds.sounds,
    new.new, batch.batch, takes.takes, takes.record, publish.publish,
):
    cli.add_command(_command)


def main() -> None:
    """Entry point of the `meditate` console script."""
    cli(prog_name="meditate")
