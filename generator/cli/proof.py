"""`meditate proof` (and what `batch --proof` prints).

The work is in generator.proof; this parses options, prints the report, and turns the
outcome into the exit code (0 nothing flagged, 1 something worth a listen, 2 bad input).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from generator.cli._options import parse_sets, reports_errors

MODEL_HELP = "Speech-recognition model: a Whisper name (tiny.en, base.en ...; downloaded once when online) or a CTranslate2 model folder (env MEDITATE_PROOF_MODEL; default tiny.en)."


@click.command()
@click.argument("track", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--script", type=click.Path(dir_okay=False, path_type=Path), help="Plan this script for the sentences, voice and pronunciations, instead of reading TRACK's .json timeline.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="With --script: set a script variable, as the track was rendered (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print every sentence's result as JSON.")
@click.option("--model", "model_name", metavar="NAME|DIR", envvar="MEDITATE_PROOF_MODEL", help=MODEL_HELP)
@click.option("--cache-dir", type=click.Path(path_type=Path), envvar="MEDITATE_CACHE_DIR", help="Speech cache folder used with --script (env MEDITATE_CACHE_DIR).")
@reports_errors
def proof(track, script, sets, as_json, model_name, cache_dir):
    """Listen to TRACK and list the sentences that did not come out as written.

    Each sentence of the track's timeline is transcribed offline and compared with the
    script by sound, so homophones and names spelled another way pass. Exit 0 when
    nothing is flagged, 1 when a sentence is worth a listen, 2 for bad input.

    \b
    Examples:
      meditate proof out/ana-evening.mp3
      meditate proof evening.mp3 --script evening.yaml --set name=Ana --json
    """
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.proof import proof_track
    from generator.proof.report import json_report, text_report

    if sets and script is None:
        raise click.UsageError("--set needs --script (the sidecar timeline already holds the values)")
    bar = _Bar(track)
    try:
        result = proof_track(
            track, script=script, variables=parse_sets(sets), model_name=model_name, cache_dir=cache_dir, progress=bar
        )
    finally:
        bar.close()
    if as_json:
        click.echo(json.dumps(json_report([(None, result)]), indent=2, ensure_ascii=False))
    else:
        click.echo(text_report([(None, result)]), nl=False)
    if result.flagged:
        sys.exit(1)


class _Bar:
    """A progress bar over the sentences on a terminal, silence otherwise."""

    def __init__(self, track: Path):
        self.label = f"Listening to {track.name}"
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def proof_batch(script: Path, results: list, out_dir: Path, options, model_name: str | None) -> bool:
    """`batch --proof`: hear every track, write the report; True when a sentence is worth a listen."""
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.proof.batchproof import proof_results

    def heard(label, result) -> None:
        click.echo(f"proofed {label}: {len(result.flagged)} of {len(result.sentences)} sentences worth a listen", err=True)

    report = proof_results(script, results, out_dir, options, model_name=model_name, on_row=heard)
    click.echo(f"proof: {report.flagged} sentences worth a listen; report in {report.text_path} (and .json)")
    return bool(report.flagged or report.failures)
