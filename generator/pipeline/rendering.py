"""The public library API: a script path in, a finished track out, atomically.

    from generator import render, RenderOptions
    result = render("scripts/welcome.yaml", RenderOptions(output=Path("welcome.mp3")))

A render is two steps: :func:`generator.pipeline.prepare.prepare` makes every refusal
(section, format, output path, overwrites) on the loaded script before anything is
synthesized, and :func:`generator.pipeline.produce.produce` plans, masters and writes.
This module strings them together and gathers the names callers use.
"""

from __future__ import annotations

import time
from pathlib import Path

from generator.core import model
from generator.load.loader import load_script
from generator.pipeline.options import RenderOptions, RenderResult
from generator.pipeline.planning import plan_timeline, section_title, select_section
from generator.pipeline.prepare import binaural_layers, chosen_format, prepare
from generator.pipeline.produce import produce

__all__ = [
    "RenderOptions",
    "RenderResult",
    "binaural_layers",
    "chosen_format",
    "plan_timeline",
    "render",
    "render_loaded",
    "section_title",
    "select_section",
]


def render(script: Path | str, options: RenderOptions | None = None) -> RenderResult:
    """Render one script to a finished, tagged track (and its sidecars)."""
    options = options or RenderOptions()
    started = time.perf_counter()
    session = load_script(Path(script), options.variables, engine=options.engine, required=options.required_variables)
    return produce(prepare(session, options), started=started)


def render_loaded(session: model.Session, options: RenderOptions, *, started: float | None = None) -> RenderResult:
    """Render a session already loaded (from `session.path`): a cluster worker is handed
    the session the client loaded, with its files' paths pointing at its own copies."""
    return produce(prepare(session, options), started=started)
