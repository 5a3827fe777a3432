"""`meditate voices`: the engines and voices here, and `--get` to install a Piper voice."""

from __future__ import annotations

import sys

import click

from generator.cli._options import reports_errors


@click.command()
@click.option("--available", is_flag=True, help="List the voices the Piper voice repository offers (online).")
@click.option("--language", metavar="CODE", help="With --available: only this language (de) or variant (pt_BR).")
@click.option("--get", "get_name", metavar="NAME", help="Download and install this Piper voice (e.g. de_DE-thorsten-medium).")
@click.option("--from", "base_url", metavar="BASE_URL", help="A mirror of the Piper voice repository (same layout).")
@reports_errors
def voices(available, language, get_name, base_url):
    """List the voices here (language, quality, speakers, licence), or get more.

    Installed voices work offline: write `voice: {name: NAME}` in a script.

    \b
    Examples:
      meditate voices
      meditate voices --available --language de
      meditate voices --get de_DE-thorsten-medium
    """
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.voice.voice_download import DEFAULT_BASE_URL

    base_url = base_url or DEFAULT_BASE_URL
    if get_name:
        _get_voice(get_name, base_url)
        return
    if language and not available:
        raise click.UsageError("--language filters --available; add --available")
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.voice.listing import available_voices, repository_voices

    for row in repository_voices(base_url, language) if available else available_voices():
        click.echo(row)


def _get_voice(name: str, base_url: str) -> None:
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.voice.voice_download import get_voice
    from generator.voice.listing import installed_report

    bar = None
    if sys.stderr.isatty():
        bar = click.progressbar(length=1, label=f"Downloading {name}", file=sys.stderr)
        bar.__enter__()

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.length = total
            bar.update(done - bar.pos)

    try:
        result = get_voice(name, base_url, progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for line in installed_report(result):
        click.echo(line)


