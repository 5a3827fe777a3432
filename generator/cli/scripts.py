"""`render`, `check` and `plan`: the commands that read one script."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from generator.cli._options import _Progress, _count, cache_options, parse_sets, reports_errors, script_options
from generator.core.errors import InputError
from generator.core.errors import ScriptErrors
from generator.core.units import format_duration
from generator.output import targets
from generator.output.formats import FORMATS


@click.command()
@click.argument("script", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output file (default: <script name>.mp3 here).")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), help="Output format (default: from -o, else mp3).")
@click.option("--section", metavar="TITLE|N", help="Render only this section, by title (any case) or number from 1 (a quick preview).")
@click.option("--loudness", type=click.FloatRange(-40, -5), metavar="LUFS", help="Integrated loudness target (default -16).")
@click.option("--bitrate", type=click.IntRange(32, 320), default=128, show_default=True, help="MP3 bitrate in kbps (CBR).")
@click.option("--vbr", type=click.IntRange(0, 9), metavar="0-9", help="MP3 variable bitrate quality instead of CBR (0 best).")
@click.option("--mono", is_flag=True, help="One channel (voice-only tracks; binaural layers are refused).")
@click.option("--no-sidecars", is_flag=True, help="Do not write the .json timeline and .vtt captions.")
@click.option("--variants", is_flag=True, help="Also write NAME.softer and NAME.voice: the bed 8 dB lower, and voice only (for publish).")
@script_options
@cache_options
@reports_errors
def render(script, output, fmt, section, loudness, bitrate, vbr, mono, no_sidecars, variants, sets, engine, no_cache, cache_dir):
    """Render SCRIPT to a finished track.

    \b
    Example:
      meditate render scripts/welcome.yaml -o welcome.mp3 --set name=Ana
    """
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.pipeline.rendering import RenderOptions
    from generator.pipeline.rendering import render as render_track

    progress = _Progress()
    try:
        result = render_track(
            script,
            RenderOptions(
                output=output,
                format=fmt,
                variables=parse_sets(sets),
                required_variables=tuple(parse_sets(sets)),
                engine=engine,
                section=section,
                use_cache=not no_cache,
                cache_dir=cache_dir,
                loudness=loudness,
                bitrate=bitrate,
                vbr_quality=vbr,
                mono=mono,
                sidecars=not no_sidecars,
                variants=variants,
                progress=progress,
            ),
        )
    finally:
        progress.close()
    click.echo(
        f"wrote {result.path} ({format_duration(result.timeline.seconds)}, "
        f"{_count(len(result.timeline.sections), 'section')}, {_count(result.synthesized, 'utterance')} synthesized)"
        f"\n{result.loudness_summary}"
    )


@click.command()
@click.argument("scripts", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--mono", is_flag=True, help="Check for a one-channel render: note layers that need stereo.")
@script_options
@reports_errors
def check(scripts, mono, sets, engine):
    """Validate SCRIPTS without synthesizing anything; print every problem found.

    \b
    Example:
      meditate check scripts/*.yaml
    """
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.load.loader import load_script
    from generator.master.layerlevel import close_layers
    from generator.pipeline.descriptions import description_warnings

    variables = parse_sets(sets)
    failed = False
    for script in scripts:
        try:
            session = load_script(script, variables, engine=engine, required=tuple(variables))
        except ScriptErrors as exc:
            failed = True
            for error in exc.errors:
                click.echo(str(error), err=True)
            continue
        steps = sum(len(s.steps) for s in session.sections)
        click.echo(f"{script}: ok ({_count(len(session.sections), 'section')}, {_count(steps, 'step')})")
        click.echo("".join(f"{w}\n" for w in description_warnings(session)), err=True, nl=False)  # lengths misstated
        click.echo("".join(f"{w}\n" for w in close_layers(session)), err=True, nl=False)  # a bed too near the voice
        if mono:
            # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
            from generator.pipeline.rendering import binaural_layers

            for layer in binaural_layers(session):
                click.echo(f"{layer.position}: note: binaural beats need stereo; render without --mono to keep this layer")
    if failed:
        sys.exit(2)


@click.command()
@click.argument("script", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON.")
@click.option("--estimate", is_flag=True, help="Estimate speech lengths instead of synthesizing.")
@click.option("--section", metavar="TITLE|N", help="Plan only this section, by title (any case) or number from 1.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), help="Draw the timeline as a web page in this file.")
@script_options
@cache_options
@reports_errors
def plan(script, as_json, estimate, section, html_file, sets, engine, no_cache, cache_dir):
    """Show SCRIPT's timeline: every section and step with its start and length.

    Speech lengths come from the speech cache when present, otherwise from synthesis
    (which fills the cache), or from a words-per-minute estimate with --estimate.

    \b
    Examples:
      meditate plan scripts/relaxation.yaml --estimate
      meditate plan scripts/relaxation.yaml --estimate --html relaxation.html
    """
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.load.loader import load_script
    from generator.pipeline.rendering import plan_timeline, section_title, select_section
    from generator.voice.bank import SpeechBank

    variables = parse_sets(sets)
    session = load_script(script, variables, engine=engine, required=tuple(variables))
    if section:
        section_title(session, section)  # a wrong --section is refused before any synthesis
    if html_file:  # never over a file the script reads, nor a FIFO: refused before any speech
        targets.refuse_unsafe([html_file], session.inputs, main=Path(script))
    speech = SpeechBank(cache_dir, use_cache=not no_cache)
    progress = _Progress()
    try:
        timeline = plan_timeline(session, speech, estimate=estimate, progress=progress)
    finally:
        progress.close()
        speech.close()
    if section:
        timeline = select_section(timeline, section)
    if html_file:
        # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
        from generator.planview.html import plan_html

        if not html_file.parent.is_dir():
            raise InputError(f"{html_file.parent}: the folder does not exist")
        # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
        from generator.core.atomic import write_atomic

        write_atomic(html_file, plan_html(timeline, estimated=estimate))
        click.echo(f"wrote {html_file} ({format_duration(timeline.seconds)}, {len(timeline.sections)} sections)")
        return
    if as_json:
        click.echo(json.dumps(timeline.to_json(), indent=2, ensure_ascii=False))
        return
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.planview.table import plan_table

    click.echo(plan_table(timeline, estimated=estimate))


