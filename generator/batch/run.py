"""One personalised track per roster row: `meditate batch SCRIPT --roster CLIENTS.csv -o DIR`.

    from generator.batch.run import render_batch
    from generator.script.roster import read_roster
    roster = read_roster(Path("clients.csv"), Path("scripts/relaxation.yaml"))
    results = render_batch(Path("scripts/relaxation.yaml"), roster, Path("out"), jobs=2)

The work happens in three steps, so a practitioner's mistake costs seconds, not an hour:

1. **Validate everything first.** The roster is read completely (UTF-8, a BOM is fine)
   and every row's script is loaded with that row's variables before anything is
   synthesized. A bad roster, or a script that fails for every row, stops the batch with
   every problem listed (exit 2). A row whose own values break the script fails alone.
2. **Share the speech.** Utterances that two or more rows speak (everything except the
   personal sentences, usually) are synthesized once, here, before the worker processes
   start, so the workers find them in the shared speech cache instead of racing to make
   the same sentence twice.
3. **Render the rows in worker processes**, each with :func:`generator.pipeline.rendering.render`.
   Processes are started with *spawn*, not fork: the parent may hold an ONNX runtime
   with its own threads, which a forked child would inherit half-alive.

**Skipping unchanged rows.** After each row is rendered, a manifest in the output folder
(``.meditate-batch.json``) records, per track file, a *row key* and the track's size and
modification time. The row key is a SHA-256 over the loaded script (with its includes
expanded and the row's variables substituted, but without source positions, so editing a
comment does not re-render anything), the contents of every file it refers to (cover,
sound files, bell files, a Piper voice given as a path or installed by name, with its config),
the row's variables, the render options (format, bitrate, loudness, mono, sidecars, engine)
and the program's version.
A row is skipped when its key matches and its track (and sidecars) are still there
exactly as written. `force=True` renders every row regardless.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import textwrap
import time
import unicodedata
import warnings
from collections import Counter
from contextlib import closing
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from fractions import Fraction
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable

from generator import __version__
from generator.batch.rows import RowJob, first_error
from generator.core import model
from generator.core.atomic import write_atomic
from generator.core.digest import file_digest
from generator.core.errors import InputError, MeditateError, ScriptErrors, ScriptWarning
from generator.load.loader import load_script
from generator.core.cores import available_cores
from generator.pipeline.rendering import RenderOptions, chosen_format
from generator.script.roster import _VARIABLE_NAME, OUTPUT_COLUMN, Roster, RosterRow
from generator.kinds.steps import STEP_KINDS, utterances as spoken
from generator.voice.takesheet import read_sheet
from generator.voice.engines import ENGINES
from generator.core.units import format_duration
from generator.core.suggest import did_you_mean
from generator.batch.cluster.runner import run_rows
from generator.load.rostercheck import column_case_errors, used_variables
from generator.output.sidecars import sidecar_paths
from generator.output.targets import InputFiles, refuse_unsafe
from generator.pipeline.rendering import render
from generator.voice.bank import SpeechBank
from generator.voice.cache import default_cache_dir

MANIFEST = ".meditate-batch.json"
"""The file in the output folder that remembers what each track was rendered from."""

# --- results ----------------------------------------------------------------------------------


@dataclass
class RowResult:
    """What became of one row: `rendered`, `skipped` (up to date) or `failed`."""

    row: RosterRow
    output: Path
    status: str
    seconds: float | None = None
    message: str = ""
    details: list[str] = field(default_factory=list)  # every error line of a failed row
    elapsed: float = 0.0


# --- the batch --------------------------------------------------------------------------------


def render_batch(
    script: Path,
    roster: Roster,
    out_dir: Path,
    *,
    jobs: int | None = None,
    options: RenderOptions | None = None,
    force: bool = False,
    on_row: Callable[[RowResult], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
    client: Any = None,
) -> list[RowResult]:
    """Render one track per roster row into `out_dir`; return one result per row, in order.

    `options` are the shared render options (`variables` there are defaults every row
    may override; `output` and `progress` are ignored). Raises ScriptErrors (exit 2) when
    the script fails for every row; otherwise a failing row is reported in its result.
    `on_row` is called as each row finishes (in the order they finish); `on_warning`
    with advice such as an unused column (default: Python's warnings). `client` sends
    the rows to a Dask cluster instead of local processes: a `distributed.Client`, or an
    address (`tcp://host:8786`, `local:N`) connected to only when some row needs rendering
    (see generator.batch.cluster).
    """
    options = options or RenderOptions()
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = max(1, jobs or available_cores())

    _refuse_case_mismatches(Path(script), roster, options)
    results, sessions = _load_rows(script, roster, out_dir, options)
    if on_row:
        for result in results:
            if result.status == "failed":
                on_row(result)

    _refuse_unsafe_outputs(results, sessions, roster, options.sidecars, out_dir)
    for message in unused_columns(script, roster, options):
        (on_warning or (lambda m: warnings.warn(m, stacklevel=3)))(message)
    manifest = _Manifest(out_dir)
    todo = _stale_rows(script, results, sessions, options, manifest, force, on_row)
    if todo and client is not None:

        with closing(run_rows(client, todo, sessions)) as outcomes:  # closed: an interruption cancels the cluster's work
            for job, outcome in outcomes:
                _finish(results[job.index], job, outcome, manifest, on_row)
    elif todo:
        with _shared_cache(options) as cache_dir:
            todo = [dataclasses.replace(j, options=dataclasses.replace(j.options, cache_dir=cache_dir, use_cache=True)) for j in todo]
            _synthesize_shared([sessions[j.index] for j in todo], cache_dir)
            for job, outcome in _run(todo, jobs):
                result = results[job.index]
                result.status, result.seconds, result.message, result.details, result.elapsed = outcome
                if result.status == "rendered":
                    manifest.record(result.output, job.key, result.seconds or 0.0)
                if on_row:
                    on_row(result)
    return results


def _finish(result: RowResult, job: RowJob, outcome: tuple, manifest: _Manifest, on_row: Callable[[RowResult], None] | None) -> None:
    """A row's outcome recorded (in the manifest too, when its track was written) and reported."""
    result.status, result.seconds, result.message, result.details, result.elapsed = outcome
    if result.status == "rendered":
        manifest.record(result.output, job.key, result.seconds or 0.0)
    if on_row:
        on_row(result)


def _load_rows(
    script: Path, roster: Roster, out_dir: Path, options: RenderOptions
) -> tuple[list[RowResult], dict[int, model.Session]]:
    """Every row's script loaded with its variables, before anything is rendered. Raises
    ScriptErrors (every distinct problem) when no row loads; a row that fails alone is a
    failed result."""
    results: list[RowResult] = []
    sessions: dict[int, model.Session] = {}
    failures: list[ScriptErrors] = []
    for index, row in enumerate(roster.rows):
        output = out_dir / row.output
        try:
            sessions[index] = load_script(
                script, {**options.variables, **row.variables}, engine=options.engine, required=options.required_variables
            )
            results.append(RowResult(row, output, "pending"))
        except ScriptErrors as exc:
            failures.append(exc)
            details = [str(e) for e in exc.errors]
            results.append(RowResult(row, output, "failed", message=first_error(exc.errors), details=details))
    if not sessions:
        unique = {str(e): e for exc in failures for e in exc.errors}
        raise ScriptErrors(list(unique.values()))
    return results, sessions


def _stale_rows(
    script: Path,
    results: list[RowResult],
    sessions: dict[int, model.Session],
    options: RenderOptions,
    manifest: _Manifest,
    force: bool,
    on_row: Callable[[RowResult], None] | None,
) -> list[RowJob]:
    """The rows to render: all with `force`, else those whose track is not up to date
    (the others are marked skipped)."""
    todo: list[RowJob] = []
    for index, session in sessions.items():
        result = results[index]
        fmt = chosen_format(result.output, None).name  # the name's suffix: read_roster gave every row one
        row_options = dataclasses.replace(
            options, output=result.output, format=fmt, progress=None, variables={**options.variables, **result.row.variables}
        )
        key = row_key(session, row_options)
        recorded = manifest.current(result.output.name, key, options.sidecars)
        if recorded is not None and not force:
            result.status, result.seconds, result.message = "skipped", recorded, "up to date"
            if on_row:
                on_row(result)
            continue
        todo.append(RowJob(index, str(script), dict(row_options.variables), str(result.output), row_options, key))
    return todo


def _refuse_case_mismatches(script: Path, roster: Roster, options: RenderOptions) -> None:
    """A column `Name` for a script using `{name}` is an error (exit 2), before any row."""

    errors = column_case_errors(roster.path, roster.columns, used_variables(script, options.variables, options.engine))
    if errors:
        raise ScriptErrors(errors)


def _refuse_unsafe_outputs(
    results: list[RowResult], sessions: dict[int, model.Session], roster: Roster, sidecars: bool, out_dir: Path
) -> None:
    """Before any row is rendered: no row's track or sidecar may replace the roster, the
    script or a file it reads (for any row), nor anything that is not a regular file."""

    inputs = InputFiles([roster.path, *(p for s in sessions.values() for p in s.inputs)])
    outputs = [out_dir / MANIFEST]
    for index in sessions:
        track = results[index].output
        outputs += [track, *(sidecar_paths(track) if sidecars else ())]
    refuse_unsafe(outputs, inputs, what="the batch")


def unused_columns(script: Path, roster: Roster, options: RenderOptions) -> list[str]:
    """A warning for each column the script never uses: usually a misspelt variable name,
    which would otherwise leave every client with the default ('Welcome, friend').

    Each column is given a mark no script could contain by chance, and the loaded script
    is searched for the marks: exact, whichever field or include uses the variable.
    """
    columns = [c for c in roster.columns if c and c != OUTPUT_COLUMN and _VARIABLE_NAME.fullmatch(c)]
    marks = {c: f"\u27e6column {c}\u27e7" for c in columns}  # text that cannot occur by chance
    try:
        session = load_script(script, {**options.variables, **marks}, engine=options.engine)
    except MeditateError:
        return []  # the marks upset the script: no verdict, no warning
    used = {k: v for k, v in _canonical(session).items() if k != "variables"}  # that field lists them all
    seen = json.dumps(used, ensure_ascii=False)
    names = [name for name, _ in session.variables if name not in marks]
    return [
        f"{roster.path}:1: column '{column}' is not used by {script}{did_you_mean(column, names)}"
        for column in columns
        if marks[column] not in seen
    ]


class _shared_cache:
    """The speech cache every worker shares: the user's, or one temporary folder for the
    whole batch under --no-cache (so shared sentences are still made only once)."""

    def __init__(self, options: RenderOptions):
        self.options = options
        self.temp: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> Path:

        if not self.options.use_cache:
            self.temp = tempfile.TemporaryDirectory(prefix="meditate-batch-speech-")
            return Path(self.temp.name)
        return self.options.cache_dir or default_cache_dir()

    def __exit__(self, *exc: object) -> None:
        if self.temp is not None:
            self.temp.cleanup()


def _synthesize_shared(sessions: list[model.Session], cache_dir: Path) -> int:
    """Synthesize, once and here, every utterance that two or more rows speak."""

    counts = Counter(u for s in sessions for u in spoken(s))
    shared = [u for u, n in counts.items() if n > 1]
    if len(sessions) < 2 or not shared:
        return 0
    bank = SpeechBank(cache_dir)
    try:
        return bank.prepare(shared)
    finally:
        bank.close()


def _run(todo: list[RowJob], jobs: int):
    """Yield (job, outcome) as rows finish: in this process for one job, else in workers."""
    if jobs == 1 or len(todo) == 1:
        for job in todo:
            yield job, _render_row(job)
        return
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(_render_row, job): job for job in todo}
        try:
            for future in as_completed(futures):
                job = futures[future]
                try:
                    yield job, future.result()
                except BrokenProcessPool:
                    yield job, ("failed", None, "its worker process died (out of memory?)", [], 0.0)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _render_row(job: RowJob) -> tuple[str, float | None, str, list[str], float]:
    """Render one row (in a worker): never raises for the row's own failure."""

    started = time.perf_counter()
    try:
        with warnings.catch_warnings():  # the script's advice was shown once, when the rows were keyed
            warnings.simplefilter("ignore", ScriptWarning)
            result = render(job.script, job.options)
    except ScriptErrors as exc:
        return "failed", None, first_error(exc.errors), [str(e) for e in exc.errors], time.perf_counter() - started
    except MeditateError as exc:
        return "failed", None, str(exc), [str(exc)], time.perf_counter() - started
    except Exception as exc:  # a bug: report it on this row and let the others finish
        message = f"internal error: {type(exc).__name__}: {exc}"
        return "failed", None, message, [message], time.perf_counter() - started
    elapsed = time.perf_counter() - started
    note = f"{result.synthesized} new utterance{'s' if result.synthesized != 1 else ''}, {elapsed:.1f} s"
    return "rendered", result.timeline.seconds, note, [], elapsed


