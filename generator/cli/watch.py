"""`meditate watch`: the command line of :mod:`generator.watch`.

It registers itself on the `meditate` group of :mod:`generator.cli` (which imports this
module) and reuses its options and error handling; like the other commands it only
parses options and calls the library.
"""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli._options import cache_options, parse_sets, reports_errors, script_options


@click.command()
@click.argument("script", type=click.Path(path_type=Path))
@click.option("--section", metavar="TITLE|N", help="Always re-render this section (default: the section being edited).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Preview file (default: <script name>-preview.mp3 here).")
@click.option("--check-only", is_flag=True, help="Only check on every save; render nothing.")
@script_options
@cache_options
@reports_errors
def watch(script, section, output, check_only, sets, engine, no_cache, cache_dir):
    """Check SCRIPT on every save and re-render the section being edited; Ctrl-C stops.

    Example: meditate watch scripts/breathing.yaml --section 3
    """
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.watch import script_watcher, watch_until_stopped

    watcher = script_watcher(script, parse_sets(sets), engine=engine, section=section, output=output,
                             render=not check_only, use_cache=not no_cache, cache_dir=cache_dir)
    watch_until_stopped(watcher, lambda line, to_stderr: click.echo(line, err=to_stderr))
