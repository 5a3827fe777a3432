"""The `meditate` command: a thin Click layer over the library.

Each command parses options, calls one library function, and turns the library's
errors into `file:line:col: error: ...` lines and exit codes (0 ok, 2 bad input,
1 anything else). The command modules (`scripts`, `batch`, `publish`, `voices`, `new`,
`say`, `sounds`, `takes`, `watch`) define plain commands over `_options`; this module
makes the group and adds every command to it, so no command module imports the group.
This package is the only one that imports click.
"""

from __future__ import annotations

import click

from generator import __version__
from generator.core.console import make_streams_safe
from generator.cli import batch, new, proof, publish, say, scripts, sounds, takes, voices, watch


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
    make_streams_safe()


for _command in (
    scripts.render, scripts.check, scripts.plan, watch.watch, voices.voices, say.say, sounds.sounds,
    new.new, batch.batch, proof.proof, takes.takes, takes.record, publish.publish,
):
    cli.add_command(_command)


def main() -> None:
    """Entry point of the `meditate` console script."""
    cli(prog_name="meditate")
