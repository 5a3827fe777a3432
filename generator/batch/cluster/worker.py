"""What the workers run: the shared utterances, then one row at a time per process.

A task never reads the practitioner's folder: it gets the loaded session (paths made
absolute on the client), the bytes of every file it reads, and the speech the client
asked other tasks to synthesize once for all. The files are written under the batch's
own folder in the worker's temporary folder (:func:`batch_root`), the session's paths
are moved there, and the track is rendered into a folder of the row's own, whose files
travel back to the client as bytes; the client puts them in place.

Renders in one worker process run one after another (a lock), whatever the worker's
thread count: a render already keeps two cores busy, and the temporary-file bookkeeping
of :mod:`generator.output.leftovers` belongs to the process.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from generator import __version__
from generator.core import model
from generator.batch.cluster.shipping import map_paths, under
from generator.core.errors import MeditateError, ScriptErrors, ScriptWarning
from generator.pipeline.rendering import RenderOptions
from generator.batch.rows import first_error
from generator.pipeline.rendering import render_loaded
from generator.voice.bank import SpeechBank
from generator.voice.cache import SpeechCache
from generator.voice.cache import default_cache_dir

_RENDER_LOCK = threading.Lock()
_INSTALLED: set[tuple[str, str]] = set()
"""(cache folder, key) of shared speech this process has already put in its cache."""

Outcome = tuple[str, "float | None", str, "list[str]", float]
"""(status, seconds, message, details, elapsed): what batch records for a row."""


@dataclass(frozen=True)
class Environment:
    """What must match between client and worker for the row keys to tell the truth."""

    version: str
    fake_tts: str

    @staticmethod
    def here() -> Environment:
        return Environment(__version__, os.environ.get("MEDITATE_FAKE_TTS", ""))

    def describe(self) -> str:
        return self.version + (" with the fake voice (MEDITATE_FAKE_TTS)" if self.fake_tts else "")


@dataclass(frozen=True)
class RowTask:
    """One row as it travels: the session the client loaded, its options, its file name."""

    token: str
    session: model.Session
    options: RenderOptions
    name: str
    environment: Environment


def batch_root(token: str) -> Path:
    """The batch's folder on this worker (its files, and its speech under --no-cache)."""
    return Path(tempfile.gettempdir()) / f"meditate-cluster-{token}"


def materialize(root: Path, files: Mapping[str, bytes]) -> None:
    """Write each file (by its absolute path on the client) under `root`, once: an
    existing copy is complete, since each is written to a temporary name and renamed."""
    move = under(root)
    for original, data in files.items():
        target = move(Path(original))
        if target.is_file():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
        temp.write_bytes(data)
        os.replace(temp, target)


def speech_folder(token: str, use_cache: bool) -> Path:
    """The worker's own speech cache, or the batch's temporary one under --no-cache."""

    return default_cache_dir() if use_cache else batch_root(token) / "speech"


def speak_shared(
    token: str, utterances: list[model.Utterance], use_cache: bool, files: Mapping[str, bytes]
) -> dict[str, np.ndarray]:
    """Synthesize (or find in this worker's cache) utterances several rows speak; return
    their samples by cache key, for the row tasks to put in their own workers' caches.
    A failure returns what was made: each row then meets it again and fails alone."""

    root = batch_root(token)
    made: dict[str, np.ndarray] = {}
    with _RENDER_LOCK:
        materialize(root, files)
        bank = SpeechBank(speech_folder(token, use_cache))
        try:
            for utterance in map_paths(utterances, under(root)):
                try:
                    bank.length(utterance)
                    made[bank.key(utterance)] = bank.samples(utterance)
                except (MeditateError, OSError):
                    continue
        finally:
            bank.close()
    return made


def install_shared(cache_dir: Path, shared: list[Mapping[str, np.ndarray]]) -> None:
    """Put the shared speech in this worker's cache (once per process and key)."""

    cache = SpeechCache(cache_dir)
    for entries in shared:
        for key, samples in entries.items():
            if (str(cache_dir), key) in _INSTALLED:
                continue
            if cache.length(key) is None:
                cache.store(key, samples)
            _INSTALLED.add((str(cache_dir), key))


def render_row(task: RowTask, files: Mapping[str, bytes], shared: list[Mapping[str, np.ndarray]]) -> dict[str, Any]:
    """Render one row here; return its outcome and, when rendered, its files' bytes by
    name (the track's, then the sidecars'). Never raises for the row's own failure."""
    started = time.perf_counter()
    here = Environment.here()
    if task.environment != here:
        message = f"this worker runs meditate {here.describe()} but the client {task.environment.describe()}; install the same on both"
        return {"outcome": ("failed", None, message, [message], 0.0), "files": {}}
    root = batch_root(task.token)
    with _RENDER_LOCK:
        materialize(root, files)
        cache_dir = speech_folder(task.token, task.options.use_cache)
        install_shared(cache_dir, shared)
        out = Path(tempfile.mkdtemp(prefix="row-", dir=root))
        try:
            return _render_here(task, root, cache_dir, out / task.name, started)
        finally:
            shutil.rmtree(out, ignore_errors=True)


def _render_here(task: RowTask, root: Path, cache_dir: Path, output: Path, started: float) -> dict[str, Any]:
    """The render itself, its failures turned into the row's outcome (paths shown as the client's)."""

    session = map_paths(task.session, under(root))
    options = dataclasses.replace(task.options, output=output, cache_dir=cache_dir, use_cache=True, progress=None)
    shown = lambda text: text.replace(str(root), "")  # noqa: E731 - a moved path reads as the client's
    try:
        with warnings.catch_warnings():  # the script's advice was shown once, on the client
            warnings.simplefilter("ignore", ScriptWarning)
            result = render_loaded(session, options)
    except ScriptErrors as exc:
        details = [shown(str(e)) for e in exc.errors]
        return {"outcome": ("failed", None, shown(first_error(exc.errors)), details, time.perf_counter() - started), "files": {}}
    except MeditateError as exc:
        return {"outcome": ("failed", None, shown(str(exc)), [shown(str(exc))], time.perf_counter() - started), "files": {}}
    except Exception as exc:  # a bug: reported on this row, the others go on
        message = shown(f"internal error: {type(exc).__name__}: {exc}")
        return {"outcome": ("failed", None, message, [message], time.perf_counter() - started), "files": {}}
    elapsed = time.perf_counter() - started
    files = {p.name: p.read_bytes() for p in [result.path, *result.sidecars]}
    note = f"{result.synthesized} new utterance{'s' if result.synthesized != 1 else ''}, {elapsed:.1f} s"
    return {"outcome": ("rendered", result.timeline.seconds, note, [], elapsed), "files": files}


def file_bytes(data: bytes) -> bytes:
    """A file's content as a task's result (see generator.batch.cluster.runner._send_files)."""
    return data


def cleanup(token: str) -> None:
    """Remove the batch's folder on this worker (run on every worker at the end)."""
    shutil.rmtree(batch_root(token), ignore_errors=True)
