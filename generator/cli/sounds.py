"""The `sounds` command: the built-in ambiences, music beds and bells.

It registers itself on the `meditate` group of :mod:`generator.cli` (which imports this
module); the listing itself is :func:`generator.sources.assets.sound_rows`.
"""

from __future__ import annotations

import click

from generator.cli._options import reports_errors


@click.command()
@reports_errors
def sounds():
    """List the built-in ambiences, music beds and bells, with their length and licence.

    \b
    Example:
      meditate sounds
    """
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.sources.assets import sound_rows

    click.echo("\n".join(sound_rows()))
