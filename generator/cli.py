"""The `meditate` command: a thin Click layer over the library.

Each command parses options, calls one library function, and turns the library's
errors into `file:line:col: error: ...` lines and exit codes (0 ok, 2 bad input,
1 anything else). It, `cli_say.py` (`say`), `cli_takes.py` (the own-voice commands),
`cli_watch.py` (`watch`) and `cli_sounds.py` (`sounds`) are the only modules that import click.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
import warnings
from pathlib import Path
from typing import Callable

import click

from generator import __version__
from generator.errors import InputError, MeditateError, ScriptErrors, ScriptWarning, one_line
from generator.output import targets
from generator.output.formats import FORMATS
from generator.tts.engines import SYNTHETIC_ENGINES
from generator.units import format_duration


def reports_errors(command: Callable) -> Callable:
    """Turn library errors into clean messages and exit codes; never a traceback for them."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        _install_warning_format()
        previous = {sig: signal.signal(sig, _terminate) for sig in _STOP_SIGNALS} if _main_thread() else {}
        try:
            return command(*args, **kwargs)
        except ScriptErrors as exc:
            for error in exc.errors:
                click.echo(str(error), err=True)
            sys.exit(exc.exit_code)
        except MeditateError as exc:
            click.echo(f"error: {one_line(str(exc))}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted: no file was left half-written", err=True)
            sys.exit(130)
        except (SystemExit, click.exceptions.Exit, click.ClickException):
            raise
        except OSError as exc:  # a full disk, a folder without permission: the machine, not a bug
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"error: {where}{exc.strerror or exc}", err=True)
            sys.exit(1)
        except Exception as exc:  # a bug, not the user's mistake: one line unless debugging
            if os.environ.get("MEDITATE_DEBUG"):
                raise
            click.echo(f"error: internal error: {type(exc).__name__}: {exc} (set MEDITATE_DEBUG=1 for details)", err=True)
            sys.exit(1)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    return wrapper


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
"""A kill or a closed terminal unwinds like Ctrl-C, so temporary files are removed."""


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt


def _install_warning_format() -> None:
    def show(message, category, filename, lineno, file=None, line=None):
        click.echo(str(message) if issubclass(category, ScriptWarning) else f"warning: {message}", err=True)

    warnings.showwarning = show


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def parse_sets(values: tuple[str, ...]) -> dict[str, str]:
    """`--set NAME=VALUE` pairs, each value cleaned (generator.cleantext.set_value)."""
    from generator.cleantext import set_value

    out: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got '{one_line(value)}'", param_hint="--set")
        out[name.strip()] = set_value(name.strip(), text)
    return out


def script_options(command: Callable) -> Callable:
    """Options shared by every command that reads one script."""
    command = click.option("--engine", type=click.Choice(list(SYNTHETIC_ENGINES)), help="Use this speech engine for every voice.")(command)
    command = click.option(
        "--set", "sets", multiple=True, metavar="NAME=VALUE", help="Set a script variable (repeatable)."
    )(command)
    return command


def cache_options(command: Callable) -> Callable:
    command = click.option("--no-cache", is_flag=True, help="Synthesize everything afresh; keep nothing.")(command)
    command = click.option(
        "--cache-dir",
        type=click.Path(path_type=Path),  # an unusable folder turns the cache off, with a warning
        envvar="MEDITATE_CACHE_DIR",
        help="Speech cache folder (default: your user cache folder; env MEDITATE_CACHE_DIR).",
    )(command)
    return command


class _Progress:
    """A progress bar on a terminal, silence otherwise (logs, CI, pipes)."""

    LABELS = {"speech": "Synthesizing speech", "measure": "Measuring loudness", "render": "Rendering"}

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.bar = None
        self.stage = None
        self.last = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.last = 0
            self.bar = click.progressbar(length=total, label=self.LABELS.get(stage, stage), file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.last)
        self.last = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


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


