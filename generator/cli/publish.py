"""`meditate publish`: a web player page and a private podcast feed for a folder of tracks."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli._options import reports_errors


@click.command()
@click.argument("tracks_dir", type=click.Path(path_type=Path))
@click.option("-o", "--output", "site_dir", required=True, type=click.Path(path_type=Path), help="Site folder to create or update.")
@click.option("--base-url", metavar="URL", help="Address the site will be served from (makes the feed's links absolute).")
@click.option("--title", help="Title of the page and feed (default: the tracks' album).")
@click.option("--author", help="Author shown on the page and in podcast apps (default: the tracks' artist).")
@click.option("--description", help="A sentence or two for the page header and the feed.")
@click.option("--token", is_flag=False, flag_value="", default=None, metavar="[TOKEN]",
              help="Put the site under a secret path segment; alone, reuse the site's or make one.")
@click.option("--copy", is_flag=True, help="Copy the audio into the site instead of hard-linking it.")
@click.option("--plan", type=click.Path(path_type=Path), metavar="PLAN.yaml", help="A practice plan: today's practice on the page, plan.ics for a calendar.")
@reports_errors
def publish(tracks_dir, site_dir, base_url, title, author, description, token, copy, plan):
    """Build a web player page and a private podcast feed for the tracks in TRACKS_DIR.

    Re-running updates the site in place: only changed files are copied, and each
    track keeps its identity in podcast apps. Give --token last (or as --token=VALUE).

    \b
    Example:
      meditate publish out/anna -o site --base-url https://example.org/anna --token
    """
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
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
        plan=plan,
    )
    click.echo(
        f"published {result.tracks} track{'s' if result.tracks != 1 else ''} to {result.root} "
        f"({len(result.written)} files written, {len(result.unchanged)} unchanged, {len(result.removed)} removed)"
    )
    click.echo(f"page: {result.page_url or result.page}")
    click.echo(f"feed: {result.feed_url or result.feed}")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)


