"""Where a Piper voice's split model is kept, and making it the first time a voice is used.

The two parts (:mod:`generator.voice.piper_split`) are made once per model file and kept
under `<cache>/piper-split/`, keyed by the model's content, so every later render loads
them directly. Making them runs in child processes: the cut holds the model's protobufs
(some 200 MB for a 63 MB voice) and its heavy imports, which the render never should. A
model that cannot be split is recorded, so it is not tried again; any other failure
leaves nothing usable, and the voice runs whole, as Piper runs it.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from generator.core.digest import file_digest
from generator.voice.cache import default_cache_dir
from generator.voice.piper_split import MANIFEST, SPLIT_VERSION

CHILD_TIMEOUT = 600
"""Seconds each child may take (a few for the built-in voice): a hang guard only."""

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class SplitModel:
    """A usable split: the two graph files, the decoder's windowed inputs (frames on the
    last axis; any other input goes whole), samples per frame and frames of context."""

    front: Path
    decoder: Path
    windowed: tuple[str, ...]
    hop: int
    context: int


def split_folder(model: Path, root: Path | None = None) -> Path:
    """Where `model`'s split lives: under the user's cache folder, by its content."""
    base = default_cache_dir() if root is None else root
    return base / "piper-split" / f"{file_digest(model)[:32]}-v{SPLIT_VERSION}"


def cached_split(folder: Path) -> SplitModel | None:
    """The split in `folder` when its manifest says it is usable and its files are there."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not manifest.get("usable"):
        return None
    try:
        split = SplitModel(
            front=folder / "front.onnx",
            decoder=folder / "decoder.onnx",
            windowed=tuple(str(name) for name in manifest["windowed"]),
            hop=int(manifest["hop"]),
            context=int(manifest["context"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    return split if split.front.is_file() and split.decoder.is_file() and split.windowed else None


def ensure_split(model: Path, root: Path | None = None) -> SplitModel | None:
    """`model`'s split, made first if it is not on disk yet; None when it cannot be made
    or used (the caller then runs the voice whole)."""
    folder = split_folder(model, root)
    if (folder / MANIFEST).is_file():
        return cached_split(folder)  # a model recorded as unusable is not cut again
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _LOG.debug("piper split: cache folder %s not writable (%s); the voice runs whole", folder, exc)
        return None
    for step in (["cut", str(model), str(folder)], ["check", str(folder)]):
        if not _child(step):
            return None
        if (folder / MANIFEST).is_file():
            break  # the cut found nothing to cut: recorded
    split = cached_split(folder)
    if split is None:
        _LOG.debug("piper split of %s is not usable; the voice runs whole", model)
    return split


def _child(args: list[str]) -> bool:
    """Run one step of the split in a child process; whether it succeeded."""
    package_root = str(Path(__file__).resolve().parents[2])  # so the child finds this package
    path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "generator.voice.piper_split", *args],
            env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True, timeout=CHILD_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        _LOG.debug("piper split: could not run the child (%s); the voice runs whole", exc)
        return False
    if done.returncode != 0:
        _LOG.debug("piper split %s failed; the voice runs whole:\n%s", args[0], done.stderr[-2000:])
        return False
    _LOG.debug("piper split %s: %s", args[0], done.stdout.strip())
    return True
