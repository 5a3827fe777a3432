"""`meditate say`: the command, registered on the `meditate` group when generator.cli imports it.

Kept beside cli.py (and using its error handling and cache options) so cli.py stays one
sitting long; the work is in generator.say.
"""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli._options import cache_options, reports_errors


@click.command()
@click.argument("text")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("say.wav"), show_default=True, help="Audio file to write (wav, flac, mp3 or ogg).")
@click.option("--phonemes", is_flag=True, help="Print the phonemes the voice will speak instead (one line, nothing synthesized).")
@click.option("--voice", "voice_name", metavar="NAME", help="A Piper voice (en_US-joe-medium, an installed one, a .onnx file) or a gtts accent (com, co.uk ...).")
@click.option("--speed", type=click.FloatRange(0.5, 2.0), help="Speaking speed, 0.5 to 2.0 (default 0.9).")
@click.option("--language", metavar="L", help="Language code for the gtts voice, e.g. en or de.")
@click.option("--script", type=click.Path(dir_okay=False, path_type=Path), help="Speak with this script's voice, pronunciations and room.")
@cache_options
@reports_errors
def say(text, output, phonemes, voice_name, speed, language, script, no_cache, cache_dir):
    """Speak one sentence, TEXT, at once: to hear a word, or check its pronunciation.

    \b
    Examples:
      meditate say "Rest your attention in the lower Dantian." -o dantian.wav
      meditate say "Qigong" --phonemes
      meditate say "Feel the Laogong point." --script scripts/relaxation.yaml
    """
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.say import say as say_text
    from generator.say import say_phonemes, say_voice

    voice, room = say_voice(script, voice_name, speed, language)
    if phonemes:
        click.echo(say_phonemes(text, voice))
        return
    path = say_text(text, output, voice, room, cache_dir=cache_dir, use_cache=not no_cache)
    click.echo(f"wrote {path}")
