"""`meditate new`: a new, commented script from a built-in template."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli._options import reports_errors
from generator.core.errors import InputError


@click.command()
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
    # lazy: a command loads only its own stages (the pipeline brings scipy, pedalboard, the voice)
    from generator.templates import TEMPLATES, write_template
    from generator.core.suggest import did_you_mean

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


