"""A render's preparation: every refusal a render can make, before any synthesis.

The section a preview asks for, a binaural layer in a mono render, the format, the
output path and what it would overwrite are all settled here, on the loaded script, so
a mistake costs the user nothing but the time to load it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from generator.core import model
from generator.core.errors import InputError, ScriptError, ScriptErrors
from generator.output.formats import DEFAULT_FORMAT, OutputFormat, output_format
from generator.output.sidecars import sidecar_paths
from generator.output.targets import refuse_unsafe
from generator.pipeline.options import RenderOptions
from generator.pipeline.planning import section_title


@dataclass(frozen=True)
class Prepared:
    """A render that may go ahead: the session, where it goes and in what form."""

    session: model.Session
    options: RenderOptions
    output: Path
    format: OutputFormat
    section: str | None
    """The title of the section a preview renders (None: the whole track)."""


def prepare(session: model.Session, options: RenderOptions) -> Prepared:
    """Every refusal before any synthesis: the section, mono, the format, the output path,
    and a file the script reads (or the track's own sidecar) that the output would replace."""
    script = session.path
    section = section_title(session, options.section) if options.section else None
    if options.mono:
        _refuse_binaural_in_mono(session)
    fmt = chosen_format(options.output or Path(script.stem + ".mp3"), options.format)
    output = _output_path(script, options.output, fmt)
    _refuse_overwriting_inputs(script, output, options.sidecars, session.inputs)
    return Prepared(session, options, output, fmt, section)


def chosen_format(path: Path, requested: str | None) -> OutputFormat:
    """The format asked for, else the one the output's suffix names, else the default."""
    return output_format(requested or path.suffix.lstrip(".") or DEFAULT_FORMAT)


def _output_path(script: Path, requested: Path | None, fmt: OutputFormat) -> Path:
    """Where the track goes: `-o` (a file, or a folder to put `<script>.<suffix>` in), else here."""
    output = requested or Path(f"{script.stem}{fmt.suffix}")
    if output.is_dir():
        output = output / f"{script.stem}{fmt.suffix}"
    if not output.parent.is_dir():
        raise InputError(f"{output.parent}: the output folder does not exist")
    return output


def binaural_layers(session: model.Session) -> list[model.Layer]:
    """Every binaural layer of the session and its sections (they need two channels)."""
    backgrounds = [session.background] + [s.background for s in session.sections if s.background]
    return [layer for bg in backgrounds for layer in bg.layers if isinstance(layer.source, model.Binaural)]


def _refuse_overwriting_inputs(script: Path, output: Path, sidecars: bool, inputs: Sequence[Path] = ()) -> None:
    """An output path that would replace a file the script reads (the script, an include,
    a sound, the cover) or something that is not a regular file, or a track its own
    sidecar would replace (see generator.output.targets)."""
    targets = [output, *(sidecar_paths(output) if sidecars else ())]
    refuse_unsafe(targets, [script, *inputs], main=script)
    real = os.path.realpath  # unlike Path.resolve, never raises on a symbolic link loop
    if sidecars and real(output) in {real(p) for p in sidecar_paths(output)}:
        raise InputError(f"{output}: a track named .json or .vtt would be replaced by its own sidecar; use --no-sidecars or another name")


def _refuse_binaural_in_mono(session: model.Session) -> None:
    errors = [
        ScriptError("binaural beats need two channels; remove this layer or render without --mono", layer.position)
        for layer in binaural_layers(session)
    ]
    if errors:
        raise ScriptErrors(errors)