# --- skipping what is up to date ---------------------------------------------------------------


def row_key(session: model.Session, options: RenderOptions) -> str:
    """A SHA-256 of everything that shapes a row's track (see the module docstring)."""
    payload = {
        "program": __version__,
        "fake_tts": os.environ.get("MEDITATE_FAKE_TTS", ""),
        "session": _canonical(session),
        "options": [[name, str(value)] for name, value in options.track_key()],
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> Any:
    """The model as plain JSON values: positions left out, files replaced by their hash."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {"~": type(value).__name__}
        for f in dataclasses.fields(value):
            if f.name in ("position", "length_position") or (isinstance(value, model.Session) and f.name in ("path", "inputs")):
                continue
            out[f.name] = _canonical(getattr(value, f.name))
        if isinstance(value, model.Voice):
            out["voice_id"] = ENGINES[value.engine].make().voice_id(value)  # the voice's files' content
        if isinstance(value, model.Utterance) and value.voice.takes is not None:
            out["takes"] = _takes(value.voice.takes, [value.text])
        words = STEP_KINDS.cue_words(value)
        if words is not None and value.voice.takes is not None:
            out["takes"] = _takes(value.voice.takes, words)
        return out
    if isinstance(value, Path) and value.is_dir():  # a recorded voice's takes folder: see _takes below
        return {"folder": str(value)}
    if isinstance(value, Path):
        return dict(file=str(value), sha256=file_digest(value))  # keys as before: they are part of the row key
    if isinstance(value, (tuple, list)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)  # e.g. a Glide: its repr is its value


def _takes(folder: Path, texts: list[str]) -> list[str]:
    """The digests of the recordings that speak `texts`: a replaced take re-renders only its rows."""
    sheet = read_sheet(folder)
    recordings = [sheet.recording(row) if (row := sheet.row_for(text)) else None for text in texts]
    return [file_digest(path) if path else "missing" for path in recordings]


class _Manifest:
    """`DIR/.meditate-batch.json`: per track file, the row key and the file as written."""

    def __init__(self, folder: Path):
        self.path = folder / MANIFEST
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.tracks: dict[str, dict] = dict(data.get("tracks", {}))
        except (OSError, ValueError, AttributeError):
            self.tracks = {}  # missing or damaged: everything is simply rendered again

    def current(self, name: str, key: str, sidecars: bool) -> float | None:
        """The recorded length when `name` was rendered from `key` and is still as written."""
        entry = self.tracks.get(name)
        track = self.path.parent / name
        if not entry or entry.get("key") != key:
            return None
        try:
            stat = track.stat()
        except OSError:
            return None
        if stat.st_size != entry.get("size") or stat.st_mtime_ns != entry.get("mtime_ns"):
            return None
        if sidecars and not all(track.with_suffix(s).is_file() for s in (".json", ".vtt")):
            return None
        return float(entry.get("seconds", 0.0))

    def record(self, track: Path, key: str, seconds: float) -> None:
        stat = track.stat()
        self.tracks[track.name] = {"key": key, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "seconds": seconds}
        self._write()

    def _write(self) -> None:
        text = json.dumps({"version": 1, "tracks": self.tracks}, indent=1, ensure_ascii=False, sort_keys=True)
        write_atomic(self.path, text + "\n")


# --- the summary ----------------------------------------------------------------------------


def summary_table(results: list[RowResult]) -> str:
    """Row (roster line), output, status, length and message: one line per row."""
    head = ("row", "output", "status", "length", "message")
    lines = [
        (
            str(r.row.line),
            r.output.name,
            r.status,
            format_duration(r.seconds) if r.seconds is not None else "-",
            textwrap.shorten(r.message, width=90, placeholder="…") if r.message else "",
        )
        for r in results
    ]
    widths = [max(_width(head[i]), *(_width(line[i]) for line in lines)) for i in range(4)]
    out = []
    for cells in [head, *lines]:
        padded = [" " * (widths[0] - _width(cells[0])) + cells[0]]
        padded += [c + " " * (w - _width(c)) for c, w in zip(cells[1:4], widths[1:])]
        out.append("  ".join([*padded, cells[4]]).rstrip())
    counts = Counter(r.status for r in results)
    out.append("")
    if counts["rendered"] == 0 and counts["failed"] == 0:
        out.append(f"nothing to render: all {len(results)} tracks are up to date")
    else:
        out.append(f"{counts['rendered']} rendered, {counts['skipped']} skipped, {counts['failed']} failed")
    return "\n".join(out) + "\n"


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: wide (e.g. Chinese) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