@cli.command()
@click.argument("script", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output file (default: <script name>.mp3 here).")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), help="Output format (default: from -o, else mp3).")
@click.option("--section", metavar="TITLE|N", help="Render only this section, by title (any case) or number from 1 (a quick preview).")
@click.option("--loudness", type=click.FloatRange(-40, -5), metavar="LUFS", help="Integrated loudness target (default -16).")
@click.option("--bitrate", type=click.IntRange(32, 320), default=128, show_default=True, help="MP3 bitrate in kbps (CBR).")
@click.option("--vbr", type=click.IntRange(0, 9), metavar="0-9", help="MP3 variable bitrate quality instead of CBR (0 best).")
@click.option("--mono", is_flag=True, help="One channel (voice-only tracks; binaural layers are refused).")
@click.option("--no-sidecars", is_flag=True, help="Do not write the .json timeline and .vtt captions.")
@script_options
@cache_options
@reports_errors
def render(script, output, fmt, section, loudness, bitrate, vbr, mono, no_sidecars, sets, engine, no_cache, cache_dir):
    """Render SCRIPT to a finished track.

    \b
    Example:
      meditate render scripts/welcome.yaml -o welcome.mp3 --set name=Ana
    """
    from generator.render import RenderOptions
    from generator.render import render as render_track

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


@cli.command()
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
    from generator.layerlevel import close_layers
    from generator.loader import load_script

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
        click.echo("".join(f"{w}\n" for w in close_layers(session)), err=True, nl=False)  # a bed too near the voice
        if mono:
            from generator.render import binaural_layers

            for layer in binaural_layers(session):
                click.echo(f"{layer.position}: note: binaural beats need stereo; render without --mono to keep this layer")
    if failed:
        sys.exit(2)


@cli.command()
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
    from generator.loader import load_script
    from generator.render import plan_timeline, section_title, select_section
    from generator.tts import SpeechBank

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
        from generator.planhtml import plan_html

        if not html_file.parent.is_dir():
            raise InputError(f"{html_file.parent}: the folder does not exist")
        from generator.atomic import write_atomic

        write_atomic(html_file, plan_html(timeline, estimated=estimate))
        click.echo(f"wrote {html_file} ({format_duration(timeline.seconds)}, {len(timeline.sections)} sections)")
        return
    if as_json:
        click.echo(json.dumps(timeline.to_json(), indent=2, ensure_ascii=False))
        return
    from generator.plantable import plan_table

    click.echo(plan_table(timeline, estimated=estimate))


@cli.command()
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
    from generator.tts.voice_download import DEFAULT_BASE_URL

    base_url = base_url or DEFAULT_BASE_URL
    if get_name:
        _get_voice(get_name, base_url)
        return
    if language and not available:
        raise click.UsageError("--language filters --available; add --available")
    from generator.voices import available_voices, repository_voices

    for row in repository_voices(base_url, language) if available else available_voices():
        click.echo(row)


def _get_voice(name: str, base_url: str) -> None:
    from generator.tts.voice_download import get_voice
    from generator.voices import installed_report

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


@cli.command()
@click.argument("template", required=False)
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--list", "list_them", is_flag=True, help="List the templates with a line about each.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@reports_errors
def new(template, file, list_them, force):
    """Write a new script to FILE from the built-in TEMPLATE, ready to edit.

    \b
    Examples:
      meditate new --list
      meditate new relaxation evening.yaml
    """
    from generator.templates import TEMPLATES, write_template
    from generator.yamlnodes import did_you_mean

    if list_them:
        width = max(len(name) for name in TEMPLATES)
        for name, description in TEMPLATES.items():
            click.echo(f"{name:<{width}}  {description}")
        return
    if not template or not file:
        raise click.UsageError("give a TEMPLATE and a FILE (or --list to see the templates)")
    if template not in TEMPLATES:
        raise InputError(
            f"unknown template '{template}'{did_you_mean(template, TEMPLATES)}; "
            f"templates are: {', '.join(TEMPLATES)} (see meditate new --list)"
        )
    write_template(template, file, force=force)
    click.echo(f"wrote {file} from the '{template}' template; next: meditate check {file}")


@cli.command()
@click.argument("script", type=click.Path(path_type=Path))
@click.option("--roster", required=True, type=click.Path(path_type=Path), help="CSV file: one row per track, columns are variables.")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder for the tracks (created if missing).")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), help="Rows rendered at once (default: the number of cores).")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), help="Format of rows without a file name in the output column (default mp3).")
@click.option("--loudness", type=click.FloatRange(-40, -5), metavar="LUFS", help="Integrated loudness target (default -16).")
@click.option("--bitrate", type=click.IntRange(32, 320), default=128, show_default=True, help="MP3 bitrate in kbps (CBR).")
@click.option("--no-sidecars", is_flag=True, help="Do not write the .json timeline and .vtt captions.")
@click.option("--force", is_flag=True, help="Render every row, even those whose track is up to date.")
@script_options
@cache_options
@reports_errors
def batch(script, roster, out_dir, jobs, fmt, loudness, bitrate, no_sidecars, force, sets, engine, no_cache, cache_dir):
    """Render one personalised track of SCRIPT per row of a roster CSV.

    The CSV's first line names the columns: each column is a variable (like --set),
    and an 'output' column names the row's file (else: script name + the first
    column's value). Rows whose track is up to date are skipped. Exit 1 if a row failed.

    \b
    Example (clients.csv holds the lines "name,output" and "Ana,ana-evening.mp3"):
      meditate batch scripts/relaxation.yaml --roster clients.csv -o out -j 2
    """
    from generator.batch import render_batch, summary_table
    from generator.render import RenderOptions
    from generator.roster import read_roster

    table = read_roster(roster, script, fmt)
    options = RenderOptions(
        variables=parse_sets(sets), required_variables=tuple(parse_sets(sets)), engine=engine,
        use_cache=not no_cache, cache_dir=cache_dir, loudness=loudness, bitrate=bitrate, sidecars=not no_sidecars,
    )

    def finished(row) -> None:
        if row.status == "failed":
            for line in row.details or [row.message]:
                click.echo(f"{roster}:{row.row.line}: {row.output.name} failed: {line}", err=True)
        elif row.status == "rendered":
            click.echo(f"rendered {row.output} ({format_duration(row.seconds or 0.0)})", err=True)

    results = render_batch(
        script, table, out_dir, jobs=jobs, options=options, force=force, on_row=finished,
        on_warning=lambda message: click.echo(f"warning: {message}", err=True),
    )
    click.echo(summary_table(results), nl=False)
    if any(r.status == "failed" for r in results):
        sys.exit(1)


@cli.command()
@click.argument("tracks_dir", type=click.Path(path_type=Path))
@click.option("-o", "--output", "site_dir", required=True, type=click.Path(path_type=Path), help="Site folder to create or update.")
@click.option("--base-url", metavar="URL", help="Address the site will be served from (makes the feed's links absolute).")
@click.option("--title", help="Title of the page and feed (default: the tracks' album).")
@click.option("--author", help="Author shown on the page and in podcast apps (default: the tracks' artist).")
@click.option("--description", help="A sentence or two for the page header and the feed.")
@click.option("--token", is_flag=False, flag_value="", default=None, metavar="[TOKEN]",
              help="Put the site under a secret path segment; alone, reuse the site's or make one.")
@click.option("--copy", is_flag=True, help="Copy the audio into the site instead of hard-linking it.")
@reports_errors
def publish(tracks_dir, site_dir, base_url, title, author, description, token, copy):
    """Build a web player page and a private podcast feed for the tracks in TRACKS_DIR.

    Re-running updates the site in place: only changed files are copied, and each
    track keeps its identity in podcast apps. Give --token last (or as --token=VALUE).

    \b
    Example:
      meditate publish out/anna -o site --base-url https://example.org/anna --token
    """
    from generator.publish import publish as publish_site

    result = publish_site(
        tracks_dir,
        site_dir,
        base_url=base_url,
        title=title,
        author=author,
        description=description,
        token=True if token == "" else token,
        link=not copy,
    )
    click.echo(
        f"published {result.tracks} track{'s' if result.tracks != 1 else ''} to {result.root} "
        f"({len(result.written)} files written, {len(result.unchanged)} unchanged, {len(result.removed)} removed)"
    )
    click.echo(f"page: {result.page_url or result.page}")
    click.echo(f"feed: {result.feed_url or result.feed}")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)


def main() -> None:
    """Entry point of the `meditate` console script."""
    cli(prog_name="meditate")


# Commands in modules of their own register themselves on `cli` when imported (after it exists).
from generator import cli_say, cli_sounds, cli_takes, cli_watch  # noqa: E402,F401
