"""`meditate batch`: one personalised track per roster row."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator.cli.proof import proof_batch

from generator.cli._options import cache_options, parse_sets, reports_errors, script_options
from generator.output.formats import FORMATS


@click.command()
@click.argument("script", type=click.Path(path_type=Path))
@click.option("--roster", required=True, type=click.Path(path_type=Path), help="CSV file: one row per track, columns are variables.")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder for the tracks (created if missing).")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), help="Rows rendered at once (default: the number of cores).")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), help="Format of rows without a file name in the output column (default mp3).")
@click.option("--loudness", type=click.FloatRange(-40, -5), metavar="LUFS", help="Integrated loudness target (default -16).")
@click.option("--bitrate", type=click.IntRange(32, 320), default=128, show_default=True, help="MP3 bitrate in kbps (CBR).")
@click.option("--no-sidecars", is_flag=True, help="Do not write the .json timeline and .vtt captions.")
@click.option("--force", is_flag=True, help="Render every row, even those whose track is up to date.")
@click.option("--proof", is_flag=True, help="Then hear every track and write DIR/proof-report.txt and .json (needs meditate[proof]).")
@click.option("--proof-model", metavar="NAME|DIR", envvar="MEDITATE_PROOF_MODEL", help="With --proof: the speech-recognition model (see meditate proof --help).")
@click.option("--cluster", metavar="ADDRESS", help="Render on a Dask cluster: a scheduler (tcp://host:8786), or local:N worker processes here.")
@script_options
@cache_options
@reports_errors
def batch(script, roster, out_dir, jobs, fmt, loudness, bitrate, no_sidecars, force, proof, proof_model, cluster, sets, engine, no_cache, cache_dir):
    """Render one personalised track of SCRIPT per row of a roster CSV.

    The CSV's first line names the columns: each column is a variable (like --set),
    and an 'output' column names the row's file (else: script name + the first
    column's value). Rows whose track is up to date are skipped. Exit 1 if a row failed.

    \b
    Example (clients.csv holds the lines "name,output" and "Ana,ana-evening.mp3"):
      meditate batch scripts/relaxation.yaml --roster clients.csv -o out -j 2
      meditate batch scripts/relaxation.yaml --roster clients.csv -o out --cluster tcp://scheduler:8786
    """
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.batch.run import render_batch, summary_table
    from generator.cli.batchrows import row_reports
    from generator.pipeline.rendering import RenderOptions
    from generator.script.roster import read_roster

    table = read_roster(roster, script, fmt)
    options = RenderOptions(
        variables=parse_sets(sets), required_variables=tuple(parse_sets(sets)), engine=engine,
        use_cache=not no_cache, cache_dir=cache_dir, loudness=loudness, bitrate=bitrate, sidecars=not no_sidecars,
    )

    with row_reports(roster, len(table.rows), bar=bool(cluster)) as finished:
        results = render_batch(
            script, table, out_dir, jobs=jobs, options=options, force=force, on_row=finished,
            on_warning=lambda message: click.echo(f"warning: {message}", err=True), client=cluster or None,
        )
    click.echo(summary_table(results), nl=False)
    if (proof and proof_batch(script, results, out_dir, options, proof_model)) or any(r.status == "failed" for r in results):
        sys.exit(1)


