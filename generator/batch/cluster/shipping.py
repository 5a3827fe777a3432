"""What a row's render reads, and those paths moved into a worker's own folder.

The client loads each row (script, includes, variables substituted, takes resolved) and
sends the loaded :class:`~generator.core.model.Session`, not the script: the worker then
reads only the files the session names (cover, sound files, bells, takes, a voice given
by path or installed by name). Every such path is made absolute on the client and, on
the worker, put under the batch's folder there: ``/home/ana/sounds/rain.ogg`` becomes
``<worker tmp>/meditate-cluster-<batch>/home/ana/sounds/rain.ogg``. A file keeps its
name and its neighbours (a voice's ``.onnx.json`` beside its ``.onnx``, a takes folder's
sheet beside its recordings), so nothing that finds a file from another needs to know.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Callable, Iterable

from generator.core import model
from generator.kinds.steps import utterances as spoken
from generator.voice.voice_store import BUILTIN_VOICE, model_path

_FILE_VOICE_ENGINES = ("piper", "recorded")
"""Engines whose voice name may be a Piper model on disk (a recorded voice's is its fallback's)."""


def map_paths(value: Any, move: Callable[[Path], Path]) -> Any:
    """`value` (a model object, or tuples and dicts of them) with every Path moved, and
    every voice that names a model file by path renamed to the moved path."""
    if isinstance(value, Path):
        return move(value)
    if isinstance(value, model.Voice):
        moved = map_paths_fields(value, move)
        if value.engine in _FILE_VOICE_ENGINES and value.name.endswith(".onnx") and os.path.isabs(value.name):
            moved = dataclasses.replace(moved, name=str(move(Path(value.name))))
        return moved
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return map_paths_fields(value, move)
    if isinstance(value, tuple):
        return tuple(map_paths(v, move) for v in value)
    if isinstance(value, list):
        return [map_paths(v, move) for v in value]
    if isinstance(value, dict):
        return {k: map_paths(v, move) for k, v in value.items()}
    return value


def map_paths_fields(value: Any, move: Callable[[Path], Path]) -> Any:
    """A dataclass with each field passed through :func:`map_paths` (the same object when
    nothing moved, so shared voices stay shared)."""
    changes = {}
    for f in dataclasses.fields(value):
        if not f.init:
            continue
        old = getattr(value, f.name)
        new = map_paths(old, move)
        if new is not old and new != old:
            changes[f.name] = new
    return dataclasses.replace(value, **changes) if changes else value


def voice_model(voice: model.Voice) -> Path | None:
    """The Piper model file a voice speaks from, when it is not the bundled one (which
    every worker has with the package): a path, or a voice installed by name."""

    if voice.engine not in _FILE_VOICE_ENGINES or voice.name == BUILTIN_VOICE:
        return None
    path = model_path(voice.name)
    return path.absolute() if path.suffix == ".onnx" and path.is_file() else None


def for_shipping(value: Any) -> Any:
    """`value` as the client sends it: every path absolute, and every voice installed by
    name renamed to its model's path (a worker may not have it installed)."""

    def absolute(value: Any) -> Any:
        if isinstance(value, model.Voice):
            path = voice_model(value)
            value = dataclasses.replace(value, name=str(path)) if path is not None else value
        return value

    moved = map_paths(value, lambda p: Path(os.path.abspath(p)))
    return _each_voice(moved, absolute)


def _each_voice(value: Any, change: Callable[[model.Voice], model.Voice]) -> Any:
    """`value` with `change` applied to every Voice inside it."""
    if isinstance(value, model.Voice):
        return change(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if f.init:
                old = getattr(value, f.name)
                new = _each_voice(old, change)
                if new is not old:
                    changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    if isinstance(value, (tuple, list)):
        items = type(value)(_each_voice(v, change) for v in value)
        return value if all(a is b for a, b in zip(items, value)) else items
    return value


def files_read(session: model.Session) -> list[Path]:
    """Every file a render of `session` reads that is not part of the package: the loader's
    inputs (script, includes, cover, sound files, bells, takes) and the voice models with
    their configs. Absolute, in a stable order, each once."""
    paths = [Path(os.path.abspath(p)) for p in session.inputs]
    paths += voice_files(spoken(session))
    return list(dict.fromkeys(paths))


def voice_files(utterances: Iterable[model.Utterance]) -> list[Path]:
    """The model and config of every Piper voice on disk the utterances speak with; the
    takes of every recorded voice."""
    out: list[Path] = []
    for voice in dict.fromkeys(u.voice for u in utterances):
        path = voice_model(voice)
        if path is not None:
            out += [path, Path(f"{path}.json")]
        if voice.engine == "recorded" and voice.takes is not None:
            out += sorted(Path(os.path.abspath(p)) for p in voice.takes.rglob("*") if p.is_file())
    return out


def under(root: Path) -> Callable[[Path], Path]:
    """The move that puts an absolute path under `root` (the batch's folder on a worker)."""

    def move(path: Path) -> Path:
        return root / path.relative_to(path.anchor) if path.is_absolute() else path

    return move
